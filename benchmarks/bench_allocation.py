"""Cohort allocation of 2,000 open requests across 300 agencies, end to end from the database.

A fresh database gets one open programme year, 2,000 verified firms with an
open custody request each (standard package, with extras, brand or
enforcement work) and 300 approved agencies whose services, industries,
districts and capacities vary; free places add up to less than the demand,
so capacity binds and some firms stay unplaced.

Cases:
- end to end: actions.allocation_preview as the officer runs it: load the
  requests and the agencies' profiles, score every pair, solve the min-cost
  flow, run the greedy baseline, explain the unplaced and store the preview.
  Target 2 s. Baseline: the load alone (the same queries and profiles), the
  floor any allocation from the database stands on. The texts' domain words are
  stored with them (the seed takes them as the actions do), so no run segments
  text; one untimed run first warms the caches.
- solver: allocation.solve_matrix on the score matrix of the same data.
  Target p95 0.1 s. Baseline: allocation.greedy_matrix on the same matrix.
  The notes compare the objectives (total score) and the firms placed.

--quick: 400 requests × 60 agencies, targets scaled by the number of requests.
"""

import datetime
import random
from decimal import Decimal

import numpy as np
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from benchmarks.harness import Row
from demo import reference, vocabulary
from marketplace import actions, allocation, candidates, matching
from marketplace.actions.allocation_runs import allocatable_requests
from marketplace.choices import DISTRICT_NEIGHBOURS, District, Industry, RevenueBand
from marketplace.credit_codes import make_credit_code
from marketplace.models import (
    Agency,
    CustodyRequest,
    Firm,
    Incubator,
    PackageItem,
    ProgrammeYear,
    RequestItem,
    ServiceItem,
    User,
)

REQUESTS, AGENCIES = 2000, 300
QUICK_REQUESTS, QUICK_AGENCIES = 400, 60
TARGET_END_TO_END = 2.0
TARGET_SOLVER = 0.1
SEED = 2026

SHAPES = (("standard", 62), ("extras", 23), ("brand", 10), ("protection", 5))


def _shape_items(rng, shape, package):
    standard = [(code, quota) for code, quota, is_standard in reference.PACKAGE if is_standard]
    if shape == "standard":
        return standard
    if shape == "extras":
        chosen = rng.sample(vocabulary.STANDARD_EXTRAS, rng.randint(1, 2))
        return standard + [(code, rng.randint(1, package[code])) for code in chosen]
    return list(vocabulary.BRAND_ITEMS if shape == "brand" else vocabulary.PROTECTION_ITEMS)


def seed_cohort(*, requests, agencies, seed=SEED):
    """Write an open programme with `requests` open requests and `agencies` approved agencies."""
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    unusable = make_password(None)
    officer = User.objects.create(
        username="bench-officer", role=User.Role.PROGRAMME_OFFICER, password=unusable
    )
    items = {
        entry.code: ServiceItem(
            code=entry.code,
            area=entry.area,
            name=entry.name,
            name_en=entry.name_en,
            unit=entry.unit,
            unit_price=Decimal(entry.unit_price),
        )
        for entry in reference.CATALOGUE
    }
    ServiceItem.objects.bulk_create(items.values())
    year = ProgrammeYear.objects.create(
        year=today.year,
        name="基准年度",
        budget=Decimal("100000000.00"),
        target_firms=requests,
        government_share=reference.PROGRAMME_GOVERNMENT_SHARE,
        copay_cap=reference.PROGRAMME_COPAY_CAP,
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today + datetime.timedelta(days=30),
    )
    package = {code: quota for code, quota, _standard in reference.PACKAGE}
    PackageItem.objects.bulk_create(
        PackageItem(programme_year=year, service_item=items[code], quota=quota, is_standard=std)
        for code, quota, std in reference.PACKAGE
    )
    incubators = Incubator.objects.bulk_create(
        Incubator(name=f"基准孵化器{n}", level=Incubator.Level.NATIONAL, district=district)
        for n, district in enumerate(District.values)
    )

    industries = [code for code in Industry.values if code != Industry.OTHER]
    agency_rows, offered = [], []
    for n in range(agencies):
        kind = rng.choices(Agency.Kind.values, weights=(60, 25, 15))[0]
        core, optional = vocabulary.AGENCY_SERVICES[kind]
        breadth = rng.uniform(0.75, 1.0)
        offered.append(list(core) + [code for code in optional if rng.random() < breadth])
        district = rng.choice(District.values)
        neighbours = sorted(DISTRICT_NEIGHBOURS[District(district)])
        chosen = rng.sample(industries, rng.randint(1, 3))
        expertise, expertise_en = vocabulary.agency_expertise(chosen, kind)
        agency_rows.append(
            Agency(
                name=f"基准代理机构{n}",
                credit_code=make_credit_code(500_000_000 + n, region=district),
                kind=kind,
                licence_number=f"B{n}",
                licence_valid_from=today - datetime.timedelta(days=1000),
                licence_valid_until=today + datetime.timedelta(days=1000),
                district=district,
                districts_served=[
                    district,
                    *rng.sample(neighbours, rng.randint(0, min(2, len(neighbours)))),
                ],
                industries=chosen,
                expertise=expertise,
                expertise_en=expertise_en,
                # Patent agencies take most firms; places fall a little short of demand.
                yearly_capacity=(
                    rng.randint(4, 20) if kind == Agency.Kind.PATENT_AGENCY else rng.randint(2, 8)
                ),
                status=Agency.Status.APPROVED,
                approved_at=now,
            )
        )
    # The words the actions take when an agency saves its expertise (marketplace.models.terms).
    for agency in agency_rows:
        agency.refresh_matching_terms()
    Agency.objects.bulk_create(agency_rows)
    through = Agency.service_items.through
    through.objects.bulk_create(
        through(agency_id=agency.pk, serviceitem_id=items[code].pk)
        for agency, codes in zip(agency_rows, offered, strict=True)
        for code in codes
    )

    firms, focuses = [], []
    for n in range(requests):
        incubator = rng.choice(incubators)
        industry = rng.choice(industries)
        focus = rng.choice(vocabulary.INDUSTRY_PROFILES[Industry(industry)][1])
        focuses.append(focus)
        firms.append(
            Firm(
                name=f"基准企业{n}",
                credit_code=make_credit_code(n, region=incubator.district),
                district=incubator.district,
                incubator=incubator,
                admitted_on=today - datetime.timedelta(days=200),
                industry=industry,
                headcount=rng.randint(3, 80),
                revenue_band=RevenueBand.FROM_1M_TO_5M,
                description=f"专注于{focus}的研发与产业化。",
                verification=Firm.Verification.VERIFIED,
                verified_at=now,
            )
        )
    for firm in firms:
        firm.refresh_matching_terms()
    Firm.objects.bulk_create(firms, batch_size=1000)
    members = User.objects.bulk_create(
        (
            User(
                username=f"bench-firm-{n}", role=User.Role.FIRM_MEMBER, firm=firm, password=unusable
            )
            for n, firm in enumerate(firms)
        ),
        batch_size=1000,
    )
    shapes, weights = zip(*SHAPES, strict=True)
    chosen_items = [_shape_items(rng, rng.choices(shapes, weights)[0], package) for _ in firms]
    rows = [
        CustodyRequest(
            firm=firm,
            programme_year=year,
            needs=vocabulary.NEEDS["standard"].format(focus=focus, extras=""),
            created_by=member,
        )
        for firm, member, focus in zip(firms, members, focuses, strict=True)
    ]
    for row in rows:
        row.refresh_matching_terms()
    rows = CustodyRequest.objects.bulk_create(rows, batch_size=1000)
    RequestItem.objects.bulk_create(
        (
            RequestItem(
                request=request,
                service_item=items[code],
                quota=quota,
                is_extra=code not in reference.STANDARD_CODES,
            )
            for request, request_items in zip(rows, chosen_items, strict=True)
            for code, quota in request_items
        ),
        batch_size=2000,
    )
    return year, officer


def _load(year, today):
    """What allocation_preview reads before it computes anything."""
    requests = list(allocatable_requests(year))
    profiles = candidates.agency_profiles(programme_year=year)
    return [candidates.request_profile(r, start_date=today) for r in requests], profiles


def _outcome(scores, assignment):
    placed = assignment >= 0
    rows = np.nonzero(placed)[0]
    return int(placed.sum()), float(scores[rows, assignment[rows]].sum())


def measure(ctx, *, requests, agencies, repeat, solver_repeat, scale=1.0):
    rows = []
    with ctx.fresh_database():
        year, officer = seed_cohort(requests=requests, agencies=agencies)
        today = timezone.localdate()
        actions.allocation_preview(programme_year=year, by=officer)

        runs = []

        def preview():
            runs.append(actions.allocation_preview(programme_year=year, by=officer))

        def check():
            result = runs[-1].result
            if len(runs[-1].request_ids) != requests or not result["placed"]:
                raise RuntimeError(f"preview covered {len(runs[-1].request_ids)} requests")

        timing = ctx.measure(preview, repeat=repeat, check=check)
        baseline = ctx.measure(lambda: _load(year, today), repeat=repeat)
        result = runs[-1].result

        request_profiles, profiles = _load(year, today)
        scores = matching.score_matrix(request_profiles, profiles)
        capacities = np.array([profile.free_capacity for profile in profiles], dtype=np.int64)
        solved, greedy = [], []
        solver = ctx.measure(
            lambda: solved.append(allocation.solve_matrix(scores, capacities)),
            repeat=solver_repeat,
        )
        greedy_timing = ctx.measure(
            lambda: greedy.append(allocation.greedy_matrix(scores, capacities)),
            repeat=solver_repeat,
        )
    placed, total = _outcome(scores, solved[-1])
    greedy_placed, greedy_total = _outcome(scores, greedy[-1])
    eligible_pairs = int((~np.isnan(scores)).sum())
    scaled = "" if scale == 1 else f"; targets scaled ×{scale:g} from {REQUESTS} requests"
    rows.append(
        Row(
            benchmark="allocation",
            case=f"preview {requests} requests × {agencies} agencies, from the DB",
            timing=timing,
            baseline_case="load requests and profiles only",
            baseline=baseline,
            target=TARGET_END_TO_END * scale,
            note=(
                f"objective {result['objective']:.2f} vs greedy "
                f"{result['greedy']['objective']:.2f}, placed {result['placed']} vs "
                f"{result['greedy']['placed']} of {requests}; "
                f"free places {int(capacities.sum())}{scaled}"
            ),
        )
    )
    rows.append(
        Row(
            benchmark="allocation",
            case=f"solve_matrix {requests} × {agencies} ({eligible_pairs} eligible pairs)",
            timing=solver,
            baseline_case="greedy_matrix, same matrix",
            baseline=greedy_timing,
            target=TARGET_SOLVER * scale,
            note=(
                f"objective {total:.2f} vs greedy {greedy_total:.2f}, "
                f"placed {placed} vs {greedy_placed}{scaled}"
            ),
        )
    )
    return rows


def run(ctx):
    if ctx.options.quick:
        return measure(
            ctx,
            requests=QUICK_REQUESTS,
            agencies=QUICK_AGENCIES,
            repeat=ctx.repeat(3),
            solver_repeat=ctx.repeat(10),
            scale=QUICK_REQUESTS / REQUESTS,
        )
    return measure(
        ctx,
        requests=REQUESTS,
        agencies=AGENCIES,
        repeat=ctx.repeat(5),
        solver_repeat=ctx.repeat(20),
    )
