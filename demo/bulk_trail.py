"""The audit trail and notices of the scale seed (demo.bulk): the events and notices each
action on the story's way writes, composed as rows for demo.bulk to insert at their moments."""

from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent, Notification
from custody.payments.models import LedgerEntry
from marketplace.actions import engagements as engagement_actions
from marketplace.models import Agency, CustodyRequest, Engagement, Offer

Kind = LedgerEntry.Kind
Requests = CustodyRequest.Status


def _parties(subject):
    """As core.audit reads them: a participant names its own, anything else by its columns."""
    own = getattr(subject, "audit_parties", None)
    if own is not None:
        return own()
    return {
        f"{name}_id": getattr(subject, f"{name}_id")
        for name in ("firm", "agency", "incubator")
        if getattr(subject, f"{name}_id", None) is not None
    }


class Trail:
    """Queues the audit events and notices of the planned story (`events`, `notices`)."""

    def _event(
        self, *, at, actor, action, subject, from_state="", to_state="", reason="", data=None
    ):
        """Queue the audit event the action reaching this state writes (see core.audit)."""
        self.events.append(
            AuditEvent(
                at=at,
                actor=actor,
                action=action,
                subject_type=ContentType.objects.get_for_model(subject),
                subject_id=str(subject.pk),
                subject_repr=str(subject)[:200],
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                data=data or {},
                **_parties(subject),
            )
        )

    def _notify(self, users, kind, params, *, at):
        self.notices.extend(
            Notification(user=user, kind=kind, params=params, created_at=at) for user in users
        )

    def _agency_events(self, planned):
        agency, moments, status = planned.row, planned.moments, Agency.Status
        self._event(
            at=moments["applied"],
            actor=planned.user,
            action="agency.applied",
            subject=agency,
            to_state=status.APPLIED,
        )
        if "rejected" in moments:
            self._event(
                at=moments["rejected"],
                actor=self.officer,
                action="agency.rejected",
                subject=agency,
                from_state=status.APPLIED,
                to_state=status.REJECTED,
                reason=agency.status_reason,
            )
        if "approved" in moments:
            self._event(
                at=moments["approved"],
                actor=self.officer,
                action="agency.approved",
                subject=agency,
                from_state=status.APPLIED,
                to_state=status.APPROVED,
            )
        if "suspended" in moments:
            self._event(
                at=moments["suspended"],
                actor=self.officer,
                action="agency.suspended",
                subject=agency,
                from_state=status.APPROVED,
                to_state=status.SUSPENDED,
                reason=agency.status_reason,
            )

    @staticmethod
    def _reference(plan):
        return f"DEMO{plan.paid_at:%Y%m%d}{plan.engagement.pk:06d}"

    def _respond_by_iso(self, offer):
        return offer.respond_by.isoformat()

    def _history(self, plan):
        """The audit events and notices each action on the request's way wrote."""
        request, firm = plan.row, self.p.firms[plan.firm]
        member, event = firm.user, self._event
        managers = [m for m in self.p.managers if m.incubator_id == firm.row.incubator_id]
        event(
            at=plan.submitted_at,
            actor=member,
            action="request.submitted",
            subject=request,
            to_state=Requests.OPEN,
        )
        self._notify(
            managers,
            "request_submitted",
            {"firm": firm.row.name, "request_id": request.pk},
            at=plan.submitted_at,
        )
        state = Requests.OPEN
        for offer in plan.offers:
            row, agency = offer.row, self.p.agencies[offer.agency]
            staff = agency.user
            event(
                at=offer.sent_at,
                actor=member,
                action="offer.sent",
                subject=row,
                to_state=Offer.Status.PENDING,
                data={"source": row.source, "rank": row.rank},
            )
            event(
                at=offer.sent_at,
                actor=member,
                action="request.offered",
                subject=request,
                from_state=state,
                to_state=Requests.OFFERED,
            )
            state = Requests.OFFERED
            respond_by = self._respond_by_iso(offer)
            self._notify(
                [staff],
                "offer_received",
                {
                    "firm": firm.row.name,
                    "offer_id": row.pk,
                    "agency": agency.row.name,
                    "respond_by": respond_by,
                },
                at=offer.sent_at,
            )
            if offer.warned_at is not None:
                self._notify(
                    [staff],
                    "offer_expiring",
                    {"firm": firm.row.name, "offer_id": row.pk, "respond_by": respond_by},
                    at=offer.warned_at,
                )
            if offer.outcome == Offer.Status.PENDING:
                continue
            by = {
                Offer.Status.DECLINED: staff,
                Offer.Status.ACCEPTED: staff,
                Offer.Status.WITHDRAWN: member,
            }.get(offer.outcome)
            event(
                at=offer.responded_at,
                actor=by,
                action=f"offer.{offer.outcome}",
                subject=row,
                from_state=Offer.Status.PENDING,
                to_state=offer.outcome,
                reason=offer.reason,
            )
            if offer.outcome == Offer.Status.WITHDRAWN:
                self._notify(
                    [staff],
                    "offer_withdrawn",
                    {"firm": firm.row.name, "offer_id": row.pk},
                    at=offer.responded_at,
                )
            elif offer.outcome == Offer.Status.ACCEPTED:
                self._accepted(plan, offer, staff)
            else:
                event(
                    at=offer.responded_at,
                    actor=by,
                    action="request.reopened",
                    subject=request,
                    from_state=Requests.OFFERED,
                    to_state=Requests.OPEN,
                )
                state = Requests.OPEN
                self._notify(
                    [member],
                    f"offer_{offer.outcome}",
                    {
                        "firm": firm.row.name,
                        "agency": agency.row.name,
                        "reason": offer.reason,
                        "request_id": request.pk,
                    },
                    at=offer.responded_at,
                )
        if plan.withdrawn_at is not None:
            event(
                at=plan.withdrawn_at,
                actor=member,
                action="request.withdrawn",
                subject=request,
                from_state=state,
                to_state=Requests.WITHDRAWN,
                reason=plan.withdraw_reason,
            )

    def _accepted(self, plan, offer, staff):
        request, engagement, at = plan.row, plan.engagement, offer.responded_at
        firm, agency = self.p.firms[plan.firm], self.p.agencies[offer.agency]
        self._event(
            at=at,
            actor=staff,
            action="request.engaged",
            subject=request,
            from_state=Requests.OFFERED,
            to_state=Requests.ENGAGED,
        )
        self._event(
            at=at,
            actor=staff,
            action="engagement.started",
            subject=engagement,
            to_state=engagement_actions.initial_status(self.p.year, plan.copay),
            data={"government_amount": str(plan.government), "copay_amount": str(plan.copay)},
        )
        self._notify(
            [firm.user],
            "offer_accepted",
            {"firm": firm.row.name, "agency": agency.row.name, "request_id": request.pk},
            at=at,
        )
        if plan.paid_at is None:
            return
        self._event(
            at=plan.paid_at,
            actor=None,
            action="engagement.activated",
            subject=engagement,
            from_state=Engagement.Status.AWAITING_PAYMENT,
            to_state=Engagement.Status.ACTIVE,
        )
        self._notify(
            [firm.user, agency.user],
            "copayment_received",
            {
                "firm": firm.row.name,
                "agency": agency.row.name,
                "engagement_id": engagement.pk,
                "amount": str(engagement.copay_amount),
            },
            at=plan.paid_at,
        )
        self._event(
            at=plan.paid_at,
            actor=self.officer,
            action="payment.offline_recorded",
            subject=engagement,
            data={
                "kind": Kind.COPAY_RECEIVED,
                "amount": str(engagement.copay_amount),
                "reference": self._reference(plan),
            },
        )
