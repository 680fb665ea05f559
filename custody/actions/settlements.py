"""Settlements: the one module that changes a settlement's status.

    (rated by the firm) ──► confirmed by the incubator ──► approved by the programme office

The table is `Settlement.TRANSITIONS`. Approval fixes the amount from what was delivered,
completes the engagement and returns the unused reservation to the budget.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.notices import notify
from custody.actions.checks import check_firm, lock_engagement, notice_params, people
from custody.models import ServiceRecord, Settlement
from custody.payments import actions as payments
from custody.selectors.services import engagement_deliveries
from custody.selectors.settlements import settlement_preview
from marketplace.actions.engagements import engagement_complete
from marketplace.actions.requests import waitlist_serve
from marketplace.models import Engagement, User

# --- Completion and settlement ----------------------------------------------------------


def completion_refusal(engagement, deliveries, *, today):
    """Why the firm cannot rate the engagement yet, in words; None when it can."""
    if engagement.status != Engagement.Status.ACTIVE:
        return _("Only an active engagement can be rated.")
    if today < engagement.ends_on and not all(d.confirmed >= d.quota for d in deliveries):
        return _(
            "The engagement can be rated when its period ends on %(end)s, "
            "or earlier once every quota is delivered and confirmed."
        ) % {"end": engagement.ends_on.isoformat()}
    return None


@transaction.atomic
def settlement_rate(*, engagement, by, rating, comment="", today=None):
    """The firm rates the agency (1–5): the settlement starts and service records close."""
    today = today or timezone.localdate()
    if rating is None or not 1 <= int(rating) <= 5:
        raise ActionError(
            _("Give a rating from 1 to 5."), code="rating_out_of_range", field="rating"
        )
    engagement = lock_engagement(engagement.pk)
    check_firm(by, engagement)
    if Settlement.objects.filter(engagement_id=engagement.pk).exists():
        raise InvalidTransition(_("This engagement was already rated."), code="already_rated")
    refusal = completion_refusal(engagement, engagement_deliveries(engagement), today=today)
    if refusal:
        raise InvalidTransition(refusal, code="not_complete")
    pending = ServiceRecord.objects.filter(
        engagement=engagement, status=ServiceRecord.Status.PENDING
    ).count()
    if pending:
        raise InvalidTransition(
            _(
                "%(count)d service records still await your confirmation; "
                "confirm or dispute them before rating."
            )
            % {"count": pending},
            code="records_pending",
        )
    states.check(Settlement, None, Settlement.Status.RATED)
    settlement = Settlement.objects.create(
        engagement=engagement, rating=int(rating), comment=(comment or "").strip(), rated_by=by
    )
    audit_record(
        actor=by,
        action="settlement.rated",
        subject=engagement,
        data={"rating": settlement.rating},
        reason=settlement.comment,
    )
    notify(
        people(incubator_id=engagement.firm.incubator_id) + people(agency_id=engagement.agency_id),
        kind="settlement_rated",
        params=notice_params(engagement, rating=settlement.rating),
    )
    return settlement


def _lock_settlement(engagement, check):
    """Lock the engagement, check the actor with `check(engagement)`, then lock its settlement."""
    engagement = lock_engagement(engagement.pk)
    check(engagement)
    settlement = (
        Settlement.objects.select_for_update(of=("self",))
        .filter(engagement_id=engagement.pk)
        .first()
    )
    if settlement is None:
        raise InvalidTransition(_("The firm has not rated this engagement yet."), code="not_rated")
    return engagement, settlement


@transaction.atomic
def settlement_confirm(*, engagement, by, now=None):
    """The manager of the firm's incubator confirms the rated engagement."""

    def check(engagement):
        if not (by.is_incubator_manager and by.incubator_id == engagement.firm.incubator_id):
            raise NotAllowed(
                _("Only the manager of the firm's incubator can confirm the settlement."),
                code="not_manager",
            )

    engagement, settlement = _lock_settlement(engagement, check)
    if settlement.status != Settlement.Status.RATED:
        raise InvalidTransition(
            _("This settlement is already %(state)s.") % {"state": settlement.get_status_display()},
            code="settlement_not_rated",
        )
    settlement.confirmed_by = by
    settlement.confirmed_at = now or timezone.now()
    states.transition(
        settlement,
        Settlement.Status.CONFIRMED,
        by=by,
        action="settlement.confirmed",
        fields=("confirmed_by", "confirmed_at"),
        audit=False,  # the engagement's timeline tells it (below)
    )
    audit_record(actor=by, action="settlement.confirmed", subject=engagement)
    notify(
        people(role=User.Role.PROGRAMME_OFFICER),
        kind="settlement_confirmed",
        params=notice_params(engagement),
    )
    return settlement


@transaction.atomic
def settlement_approve(*, engagement, by, now=None):
    """The programme office approves: the amount is fixed, the engagement completes and the
    unused reservation returns to the programme budget."""

    def check(engagement):
        if not by.is_programme_officer:
            raise NotAllowed(
                _("Only a programme officer can approve the settlement."), code="not_officer"
            )

    engagement, settlement = _lock_settlement(engagement, check)
    if settlement.status != Settlement.Status.CONFIRMED:
        message = (
            _("This settlement was already approved.")
            if settlement.status == Settlement.Status.APPROVED
            else _("The incubator has not confirmed this settlement yet.")
        )
        raise InvalidTransition(message, code=f"settlement_{settlement.status}")
    result = settlement_preview(engagement)
    settlement.approved_by = by
    settlement.approved_at = now or timezone.now()
    settlement.amount = result.amount
    settlement.released = result.released
    settlement.lines = [line.as_json() for line in result.lines]
    states.transition(
        settlement,
        Settlement.Status.APPROVED,
        by=by,
        action="settlement.approved",
        fields=("approved_by", "approved_at", "amount", "released", "lines"),
        audit=False,
    )
    payments.engagement_settled(engagement, settlement, by=by, result=result)
    audit_record(
        actor=by,
        action="settlement.approved",
        subject=engagement,
        data={"amount": str(result.amount), "released": str(result.released)},
    )
    engagement_complete(engagement=engagement, by=by)
    notify(
        people(firm_id=engagement.firm_id)
        + people(agency_id=engagement.agency_id)
        + people(incubator_id=engagement.firm.incubator_id),
        kind="settlement_approved",
        params=notice_params(engagement, amount=str(result.amount), released=str(result.released)),
    )
    if result.released > 0:
        programme_year = engagement.programme_year
        transaction.on_commit(lambda: waitlist_serve(programme_year=programme_year))
    return settlement
