"""A programme lived for three years (issue #16): a Hypothesis state machine drives the real
actions of every party while the clock moves, the scheduled jobs run as beat would run them,
and the domain's invariants are checked after every step.

CI runs a bounded number of examples (`SIMULATION_EXAMPLES`, default 5); `make soak` runs
thousands (`SIMULATION_EXAMPLES=2000`). Each example starts on 5 January 2026 and may run to
the end of 2028; the figures of a run (examples, steps, simulated days) are printed at the end.
"""

import contextlib
import datetime
import os
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core.errors import ActionError, InvalidTransition, NotAllowed
from core.models import AuditEvent
from custody import actions as custody_actions
from custody import deadlines as deadline_rules
from custody import numbers, settlement
from custody.models import Deadline, IPAsset, ServiceRecord
from custody.payments import actions as payments
from custody.payments import ledger
from custody.payments.models import CoPayment, LedgerEntry
from custody.selectors import engagement_deliveries
from marketplace import actions
from marketplace.choices import CustodyArea
from marketplace.models import Agency, CustodyRequest, Engagement, Offer, ProgrammeYear, User
from marketplace.selectors.budget import budget_committed
from marketplace.selectors.ranking import rank_request
from tests.factories import (
    AgencyFactory,
    FirmFactory,
    IncubatorFactory,
    PackageItemFactory,
    ProgrammeYearFactory,
    ServiceItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
END = datetime.date(2028, 12, 31)
EXAMPLES = int(os.environ.get("SIMULATION_EXAMPLES", "5"))
STEPS = int(os.environ.get("SIMULATION_STEPS", "60"))
# A right's next fee or renewal is on the board at least this long before it falls due.
BOARD_LEAD = datetime.timedelta(days=90)
FIGURES = {"examples": 0, "steps": 0, "simulated_days": 0, "engagements": 0, "transfers": 0}

EXPECTED_ERRORS = (ActionError, InvalidTransition, NotAllowed)


def _patent_number(filing, serial, kind="1"):
    digits = f"{filing.year}{kind}{serial:07d}"
    return f"{digits}.{numbers.patent_check_digit(digits)}"


class ProgrammeYears(RuleBasedStateMachine):
    """Firms, agencies, managers and the office over three programme years."""

    firms = Bundle("firms")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._clock = time_machine.travel(START, tick=False)
        self._coords = self._clock.start()
        self.serial = 0

    # --- the world ----------------------------------------------------------------------

    @initialize()
    def programme(self):
        self.officer = UserFactory(role=User.Role.PROGRAMME_OFFICER)
        self.incubator = IncubatorFactory()
        self.manager = UserFactory(role=User.Role.INCUBATOR_MANAGER, incubator=self.incubator)
        areas = [CustodyArea.CONSULTING, CustodyArea.TRAINING, CustodyArea.MAINTENANCE]
        prices = [Decimal("1000.05"), Decimal("2970.65"), Decimal("1333.33")]
        self.items = [
            ServiceItemFactory(area=area, unit_price=price)
            for area, price in zip(areas, prices, strict=True)
        ]
        self.years = {}
        for year in (2026, 2027, 2028):
            programme = ProgrammeYearFactory(
                year=year,
                budget=Decimal("60000.00"),
                copay_cap=Decimal("3000.00") if year == 2027 else None,
                copay_due_days=14 if year != 2026 else None,
            )
            for item in self.items:
                PackageItemFactory(programme_year=programme, service_item=item, quota=2)
            self.years[year] = programme
        self.agencies = []
        for n in range(3):
            agency = AgencyFactory(
                name=f"模拟代理{n}",
                yearly_capacity=3,
                licence_valid_from=datetime.date(2020, 1, 1),
                licence_valid_until=datetime.date(2027 + n, 6, 30),
            )
            actions.agency_approve(agency=agency, by=self.officer)
            agency.service_items.set(self.items)
            staff = UserFactory(role=User.Role.AGENCY_STAFF, agency=agency)
            self.agencies.append((agency, staff))

    def today(self):
        return timezone.localdate()

    def programme_year(self):
        return self.years.get(self.today().year)

    # --- firms --------------------------------------------------------------------------

    @rule(target=firms, headcount=st.integers(1, 300))
    def firm_signs_up(self, headcount):
        firm = FirmFactory(incubator=self.incubator, headcount=min(headcount, 100))
        actions.firm_verify(firm=firm, by=self.manager)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        return (firm.pk, member.pk)

    def _member(self, firm):
        return User.objects.get(pk=firm[1])

    @rule(firm=firms)
    def firm_applies(self, firm):
        programme = self.programme_year()
        if programme is None:
            return
        with contextlib.suppress(EXPECTED_ERRORS):
            actions.request_submit(
                firm=self._member(firm).firm,
                by=self._member(firm),
                programme_year=programme,
                quotas={item.pk: 2 for item in self.items},
            )

    @rule(firm=firms, choice=st.integers(0, 2))
    def firm_chooses(self, firm, choice):
        request = CustodyRequest.objects.filter(
            firm_id=firm[0], status=CustodyRequest.Status.OPEN
        ).first()
        if request is None:
            return
        ranking, _profiles = rank_request(request, today=self.today())
        if not ranking.candidates:
            return
        candidate = ranking.candidates[choice % len(ranking.candidates)]
        with contextlib.suppress(EXPECTED_ERRORS):
            actions.offer_make(
                request=request,
                agency=Agency.objects.get(pk=candidate.agency_id),
                by=self._member(firm),
            )

    # --- agencies -----------------------------------------------------------------------

    @rule(accept=st.booleans())
    def agency_answers(self, accept):
        offer = Offer.objects.filter(status=Offer.Status.PENDING).order_by("pk").first()
        if offer is None:
            return
        staff = next(s for a, s in self.agencies if a.pk == offer.agency_id)
        try:
            if accept:
                actions.offer_accept(offer=offer, by=staff)
                FIGURES["engagements"] += 1
            else:
                actions.offer_decline(offer=offer, by=staff, reason="满负荷")
        except EXPECTED_ERRORS:
            pass

    @rule(quantity=st.integers(1, 2), confirm=st.sampled_from(["confirm", "dispute", "wait"]))
    def agency_delivers(self, quantity, confirm):
        engagement = (
            Engagement.objects.filter(status=Engagement.Status.ACTIVE, settlement__isnull=True)
            .order_by("?")
            .first()
        )
        if engagement is None:
            return
        staff = next(s for a, s in self.agencies if a.pk == engagement.agency_id)
        item = engagement.items.order_by("?").first()
        try:
            record = custody_actions.service_record_log(
                engagement=engagement,
                item=item,
                quantity=quantity,
                delivered_on=self.today(),
                description="按计划交付",
                by=staff,
            )
        except EXPECTED_ERRORS:
            return
        member = User.objects.filter(firm_id=engagement.firm_id).first()
        if confirm == "confirm":
            custody_actions.service_record_confirm(record=record, by=member)
        elif confirm == "dispute":
            custody_actions.service_record_dispute(record=record, by=member, reason="未见成果")

    # --- money --------------------------------------------------------------------------

    @rule()
    def firm_pays_by_bank(self):
        copayment = CoPayment.objects.filter(status=CoPayment.Status.DUE).order_by("?").first()
        if copayment is None:
            return
        self.serial += 1
        with contextlib.suppress(EXPECTED_ERRORS):
            payments.offline_payment_record(
                engagement=copayment.engagement,
                by=self.officer,
                kind=LedgerEntry.Kind.COPAY_RECEIVED,
                amount=copayment.amount,
                reference=f"SIM-{self.serial}",
                value_date=self.today(),
            )

    @rule(share=st.sampled_from(["0.700", "0.800", "0.900"]))
    def office_edits_terms(self, share):
        programme = self.programme_year()
        if programme is None:
            return
        ProgrammeYear.objects.filter(pk=programme.pk).update(government_share=Decimal(share))
        programme.refresh_from_db()

    @rule(new=st.integers(0, 2))
    def change_of_agency(self, new):
        engagement = (
            Engagement.objects.filter(status=Engagement.Status.ACTIVE, settlement__isnull=True)
            .order_by("?")
            .first()
        )
        if engagement is None:
            return
        new_agency = self.agencies[new][0]
        member = User.objects.filter(firm_id=engagement.firm_id).first()
        try:
            change = actions.agency_change_request(
                engagement=engagement, new_agency=new_agency, by=member, reason="服务不满意"
            )
            actions.agency_change_approve(change=change, by=self.officer)
            FIGURES["transfers"] += 1
        except EXPECTED_ERRORS:
            pass

    @rule(rating=st.integers(1, 5))
    def settlement(self, rating):
        engagement = (
            Engagement.objects.filter(status=Engagement.Status.ACTIVE, ends_on__lte=self.today())
            .order_by("pk")
            .first()
        )
        if engagement is None:
            return
        member = User.objects.filter(firm_id=engagement.firm_id).first()
        for record in ServiceRecord.objects.filter(
            engagement=engagement, status=ServiceRecord.Status.PENDING
        ):
            custody_actions.service_record_confirm(record=record, by=member)
        try:
            custody_actions.settlement_rate(engagement=engagement, by=member, rating=rating)
            custody_actions.settlement_confirm(engagement=engagement, by=self.manager)
            custody_actions.settlement_approve(engagement=engagement, by=self.officer)
        except EXPECTED_ERRORS:
            pass

    # --- the portfolio ------------------------------------------------------------------

    @rule(
        firm=firms,
        kind=st.sampled_from(["invention", "utility_model", "design", "trademark"]),
        filed=st.dates(datetime.date(2000, 1, 1), datetime.date(2025, 12, 31)),
        wait=st.integers(100, 1500),
    )
    def asset_added(self, firm, kind, filed, wait):
        granted = min(filed + datetime.timedelta(days=wait), self.today())
        self.serial += 1
        if kind == "trademark":
            fields = {
                "kind": IPAsset.Kind.TRADEMARK,
                "number": str(10000 + self.serial),
                "registration_date": granted,
                "nice_classes": "9",
            }
        else:
            type_digit = {"invention": "1", "utility_model": "2", "design": "3"}[kind]
            expiry = deadline_rules.patent_expiry(kind, filed)
            if filed.year < 2004 or expiry < self.today():
                return  # old-scheme numbers, and rights already ended, are not kept
            fields = {
                "kind": IPAsset.Kind.PATENT,
                "number": _patent_number(filed, self.serial, type_digit),
                "title": "模拟专利",
                "filing_date": filed,
                "grant_date": granted,
            }
        member = self._member(firm)
        custody_actions.asset_create(
            firm=member.firm, by=member, fields={**fields, "status": IPAsset.Status.IN_FORCE}
        )

    @rule(firm=firms)
    def deadline_done(self, firm):
        deadline = (
            Deadline.objects.filter(
                firm_id=firm[0],
                kind__in=deadline_rules.TASK_KINDS,
                done_at__isnull=True,
                missed_at__isnull=True,
                due_on__lte=self.today() + datetime.timedelta(days=60),
            )
            .order_by("due_on")
            .first()
        )
        if deadline is not None:
            custody_actions.deadline_mark_done(deadline=deadline, by=self._member(firm))

    # --- the clock ----------------------------------------------------------------------

    def _pass(self, days):
        """Move the clock and run the scheduled jobs as beat would (each is catch-up safe)."""
        self._coords.shift(datetime.timedelta(days=days))
        FIGURES["simulated_days"] += days
        now = timezone.now()
        actions.offers_expire_overdue(now=now)
        payments.copayments_chase(now=now)
        custody_actions.deadlines_refresh_all()
        custody_actions.deadlines_flag_missed()
        custody_actions.deadline_reminders_send()
        actions.agencies_warn_licence_expiring()

    @precondition(lambda self: self.today() < END)
    @rule(days=st.integers(1, 7))
    def days_pass(self, days):
        self._pass(days)

    @precondition(lambda self: self.today() < END)
    @rule(days=st.integers(8, 45))
    def weeks_pass(self, days):
        self._pass(days)

    @precondition(lambda self: self.today() < END)
    @rule(days=st.integers(46, 120))
    def months_pass(self, days):
        self._pass(days)

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def count_step(self):
        FIGURES["steps"] += 1

    @invariant()
    def budget_never_over_committed(self):
        for programme in getattr(self, "years", {}).values():
            assert budget_committed(programme) <= programme.budget

    @invariant()
    def ledger_balances_and_reconciles(self):
        total = sum(ledger.balances(LedgerEntry.objects.all()).values(), Decimal("0"))
        assert total == 0
        for programme in getattr(self, "years", {}).values():
            assert ledger.differences(programme) == []

    @invariant()
    def nothing_missed_that_was_not_a_task(self):
        assert not (
            Deadline.objects.filter(missed_at__isnull=False)
            .exclude(kind__in=deadline_rules.TASK_KINDS)
            .exists()
        )

    @invariant()
    def next_deadlines_on_the_board(self):
        """Every in-force right of a firm under custody shows each fee or renewal falling due
        within 90 days (the board was refreshed by the last job run or the last edit)."""
        today = self.today()
        under_custody = Engagement.objects.filter(status__in=Engagement.RUNNING).values("firm_id")
        for asset in IPAsset.objects.filter(
            firm_id__in=under_custody, status=IPAsset.Status.IN_FORCE
        ).prefetch_related("deadlines"):
            board = {(d.kind, d.original_due_on) for d in asset.deadlines.all()}
            for spec in deadline_rules.deadlines_for(asset.facts(), today):
                if deadline_rules.is_task(spec.kind) and spec.due_on <= today + BOARD_LEAD:
                    assert (spec.kind, spec.original_due_on) in board, (asset, spec)

    @invariant()
    def agencies_paid_what_the_firm_confirmed_under_fixed_terms(self):
        for engagement in Engagement.objects.filter(
            status__in=[Engagement.Status.TRANSFERRED, Engagement.Status.COMPLETED]
        ):
            entries = LedgerEntry.objects.filter(engagement=engagement)
            settled = ledger.totals_by_kind(entries)[LedgerEntry.Kind.BUDGET_SETTLED]
            confirmed = settlement.settle(
                engagement_deliveries(engagement),
                government_share=engagement.government_share,
                copay_cap=engagement.copay_cap,
                reservation=Decimal("1e12"),
            )
            assert settled == confirmed.split_government, engagement
            earned = ledger.totals_by_kind(entries)[LedgerEntry.Kind.COPAY_EARNED]
            assert earned <= confirmed.split_copay, engagement

    @invariant()
    def every_engagement_state_is_reachable_from_its_history(self):
        for engagement in Engagement.objects.all():
            events = AuditEvent.objects.filter(
                subject_id=str(engagement.pk),
                subject_type__model="engagement",
                to_state__in=Engagement.Status.values,
            ).order_by("pk")
            state = None
            for event in events:
                if event.to_state == state:
                    continue
                assert (state, event.to_state) in Engagement.TRANSITIONS, (engagement, event)
                state = event.to_state
            assert state == engagement.status, engagement

    def teardown(self):
        FIGURES["examples"] += 1
        self._clock.stop()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)


def test_a_programme_lived_for_three_years(capsys):
    run_state_machine_as_test(
        ProgrammeYears,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    with capsys.disabled():
        print(
            f"\nsimulation: {FIGURES['examples']} examples, {FIGURES['steps']} steps, "
            f"{FIGURES['simulated_days']} simulated days, {FIGURES['engagements']} engagements, "
            f"{FIGURES['transfers']} changes of agency"
        )
