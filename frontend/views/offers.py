"""An agency's inbox of custody offers, and its answer to each."""

from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.filter_forms import OfferFilterForm
from frontend.forms import ReasonForm
from frontend.views.access import decide, paginate, role_required
from marketplace import actions, selectors
from marketplace.explain import describe_reason
from marketplace.models import Offer, RequestItem
from marketplace.selectors.prices import price_split, request_lines


def _inbox(user):
    """Pending offers first, soonest deadline first; answered ones after, newest first."""
    return (
        selectors.offers_visible_to(user)
        .annotate(
            waiting=Case(
                When(status=Offer.Status.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            due=Case(When(status=Offer.Status.PENDING, then=F("respond_by"))),
        )
        .prefetch_related(
            Prefetch("request__items", queryset=RequestItem.objects.select_related("service_item"))
        )
        .order_by("waiting", F("due").asc(nulls_last=True), "-sent_at", "-pk")
    )


@role_required("agency_staff")
def offer_inbox(request):
    user = request.user
    filters = OfferFilterForm(request.GET or None)
    page = paginate(request, filters.filter(_inbox(user)))
    rows = []
    for offer in page.object_list:
        lines = list(offer.request.items.all())
        rows.append(
            {
                "offer": offer,
                "items": lines,
                "split": price_split(
                    offer.request.programme_year,
                    [(line.service_item, line.quota) for line in lines],
                ),
            }
        )
    return render(
        request,
        "frontend/offers/inbox.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "pending_count": selectors.offers_visible_to(user)
            .filter(status=Offer.Status.PENDING)
            .count(),
        },
    )


def _decision_context(user, offer):
    return {
        "offer": offer,
        "can_answer": user.is_agency_staff and offer.status == Offer.Status.PENDING,
        "engagement": selectors.engagements_visible_to(user).filter(offer=offer).first()
        if offer.status == Offer.Status.ACCEPTED
        else None,
    }


def offer_decision_panel(request, changed=None):
    """The answer card, re-rendered after an accept or decline made through htmx."""
    offer = selectors.offer_get_for_agency(
        user=request.user, offer_id=request.resolver_match.kwargs["offer_id"]
    )
    return render(
        request,
        "frontend/offers/_decision.html",
        {**_decision_context(request.user, offer), "htmx_partial": True},
    )


@role_required("agency_staff", "programme_officer")
def offer_detail(request, offer_id):
    user = request.user
    offer = selectors.offer_get_for_agency(user=user, offer_id=offer_id)
    return render(
        request,
        "frontend/offers/detail.html",
        {
            **_decision_context(user, offer),
            "firm": offer.request.firm,
            **request_lines(offer.request),
            "reasons": [
                describe_reason(reason.get("code"), reason.get("params"))
                for reason in offer.reasons
            ],
            "events": selectors.audit_events_of_request(user=user, request_id=offer.request_id),
        },
    )


_PANELS = {"offer-decision": offer_decision_panel}


@require_POST
@role_required("agency_staff")
def offer_accept(request, offer_id):
    offer = selectors.offer_get_for_agency(user=request.user, offer_id=offer_id)
    return decide(
        request,
        run=lambda: actions.offer_accept(offer=offer, by=request.user),
        success=_("You accepted the custody of %(firm)s; the engagement has started.")
        % {"firm": offer.request.firm.name},
        panels=_PANELS,
        default=reverse("frontend:offer-detail", args=[offer.pk]),
    )


@require_POST
@role_required("agency_staff")
def offer_decline(request, offer_id):
    offer = selectors.offer_get_for_agency(user=request.user, offer_id=offer_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.offer_decline(
            offer=offer, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("You declined the offer for %(firm)s; the firm is told your reason.")
        % {"firm": offer.request.firm.name},
        panels=_PANELS,
        default=reverse("frontend:offer-detail", args=[offer.pk]),
    )
