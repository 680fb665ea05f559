"""The demo programme's participants, planned before anything happens to them.

Reference data (parks, incubators and their managers, the catalogue, this year's
programme) is written at once. Agencies and firms are only planned here, with the
moments of their story (applied, approved, suspended; registered, verified): the
demo seed (demo.programme) then lives that story through the actions, and the
benchmarks' scale seed (demo.bulk) inserts where it ends.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from custody.payments.models import PayeeAccount
from demo.reference import (
    CATALOGUE,
    DEMO_EMAIL_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DISTRICT_NAMES_ZH,
    INCUBATOR_KINDS,
    INCUBATOR_THEMES,
    INCUBATORS,
    PACKAGE,
    PARKS,
    PROGRAMME_COPAY_CAP,
    PROGRAMME_GOVERNMENT_SHARE,
    PROGRAMME_TARGET_FIRMS,
    ROADS,
    STANDARD_CODES,
)
from demo.vocabulary import (
    AGENCY_NAME_PATTERNS,
    AGENCY_REJECTION_REASONS,
    AGENCY_SERVICES,
    AGENCY_SUSPENSION_REASONS,
    BRAND_FIRST,
    BRAND_SECOND,
    DEMO_INCUBATOR_FIRMS,
    FIRM_REJECTION_REASONS,
    HISTORY_DAYS,
    INDUSTRY_PROFILES,
    INDUSTRY_WEIGHTS,
    agency_expertise,
)
from marketplace.choices import DISTRICT_NEIGHBOURS, District, Industry, RevenueBand
from marketplace.credit_codes import make_credit_code
from marketplace.models import (
    Agency,
    Firm,
    HighTechPark,
    Incubator,
    PackageItem,
    ProgrammeYear,
    ServiceItem,
    User,
)


def check(obj, **kwargs):
    """Field and model validation without queries (uniqueness holds by construction)."""
    obj.full_clean(validate_unique=False, validate_constraints=False, **kwargs)
    return obj


@dataclass
class Person:
    """A login the story creates: the agency's administrator or the firm's first member."""

    username: str
    display_name: str
    demo: bool = False

    @property
    def email(self):
        return f"{self.username}@{DEMO_EMAIL_DOMAIN}"

    @property
    def password(self):
        # Demo logins sign up with the published password; everyone else gets it afterwards
        # in one update (demo_password_for_everyone): hashing it per person takes 0.4 s.
        return DEMO_PASSWORD if self.demo else None


@dataclass
class PlannedAgency:
    row: Agency  # unsaved; its fields are what the agency applies with
    service_codes: list
    moments: dict  # applied, and approved / rejected / suspended when they happen
    admin: Person
    saved: Agency | None = None
    user: User | None = None


@dataclass
class PlannedFirm:
    row: Firm  # unsaved, pending; verification and verified_at are where its story ends
    registered_at: datetime.datetime
    member: Person
    focus: str
    saved: Firm | None = None
    user: User | None = None


class Planner:
    """Writes the reference data and plans the agencies and firms (see the module's docstring)."""

    def __init__(self, *, seed):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        # Made-up history ends when today began, so runs on the same day agree to the second.
        self.anchor = timezone.make_aware(datetime.datetime.combine(self.today, datetime.time()))
        self.used_names = set()

    def run(self, *, firms, agencies, incubators):
        self.officer = self._demo_user("demo-officer", is_staff=True, is_superuser=True)
        check(self.officer, exclude=["password"])
        self.officer.save()
        self.parks = self._parks()
        self.incubators, self.managers = self._incubators(incubators, self.parks)
        self.items = self._catalogue()
        self.year = self._programme_year(self.items)
        codes = iter(self.rng.sample(range(100_000_000, 1_000_000_000), firms + agencies))
        self.agencies = self._agencies(agencies, codes)
        self.firms = self._firms(firms, self.incubators, self.managers, codes)
        return self

    # --- helpers -------------------------------------------------------------

    def _demo_user(self, username, **fields):
        login = next(login for login in DEMO_LOGINS if login.username == username)
        return User(
            username=username,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            role=login.role,
            display_name=login.display_name,
            password=make_password(DEMO_PASSWORD),
            **fields,
        )

    def _staff_user(self, username, role, display_name, **memberships):
        return User(
            username=username,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            role=role,
            display_name=display_name,
            password=make_password(None),
            **memberships,
        )

    def _unique_name(self, make):
        """Call `make()` for (name, English name) until the name is new; numbered after many clashes."""
        for _attempt in range(40):
            name, name_en = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name, name_en
        number = 2
        while f"{name}（{number}）" in self.used_names:
            number += 1
        self.used_names.add(f"{name}（{number}）")
        return f"{name}（{number}）", name_en and f"{name_en} ({number})"

    def _brand(self):
        first, first_pinyin = self.rng.choice(BRAND_FIRST)
        second, second_pinyin = self.rng.choice(BRAND_SECOND)
        # Pinyin marks a syllable starting with a, e or o: Le'an, not Lean.
        joiner = "'" if second_pinyin[0] in "aeo" else ""
        return first + second, f"{first_pinyin}{joiner}{second_pinyin}"

    def _address(self, district):
        road = self.rng.choice(ROADS[district])
        return f"南京市{DISTRICT_NAMES_ZH[district]}{road}{self.rng.randint(1, 399)}号"

    def _past_moment(self, day, *, min_days, max_days):
        """An office-hours moment some days after `day`, never later than now."""
        when = day + datetime.timedelta(days=self.rng.randint(min_days, max_days))
        moment = timezone.make_aware(
            datetime.datetime.combine(
                when, datetime.time(self.rng.randint(9, 17), self.rng.randint(0, 59))
            )
        )
        return min(moment, self.now)

    def _between(self, start, end):
        """A moment between `start` and `end`, to the second."""
        return (start + (end - start) * self.rng.random()).replace(microsecond=0)

    def _recent(self, *, min_days, max_days):
        """A moment some days before today began."""
        days = datetime.timedelta(days=1)
        return self._between(self.anchor - max_days * days, self.anchor - min_days * days)

    def _start_of(self, day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    # --- reference data ----------------------------------------------------

    def _parks(self):
        parks = {
            key: check(HighTechPark(name=name, name_en=name_en, district=district))
            for key, name, name_en, district in PARKS
        }
        for park in parks.values():
            park.save()
        return parks

    def _incubators(self, count, parks):
        rows = []
        for index in range(count):
            if index < len(INCUBATORS):
                name, name_en, level, district, park_key = INCUBATORS[index]
                park = parks[park_key] if park_key else None
                self.used_names.add(name)
            else:
                park = parks[self.rng.choice(PARKS)[0]]
                district = park.district
                level = self.rng.choices(
                    (
                        Incubator.Level.NATIONAL,
                        Incubator.Level.PROVINCIAL,
                        Incubator.Level.MUNICIPAL,
                    ),
                    weights=(35, 50, 15),
                )[0]

                def make(park=park):
                    theme, theme_en = self.rng.choice(INCUBATOR_THEMES)
                    kind, kind_en = self.rng.choice(INCUBATOR_KINDS)
                    return f"{park.name}{theme}{kind}", f"{park.name_en} {theme_en} {kind_en}"

                name, name_en = self._unique_name(make)
            rows.append(
                check(
                    Incubator(
                        name=name,
                        name_en=name_en,
                        level=level,
                        district=district,
                        park=park,
                        address=self._address(district),
                    ),
                    exclude=["park"],
                )
            )
        for row in rows:
            row.save()

        managers = []
        for index, incubator in enumerate(rows):
            if index == 0:
                manager = self._demo_user("demo-manager", incubator=incubator)
            else:
                manager = self._staff_user(
                    f"manager-{index:03d}",
                    User.Role.INCUBATOR_MANAGER,
                    f"{incubator.name}管理员",
                    incubator=incubator,
                )
            managers.append(check(manager, exclude=["password", "incubator"]))
        for manager in managers:
            manager.save()
        return rows, managers

    def _catalogue(self):
        items = {
            entry.code: check(
                ServiceItem(
                    code=entry.code,
                    area=entry.area,
                    name=entry.name,
                    name_en=entry.name_en,
                    description=entry.description,
                    unit=entry.unit,
                    unit_price=Decimal(entry.unit_price),
                )
            )
            for entry in CATALOGUE
        }
        for item in items.values():
            item.save()
        return items

    def _programme_year(self, items):
        year_number = self.today.year
        year = ProgrammeYear(
            year=year_number,
            name=f"{year_number}年度南京市小微企业知识产权托管服务项目",
            name_en=f"Nanjing IP custody for small and micro firms, {year_number}",
            budget=Decimal("0"),
            target_firms=PROGRAMME_TARGET_FIRMS,
            government_share=PROGRAMME_GOVERNMENT_SHARE,
            copay_cap=PROGRAMME_COPAY_CAP,
            max_headcount=100,
            max_revenue_band=RevenueBand.FROM_20M_TO_50M,
            opens_on=min(
                datetime.date(year_number, 3, 1),
                self.today - datetime.timedelta(days=HISTORY_DAYS),
            ),
            closes_on=max(datetime.date(year_number, 11, 30), self.today),
            offer_response_days=3,
        )
        package = [
            PackageItem(service_item=items[code], quota=quota, is_standard=standard)
            for code, quota, standard in PACKAGE
        ]
        # Budget: the government's part of the standard package for every target firm,
        # rounded up to a whole million.
        price = sum(
            (row.quota * row.service_item.unit_price for row in package if row.is_standard),
            Decimal("0.00"),
        )
        government, _copay = year.split_price(price)
        million = Decimal("1000000")
        year.budget = (government * year.target_firms / million).to_integral_value(
            ROUND_CEILING
        ) * million
        check(year)
        year.save()
        for row in package:
            row.programme_year = year
            check(row)
            row.save()
        # The account firms pay their co-payments into (made up, as every demo fact is).
        payee = PayeeAccount(
            account_name="南京市知识产权托管服务项目办公室",
            bank_name="中国银行南京鼓楼支行",
            account_number="4651 0000 0000 2026",
            valid_from=year.opens_on,
        )
        check(payee)
        payee.save()
        return year

    # --- agencies ------------------------------------------------------------

    def _agency_statuses(self, count):
        """Status plan per agency index: mostly approved, a few of every other state."""
        plan = ["approved"] * count
        # The demo agency and its rival (index 1) are always approved.
        others = list(range(2, count))
        self.rng.shuffle(others)
        quotas = (
            ("applied", max(1, round(count * 0.10))),
            ("applied-expired", max(1, round(count * 0.03))),
            ("approved-expired", max(1, round(count * 0.03))),
            ("suspended", max(1, round(count * 0.05))),
            ("rejected", max(1, round(count * 0.03))),
        )
        for state, quota in quotas:
            for _ in range(quota):
                if others:
                    plan[others.pop()] = state
        return plan

    def _agencies(self, count, codes):
        plan = self._agency_statuses(count)
        licence_counters = dict.fromkeys(Agency.Kind.values, 0)
        central = (
            District.GULOU,
            District.JIANYE,
            District.XUANWU,
            District.QINHUAI,
            District.JIANGNING,
            District.PUKOU,
            District.QIXIA,
            District.YUHUATAI,
        )
        planned = []
        for index in range(count):
            demo = index == 0
            # The demo agency's rival also serves the whole standard package, so a
            # demo firm compares two candidates and a change of agency has somewhere to go.
            rival = index == 1
            kind = (
                Agency.Kind.PATENT_AGENCY
                if demo or rival
                else self.rng.choices(Agency.Kind.values, weights=(60, 25, 15))[0]
            )

            def make(kind=kind):
                brand, pinyin = self._brand()
                pattern, pattern_en = self.rng.choice(AGENCY_NAME_PATTERNS[kind])
                return pattern.format(b=brand), pattern_en.format(B=pinyin)

            name, name_en = self._unique_name(make)
            # The demo agency is the demo firm's specialist next door (the only office in its
            # district, its industry declared), so the demo firm's best-ranked agency.
            home = INCUBATORS[0][3]
            offices = [code for code in central if code != home]
            district = self.rng.choice(offices) if self.rng.random() < 0.9 else District.LISHUI
            if demo:
                district = home
            if demo or self.rng.random() < 0.2:
                served = list(District.values)
            else:
                neighbours = sorted(DISTRICT_NEIGHBOURS[District(district)])
                picked = {
                    district,
                    *self.rng.sample(neighbours, self.rng.randint(1, len(neighbours))),
                }
                served = [code for code in District.values if code in picked]
            industry_codes = [code for code, _weight in INDUSTRY_WEIGHTS[:-1]]
            picked = set(self.rng.sample(industry_codes, 5 if demo else self.rng.randint(1, 3)))
            if demo:
                picked = {Industry.INTEGRATED_CIRCUITS, *sorted(picked)[:4]}
            industries = [code for code in Industry.values if code in picked]
            expertise, expertise_en = agency_expertise(industries, kind)
            state = plan[index]
            if state.endswith("expired"):
                valid_until = self.today - datetime.timedelta(days=self.rng.randint(5, 200))
            else:
                valid_until = self.today + datetime.timedelta(days=self.rng.randint(90, 1800))
            if demo or rival:
                # Approved long before the programme opened, so they have a history.
                valid_until = self.today + datetime.timedelta(days=(3 if demo else 2) * 365)
            valid_from = valid_until - datetime.timedelta(days=5 * 365)
            licence_counters[kind] += 1
            sequence = licence_counters[kind]
            licence_number = {
                Agency.Kind.PATENT_AGENCY: f"32{100 + sequence}",
                Agency.Kind.TRADEMARK_AGENCY: f"TM{valid_from.year}32{sequence:04d}",
                Agency.Kind.LAW_FIRM: f"3{district}{valid_from.year}1{sequence:05d}",
            }[kind]
            core, optional = AGENCY_SERVICES[kind]
            # Agencies in a custody programme tend to offer much of the package.
            breadth = self.rng.uniform(0.6, 1.0)
            codes_offered = (
                [entry.code for entry in CATALOGUE]
                if demo
                else list(core) + [code for code in optional if self.rng.random() < breadth]
            )
            if rival:
                codes_offered += [code for code in STANDARD_CODES if code not in codes_offered]
            if demo:
                capacity = 150
            elif kind == Agency.Kind.PATENT_AGENCY:
                capacity = self.rng.randrange(20, 125, 5)
            else:
                capacity = self.rng.randrange(10, 65, 5)
            agency = Agency(
                name=name,
                name_en=name_en,
                credit_code=make_credit_code(next(codes), region=district),
                kind=kind,
                licence_number=licence_number,
                licence_valid_from=valid_from,
                licence_valid_until=valid_until,
                district=district,
                industries=industries,
                districts_served=served,
                expertise=expertise,
                expertise_en=expertise_en,
                yearly_capacity=capacity,
            )
            agency.refresh_matching_terms()
            moments = self._set_agency_state(agency, state)
            if demo:
                admin = Person("demo-agency", _demo_name("demo-agency"), demo=True)
            else:
                admin = Person(f"agency-{index:04d}", f"{name}管理员")
            planned.append(PlannedAgency(check(agency), codes_offered, moments, admin))
        return planned

    def _set_agency_state(self, agency, state):
        """Set the agency's state; return when it applied and each later change happened."""
        if state.startswith("applied"):
            agency.status = Agency.Status.APPLIED
            return {"applied": self._recent(min_days=1, max_days=30)}
        if state == "rejected":
            agency.status = Agency.Status.REJECTED
            agency.status_reason = self.rng.choice(AGENCY_REJECTION_REASONS)
            applied = self._recent(min_days=10, max_days=60)
            return {
                "applied": applied,
                "rejected": applied + datetime.timedelta(days=self.rng.uniform(2, 8)),
            }
        # Approved while the licence was valid; suspended ones were approved first.
        agency.approved_at = self._past_moment(agency.licence_valid_from, min_days=10, max_days=120)
        agency.status = Agency.Status.APPROVED
        moments = {
            "applied": agency.approved_at - datetime.timedelta(days=self.rng.uniform(3, 40)),
            "approved": agency.approved_at,
        }
        if state == "suspended":
            agency.status = Agency.Status.SUSPENDED
            agency.status_reason = self.rng.choice(AGENCY_SUSPENSION_REASONS)
            since = max(self.anchor - agency.approved_at, datetime.timedelta(0))
            moments["suspended"] = self._between(
                agency.approved_at + since * 0.3, agency.approved_at + since * 0.9
            )
        return moments

    # --- firms ---------------------------------------------------------------

    def _firm_verification(self, index):
        if index == 0:
            return Firm.Verification.VERIFIED
        if index == 1:
            # The demo manager always has a sign-up to confirm.
            return Firm.Verification.PENDING
        if index < DEMO_INCUBATOR_FIRMS:
            return Firm.Verification.VERIFIED
        return self.rng.choices(Firm.Verification.values, weights=(17, 78, 5))[0]

    def _firms(self, count, incubators, managers, codes):
        industries = [code for code, _weight in INDUSTRY_WEIGHTS]
        industry_weights = [weight for _code, weight in INDUSTRY_WEIGHTS]
        incubator_weights = [self.rng.uniform(0.5, 2.0) for _ in incubators]
        planned = []
        for index in range(count):
            if index < DEMO_INCUBATOR_FIRMS:
                slot = 0
            else:
                slot = self.rng.choices(range(len(incubators)), weights=incubator_weights)[0]
            incubator = incubators[slot]
            industry = (
                Industry.INTEGRATED_CIRCUITS
                if index == 0
                else self.rng.choices(industries, weights=industry_weights)[0]
            )
            words, focuses, _expertise = INDUSTRY_PROFILES[Industry(industry)]

            def make(words=words):
                brand, _pinyin = self._brand()
                city = "南京" if self.rng.random() < 0.85 else "江苏"
                return f"{city}{brand}{self.rng.choice(words)}有限公司", None

            name, _ = self._unique_name(make)
            district = (
                incubator.district
                if self.rng.random() < 0.9 or index == 0
                else self.rng.choice(District.values)
            )
            band = self.rng.choices(range(4), weights=(70, 22, 6, 2))[0]
            headcount = (
                18
                if index == 0
                else self.rng.randint(*((3, 20), (21, 60), (61, 100), (101, 300))[band])
            )
            revenue_band = (
                RevenueBand.FROM_1M_TO_5M
                if index == 0
                else self.rng.choices(RevenueBand.values, weights=(45, 35, 13, 5, 2))[0]
            )
            admitted_on = self.today - datetime.timedelta(days=self.rng.randint(40, 1500))
            focus = self.rng.choice(focuses)
            firm = Firm(
                name=name,
                credit_code=make_credit_code(
                    next(codes), region=district if self.rng.random() < 0.8 else "320100"
                ),
                district=district,
                incubator=incubator,
                admitted_on=admitted_on,
                industry=industry,
                headcount=headcount,
                revenue_band=revenue_band,
                description=f"专注于{focus}的研发与产业化。",
                verification=self._firm_verification(index),
            )
            if firm.verification == Firm.Verification.PENDING:
                registered = self._recent(min_days=1, max_days=20)
            else:
                # Confirmed (or turned down) by the incubator's manager soon after admission.
                firm.verified_at = self._past_moment(admitted_on, min_days=3, max_days=30)
                firm.verified_by = managers[slot]
                registered = max(
                    firm.verified_at - datetime.timedelta(hours=self.rng.uniform(2, 120)),
                    self._start_of(admitted_on),
                )
            if firm.verification == Firm.Verification.REJECTED:
                firm.verification_reason = self.rng.choice(FIRM_REJECTION_REASONS)
            firm.refresh_matching_terms()
            check(firm, exclude=["incubator", "verified_by"])
            if index == 0:
                member = Person("demo-firm", _demo_name("demo-firm"), demo=True)
            else:
                member = Person(f"firm-{index:05d}", f"{name}联系人")
            planned.append(PlannedFirm(firm, registered, member, focus))
        return planned


def demo_password_for_everyone():
    """Every seeded person signs in with the published demo password (one shared hash).

    Load and fault tests act as many firms and agencies. Demo data only: the seed fills an
    empty database, and only people of the demo's made-up e-mail domain are touched.
    """
    return User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").update(
        password=make_password(DEMO_PASSWORD)
    )


def _demo_name(username):
    return next(login.display_name for login in DEMO_LOGINS if login.username == username)
