"""Permission-scoped reads of the custody workspace.

Portfolio and deadlines belong to a firm: the firm's members, the agency holding
an active engagement for it, its incubator's manager and the programme office see
them. Service records, evidence and settlements belong to an engagement and are
seen by its parties. Anything outside gives 404 through the `*_get_for_user` helpers.
"""

from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404

from custody.models import Deadline, EvidenceFile, IPAsset, ServiceRecord, Settlement
from marketplace.models import Engagement
from marketplace.selectors import scoped_to_parties


def _in_custody_of(agency_id):
    """Rows whose firm is under an active engagement with the agency."""
    return Exists(
        Engagement.objects.filter(
            firm_id=OuterRef("firm_id"), agency_id=agency_id, status=Engagement.Status.ACTIVE
        )
    )


def _firm_scoped(user, qs):
    """Rows of firms the user may see; an agency sees the firms in its active custody."""
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_programme_officer:
        return qs
    if user.is_firm_member:
        return qs.filter(firm_id=user.firm_id)
    if user.is_agency_staff:
        return qs.filter(_in_custody_of(user.agency_id))
    if user.is_incubator_manager:
        return qs.filter(firm__incubator_id=user.incubator_id)
    return qs.none()


def assets_visible_to(user):
    return _firm_scoped(user, IPAsset.objects.select_related("firm"))


def deadlines_visible_to(user):
    return _firm_scoped(user, Deadline.objects.select_related("asset", "firm"))


def _engagement_scoped(user, qs, prefix):
    return scoped_to_parties(
        user,
        qs,
        firm=f"{prefix}firm_id",
        agency=f"{prefix}agency_id",
        incubator=f"{prefix}firm__incubator_id",
    )


def service_records_visible_to(user):
    qs = ServiceRecord.objects.select_related(
        "engagement__firm", "engagement__agency", "item__service_item", "logged_by"
    )
    return _engagement_scoped(user, qs, "engagement__")


def settlements_visible_to(user):
    qs = Settlement.objects.select_related("engagement__firm", "engagement__agency")
    return _engagement_scoped(user, qs, "engagement__")


def evidence_visible_to(user):
    """Evidence of records and deadlines the user may see, and nothing else."""
    records = service_records_visible_to(user).values("pk")
    deadlines = deadlines_visible_to(user).values("pk")
    return EvidenceFile.objects.filter(service_record__in=records) | EvidenceFile.objects.filter(
        deadline__in=deadlines
    )


def asset_get_for_user(*, user, asset_id):
    return get_object_or_404(assets_visible_to(user), pk=asset_id)


def deadline_get_for_user(*, user, deadline_id):
    return get_object_or_404(deadlines_visible_to(user), pk=deadline_id)


def service_record_get_for_user(*, user, record_id):
    return get_object_or_404(service_records_visible_to(user), pk=record_id)


def evidence_get_for_user(*, user, evidence_id):
    return get_object_or_404(evidence_visible_to(user), pk=evidence_id)
