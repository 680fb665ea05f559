"""Dashboard pages at the issue's scale: each must answer in p95 ≤ 300 ms.

A throwaway database written in bulk: 3,000 firms in 60 incubators (10 parks),
300 agencies, a request for four firms in five, an engagement for two in three
(three items each), 50,000 service records, 20,000 deadlines on 10,000 assets,
settlements for a quarter of the engagements and 3,000 consultations.

Cases: the incubator dashboard for a manager and for an officer (all firms), the
programme dashboard, an agency's scorecard, and the drill-down lists those pages
link to in full ("show every row": 2,000 engagements, 1,030 deadlines at risk, 400
offers, 200 firms without a request, 60 incubators, 300 scorecards). Baseline: a
trivial view (returns "ok") through the same Django stack and test client, signed
in, in the same run. Each case notes its queries and the rows of its longest list.

`python -m benchmarks --only dashboards` measures on SQLite, as every benchmark
does. `DATABASE_URL=postgres://… python -m benchmarks.bench_dashboards` measures the
same cases on PostgreSQL, in a throwaway test database beside the one named
(vacuumed and analysed after the bulk load, as autovacuum would have it).

--quick: a tenth of everything, same target.
"""

import argparse
import datetime
import os
import random
from contextlib import contextmanager
from decimal import Decimal

from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import clear_url_caches, path
from django.utils import timezone

from benchmarks import harness
from benchmarks.harness import Row

TARGET_SECONDS = 0.3
URLCONF = "benchmarks.bench_dashboards"
SEED = 2026
FULL = {
    "firms": 3000,
    "agencies": 300,
    "records": 50_000,
    "deadlines": 20_000,
    "conversations": 3000,
}


def trivial(request):
    return HttpResponse("ok")


def __getattr__(name):
    """This module is the benchmark's URLconf: the site's URLs plus the trivial view."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from config.urls import urlpatterns

    return [path("__bench__/trivial/", trivial), *urlpatterns]


def build(scale):
    """Write the dataset in bulk; returns (manager, officer, consultant)."""
    from chat.models import Conversation
    from custody.models import Deadline, IPAsset, ServiceRecord, Settlement
    from marketplace.choices import District, Industry, RevenueBand
    from marketplace.credit_codes import make_credit_code
    from marketplace.models import (
        Agency,
        CustodyRequest,
        Engagement,
        EngagementItem,
        Firm,
        HighTechPark,
        Incubator,
        Offer,
        PackageItem,
        ProgrammeYear,
        ServiceItem,
        User,
    )

    rng = random.Random(SEED)
    n_firms = FULL["firms"] // scale
    n_agencies = FULL["agencies"] // scale
    districts = list(District.values)
    industries = list(Industry.values)
    now = timezone.now()
    year_number = timezone.localdate().year
    with transaction.atomic():
        year = ProgrammeYear.objects.create(
            year=year_number,
            name=f"{year_number}",
            budget=Decimal("20000000.00"),
            target_firms=2000,
            government_share=Decimal("0.800"),
            opens_on=datetime.date(year_number, 1, 1),
            closes_on=datetime.date(year_number, 12, 31),
        )
        items = ServiceItem.objects.bulk_create(
            ServiceItem(
                code=f"bench-{n}",
                area="consulting",
                name=f"服务{n}",
                name_en=f"Service {n}",
                unit="times",
                unit_price=Decimal("1000.00"),
            )
            for n in range(3)
        )
        PackageItem.objects.bulk_create(
            PackageItem(programme_year=year, service_item=item, quota=4) for item in items
        )
        parks = HighTechPark.objects.bulk_create(
            HighTechPark(name=f"园区{n}", name_en=f"Park {n}", district=districts[n % 11])
            for n in range(10)
        )
        incubators = Incubator.objects.bulk_create(
            Incubator(
                name=f"基准孵化器{n}",
                level=Incubator.Level.NATIONAL if n % 4 else Incubator.Level.PROVINCIAL,
                district=districts[n % 11],
                park=parks[n % 10] if n % 3 else None,
            )
            for n in range(60)
        )
        firms = Firm.objects.bulk_create(
            Firm(
                name=f"基准公司{n}",
                credit_code=make_credit_code(n),
                district=districts[n % 11],
                incubator=incubators[n % 60],
                admitted_on=datetime.date(2024, 1, 1),
                industry=industries[n % len(industries)],
                headcount=5 + n % 150,
                revenue_band=RevenueBand.UNDER_1M,
                verification=Firm.Verification.VERIFIED if n % 10 else Firm.Verification.PENDING,
            )
            for n in range(n_firms)
        )
        agencies = Agency.objects.bulk_create(
            Agency(
                name=f"基准代理{n}",
                credit_code=make_credit_code(n, region="320105"),
                kind=Agency.Kind.PATENT_AGENCY,
                licence_number=str(n),
                licence_valid_from=datetime.date(2020, 1, 1),
                licence_valid_until=datetime.date(2030, 1, 1),
                district=districts[n % 11],
                yearly_capacity=20,
                status=Agency.Status.APPROVED,
            )
            for n in range(n_agencies)
        )
        officer = User.objects.create(username="bench-officer", role=User.Role.PROGRAMME_OFFICER)
        manager = User.objects.create(
            username="bench-manager", role=User.Role.INCUBATOR_MANAGER, incubator=incubators[0]
        )
        staff = User.objects.bulk_create(
            User(username=f"bench-staff-{n}", role=User.Role.AGENCY_STAFF, agency=agency)
            for n, agency in enumerate(agencies)
        )
        requested = [firm for n, firm in enumerate(firms) if n % 5 and n % 10]
        engaged = {firm.pk for n, firm in enumerate(requested) if n % 6 < 5}
        requests = CustodyRequest.objects.bulk_create(
            CustodyRequest(
                firm=firm,
                programme_year=year,
                created_by=officer,
                status=CustodyRequest.Status.ENGAGED
                if firm.pk in engaged
                else CustodyRequest.Status.OFFERED,
            )
            for firm in requested
        )
        offers = []
        for n, request in enumerate(requests):
            agency = agencies[n % n_agencies]
            answered = now - datetime.timedelta(hours=rng.randint(1, 72))
            if request.status == CustodyRequest.Status.ENGAGED:
                offers.append(
                    Offer(
                        request=request,
                        agency=agency,
                        status=Offer.Status.ACCEPTED,
                        respond_by=now,
                        responded_at=answered,
                    )
                )
                if n % 4 == 0:
                    offers.append(
                        Offer(
                            request=request,
                            agency=agencies[(n + 1) % n_agencies],
                            status=Offer.Status.DECLINED,
                            respond_by=now,
                            responded_at=answered,
                        )
                    )
            else:
                offers.append(
                    Offer(
                        request=request, agency=agency, respond_by=now + datetime.timedelta(days=3)
                    )
                )
        offers = Offer.objects.bulk_create(offers)
        accepted = [offer for offer in offers if offer.status == Offer.Status.ACCEPTED]
        engagements = Engagement.objects.bulk_create(
            Engagement(
                request=offer.request,
                offer=offer,
                firm=offer.request.firm,
                agency=offer.agency,
                programme_year=year,
                status=Engagement.Status.ACTIVE if n % 8 else Engagement.Status.COMPLETED,
                starts_on=datetime.date(year_number, 1 + n % 9, 1),
                ends_on=datetime.date(year_number + 1, 1 + n % 9, 1),
                package_price=Decimal("12000.00"),
                government_amount=Decimal("9600.00"),
                copay_amount=Decimal("2400.00"),
                government_share=year.government_share,
                copay_cap=year.copay_cap,
            )
            for n, offer in enumerate(accepted)
        )
        engagement_items = EngagementItem.objects.bulk_create(
            EngagementItem(
                engagement=engagement, service_item=item, quota=4, unit_price=Decimal("1000.00")
            )
            for engagement in engagements
            for item in items
        )
        statuses = ["confirmed"] * 6 + ["pending"] * 3 + ["disputed"]
        ServiceRecord.objects.bulk_create(
            (
                ServiceRecord(
                    engagement_id=item.engagement_id,
                    item=item,
                    quantity=1,
                    delivered_on=datetime.date(year_number, 1 + n % 11, 1 + n % 28),
                    description="基准",
                    status=(status := statuses[n % 10]),
                    dispute_reason="x" if status == "disputed" else "",
                )
                for n, item in (
                    (n, engagement_items[rng.randrange(len(engagement_items))])
                    for n in range(FULL["records"] // scale)
                )
            ),
            batch_size=5000,
        )
        Settlement.objects.bulk_create(
            Settlement(
                engagement=engagement,
                rating=1 + n % 5,
                status=Settlement.Status.APPROVED if n % 2 else Settlement.Status.RATED,
                amount=Decimal("8000.00") if n % 2 else None,
                released=Decimal("1600.00") if n % 2 else None,
            )
            for n, engagement in enumerate(engagements[::4])
        )
        n_assets = FULL["deadlines"] // scale // 2
        assets = IPAsset.objects.bulk_create(
            (
                IPAsset(
                    firm=firms[n % n_firms],
                    kind=IPAsset.Kind.TRADEMARK,
                    number=f"{10_000_000 + n}",
                    registration_date=datetime.date(2015, 1, 1),
                )
                for n in range(n_assets)
            ),
            batch_size=5000,
        )
        today = timezone.localdate()
        agency_of = {e.firm_id: e.agency_id for e in engagements}
        deadlines = []
        for n in range(n_assets * 2):
            asset = assets[n % n_assets]
            due = today + datetime.timedelta(days=rng.randint(-200, 400))
            deadlines.append(
                Deadline(
                    asset=asset,
                    firm_id=asset.firm_id,
                    kind=Deadline.Kind.TRADEMARK_RENEWAL,
                    original_due_on=due,
                    due_on=due,
                    grace_ends_on=due + datetime.timedelta(days=180),
                    missed_at=now if due < today and n % 7 == 0 else None,
                    done_at=now if due < today and n % 7 else None,
                    responsible_agency_id=agency_of.get(asset.firm_id),
                )
            )
        Deadline.objects.bulk_create(deadlines, batch_size=5000, ignore_conflicts=True)
        Conversation.objects.bulk_create(
            (
                Conversation(
                    state=Conversation.State.RESOLVED if n % 2 else Conversation.State.OPEN,
                    assigned_to=staff[n % len(staff)],
                    handed_off_at=now - datetime.timedelta(hours=2),
                    first_response_at=now - datetime.timedelta(minutes=rng.randint(1, 119)),
                    csat=1 + n % 5,
                )
                for n in range(FULL["conversations"] // scale)
            ),
            batch_size=5000,
        )
    return manager, officer, staff[0]


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def _table_rows(response, key):
    """The body rows of the page's table `key` (its header row is the first <tr>)."""
    table = response.content.decode().split(f'data-testid="table-{key}"', 1)[1]
    return table.split("</table>", 1)[0].count("<tr>") - 1


def _count_queries(client, url):
    """The queries one request runs, counted as they execute.

    Not CaptureQueriesContext: with DEBUG on, every query of the run goes to the
    connection's bounded log, which is full after the first case, so the difference
    of its lengths was 0.
    """
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        _get(client, url)
    return count


# (label, who, URL, the list whose rows the note counts)
CASES = [
    ("incubator dashboard, manager", "manager", "/dashboards/incubator/", None),
    ("incubator dashboard, officer (all firms)", "officer", "/dashboards/incubator/", None),
    ("programme dashboard", "officer", "/dashboards/programme/", None),
    ("agency scorecard", "consultant", "/dashboards/agency/", None),
    (
        "incubator dashboard, officer, every delivery row",
        "officer",
        "/dashboards/incubator/?all=delivery",
        "delivery",
    ),
    (
        "incubator dashboard, officer, every deadline at risk",
        "officer",
        "/dashboards/incubator/?all=deadlines",
        "deadlines",
    ),
    (
        "incubator dashboard, officer, every offer waiting",
        "officer",
        "/dashboards/incubator/?all=offers_waiting",
        "offers_waiting",
    ),
    (
        "incubator dashboard, officer, every firm without a request",
        "officer",
        "/dashboards/incubator/?all=no_request",
        "no_request",
    ),
    (
        "programme dashboard, every incubator",
        "officer",
        "/dashboards/programme/?all=by_incubator",
        "by_incubator",
    ),
    (
        "programme dashboard, every scorecard",
        "officer",
        "/dashboards/programme/?all=scorecards",
        "scorecards",
    ),
]


def _after_bulk_load():
    """PostgreSQL plans with statistics and a visibility map, as autovacuum keeps them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def run(ctx):
    scale = 10 if ctx.options.quick else 1
    repeat = ctx.repeat(10 if ctx.options.quick else 30)
    rows = []
    with ctx.fresh_database(), override_settings(ROOT_URLCONF=URLCONF):
        clear_url_caches()
        manager, officer, consultant = build(scale)
        _after_bulk_load()
        users = {"manager": manager, "officer": officer, "consultant": consultant}
        size = f"{FULL['firms'] // scale:,} firms"
        baseline = None
        for label, who, url, listed in CASES:
            client = Client()
            client.force_login(users[who])
            _get(client, "/__bench__/trivial/")
            page = _get(client, url)  # templates and caches warm, as on a running server
            if baseline is None:
                baseline = ctx.measure(
                    lambda c=client: _get(c, "/__bench__/trivial/"), repeat=repeat
                )
                rows.append(Row(benchmark="dashboards", case="trivial view", timing=baseline))
            queries = _count_queries(client, url)
            timing = ctx.measure(lambda c=client, u=url: _get(c, u), repeat=repeat)
            note = f"{queries} queries"
            if listed:
                note += f", {_table_rows(page, listed):,} rows"
            rows.append(
                Row(
                    benchmark="dashboards",
                    case=f"{label}, {size}",
                    timing=timing,
                    baseline_case="trivial view",
                    baseline=baseline,
                    target=TARGET_SECONDS,
                    note=note,
                )
            )
    clear_url_caches()
    return rows


class _TestDatabaseContext(harness.Context):
    """The harness's context on the one database Django was set up with."""

    @contextmanager
    def fresh_database(self):
        yield None


def main(argv=None):
    """Measure the cases on the database DATABASE_URL names (a test copy beside it)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_dashboards",
        description="The dashboard cases on the database DATABASE_URL names, in a "
        "throwaway test database beside it (SQLite: python -m benchmarks --only dashboards).",
    )
    parser.add_argument("--quick", action="store_true", help="A tenth of the data.")
    parser.add_argument("--repeat", type=int, help="Runs per case (default 30, quick 10).")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        options = harness.Options(quick=args.quick, repeat=args.repeat)
        rows = run(_TestDatabaseContext(options=options, workdir=None, template=None))
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    print(f"\n{connection.vendor}, database {test_name}\n")
    print(harness.format_table(rows))
    missed = [row for row in rows if not row.met]
    if missed:
        print(f"\n{len(missed)} case(s) missed their target.")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
