"""A firm's custody request: apply, read the ranked agencies, choose one, follow the answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ActionError
from frontend.filter_forms import CustodyRequestFilterForm
from frontend.forms import ChangeAgencyForm, ChooseAgencyForm, CustodyRequestForm, ReasonForm
from frontend.labels import SCORE_COMPONENTS
from frontend.views.access import decide, paginate, role_required
from marketplace import actions, eligibility, selectors
from marketplace.explain import describe_constraint, describe_reason
from marketplace.models import AgencyChange, CustodyRequest, Engagement, EngagementItem, Offer
from marketplace.selectors.prices import engagement_lines, request_lines
from marketplace.selectors.ranking import rank_request

# The firm reads the best few; more would only bury them.
RANKED_SHOWN = 8

LIVE_STATES = (
    CustodyRequest.Status.OPEN,
    CustodyRequest.Status.OFFERED,
    CustodyRequest.Status.WAITLISTED,
)


def _live_request(user, programme_year):
    if programme_year is None:
        return None
    return (
        selectors.custody_requests_visible_to(user)
        .filter(programme_year=programme_year)
        .exclude(status=CustodyRequest.Status.WITHDRAWN)
        .first()
    )


@role_required("firm_member")
def request_new(request):
    year = selectors.programme_year_open()
    live = _live_request(request.user, year)
    if live is not None and request.method == "GET":
        messages.info(request, _("Your firm already has a request this programme year."))
        return redirect("frontend:request-detail", live.pk)
    form = CustodyRequestForm(request.POST or None, programme_year=year) if year else None
    failed_rules = []
    if form is not None and request.method == "POST" and form.is_valid():
        firm = selectors.firm_get_for_user(user=request.user, firm_id=request.user.firm_id)
        try:
            submitted = actions.request_submit(
                firm=firm,
                by=request.user,
                programme_year=year,
                quotas=form.quotas,
                needs=form.cleaned_data["needs"],
            )
        except actions.Ineligible as refusal:
            failed_rules = [eligibility.describe(rule) for rule in refusal.rules]
        except (ActionError, ValidationError) as error:
            form.add_action_error(error)
        else:
            if submitted.status == CustodyRequest.Status.WAITLISTED:
                messages.warning(
                    request,
                    _(
                        "Your request is received, but the programme budget is fully committed: "
                        "your firm is on the waiting list."
                    ),
                )
            else:
                messages.success(
                    request, _("Your request is received. Choose the agency you prefer below.")
                )
            return redirect("frontend:request-detail", submitted.pk)
    return render(
        request,
        "frontend/requests/new.html",
        {
            "year": year,
            "form": form,
            "failed_rules": failed_rules,
            "split": form.price() if form is not None else None,
            "share_percent": year.government_share * 100 if year else None,
        },
    )


def _list_queryset(user):
    visible_offers = (
        selectors.offers_visible_to(user)
        .select_related(None)
        .select_related("agency")
        .filter(status=Offer.Status.PENDING)
    )
    # Latest first: the engagement that says how far an engaged request is, ended or not.
    visible_engagements = (
        selectors.engagements_visible_to(user)
        .select_related(None)
        .select_related("agency")
        .order_by("-created_at", "-id")
    )
    return selectors.custody_requests_visible_to(user).prefetch_related(
        Prefetch("offers", queryset=visible_offers, to_attr="pending_offers"),
        Prefetch("engagements", queryset=visible_engagements, to_attr="latest_engagements"),
    )


@role_required("firm_member", "incubator_manager", "programme_officer")
def request_list(request):
    user = request.user
    filters = CustodyRequestFilterForm(request.GET or None)
    page = paginate(request, filters.filter(_list_queryset(user)))
    year = selectors.programme_year_open() if user.is_firm_member else None
    can_apply = year is not None and _live_request(user, year) is None
    return render(
        request,
        "frontend/requests/list.html",
        {"filters": filters, "page": page, "can_apply": can_apply, "open_year": year},
    )


def _ranked(user, custody_request, offers):
    """The best candidates in words: score, one bar per score component, reasons."""
    ranking, _profiles = rank_request(custody_request, limit=RANKED_SHOWN)
    agencies = selectors.agencies_visible_to(user).in_bulk(
        [candidate.agency_id for candidate in ranking.candidates]
    )
    asked = {}
    for offer in offers:
        asked.setdefault(offer.agency_id, offer)
    rows = []
    for position, candidate in enumerate(ranking.candidates, start=1):
        agency = agencies.get(candidate.agency_id)
        if agency is None:
            continue
        scale = 100.0 / (sum(component.weight for component in candidate.components) or 1.0)
        rows.append(
            {
                "rank": position,
                "agency": agency,
                "score": candidate.score,
                "components": [
                    {
                        "label": SCORE_COMPONENTS.get(component.name, component.name),
                        "points": round(component.points * component.weight * scale, 1),
                        "weight": round(component.weight * scale, 1),
                    }
                    for component in candidate.components
                ],
                "reasons": [
                    describe_reason(reason.code, reason.params) for reason in candidate.reasons
                ],
                "asked": asked.get(agency.pk),
            }
        )
    excluded = {}
    for exclusion in ranking.excluded:
        excluded[exclusion.constraint] = excluded.get(exclusion.constraint, 0) + 1
    return rows, [
        {"text": describe_constraint(code), "count": count}
        for code, count in sorted(excluded.items(), key=lambda item: -item[1])
    ]


def _engagement_context(user, custody_request):
    engagements = list(
        selectors.engagements_visible_to(user)
        .filter(request=custody_request)
        .prefetch_related(
            Prefetch("items", queryset=EngagementItem.objects.select_related("service_item"))
        )
        .order_by("-created_at", "-pk")
    )
    current = next((e for e in engagements if e.status == Engagement.Status.ACTIVE), None)
    if current is None and engagements:
        current = engagements[0]
    if current is None:
        return {"engagement": None}
    changes = list(selectors.agency_changes_visible_to(user).filter(engagement=current))
    pending_change = next((c for c in changes if c.status == AgencyChange.Status.PENDING), None)
    can_change = (
        user.is_firm_member
        and current.status == Engagement.Status.ACTIVE
        and pending_change is None
    )
    return {
        "engagement": current,
        "engagement_items": engagement_lines(current),
        "earlier_engagements": [e for e in engagements if e.pk != current.pk],
        "changes": changes,
        "pending_change": pending_change,
        "change_form": ChangeAgencyForm(user=user, current_agency_id=current.agency_id)
        if can_change
        else None,
    }


@role_required("firm_member", "incubator_manager", "programme_officer")
def request_detail(request, request_id):
    user = request.user
    custody_request = selectors.custody_request_get_for_user(user=user, request_id=request_id)
    offers = list(
        selectors.offers_visible_to(user)
        .filter(request=custody_request)
        .select_related(None)
        .select_related("agency")
    )
    context = {
        "custody_request": custody_request,
        **request_lines(custody_request),
        "offers": offers,
        "pending_offer": next((o for o in offers if o.status == Offer.Status.PENDING), None),
        "events": selectors.audit_events_of_request(user=user, request_id=custody_request.pk),
        "can_act": user.is_firm_member,
        "can_withdraw": user.is_firm_member and custody_request.status in LIVE_STATES,
        "ranked": [],
        "excluded": [],
    }
    if custody_request.status == CustodyRequest.Status.OPEN:
        context["ranked"], context["excluded"] = _ranked(user, custody_request, offers)
    context.update(_engagement_context(user, custody_request))
    return render(request, "frontend/requests/detail.html", context)


@role_required("firm_member")
def request_choose_confirm(request, request_id, agency_id):
    """The choice, read back before the offer binds: the agency, the price, what comes next."""
    user = request.user
    custody_request = selectors.custody_request_get_for_user(user=user, request_id=request_id)
    agency = selectors.agency_get_for_user(user=user, agency_id=agency_id)
    if custody_request.status != CustodyRequest.Status.OPEN:
        return redirect("frontend:request-detail", custody_request.pk)
    ranked, _excluded = _ranked(user, custody_request, offers=())
    row = next((row for row in ranked if row["agency"].pk == agency.pk), None)
    if row is None:
        messages.error(request, _("Choose one of the agencies listed."))
        return redirect("frontend:request-detail", custody_request.pk)
    return render(
        request,
        "frontend/requests/choose_confirm.html",
        {"custody_request": custody_request, "row": row, **request_lines(custody_request)},
    )


@require_POST
@role_required("firm_member")
def request_choose(request, request_id):
    user = request.user
    custody_request = selectors.custody_request_get_for_user(user=user, request_id=request_id)
    form = ChooseAgencyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the agencies listed."))
        return redirect("frontend:request-detail", custody_request.pk)
    agency = selectors.agency_get_for_user(user=user, agency_id=form.cleaned_data["agency"])
    try:
        offer = actions.offer_make(request=custody_request, agency=agency, by=user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your request is offered to %(agency)s, which has until %(deadline)s to answer.")
            % {
                "agency": agency,
                "deadline": date_format(timezone.localtime(offer.respond_by), "DATETIME_FORMAT"),
            },
        )
    return redirect("frontend:request-detail", custody_request.pk)


@require_POST
@role_required("firm_member")
def request_withdraw(request, request_id):
    user = request.user
    custody_request = selectors.custody_request_get_for_user(user=user, request_id=request_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.request_withdraw(
            request=custody_request, by=user, reason=form.cleaned_data["reason"]
        ),
        success=_("Your request is withdrawn; any waiting offer was withdrawn with it."),
        panels={},
        default=reverse("frontend:request-detail", args=[custody_request.pk]),
    )


@require_POST
@role_required("firm_member")
def engagement_change(request, engagement_id):
    user = request.user
    engagement = selectors.engagement_get_for_user(user=user, engagement_id=engagement_id)
    form = ChangeAgencyForm(request.POST, user=user, current_agency_id=engagement.agency_id)
    return decide(
        request,
        form=form,
        run=lambda: actions.agency_change_request(
            engagement=engagement,
            new_agency=form.cleaned_data["new_agency"],
            by=user,
            reason=form.cleaned_data["reason"],
        ),
        success=_("Your request to change agency is sent to the programme office."),
        panels={},
        default=reverse("frontend:request-detail", args=[engagement.request_id]),
    )
