"""Changes of agency: the firm asks, the programme office approves or refuses."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from core.notices import named, notify
from marketplace import candidates, matching
from marketplace.actions.checks import check_firm_member, check_officer
from marketplace.actions.engagements import engagement_transfer
from marketplace.explain import describe_constraint
from marketplace.models import (
    Agency,
    AgencyChange,
    Engagement,
)
from marketplace.selectors.people import agency_staff, firm_members, officers

# --- Change of agency ------------------------------------------------------------------


@transaction.atomic
def agency_change_request(*, engagement, new_agency, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please say why you want to change agency."), code="reason_required", field="reason"
        )
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency")
        .get(pk=engagement.pk)
    )
    check_firm_member(by, engagement.firm_id)
    if engagement.status != Engagement.Status.ACTIVE:
        raise InvalidTransition(_("Only an active engagement can move to another agency."))
    if new_agency.pk == engagement.agency_id:
        raise ActionError(_("Choose a different agency."), code="same_agency", field="new_agency")
    if engagement.agency_changes.filter(status=AgencyChange.Status.PENDING).exists():
        raise InvalidTransition(
            _("A change of agency is already waiting for the programme office.")
        )
    change = AgencyChange.objects.create(
        engagement=engagement, new_agency=new_agency, reason=reason, requested_by=by
    )
    audit_record(
        actor=by,
        action="engagement.change_requested",
        subject=engagement,
        reason=reason,
        data={"new_agency": new_agency.pk},
    )
    notify(
        officers(),
        kind="change_requested",
        params={
            "firm": engagement.firm.name,
            **named("agency", engagement.agency),
            **named("new_agency", new_agency),
        },
    )
    return change


@transaction.atomic
def agency_change_approve(*, change, by, now=None):
    """Move what is left of an engagement to the new agency; the history stays.

    The old agency is paid for what the firm confirmed under it, pro rata, under the terms
    fixed at acceptance; the new engagement takes the remaining quotas and budget only.
    """
    now = now or timezone.now()
    check_officer(by)
    change = AgencyChange.objects.select_for_update(of=("self",)).get(pk=change.pk)
    if change.status != AgencyChange.Status.PENDING:
        raise InvalidTransition(_("This change was already decided."))
    old = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "programme_year")
        .get(pk=change.engagement_id)
    )
    new_agency = Agency.objects.select_for_update(of=("self",)).get(pk=change.new_agency_id)
    profile = candidates.agency_profiles(
        programme_year=old.programme_year, agencies=Agency.objects.filter(pk=new_agency.pk)
    )[0]
    request_profile = candidates.request_profile(
        old.request,
        start_date=timezone.localtime(now).date(),
        item_ids=[item.service_item_id for item in old.items.all()],
    )
    exclusion = matching.check_constraints(request_profile, profile)
    if exclusion is not None:
        raise InvalidTransition(
            describe_constraint(exclusion.constraint), code=exclusion.constraint
        )

    new = engagement_transfer(engagement=old, new_agency=new_agency, by=by, now=now)
    change.decided_by = by
    change.decided_at = now
    states.transition(
        change,
        AgencyChange.Status.APPROVED,
        by=by,
        action="agency_change.approved",
        fields=("decided_by", "decided_at"),
        audit=False,
    )
    params = {"firm": old.firm.name, **named("new_agency", new_agency)}
    notify(
        firm_members(old.firm_id) + agency_staff(new_agency.pk) + agency_staff(old.agency_id),
        kind="change_approved",
        params=params,
    )
    return new


@transaction.atomic
def agency_change_refuse(*, change, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please give a reason for the refusal."), code="reason_required", field="reason"
        )
    check_officer(by)
    change = (
        AgencyChange.objects.select_for_update(of=("self",))
        .select_related("engagement__firm", "new_agency")
        .get(pk=change.pk)
    )
    if change.status != AgencyChange.Status.PENDING:
        raise InvalidTransition(_("This change was already decided."))
    change.decided_by = by
    change.decided_at = timezone.now()
    change.decision_reason = reason
    states.transition(
        change,
        AgencyChange.Status.REFUSED,
        by=by,
        action="agency_change.refused",
        fields=("decided_by", "decided_at", "decision_reason"),
        audit=False,
    )
    audit_record(
        actor=by, action="engagement.change_refused", subject=change.engagement, reason=reason
    )
    notify(
        firm_members(change.engagement.firm_id),
        kind="change_refused",
        params={
            "firm": change.engagement.firm.name,
            **named("new_agency", change.new_agency),
            "reason": reason,
        },
    )
    return change
