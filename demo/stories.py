"""The open programme year's contracting, planned as stories with their moments.

Each request gets a story first (when it was submitted, how many offers lapsed,
how it ends), with moments only. A replay then walks every offer in time order
and ranks the agencies as matching would at that moment (approvals so far,
clients taken, answers given), so the agency of each offer is one the firm
could choose then, and capacity and budget hold as offer_accept checks them.
The jobs run on their schedules: offers expire at the first five-minute tick
after their deadline and are warned at the first quarter-hour tick a day before.
"""

import datetime
import statistics
from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
from django.utils import timezone

from demo.vocabulary import (
    BRAND_ITEMS,
    CHANGE_REASONS,
    CONFLICT_NOTES,
    DECLINE_REASONS,
    DEMO_AGENCY_PENDING,
    DEMO_INCUBATOR_OPEN,
    ENGAGED_SHARE,
    NEEDS,
    OFFERED_SHARE,
    OPEN_SHARE,
    PICK_WEIGHTS,
    PROTECTION_ITEMS,
    REQUEST_SHAPES,
    STANDARD_EXTRAS,
    WITHDRAW_REASONS,
    WITHDRAWN_SHARE,
)
from marketplace import matching
from marketplace.actions import offers as offer_actions
from marketplace.choices import DISTRICT_NEIGHBOURS, RevenueBand
from marketplace.models import Agency, CustodyRequest, Firm, Offer


def tick_after(moment, minutes, *, strictly):
    """The first moment a job that runs every `minutes` minutes sees `moment` (at or after it)."""
    step = datetime.timedelta(minutes=minutes)
    start = moment.replace(minute=0, second=0, microsecond=0)
    ticks = (moment - start) // step + 1
    tick = start + ticks * step
    if not strictly and tick - step == moment:
        return moment
    return tick


@dataclass(eq=False)
class PlannedOffer:
    sent_at: datetime.datetime
    respond_by: datetime.datetime
    provisional: bool
    outcome: str = ""  # the Offer.Status it ends in
    responded_at: datetime.datetime | None = None
    reason: str = ""
    to_demo_agency: bool = False
    # Filled in by the replay, from the ranking at the moment the offer was sent.
    agency: int | None = None
    score: Decimal | None = None
    rank: int | None = None
    reasons: list = field(default_factory=list)
    warned_at: datetime.datetime | None = None
    dropped: bool = False


@dataclass(eq=False)
class PlannedRequest:
    firm: int
    items: tuple  # ((service item code, quota), ...)
    needs: str
    submitted_at: datetime.datetime
    offers: list
    withdrawn_at: datetime.datetime | None = None
    withdraw_reason: str = ""
    price: Decimal = Decimal("0.00")
    government: Decimal = Decimal("0.00")
    copay: Decimal = Decimal("0.00")
    # When the programme office records the co-payment's bank transfer; None while it is due.
    paid_at: datetime.datetime | None = None

    @property
    def status(self):
        if self.withdrawn_at is not None:
            return CustodyRequest.Status.WITHDRAWN
        outcome = self.offers[-1].outcome if self.offers else None
        if outcome == Offer.Status.ACCEPTED:
            return CustodyRequest.Status.ENGAGED
        if outcome == Offer.Status.PENDING:
            return CustodyRequest.Status.OFFERED
        return CustodyRequest.Status.OPEN


@dataclass
class PlannedConflict:
    agency: int
    firm: int
    note: str
    declared_at: datetime.datetime


@dataclass
class PlannedChange:
    request: "PlannedRequest"
    new_agency: int
    reason: str
    requested_at: datetime.datetime


class Stories:
    """The requests, offers, engagements, conflicts and a change of agency of the open year."""

    def __init__(self, planner):
        self.s = planner
        self.rng = planner.rng
        self.year = planner.year
        self.items = planner.items
        self.item_ids = {code: item.pk for code, item in self.items.items()}
        self.agencies = [agency.row for agency in planner.agencies]
        self.agency_moments = [agency.moments for agency in planner.agencies]
        self.agency_codes = [agency.service_codes for agency in planner.agencies]
        self.firms = [firm.row for firm in planner.firms]
        self.firm_focus = [firm.focus for firm in planner.firms]
        self.demo_incubator = planner.incubators[0]
        self.package = {row.service_item.code: row for row in self.year.package_items.all()}
        self.plans = []
        self.conflicts = []
        self.change = None

    def run(self):
        self._plan_stories()
        self._declare_conflicts()
        self._replay()
        self._plan_payments()
        self._propose_change()
        return self

    # --- stories -------------------------------------------------------------------

    def _eligible(self, firm):
        """What request_submit's eligibility rules ask of the firm itself."""
        return (
            firm.verification == Firm.Verification.VERIFIED
            and firm.incubator.is_programme_level
            and firm.size_verdict().small_or_micro is True
            and firm.headcount <= self.year.max_headcount
            and RevenueBand.rank(firm.revenue_band) <= RevenueBand.rank(self.year.max_revenue_band)
        )

    def _plan_stories(self):
        verified = sum(firm.verification == Firm.Verification.VERIFIED for firm in self.firms)
        # The demo firm (index 0) keeps no request: a visitor walks its journey.
        pool = [index for index, firm in enumerate(self.firms[1:], 1) if self._eligible(firm)]
        self.rng.shuffle(pool)
        wanted = {
            "offered": max(1, round(verified * OFFERED_SHARE)),
            "open": round(verified * OPEN_SHARE),
            "engaged": round(verified * ENGAGED_SHARE),
            "withdrawn": max(1, round(verified * WITHDRAWN_SHARE)),
        }
        # The budget must still cover the pending offers and the demo firm's own request.
        full_package = sum(
            (row.quota * row.service_item.unit_price for row in self.package.values()),
            Decimal("0.00"),
        )
        most, _copay = self.year.split_price(full_package)
        spendable = self.year.budget - most * (wanted["offered"] + 1)
        planned = Decimal("0.00")

        in_demo_incubator = [
            index for index in pool if self.firms[index].incubator_id == self.demo_incubator.pk
        ]
        stories = [
            (index, "open", position < 2)
            for position, index in enumerate(in_demo_incubator[:DEMO_INCUBATOR_OPEN])
        ]
        opened_already = len(stories)
        taken = {index for index, _kind, _recent in stories}
        rest = iter(index for index in pool if index not in taken)
        for kind in ("offered", "engaged", "open", "withdrawn"):
            count = wanted[kind] - (opened_already if kind == "open" else 0)
            for _ in range(max(count, 0)):
                index = next(rest, None)
                if index is None:
                    break
                stories.append((index, kind, False))

        demo_pending = 0
        for index, kind, recent in stories:
            plan = self._request(index)
            if kind == "engaged":
                if planned + plan.government > spendable:
                    kind = "open"
                else:
                    planned += plan.government
            timeline = self._timeline_for(index, kind, recent)
            if timeline is None:
                continue
            plan.submitted_at, plan.offers, plan.withdrawn_at = timeline
            if plan.withdrawn_at is not None:
                plan.withdraw_reason = self.rng.choice(WITHDRAW_REASONS)
                for offer in plan.offers:
                    if offer.outcome == Offer.Status.WITHDRAWN:
                        offer.reason = plan.withdraw_reason
            if plan.status == CustodyRequest.Status.OFFERED and demo_pending < DEMO_AGENCY_PENDING:
                plan.offers[-1].to_demo_agency = True
                demo_pending += 1
            self.plans.append(plan)

    def _request(self, index):
        shape = self.rng.choices(*zip(*REQUEST_SHAPES, strict=True))[0]
        standard = [(code, row.quota) for code, row in self.package.items() if row.is_standard]
        extras = ""
        if shape == "standard":
            items = standard
        elif shape == "extras":
            chosen = self.rng.sample(STANDARD_EXTRAS, self.rng.randint(1, 2))
            items = standard + [
                (code, self.rng.randint(1, self.package[code].quota)) for code in chosen
            ]
            extras = "和".join(self.items[code].name for code in chosen)
        elif shape == "brand":
            items = list(BRAND_ITEMS)
        else:
            items = list(PROTECTION_ITEMS)
        price = sum((self.items[code].unit_price * quota for code, quota in items), Decimal("0.00"))
        government, copay = self.year.split_price(price)
        return PlannedRequest(
            firm=index,
            items=tuple(items),
            needs=NEEDS[shape].format(focus=self.firm_focus[index], extras=extras),
            submitted_at=None,
            offers=[],
            price=price,
            government=government,
            copay=copay,
        )

    def _timeline_for(self, index, kind, recent):
        """Moments of the story, with fewer lapsed offers when history is short."""
        firm = self.firms[index]
        opened = self.s._start_of(self.year.opens_on) + datetime.timedelta(hours=9)
        window_start = max(opened, firm.verified_at + datetime.timedelta(days=1))
        lapses = {
            "engaged": self.rng.choices((0, 1, 2), weights=(55, 33, 12))[0],
            "offered": self.rng.choices((0, 1), weights=(70, 30))[0],
            "open": 0 if recent else self.rng.choices((0, 1), weights=(65, 35))[0],
            "withdrawn": self.rng.choices((0, 1), weights=(50, 50))[0],
        }[kind]
        for count in range(lapses, -1, -1):
            timeline = self._timeline(kind, count, window_start, recent=recent)
            if timeline is not None:
                return timeline
        return self._timeline("open", 0, window_start, recent=recent)

    def _offer_after(self, moment):
        """An offer the firm sends some time after `moment`, with its working-day deadline."""
        hour = datetime.timedelta(hours=1)
        return self._offer_at(self.s._between(moment + hour / 6, moment + 48 * hour))

    def _offer_at(self, sent_at):
        respond_by, provisional = offer_actions._deadline(self.year, sent_at)
        return PlannedOffer(sent_at=sent_at, respond_by=respond_by, provisional=provisional)

    def _timeline(self, kind, lapses, window_start, *, recent):
        """(submitted at, offers, withdrawn at), or None when it does not fit before today."""
        hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
        minute = hour / 60
        end = self.s.anchor - 30 * minute
        if kind == "open" and lapses == 0:
            start = max(window_start, self.s.anchor - 60 * hour) if recent else window_start
            return (self.s._between(start, end), [], None) if start < end else None
        # A round of offer and answer takes at most about a week, holidays included.
        latest = self.s.anchor - day * (7 * lapses + (3 if kind == "offered" else 8))
        if latest <= window_start:
            return None
        submitted = self.s._between(window_start, latest)
        moment, offers, withdrawn_at = submitted, [], None
        for _ in range(lapses):
            offer = self._offer_after(moment)
            if self.rng.random() < 0.6:
                offer.outcome = Offer.Status.DECLINED
                offer.reason = self.rng.choice(DECLINE_REASONS)
                offer.responded_at = self.s._between(
                    offer.sent_at + hour,
                    min(offer.sent_at + 60 * hour, offer.respond_by - minute),
                )
            else:
                offer.outcome = Offer.Status.EXPIRED
                # The expiry job runs every five minutes.
                offer.responded_at = tick_after(offer.respond_by, 5, strictly=True)
            offers.append(offer)
            moment = offer.responded_at
        if kind == "engaged":
            offer = self._offer_after(moment)
            offer.outcome = Offer.Status.ACCEPTED
            offer.responded_at = self.s._between(
                offer.sent_at + 20 * minute,
                min(offer.sent_at + 54 * hour, offer.respond_by - minute),
            )
            offers.append(offer)
            moment = offer.responded_at
        elif kind == "offered":
            start = max(moment + 10 * minute, self.s.anchor - 48 * hour)
            if start >= end:
                return None
            offer = self._offer_at(self.s._between(start, end))
            offer.outcome = Offer.Status.PENDING
            offers.append(offer)
            moment = offer.sent_at
        elif kind == "withdrawn":
            if self.rng.random() < 0.5:
                offer = self._offer_after(moment)
                offer.outcome = Offer.Status.WITHDRAWN
                offer.responded_at = self.s._between(
                    offer.sent_at + hour,
                    min(offer.sent_at + 48 * hour, offer.respond_by - minute),
                )
                offers.append(offer)
                moment = offer.responded_at
            else:
                moment = self.s._between(moment + hour, moment + 96 * hour)
            withdrawn_at = moment
        if moment >= end:
            return None
        for offer in offers:
            # The warning job (every 15 minutes) reminds the agency a day before the deadline.
            warn_at = tick_after(offer.respond_by - day, 15, strictly=True)
            still_pending = offer.sent_at < warn_at and (
                offer.responded_at is None or offer.responded_at > warn_at
            )
            if still_pending and warn_at < self.s.anchor:
                offer.warned_at = warn_at
        return submitted, offers, withdrawn_at

    def _declare_conflicts(self):
        """A couple of declared conflicts, one of them the demo agency's, all before opening."""
        with_request = [plan.firm for plan in self.plans]
        to_demo = {
            plan.firm for plan in self.plans if plan.offers and plan.offers[-1].to_demo_agency
        }
        approved = [
            index
            for index, agency in enumerate(self.agencies)
            if agency.status == Agency.Status.APPROVED
        ]
        if not with_request or not approved:
            return
        opened = self.s._start_of(self.year.opens_on)
        pairs = set()
        demo_candidates = [firm for firm in with_request if firm not in to_demo]
        if approved[0] == 0 and demo_candidates:
            pairs.add((0, self.rng.choice(demo_candidates)))
        wanted = 2 + len(self.firms) // 300
        for _attempt in range(wanted * 5):
            if len(pairs) >= wanted:
                break
            pairs.add((self.rng.choice(approved), self.rng.choice(with_request)))
        for agency, firm in sorted(pairs):
            self.conflicts.append(
                PlannedConflict(
                    agency=agency,
                    firm=firm,
                    note=self.rng.choice(CONFLICT_NOTES),
                    declared_at=self._declared_at(agency, firm, opened),
                )
            )

    def _declared_at(self, agency, firm, opened):
        """Before the programme opened, once both the agency and the firm had signed up."""
        known = max(self.agency_moments[agency]["applied"], self.s.firms[firm].registered_at)
        start = max(opened - datetime.timedelta(days=200), known + datetime.timedelta(minutes=5))
        end = max(opened - datetime.timedelta(days=5), start + datetime.timedelta(minutes=5))
        return self.s._between(start, end)

    # --- replay --------------------------------------------------------------------

    def _request_profile(self, plan, start_date):
        """As candidates.request_profile builds it from the stored request."""
        firm = self.firms[plan.firm]
        return matching.RequestProfile(
            firm_id=plan.firm,
            district=firm.district,
            industry=firm.industry,
            terms=matching.merge_terms(firm.matching_terms, matching.field_terms(plan.needs)),
            item_ids=frozenset(self.item_ids[code] for code, _quota in plan.items),
            start_date=start_date,
            neighbour_districts=frozenset(DISTRICT_NEIGHBOURS.get(firm.district, ())),
        )

    def _initial_profiles(self):
        conflicts = {}
        for row in self.conflicts:
            conflicts.setdefault(row.agency, set()).add(row.firm)
        return [
            matching.AgencyProfile(
                # The plan's own numbering: the agencies have no rows yet.
                id=j,
                name=agency.name,
                # Not yet approved: the replay approves each agency at its moment.
                status=Agency.Status.APPLIED,
                licence_valid_from=agency.licence_valid_from,
                licence_valid_until=agency.licence_valid_until,
                district=agency.district,
                districts_served=frozenset(agency.districts_served),
                service_item_ids=frozenset(self.item_ids[code] for code in self.agency_codes[j]),
                industries=frozenset(agency.industries),
                terms=agency.matching_terms,
                capacity=agency.yearly_capacity,
                conflict_firm_ids=frozenset(conflicts.get(j, ())),
            )
            for j, agency in enumerate(self.agencies)
        ]

    def _replay(self):
        self.profiles = self._initial_profiles()
        count = len(self.agencies)
        self.ever_approved = [
            j for j, moments in enumerate(self.agency_moments) if "approved" in moments
        ]
        # Engagements an agency is bound to take; one place always stays free, so every
        # offer found capacity left, and the demo agency keeps half for visitors.
        self.bound = [0] * count
        self.limit = [agency.yearly_capacity - 1 for agency in self.agencies]
        self.limit[0] = self.agencies[0].yearly_capacity // 2
        answered = [[0, 0, []] for _ in range(count)]  # received, accepted, response hours
        active = [0] * count
        committed = Decimal("0.00")

        timeline = []
        for index, moments in enumerate(self.agency_moments):
            if "approved" in moments:
                timeline.append((moments["approved"], "approved", index))
            if "suspended" in moments:
                timeline.append((moments["suspended"], "suspended", index))
        for plan in self.plans:
            for offer in plan.offers:
                timeline.append((offer.sent_at, "send", (plan, offer)))
                if offer.outcome in {
                    Offer.Status.ACCEPTED,
                    Offer.Status.DECLINED,
                    Offer.Status.EXPIRED,
                }:
                    timeline.append((offer.responded_at, "answer", (plan, offer)))
        timeline.sort(key=lambda entry: entry[0])

        for moment, kind, subject in timeline:
            if kind in {"approved", "suspended"}:
                self.profiles[subject] = replace(self.profiles[subject], status=kind)
                continue
            plan, offer = subject
            if offer.dropped:
                continue
            if kind == "send":
                if not self._send(plan, offer, moment):
                    self._cut(plan, offer)
                continue
            j = offer.agency
            received, accepted, hours = answered[j]
            hours.append((offer.responded_at - offer.sent_at).total_seconds() / 3600)
            answered[j][0] = received + 1
            if offer.outcome == Offer.Status.ACCEPTED:
                answered[j][1] = accepted + 1
                active[j] += 1
                committed += plan.government
                if committed > self.year.budget:
                    raise RuntimeError("the demo plan overspent the programme budget")
            self.profiles[j] = replace(
                self.profiles[j],
                active_clients=active[j],
                track=matching.TrackRecord(
                    offers_received=answered[j][0],
                    offers_accepted=answered[j][1],
                    median_response_hours=statistics.median(answered[j][2]),
                ),
            )
        for plan in self.plans:
            plan.offers = [offer for offer in plan.offers if not offer.dropped]

    def _send(self, plan, offer, moment):
        """Choose the agency as the firm would from the ranking at `moment`; False if none."""
        profile = self._request_profile(plan, timezone.localtime(moment).date())
        # Agencies that never qualify for this request score NaN at every moment, so
        # scoring only the others ranks exactly as over all agencies, in less time.
        columns = [
            j
            for j in self.ever_approved
            if profile.item_ids <= self.profiles[j].service_item_ids
            and profile.firm_id not in self.profiles[j].conflict_firm_ids
        ]
        scores = matching.score_matrix([profile], [self.profiles[j] for j in columns])[0]
        score_of = {
            j: value for j, value in zip(columns, scores, strict=True) if not np.isnan(value)
        }
        ranked = sorted(score_of, key=lambda j: (-score_of[j], self.profiles[j].id))
        tried = {earlier.agency for earlier in plan.offers if earlier.agency is not None}
        feasible = [j for j in ranked if j not in tried and self._can_take(j, offer)]
        if not feasible:
            return False
        if offer.to_demo_agency and 0 in feasible:
            chosen = 0
        else:
            top = feasible[: len(PICK_WEIGHTS)]
            chosen = self.rng.choices(top, weights=PICK_WEIGHTS[: len(top)])[0]
        if offer.outcome == Offer.Status.ACCEPTED:
            self.bound[chosen] += 1
        candidate = matching.score(profile, self.profiles[chosen])
        offer.agency = chosen
        offer.rank = ranked.index(chosen) + 1
        offer.score = Decimal(str(candidate.score))
        offer.reasons = [
            {"code": reason.code, "params": offer_actions._jsonable(reason.params)}
            for reason in candidate.reasons
        ]
        return True

    def _can_take(self, j, offer):
        agency = self.agencies[j]
        if offer.outcome == Offer.Status.ACCEPTED:
            # offer_accept refuses an agency that is no longer approved.
            suspended = self.agency_moments[j].get("suspended")
            if suspended is not None and suspended <= offer.responded_at:
                return False
            return self.bound[j] < self.limit[j]
        if offer.outcome == Offer.Status.PENDING:
            # Still pending today, so the agency must be able to accept it now.
            return agency.status == Agency.Status.APPROVED and agency.licence_valid_on(self.s.today)
        return True

    def _cut(self, plan, offer):
        """No candidate was left: the request stays open and the rest of its story never happens."""
        position = plan.offers.index(offer)
        for later in plan.offers[position:]:
            later.dropped = True
        plan.withdrawn_at = None
        plan.withdraw_reason = ""

    # --- money and a change of agency ------------------------------------------------

    def _plan_payments(self):
        """Most firms pay their co-payment within four days of acceptance; the latest still owe it."""
        for plan in self.plans:
            if plan.status != CustodyRequest.Status.ENGAGED or plan.copay <= 0:
                continue
            paid_at = plan.offers[-1].responded_at + datetime.timedelta(
                hours=self.rng.randint(2, 96), minutes=self.rng.randint(0, 59)
            )
            plan.paid_at = paid_at if paid_at < self.s.anchor else None

    def _propose_change(self):
        """One firm asks to move to another agency, for the programme office to decide."""
        hour = datetime.timedelta(hours=1)
        engaged = [plan for plan in self.plans if plan.paid_at is not None]
        engaged.sort(key=lambda plan: self.firms[plan.firm].incubator_id != self.demo_incubator.pk)
        for plan in engaged:
            current = plan.offers[-1].agency
            start = max(plan.paid_at + 24 * hour, self.s.anchor - 40 * hour)
            if start >= self.s.anchor - hour:
                continue
            profile = self._request_profile(plan, self.s.today)
            # agency_change_approve checks the new agency against matching's hard constraints.
            options = [
                j
                for j in range(len(self.agencies))
                if j != current
                and self.agencies[j].status == Agency.Status.APPROVED
                and self.bound[j] < self.limit[j]
                and matching.check_constraints(profile, self.profiles[j]) is None
            ]
            if not options:
                continue
            self.change = PlannedChange(
                request=plan,
                new_agency=self.rng.choice(options),
                reason=self.rng.choice(CHANGE_REASONS),
                requested_at=self.s._between(start, self.s.anchor - hour),
            )
            return
