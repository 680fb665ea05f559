from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.forms import IncubationEndForm, ReasonForm
from frontend.views import firm_lists
from frontend.views.access import decide, role_required, timeline
from frontend.views.incubators import incubator_review_panel
from marketplace import actions, selectors
from marketplace.models import CustodyRequest, Engagement
from marketplace.selectors.prices import package_summary
from reporting import action_centre


def _firm_context(request, firm):
    user = request.user
    return {
        "firm": firm,
        "members": selectors.users_visible_to(user).filter(firm=firm).order_by("date_joined"),
        "events": timeline(request, selectors.audit_events_visible_to(user).filter(firm=firm)),
    }


@role_required("firm_member")
def firm_home(request):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=request.user.firm_id)
    context = _firm_context(request, firm)
    # What needs the firm now comes first: the co-payment custody waits for, and the rest.
    context["action_items"] = action_centre.firm_actions(request.user)
    year = selectors.programme_year_open()
    context["package"] = package_summary(year)
    # The firm's latest request; a new one can be made when none is live in the open year.
    context["custody_request"] = (
        selectors.custody_requests_visible_to(request.user).order_by("-submitted_at").first()
    )
    context["can_apply"] = year is not None and not (
        context["custody_request"]
        and context["custody_request"].programme_year_id == year.pk
        and context["custody_request"].status != CustodyRequest.Status.WITHDRAWN
    )
    # The agency holding (or about to hold) the firm's custody, named on the custody card.
    engagement = (
        selectors.engagements_visible_to(request.user)
        .filter(status__in=Engagement.RUNNING)
        .order_by("-created_at")
        .first()
    )
    context["engagement"] = engagement
    # The request's state says how far its own engagement is, also once that has ended.
    custody_request = context["custody_request"]
    if (
        custody_request is not None
        and custody_request.status == CustodyRequest.Status.ENGAGED
        and (engagement is None or engagement.request_id != custody_request.pk)
    ):
        engagement = (
            selectors.engagements_visible_to(request.user)
            .filter(request=custody_request)
            .order_by("-created_at", "-id")
            .first()
        )
    context["request_engagement"] = engagement
    return render(request, "frontend/firm/home.html", context)


@role_required("programme_officer", "incubator_manager")
def firm_list(request):
    filters, firms, year = firm_lists.filtered_firms(request)
    return render(
        request,
        "frontend/firm/list.html",
        {"filters": filters, "page": firm_lists.firm_page(request, firms, year), "year": year},
    )


@login_required
def firm_detail(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    context = _firm_context(request, firm)
    context["can_decide"] = request.user.is_programme_officer or (
        request.user.is_incubator_manager and request.user.incubator_id == firm.incubator_id
    )
    return render(request, "frontend/firm/detail.html", context)


_PANELS = {"firm-review": incubator_review_panel}


@require_POST
@role_required("incubator_manager", "programme_officer")
def firm_verify(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    return decide(
        request,
        run=lambda: actions.firm_verify(firm=firm, by=request.user),
        success=_("%(name)s is confirmed as incubated.") % {"name": firm.name},
        panels=_PANELS,
    )


@require_POST
@role_required("incubator_manager", "programme_officer")
def firm_incubation_end(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    form = IncubationEndForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.firm_incubation_end(
            firm=firm, by=request.user, on=form.cleaned_data["on"]
        ),
        success=_("%(name)s's incubation end is recorded.") % {"name": firm.name},
        panels={},
        default=reverse("frontend:firm-detail", args=[firm.pk]),
    )


@require_POST
@role_required("incubator_manager", "programme_officer")
def firm_reject(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.firm_reject(
            firm=firm, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("%(name)s is rejected; the firm sees your reason.") % {"name": firm.name},
        panels=_PANELS,
    )
