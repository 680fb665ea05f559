"""Ranking one custody request against 500 agencies: p95 must stay under 20 ms.

The agencies are synthetic and deterministic (random.Random(SEED)): offices and
districts served, declared industries, expertise in Chinese and English, the
service items they offer, capacities with clients already taken, track records,
a few suspended or with an expired licence, a few declared conflicts. Each
sample ranks a different request with matching.rank(limit=10), as the firm's
"choose an agency" page does.

Baseline: a plain loop computing only service coverage for the same 500
agencies and keeping the ten best, the floor under any ranking that looks at
every agency once.

The profiles carry their texts' domain words, taken when the synthetic data is built
(matching.field_terms, as the actions take them when a text is saved); ranking reads
them and segments nothing. One untimed ranking runs first.
"""

import datetime
import random

from benchmarks.harness import Row
from marketplace import matching
from marketplace.choices import DISTRICT_NEIGHBOURS, INDUSTRY_KEYWORDS, District, Industry

AGENCIES = 500
REQUESTS = 200
QUICK_REQUESTS = 50
LIMIT = 10
TARGET_P95 = 0.020
SEED = 2026

# Item ids 1–9 stand for the standard package, 10–20 for extras.
STANDARD_ITEMS = frozenset(range(1, 10))
EXTRA_ITEMS = tuple(range(10, 21))
SERVICE_WORDS = (
    "专利挖掘",
    "专利申请",
    "审查意见答复",
    "专利无效",
    "商标注册",
    "商标异议",
    "侵权维权",
    "技术合同",
    "贯标辅导",
    "patent drafting",
    "prosecution",
    "trademark watch",
    "litigation",
    "licensing",
    "freedom to operate",
)
NEEDS = (
    "希望梳理核心技术的专利布局，并托管年费和期限",
    "产品即将上市，需要商标注册和侵权预警",
    "准备融资，需要知识产权价值评估",
    "发现同行仿制，需要维权支持",
    "need patent drafting for our new product line",
    "looking for trademark filing and monitoring before launch",
)
INDUSTRIES = [code for code in Industry.values if code != Industry.OTHER]


def _words(rng, text, count):
    words = text.split()
    return rng.sample(words, min(count, len(words)))


def synthetic_agencies(rng, count, *, today):
    agencies = []
    for index in range(count):
        district = rng.choice(District.values)
        neighbours = sorted(DISTRICT_NEIGHBOURS[District(district)])
        served = {district, *rng.sample(neighbours, rng.randint(0, len(neighbours)))}
        industries = rng.sample(INDUSTRIES, rng.randint(1, 3))
        expertise = " ".join(
            [word for code in industries for word in _words(rng, INDUSTRY_KEYWORDS[code], 5)]
            + rng.sample(SERVICE_WORDS, 4)
        )
        # Half serve the whole standard package; the rest miss a few of its items.
        items = set(STANDARD_ITEMS)
        if rng.random() < 0.5:
            items -= set(rng.sample(sorted(STANDARD_ITEMS), rng.randint(1, 4)))
        items |= set(rng.sample(EXTRA_ITEMS, rng.randint(2, len(EXTRA_ITEMS))))
        capacity = rng.randrange(10, 125, 5)
        received = rng.randint(0, 60)
        accepted = rng.randint(0, received)
        rated = rng.randint(0, accepted)
        valid_until = today + datetime.timedelta(days=rng.randint(-200, 1800))
        agencies.append(
            matching.AgencyProfile(
                id=index + 1,
                name=f"代理机构{index + 1}",
                status=rng.choices(("approved", "suspended", "applied"), weights=(90, 5, 5))[0],
                licence_valid_from=valid_until - datetime.timedelta(days=5 * 365),
                licence_valid_until=valid_until,
                district=district,
                districts_served=frozenset(served),
                service_item_ids=frozenset(items),
                industries=frozenset(industries),
                terms=matching.field_terms(expertise),
                capacity=capacity,
                active_clients=rng.randint(0, capacity),
                conflict_firm_ids=frozenset(rng.sample(range(1, 5000), rng.randint(0, 2))),
                track=matching.TrackRecord(
                    offers_received=received,
                    offers_accepted=accepted,
                    median_response_hours=rng.uniform(1, 70) if received else None,
                    rating_sum=sum(rng.randint(2, 5) for _ in range(rated)),
                    rating_count=rated,
                    missed_deadlines=rng.choices((0, 1, 2), weights=(85, 10, 5))[0],
                ),
            )
        )
    return agencies


def synthetic_requests(rng, count, *, today):
    requests = []
    for index in range(count):
        district = rng.choice(District.values)
        industry = rng.choice(INDUSTRIES)
        items = set(STANDARD_ITEMS)
        if rng.random() < 0.3:
            items |= set(rng.sample(EXTRA_ITEMS, rng.randint(1, 2)))
        requests.append(
            matching.RequestProfile(
                firm_id=index + 1,
                district=district,
                industry=industry,
                terms=matching.field_terms(
                    f"{INDUSTRY_KEYWORDS[industry]} {rng.choice(NEEDS)} "
                    f"专注于{rng.choice(NEEDS)[:8]}的研发与产业化。"
                ),
                item_ids=frozenset(items),
                start_date=today,
                neighbour_districts=frozenset(DISTRICT_NEIGHBOURS[District(district)]),
            )
        )
    return requests


def coverage_only(request, agencies, *, limit=LIMIT):
    """Baseline: service coverage alone, best first (ties by id)."""
    wanted = request.item_ids
    scored = [
        (len(wanted & agency.service_item_ids) / len(wanted), agency.id) for agency in agencies
    ]
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return scored[:limit]


def measure(ctx, *, requests, agencies, seed=SEED, target=TARGET_P95):
    rng = random.Random(seed)
    today = datetime.date(2026, 6, 1)
    agency_profiles = synthetic_agencies(rng, agencies, today=today)
    request_profiles = synthetic_requests(rng, requests + 1, today=today)
    matching.rank(request_profiles.pop(), agency_profiles, limit=LIMIT)

    rankings = []
    pending = iter(request_profiles)
    timing = ctx.measure(
        lambda: rankings.append(matching.rank(next(pending), agency_profiles, limit=LIMIT)),
        repeat=requests,
    )
    pending = iter(request_profiles)
    baseline = ctx.measure(lambda: coverage_only(next(pending), agency_profiles), repeat=requests)

    eligible = sum(agencies - len(ranking.excluded) for ranking in rankings) / len(rankings)
    listed = sum(len(ranking.candidates) for ranking in rankings) / len(rankings)
    return [
        Row(
            benchmark="matching",
            case=f"rank 1 request × {agencies} agencies, limit {LIMIT}",
            timing=timing,
            baseline_case=f"coverage-only loop, same {agencies} agencies",
            baseline=baseline,
            target=target,
            note=(
                f"{requests} requests; on average {eligible:.0f} of {agencies} agencies "
                f"eligible, {listed:.1f} listed"
            ),
        )
    ]


def run(ctx):
    requests = QUICK_REQUESTS if ctx.options.quick else REQUESTS
    return measure(ctx, requests=ctx.repeat(requests), agencies=AGENCIES)
