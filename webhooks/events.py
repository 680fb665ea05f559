"""What the outbound webhooks hear: the audit trail and the notices, mapped to event types.

Actions write their audit events and the scheduled jobs send their notices as they always
did; `core.audit` and `core.notices` call these listeners inside the same transaction, so an
event exists exactly when the change that causes it commits, and no rule is written twice.
"""

from custody.models import Deadline, Settlement
from custody.payments.models import Payout
from marketplace.models import Engagement, Offer
from webhooks.actions.deliveries import event_record
from webhooks.models import EventType

# Audit actions on an engagement that say something happened to its work, not its state.
_SERVICE_DECISIONS = {
    "service.confirmed": EventType.SERVICE_RECORD_CONFIRMED,
    "service.disputed": EventType.SERVICE_RECORD_DISPUTED,
}


def _iso(value):
    return value.isoformat() if value is not None else None


def _offer(offer):
    return {
        "offer_id": offer.pk,
        "request_id": offer.request_id,
        "firm_id": offer.request.firm_id,
        "agency_id": offer.agency_id,
        "source": offer.source,
        "status": offer.status,
        "respond_by": _iso(offer.respond_by),
    }


def _deadline(deadline, **extra):
    return {
        "deadline_id": deadline.pk,
        "firm_id": deadline.firm_id,
        "asset_id": deadline.asset_id,
        "kind": deadline.kind,
        "due_on": _iso(deadline.due_on),
        "grace_ends_on": _iso(deadline.grace_ends_on),
        **extra,
    }


def from_audit_event(event, subject):
    """Record the webhook event an audit event stands for, if it stands for one."""
    action = event.action
    if isinstance(subject, Offer) and action == "offer.sent":
        event_record(
            type=EventType.OFFER_RECEIVED,
            agency_id=subject.agency_id,
            object_key=f"offer:{subject.pk}",
            describe=lambda: _offer(subject),
        )
    elif isinstance(subject, Engagement):
        _from_engagement_event(event, subject)
    elif isinstance(subject, Deadline) and action == "deadline.missed":
        event_record(
            type=EventType.DEADLINE_MISSED,
            agency_id=event.data.get("agency_id"),
            object_key=f"deadline:{subject.pk}",
            describe=lambda: _deadline(subject, last_day=event.data.get("last_day")),
        )


def _from_engagement_event(event, engagement):
    common = {"engagement_id": engagement.pk, "firm_id": engagement.firm_id}
    if event.action in _SERVICE_DECISIONS:
        record_id = event.data.get("record")
        event_record(
            type=_SERVICE_DECISIONS[event.action],
            agency_id=engagement.agency_id,
            object_key=f"service_record:{record_id}",
            describe=lambda: {
                "service_record_id": record_id,
                **common,
                "quantity": event.data.get("quantity"),
                "reason": event.reason,
            },
        )
    elif event.action == "settlement.approved":
        settlement = Settlement.objects.filter(engagement=engagement).only("pk").first()
        event_record(
            type=EventType.SETTLEMENT_APPROVED,
            agency_id=engagement.agency_id,
            object_key=f"settlement:{settlement.pk}",
            describe=lambda: {
                "settlement_id": settlement.pk,
                **common,
                "amount": event.data.get("amount"),
            },
        )
    elif event.to_state and event.to_state != event.from_state:
        event_record(
            type=EventType.ENGAGEMENT_STATUS_CHANGED,
            agency_id=engagement.agency_id,
            object_key=f"engagement:{engagement.pk}",
            describe=lambda: {
                **common,
                "agency_id": engagement.agency_id,
                "from_status": event.from_state,
                "to_status": event.to_state,
                "action": event.action,
                "reason": event.reason,
            },
        )


def from_notice(kind, params):
    """The scheduled jobs' events, heard from the notices they send (and payouts sent)."""
    if kind == "offer_expiring":
        offer = Offer.objects.select_related("request").filter(pk=params.get("offer_id")).first()
        if offer is not None:
            event_record(
                type=EventType.OFFER_EXPIRING,
                agency_id=offer.agency_id,
                object_key=f"offer:{offer.pk}",
                describe=lambda: _offer(offer),
            )
    elif kind == "deadline_reminder":
        deadline = Deadline.objects.filter(pk=params.get("deadline_id")).first()
        if deadline is not None:
            event_record(
                type=EventType.DEADLINE_DUE_SOON,
                agency_id=params.get("agency_id"),
                object_key=f"deadline:{deadline.pk}",
                describe=lambda: _deadline(deadline, days_left=params.get("days_left")),
            )
    elif kind == "payout_sent":
        payout = Payout.objects.filter(pk=params.get("payout_id")).first()
        if payout is not None:
            event_record(
                type=EventType.PAYOUT_SENT,
                agency_id=payout.agency_id,
                object_key=f"payout:{payout.pk}",
                describe=lambda: {
                    "payout_id": payout.pk,
                    "engagement_id": payout.engagement_id,
                    "settlement_id": payout.settlement_id,
                    "amount": str(payout.amount),
                    "method": payout.method,
                    "sent_at": _iso(payout.sent_at),
                },
            )
