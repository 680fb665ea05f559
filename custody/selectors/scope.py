"""Whose custody work a user may see: the scoping every custody selector starts from."""

from django.db.models import Exists, OuterRef

from marketplace.models import Engagement
from marketplace.selectors import scoped_to_parties


def in_custody_of(agency_id):
    """Rows whose firm is under an active engagement with the agency."""
    return Exists(
        Engagement.objects.filter(
            firm_id=OuterRef("firm_id"), agency_id=agency_id, status=Engagement.Status.ACTIVE
        )
    )


def firm_scoped(user, qs, *, incubator="firm__incubator_id"):
    """Rows of firms the user may see; an agency sees the firms in its active custody.
    `incubator` is the lookup of the row's incubator, for rows that carry it themselves."""
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_firm_member:
        return qs.filter(firm_id=user.firm_id)
    if user.is_agency_staff:
        return qs.filter(in_custody_of(user.agency_id))
    if user.is_incubator_manager:
        return qs.filter(**{incubator: user.incubator_id})
    return qs.none()


def engagement_scoped(user, qs, prefix):
    return scoped_to_parties(
        user,
        qs,
        firm=f"{prefix}firm_id",
        agency=f"{prefix}agency_id",
        incubator=f"{prefix}firm__incubator_id",
    )
