"""The deadline board of an agency with 300 clients and 5,000 IP assets.

Data: the allocation benchmark's cohort (300 verified firms with members and
requests), all 300 in the active custody of one agency, and 5,000 assets
(60 % patents, 30 % trademarks, 10 % software copyrights) spread over them,
with their deadlines derived by custody.deadlines and written with
bulk_create.

Cases, each a full GET through Django's stack and test client (session,
middleware, selector, template):
- the agency's board, first page (open deadlines, most urgent first). Target
  p95 200 ms (the issue's figure).
- the agency's board filtered to one firm and due within 90 days.
Baseline: the board of one firm's member (about 17 assets), measured in the
same run: what the page costs before the agency's size comes in.

--quick: 60 clients and 1,000 assets.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from benchmarks import bench_allocation
from benchmarks.bench_deadlines import portfolio
from benchmarks.harness import Row
from custody import deadlines
from custody.models import Deadline, IPAsset
from marketplace.models import Agency, CustodyRequest, Engagement, User

CLIENTS, QUICK_CLIENTS = 300, 60
ASSETS, QUICK_ASSETS = 5_000, 1_000
TARGET_P95 = 0.2
SEED = 2026


def seed(*, clients, assets, today):
    """Write the agency, its clients in custody and their portfolios; return (staff, member)."""
    year, _officer = bench_allocation.seed_cohort(requests=clients, agencies=1, seed=SEED)
    agency = Agency.objects.get()
    agency.yearly_capacity = clients
    agency.save(update_fields=["yearly_capacity"])
    staff = User.objects.create(
        username="bench-agency",
        role=User.Role.AGENCY_STAFF,
        agency=agency,
        password=make_password(None),
    )
    requests = list(CustodyRequest.objects.select_related("firm").order_by("pk"))
    Engagement.objects.bulk_create(
        (
            Engagement(
                request=request,
                firm_id=request.firm_id,
                agency=agency,
                programme_year=year,
                status=Engagement.Status.ACTIVE,
                starts_on=today - datetime.timedelta(days=60),
                ends_on=today + datetime.timedelta(days=300),
                package_price=1000,
                government_amount=800,
                copay_amount=200,
                government_share=year.government_share,
                copay_cap=year.copay_cap,
            )
            for request in requests
        ),
        batch_size=1000,
    )
    rng = random.Random(SEED)
    firm_ids = [request.firm_id for request in requests]
    rows, facts = [], []
    for n, fact in enumerate(portfolio(assets, seed=SEED)):
        kind = fact.kind
        number = {
            deadlines.PATENT: f"{200000000000 + n}.X",
            deadlines.TRADEMARK: str(10_000_000 + n),
            deadlines.SOFTWARE_COPYRIGHT: f"2020SR{n:07d}",
        }[kind]
        rows.append(
            IPAsset(
                firm_id=rng.choice(firm_ids),
                kind=kind,
                number=number,
                status=IPAsset.Status.IN_FORCE if fact.in_force else IPAsset.Status.PENDING,
                patent_type=fact.patent_type,
                filing_date=fact.filing_date,
                grant_date=fact.grant_date,
                registration_date=fact.registration_date,
            )
        )
        facts.append(fact)
    IPAsset.objects.bulk_create(rows, batch_size=1000)
    by_ref = dict(enumerate(rows))
    specs = deadlines.deadlines_for_all(facts, today)
    Deadline.objects.bulk_create(
        (
            Deadline(
                asset=by_ref[spec.asset_ref],
                firm_id=by_ref[spec.asset_ref].firm_id,
                kind=spec.kind,
                original_due_on=spec.original_due_on,
                **Deadline.fields_from_spec(spec),
            )
            for spec in specs
        ),
        batch_size=1000,
    )
    member = User.objects.filter(role=User.Role.FIRM_MEMBER, firm_id=firm_ids[0]).get()
    return staff, member, firm_ids[0], len(specs)


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def run(ctx):
    quick = ctx.options.quick
    clients = QUICK_CLIENTS if quick else CLIENTS
    assets = QUICK_ASSETS if quick else ASSETS
    repeat = ctx.repeat(30 if quick else 100)
    today = timezone.localdate()
    with ctx.fresh_database():
        staff, member, firm_id, count = seed(clients=clients, assets=assets, today=today)
        board = reverse("frontend:deadline-board")
        agency_client, firm_client = Client(), Client()
        agency_client.force_login(staff)
        firm_client.force_login(member)
        filtered = f"{board}?firm={firm_id}&within=90"
        for client, url in (
            (agency_client, board),
            (agency_client, filtered),
            (firm_client, board),
        ):
            _get(client, url)  # templates and caches warm, as on a running server
        with CaptureQueriesContext(connection) as captured:
            rows = _get(agency_client, board).content.count(b'data-testid="deadline-row"')
        queries = len(captured)
        baseline = ctx.measure(lambda: _get(firm_client, board), repeat=repeat)
        full = ctx.measure(lambda: _get(agency_client, board), repeat=repeat)
        narrowed = ctx.measure(lambda: _get(agency_client, filtered), repeat=repeat)
    note = (
        f"{clients} clients, {assets:,} assets, {count:,} deadlines; "
        f"{rows} rows a page in {queries} queries"
    )
    return [
        Row(benchmark="deadline board", case="one firm's board", timing=baseline),
        Row(
            benchmark="deadline board",
            case=f"agency board, {clients} clients, page 1",
            timing=full,
            baseline_case="one firm's board",
            baseline=baseline,
            target=TARGET_P95,
            note=note,
        ),
        Row(
            benchmark="deadline board",
            case="agency board, one firm, due within 90 days",
            timing=narrowed,
            baseline_case="one firm's board",
            baseline=baseline,
            target=TARGET_P95,
        ),
    ]
