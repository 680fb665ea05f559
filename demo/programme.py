"""The demo programme: a realistic, deterministic Nanjing data set for trying the portals.

`seed()` fills an empty database in one transaction: high-tech parks,
incubators with their managers, the service catalogue, this year's programme
with its package, agencies with licences and staff, firms with members, the
four demo logins, and the open programme year's contracting: custody requests
(engaged, waiting for an agency, open for cohort allocation, withdrawn), their
offers (accepted, declined, expired, pending until a working-day deadline),
engagements with their co-payments (paid by bank transfer, or still due),
declared conflicts of interest and a change of agency waiting for the office.

Everything after the reference data happens through the product's actions, in
time order, with the clock moved to the moment each step happened
(time-machine; e-mail off): agencies apply and are approved, firms sign up and
are confirmed, firms ask and choose, agencies answer, the expiry and warning
jobs run on their schedules, the office records the transfers. So every audit
event and notice in the demo is one the product wrote. The story itself is
planned first (demo.participants, demo.stories); the benchmarks' scale seed
inserts the same story's end in bulk instead (demo.bulk). The same seed and
sizes give the same data on the same day.

The demo firm is verified, eligible and has no request yet, and the demo
agency offers every item with capacity to spare, so a visitor can walk the
journey apply → choose → accept with the demo logins.
"""

import datetime
import time
from dataclasses import dataclass, field

import time_machine
from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from core.actions.outbox import outbox_discarded
from core.models import AuditEvent, Notification
from custody.payments.actions import offline_payment_record
from custody.payments.models import CoPayment, LedgerEntry
from demo.custody import seed_workspace
from demo.participants import Planner, demo_password_for_everyone
from demo.reference import (  # noqa: F401 (the demo's sizes and logins, re-exported for callers)
    DEFAULT_AGENCIES,
    DEFAULT_FIRMS,
    DEFAULT_INCUBATORS,
    DEFAULT_SEED,
    DEMO_EMAIL_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    INCUBATORS,
)
from demo.stories import Stories
from demo.vocabulary import PLACES_LEFT
from marketplace import actions, candidates
from marketplace.models import (
    Agency,
    AgencyChange,
    ConflictOfInterest,
    CustodyRequest,
    Firm,
    HighTechPark,
    Incubator,
    Offer,
    ProgrammeYear,
    ServiceItem,
    User,
)

# Read marks: notices older than this were read by then; newer ones wait for their reader.
READ_AFTER_DAYS = 3
# The agency's application as it signs up; the rest of the row is its story.
AGENCY_FIELDS = (
    "name",
    "name_en",
    "credit_code",
    "kind",
    "licence_number",
    "licence_valid_from",
    "licence_valid_until",
    "district",
    "industries",
    "districts_served",
    "expertise",
    "expertise_en",
    "yearly_capacity",
)
FIRM_FIELDS = (
    "name",
    "credit_code",
    "district",
    "incubator",
    "admitted_on",
    "industry",
    "headcount",
    "revenue_band",
    "description",
)
DUMMY_EMAIL = "django.core.mail.backends.dummy.EmailBackend"


class DemoDataExists(Exception):
    """The database already holds programme data; the demo only fills an empty one."""


@dataclass
class SeedReport:
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


def programme_data_exists():
    """True when a programme year or any participant is already in the database."""
    return any(
        model.objects.exists()
        for model in (ProgrammeYear, HighTechPark, Incubator, Firm, Agency, ServiceItem)
    )


def check_sizes(**sizes):
    for label, value in sizes.items():
        if value < 1:
            raise ValueError(f"{label} must be at least 1, not {value}")


def seed(
    *,
    firms=DEFAULT_FIRMS,
    agencies=DEFAULT_AGENCIES,
    incubators=DEFAULT_INCUBATORS,
    seed=DEFAULT_SEED,
):
    """Live the demo programme's story through the actions; return what was written.

    Raises DemoDataExists when programme data is present, and ValueError for
    sizes below one (the demo logins need a firm, an agency and an incubator).
    """
    return seed_with(
        lambda planner, stories: Story(planner, stories).live(),
        firms=firms,
        agencies=agencies,
        incubators=incubators,
        seed=seed,
    )


def seed_with(tell, *, firms, agencies, incubators, seed):
    """The frame both seeders share: plan the programme and its stories, `tell(planner,
    stories)` them (through the actions, or in bulk), then the custody work and the demo
    password, all in one transaction; return what was written.
    """
    check_sizes(firms=firms, agencies=agencies, incubators=incubators)
    started = time.perf_counter()
    # The demo's people are made up: the mail their story would send goes nowhere.
    # Neither now nor later from the outbox.
    with (
        outbox_discarded(),
        override_settings(EMAIL_BACKEND=DUMMY_EMAIL),
        translation.override(settings.LANGUAGE_CODE),
        transaction.atomic(),
    ):
        if programme_data_exists():
            raise DemoDataExists
        planner = Planner(seed=seed).run(firms=firms, agencies=agencies, incubators=incubators)
        stories = Stories(planner).run()
        tell(planner, stories)
        # Then the custody work of the running engagements, through the custody actions.
        workspace = seed_workspace(planner)
        record_places_left(planner)
        demo_password_for_everyone()
    return SeedReport(counts=counts(planner, workspace), seconds=time.perf_counter() - started)


def record_places_left(planner):
    """Late in the year each approved agency has a few places left, which the office records
    (participant_update); the demo agency keeps its room for visitors. So the firms waiting
    for the cohort allocation compete for places: taking them first come, first served
    leaves some firms worse placed, or not placed, than the optimiser does."""
    demo_agency = User.objects.get(username="demo-agency").agency_id
    # Recorded at the start of today, a fixed moment: both seeders write the same trail.
    with time_machine.travel(planner.anchor, tick=False):
        _record_places_left(planner, demo_agency)


def _record_places_left(planner, demo_agency):
    agencies = (
        Agency.objects.filter(status=Agency.Status.APPROVED)
        .exclude(pk=demo_agency)
        .annotate(load=candidates.agency_load(programme_year=planner.year))
        .order_by("pk")
    )
    for agency in agencies:
        places = agency.load + planner.rng.choice(PLACES_LEFT)
        if places < agency.yearly_capacity:
            actions.participant_update(
                instance=agency, by=planner.officer, changes={"yearly_capacity": places}
            )


def counts(planner, workspace):
    """What the database holds after a seed, by kind (the same for both kinds of seed)."""
    return {
        "parks": HighTechPark.objects.count(),
        "incubators": Incubator.objects.count(),
        "service items": ServiceItem.objects.count(),
        "package items": planner.year.package_items.count(),
        "agencies": Agency.objects.count(),
        "firms": Firm.objects.count(),
        "users": User.objects.count(),
        "custody requests": CustodyRequest.objects.count(),
        "offers": Offer.objects.count(),
        "engagements": planner.year.engagements.count(),
        "co-payments paid": CoPayment.objects.filter(status=CoPayment.Status.PAID).count(),
        "conflicts of interest": ConflictOfInterest.objects.count(),
        "changes of agency": AgencyChange.objects.count(),
        "notifications": Notification.objects.count(),
        "audit events": AuditEvent.objects.count(),
        **workspace,
    }


class Story:
    """The planned story, lived step by step through the actions at the moments it happened."""

    def __init__(self, planner, stories):
        self.p = planner
        self.stories = stories
        self.officer = planner.officer
        self.steps = []
        self.requests = {}  # id(plan) → CustodyRequest
        self.offers = {}  # id(planned offer) → Offer

    def live(self):
        self._participants()
        self._contracting()
        read_at = self.p.anchor - datetime.timedelta(days=READ_AFTER_DAYS)
        self._at(read_at, self._read_notices, read_at)
        # Stable: steps at the same moment keep the order they were planned in.
        self.steps.sort(key=lambda step: step[0])
        done = set()
        for at, call, args in self.steps:
            key = (call, args)
            if getattr(call, "once_per_moment", False):
                if key in done:
                    continue  # one run of a job at one moment
                done.add(key)
            with time_machine.travel(at, tick=False):
                call(*args)

    def _at(self, moment, call, *args):
        self.steps.append((moment, call, args))

    # --- participants ----------------------------------------------------------------

    def _participants(self):
        for agency in self.p.agencies:
            moments = agency.moments
            self._at(moments["applied"], self._agency_applies, agency)
            for state in ("approved", "rejected", "suspended"):
                if state in moments:
                    self._at(moments[state], self._agency_decided, agency, state)
        for firm in self.p.firms:
            self._at(firm.registered_at, self._firm_registers, firm)
            if firm.row.verification != Firm.Verification.PENDING:
                self._at(firm.row.verified_at, self._firm_confirmed, firm)

    def _agency_applies(self, planned):
        row, person = planned.row, planned.admin
        planned.saved, planned.user = actions.agency_register(
            agency_fields={name: getattr(row, name) for name in AGENCY_FIELDS},
            service_items=[self.p.items[code] for code in planned.service_codes],
            username=person.username,
            email=person.email,
            password=person.password,
            display_name=person.display_name,
        )

    def _agency_decided(self, planned, state):
        agency, reason = planned.saved, planned.row.status_reason
        if state == "approved":
            actions.agency_approve(agency=agency, by=self.officer)
        elif state == "rejected":
            actions.agency_reject(agency=agency, by=self.officer, reason=reason)
        else:
            actions.agency_suspend(agency=agency, by=self.officer, reason=reason)
        planned.saved.refresh_from_db()

    def _firm_registers(self, planned):
        row, person = planned.row, planned.member
        planned.saved, planned.user = actions.firm_register(
            firm_fields={name: getattr(row, name) for name in FIRM_FIELDS},
            username=person.username,
            email=person.email,
            password=person.password,
            display_name=person.display_name,
        )

    def _firm_confirmed(self, planned):
        row = planned.row
        if row.verification == Firm.Verification.VERIFIED:
            actions.firm_verify(firm=planned.saved, by=row.verified_by)
        else:
            actions.firm_reject(
                firm=planned.saved, by=row.verified_by, reason=row.verification_reason
            )

    # --- contracting -----------------------------------------------------------------

    def _contracting(self):
        for conflict in self.stories.conflicts:
            self._at(conflict.declared_at, self._declare, conflict)
        for plan in self.stories.plans:
            self._at(plan.submitted_at, self._submit, plan)
            for offer in plan.offers:
                self._at(offer.sent_at, self._send, plan, offer)
                if offer.warned_at is not None:
                    self._at(offer.warned_at, self._warn_job, offer.warned_at)
                if offer.outcome in (Offer.Status.ACCEPTED, Offer.Status.DECLINED):
                    self._at(offer.responded_at, self._answer, plan, offer)
                elif offer.outcome == Offer.Status.EXPIRED:
                    self._at(offer.responded_at, self._expiry_job, offer.responded_at)
            if plan.withdrawn_at is not None:
                self._at(plan.withdrawn_at, self._withdraw, plan)
            if plan.paid_at is not None:
                self._at(plan.paid_at, self._pay, plan)
        change = self.stories.change
        if change is not None:
            self._at(change.requested_at, self._change, change)

    def _firm(self, plan):
        return self.p.firms[plan.firm]

    def _agency(self, offer):
        return self.p.agencies[offer.agency]

    def _declare(self, conflict):
        ConflictOfInterest.objects.create(
            agency=self.p.agencies[conflict.agency].saved,
            firm=self.p.firms[conflict.firm].saved,
            note=conflict.note,
        )

    def _submit(self, plan):
        firm = self._firm(plan)
        self.requests[id(plan)] = actions.request_submit(
            firm=firm.saved,
            by=firm.user,
            programme_year=self.p.year,
            quotas={self.p.items[code].pk: quota for code, quota in plan.items},
            needs=plan.needs,
        )

    def _send(self, plan, offer):
        self.offers[id(offer)] = actions.offer_make(
            request=self.requests[id(plan)],
            agency=self._agency(offer).saved,
            by=self._firm(plan).user,
        )

    def _answer(self, plan, offer):
        row, staff = self.offers[id(offer)], self._agency(offer).user
        if offer.outcome == Offer.Status.ACCEPTED:
            actions.offer_accept(offer=row, by=staff)
        else:
            actions.offer_decline(offer=row, by=staff, reason=offer.reason)

    def _expiry_job(self, moment):
        actions.offers_expire_overdue()

    _expiry_job.once_per_moment = True

    def _warn_job(self, moment):
        actions.offers_warn_expiring()

    _warn_job.once_per_moment = True

    def _withdraw(self, plan):
        actions.request_withdraw(
            request=self.requests[id(plan)], by=self._firm(plan).user, reason=plan.withdraw_reason
        )

    def _engagement(self, plan):
        return self.requests[id(plan)].engagements.get()

    def _pay(self, plan):
        engagement = self._engagement(plan)
        offline_payment_record(
            engagement=engagement,
            by=self.officer,
            kind=LedgerEntry.Kind.COPAY_RECEIVED,
            amount=engagement.copayment.amount,
            reference=f"DEMO{plan.paid_at:%Y%m%d}{engagement.pk:06d}",
            value_date=timezone.localtime(plan.paid_at).date(),
        )

    def _change(self, change):
        plan = change.request
        actions.agency_change_request(
            engagement=self._engagement(plan),
            new_agency=self.p.agencies[change.new_agency].saved,
            by=self._firm(plan).user,
            reason=change.reason,
        )

    def _read_notices(self, moment):
        for user in User.objects.filter(notifications__read_at__isnull=True).distinct():
            actions.notifications_read_all(by=user)

    _read_notices.once_per_moment = True
