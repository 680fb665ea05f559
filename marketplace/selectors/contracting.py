"""Requests, offers, engagements, changes of agency and allocation runs as each user may see them."""

from django.shortcuts import get_object_or_404

from marketplace.models import (
    AgencyChange,
    AllocationRun,
    CustodyRequest,
    Engagement,
    Offer,
)
from marketplace.selectors.participants import is_anonymous, scoped_to_parties


def custody_requests_visible_to(user):
    """Firms see their own requests, managers their incubator's, agencies those offered to them."""
    qs = CustodyRequest.objects.select_related("firm__incubator", "programme_year", "created_by")
    scoped = scoped_to_parties(
        user, qs, firm="firm_id", agency="offers__agency_id", incubator="firm__incubator_id"
    )
    # One request has many offers: the join to offers must not repeat it.
    return (
        scoped.distinct()
        if user is not None and user.is_authenticated and user.is_agency_staff
        else scoped
    )


def offers_visible_to(user):
    qs = Offer.objects.select_related(
        "request__firm__incubator", "request__programme_year", "agency"
    )
    return scoped_to_parties(
        user,
        qs,
        firm="request__firm_id",
        agency="agency_id",
        incubator="request__firm__incubator_id",
    )


def engagements_visible_to(user):
    qs = Engagement.objects.select_related("firm__incubator", "agency", "programme_year")
    return scoped_to_parties(
        user, qs, firm="firm_id", agency="agency_id", incubator="firm__incubator_id"
    )


def agency_changes_visible_to(user):
    qs = AgencyChange.objects.select_related("engagement__firm", "engagement__agency", "new_agency")
    return scoped_to_parties(
        user,
        qs,
        firm="engagement__firm_id",
        agency="engagement__agency_id",
        incubator="engagement__firm__incubator_id",
    )


def allocation_runs_visible_to(user):
    if is_anonymous(user) or not user.is_programme_officer:
        return AllocationRun.objects.none()
    return AllocationRun.objects.select_related("programme_year", "created_by")


def custody_request_get_for_user(*, user, request_id):
    return get_object_or_404(custody_requests_visible_to(user), pk=request_id)


def offer_get_for_agency(*, user, offer_id):
    return get_object_or_404(offers_visible_to(user), pk=offer_id)


def engagement_get_for_user(*, user, engagement_id):
    return get_object_or_404(engagements_visible_to(user), pk=engagement_id)
