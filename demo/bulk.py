"""The benchmarks' scale seed: the demo's story, with where it ends inserted in bulk.

`seed_demo --bulk` (and `make bench`, `make bench-load`) need thousands of firms in
seconds, which living every step through the actions (demo.programme) cannot give.
This is the one module that writes final states directly: it plans the same
story with the same seed (demo.participants, demo.stories) and inserts its rows
with the audit events and notices each action on the way would have written (composed in
demo.bulk_trail), at the moments they happened. tests/demo/test_bulk.py compares a small
bulk seed with an action-driven one (same states, same counts of audit events and
notices), so a change to what an action writes fails there until it is mirrored here.
"""

import datetime

import time_machine
from django.contrib.auth.hashers import make_password
from django.db import connections, models, router
from django.utils import timezone

from core.models import AuditEvent, Notification
from custody.payments import ledger
from custody.payments.actions.copayments import how_to_pay
from custody.payments.models import CoPayment, LedgerEntry, Method
from demo.bulk_trail import Trail
from demo.participants import check
from demo.programme import (
    READ_AFTER_DAYS,
    seed_with,
)
from marketplace.actions import engagements as engagement_actions
from marketplace.models import (
    Agency,
    AgencyChange,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Firm,
    Offer,
    RequestItem,
    User,
)

Kind = LedgerEntry.Kind
Requests = CustodyRequest.Status


def seed(*, firms, agencies, incubators, seed):
    """Insert the demo programme's story in bulk into an empty database (see the docstring)."""
    return seed_with(
        lambda planner, stories: Bulk(planner, stories).write(),
        firms=firms,
        agencies=agencies,
        incubators=incubators,
        seed=seed,
    )


def insert_as_of(model, rows):
    """Insert rows keeping the moments set on them, auto_now_add fields included.

    bulk_create() would stamp those fields with the time of seeding; a raw
    insert (the path loaddata takes) keeps the history's own moments. Primary
    keys come back as with bulk_create().
    """
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    _stamp_updated_at(fields, rows)
    size = 1
    if connection.features.can_return_rows_from_bulk_insert:
        size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        returned = model._base_manager.using(connection.alias)._insert(
            batch, fields=fields, returning_fields=[model._meta.pk], raw=True
        )
        for row, (pk,) in zip(batch, returned, strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias


def _stamp_updated_at(fields, rows):
    """A row's auto_now field (updated_at), unset by the raw insert, takes the row's latest
    own moment, as if its last change were its last recorded event."""
    stamped = [f for f in fields if getattr(f, "auto_now", False)]
    moments = [f for f in fields if isinstance(f, models.DateTimeField) and f not in stamped]
    for row in rows:
        for field in stamped:
            if getattr(row, field.attname) is None:
                known = [getattr(row, f.attname) for f in moments if getattr(row, f.attname)]
                setattr(row, field.attname, max(known) if known else timezone.now())


def _relations(model):
    """Names of the model's foreign keys: validating them would cost a query per row."""
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


class Bulk(Trail):
    """Rows, audit events and notices of the planned story, written at once."""

    def __init__(self, planner, stories):
        self.p = planner
        self.stories = stories
        self.officer = planner.officer
        self.events = []
        self.notices = []
        # The demo password is published; one hash serves the demo logins.
        self.demo_hash = None

    def write(self):
        self._agencies()
        self._firms()
        self._conflicts()
        self._contracting()
        self._change()
        # Oldest first, so that the id order of the trail is its time order too.
        self.events.sort(key=lambda event: event.at)
        insert_as_of(AuditEvent, self.events)
        read_at = self.p.anchor - datetime.timedelta(days=READ_AFTER_DAYS)
        for notice in self.notices:
            if notice.created_at <= read_at:
                notice.read_at = read_at
        self.notices.sort(key=lambda notice: notice.created_at)
        insert_as_of(Notification, self.notices)

    # --- helpers -------------------------------------------------------------------

    def _user(self, person, *, joined, **memberships):
        if person.demo and self.demo_hash is None:
            self.demo_hash = make_password(person.password)
        return User(
            username=person.username,
            email=person.email,
            display_name=person.display_name,
            password=self.demo_hash if person.demo else make_password(None),
            date_joined=joined,
            **memberships,
        )

    # --- participants ----------------------------------------------------------------

    def _agencies(self):
        planned = self.p.agencies
        for agency in planned:
            agency.row.created_at = agency.moments["applied"]
        insert_as_of(Agency, [agency.row for agency in planned])
        through = Agency.service_items.through
        through.objects.bulk_create(
            through(agency_id=agency.row.pk, serviceitem_id=self.p.items[code].pk)
            for agency in planned
            for code in agency.service_codes
        )
        users = [
            self._user(
                agency.admin,
                joined=agency.moments["applied"],
                role=User.Role.AGENCY_STAFF,
                agency=agency.row,
                is_agency_admin=True,
            )
            for agency in planned
        ]
        User.objects.bulk_create(users)
        for agency, user in zip(planned, users, strict=True):
            agency.saved, agency.user = agency.row, user
            self._agency_events(agency)

    def _firms(self):
        planned = self.p.firms
        for firm in planned:
            firm.row.created_at = firm.registered_at
        insert_as_of(Firm, [firm.row for firm in planned])
        users = [
            self._user(
                firm.member, joined=firm.registered_at, role=User.Role.FIRM_MEMBER, firm=firm.row
            )
            for firm in planned
        ]
        User.objects.bulk_create(users, batch_size=1000)
        for firm, user in zip(planned, users, strict=True):
            firm.saved, firm.user = firm.row, user
            row = firm.row
            self._event(
                at=firm.registered_at,
                actor=user,
                action="firm.registered",
                subject=row,
                to_state=Firm.Verification.PENDING,
            )
            if row.verification != Firm.Verification.PENDING:
                self._event(
                    at=row.verified_at,
                    actor=row.verified_by,
                    action=f"firm.{row.verification}",
                    subject=row,
                    from_state=Firm.Verification.PENDING,
                    to_state=row.verification,
                    reason=row.verification_reason,
                )

    def _conflicts(self):
        rows = [
            check(
                ConflictOfInterest(
                    agency=self.p.agencies[conflict.agency].row,
                    firm=self.p.firms[conflict.firm].row,
                    note=conflict.note,
                    declared_at=conflict.declared_at,
                ),
                exclude=_relations(ConflictOfInterest),
            )
            for conflict in self.stories.conflicts
        ]
        insert_as_of(ConflictOfInterest, rows)

    # --- contracting -----------------------------------------------------------------

    def _contracting(self):
        plans = self.stories.plans
        requests = []
        for plan in plans:
            firm = self.p.firms[plan.firm]
            plan.row = CustodyRequest(
                firm=firm.row,
                programme_year=self.p.year,
                needs=plan.needs,
                status=plan.status,
                created_by=firm.user,
                submitted_at=plan.submitted_at,
            )
            plan.row.refresh_matching_terms()
            requests.append(check(plan.row, exclude=_relations(CustodyRequest)))
        insert_as_of(CustodyRequest, requests)
        package = self.stories.package
        RequestItem.objects.bulk_create(
            (
                RequestItem(
                    request=plan.row,
                    service_item=self.p.items[code],
                    quota=quota,
                    is_extra=not package[code].is_standard,
                )
                for plan in plans
                for code, quota in plan.items
            ),
            batch_size=1000,
        )
        self._offers(plans)
        self._engagements([plan for plan in plans if plan.status == Requests.ENGAGED])
        for plan in plans:
            self._history(plan)

    def _offers(self, plans):
        rows = []
        for plan in plans:
            member = self.p.firms[plan.firm].user
            for offer in plan.offers:
                agency = self.p.agencies[offer.agency]
                offer.row = Offer(
                    request=plan.row,
                    agency=agency.row,
                    status=offer.outcome,
                    source=Offer.Source.FIRM_CHOICE,
                    score=offer.score,
                    rank=offer.rank,
                    reasons=offer.reasons,
                    sent_at=offer.sent_at,
                    respond_by=offer.respond_by,
                    deadline_provisional=offer.provisional,
                    responded_at=offer.responded_at,
                    responded_by={
                        Offer.Status.ACCEPTED: agency.user,
                        Offer.Status.DECLINED: agency.user,
                        Offer.Status.WITHDRAWN: member,
                    }.get(offer.outcome),
                    decline_reason=offer.reason,
                    expiry_warned_at=offer.warned_at,
                )
                rows.append(check(offer.row, exclude=_relations(Offer)))
        insert_as_of(Offer, rows)

    def _engagements(self, plans):
        rows = []
        for plan in plans:
            offer = plan.offers[-1]
            starts_on = timezone.localtime(offer.responded_at).date()
            plan.engagement = Engagement(
                request=plan.row,
                offer=offer.row,
                firm=self.p.firms[plan.firm].row,
                agency=self.p.agencies[offer.agency].row,
                programme_year=self.p.year,
                starts_on=starts_on,
                ends_on=engagement_actions._one_year_after(starts_on),
                package_price=plan.price,
                government_amount=plan.government,
                copay_amount=plan.copay,
                # Fixed at acceptance, as engagement_start fixes them.
                government_share=self.p.year.government_share,
                copay_cap=self.p.year.copay_cap,
                status=engagement_actions.initial_status(self.p.year, plan.copay)
                if plan.paid_at is None
                else Engagement.Status.ACTIVE,
                created_at=offer.responded_at,
            )
            rows.append(check(plan.engagement, exclude=_relations(Engagement)))
        insert_as_of(Engagement, rows)
        EngagementItem.objects.bulk_create(
            (
                EngagementItem(
                    engagement=plan.engagement,
                    service_item=self.p.items[code],
                    quota=quota,
                    unit_price=self.p.items[code].unit_price,
                )
                for plan in plans
                for code, quota in plan.items
            ),
            batch_size=1000,
        )
        self._money(plans)

    def _money(self, plans):
        """Each engagement's reservation and co-payment, paid by bank transfer or still due."""
        copayments, entries = [], []
        days = self.p.year.copay_due_days
        for plan in plans:
            engagement, accepted = plan.engagement, plan.offers[-1].responded_at
            waits = engagement.copay_amount > 0 and days is not None
            copayments.append(
                CoPayment(
                    engagement=engagement,
                    amount=engagement.copay_amount,
                    currency=ledger.currency(),
                    status=CoPayment.Status.DUE
                    if waits and not plan.paid_at
                    else CoPayment.Status.PAID,
                    method=Method.OFFLINE if plan.paid_at else "",
                    due_by=accepted + datetime.timedelta(days=days) if waits else None,
                    paid_at=plan.paid_at if waits else accepted,
                )
            )
            reserve = ledger.entry(
                kind=Kind.BUDGET_RESERVED,
                engagement=engagement,
                amount=engagement.government_amount,
                key=f"reserve:engagement:{engagement.pk}",
                value_date=timezone.localtime(accepted).date(),
            )
            entries.append(reserve)
            if plan.paid_at is None:
                continue
            reference = self._reference(plan)
            received = ledger.entry(
                kind=Kind.COPAY_RECEIVED,
                engagement=engagement,
                amount=engagement.copay_amount,
                key=f"offline:{Kind.COPAY_RECEIVED}:{engagement.pk}:{reference}",
                method=Method.OFFLINE,
                reference=reference,
                value_date=timezone.localtime(plan.paid_at).date(),
                by=self.officer,
            )
            entries.append(received)
        CoPayment.objects.bulk_create(copayments, batch_size=1000)
        for plan, copayment in zip(plans, copayments, strict=True):
            if copayment.due_by is None:
                continue
            # The firm is told what to pay, by when and how, as the account stood that day.
            accepted = plan.offers[-1].responded_at
            with time_machine.travel(accepted, tick=False):
                params = how_to_pay(plan.engagement, copayment)
            self._notify([self.p.firms[plan.firm].user], "copayment_due", params, at=accepted)
        LedgerEntry.objects.bulk_create(entries, batch_size=1000)

    def _change(self):
        change = self.stories.change
        if change is None:
            return
        plan, firm = change.request, self.p.firms[change.request.firm]
        engagement, new_agency = plan.engagement, self.p.agencies[change.new_agency].row
        row = AgencyChange(
            engagement=engagement,
            new_agency=new_agency,
            reason=change.reason,
            requested_by=firm.user,
            requested_at=change.requested_at,
        )
        insert_as_of(AgencyChange, [check(row, exclude=_relations(AgencyChange))])
        self._event(
            at=change.requested_at,
            actor=firm.user,
            action="engagement.change_requested",
            subject=engagement,
            reason=change.reason,
            data={"new_agency": new_agency.pk},
        )
        self._notify(
            [self.officer],
            "change_requested",
            {
                "firm": firm.row.name,
                "agency": engagement.agency.name,
                "new_agency": new_agency.name,
            },
            at=change.requested_at,
        )
