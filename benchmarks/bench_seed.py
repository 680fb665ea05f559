"""Seeding the demo programme: 3,000 firms must take under 60 s on SQLite.

Baseline: a plain bulk insert of the same number of bare firm and agency rows
into a fresh database, i.e. the floor any seeding of that size stands on. The
small case shows the fixed cost (catalogue, programme, password hash).
"""

import datetime
from io import StringIO

from django.core.management import call_command
from django.db import transaction

from benchmarks.harness import Row
from marketplace.choices import District, Industry, RevenueBand
from marketplace.credit_codes import make_credit_code
from marketplace.models import Agency, Firm, Incubator

TARGET_SECONDS = 60.0
TARGET_FIRMS = 3000


def _seed(firms, agencies):
    call_command(
        "seed_demo", "--bulk", "--firms", str(firms), "--agencies", str(agencies), stdout=StringIO()
    )


def _bare_rows(firms, agencies):
    with transaction.atomic():
        incubator = Incubator.objects.create(
            name="基准孵化器", level=Incubator.Level.NATIONAL, district=District.GULOU
        )
        Firm.objects.bulk_create(
            Firm(
                name=f"基准公司{n}",
                credit_code=make_credit_code(n),
                district=District.GULOU,
                incubator=incubator,
                admitted_on=datetime.date(2025, 1, 1),
                industry=Industry.OTHER,
                headcount=10,
                revenue_band=RevenueBand.UNDER_1M,
            )
            for n in range(firms)
        )
        Agency.objects.bulk_create(
            Agency(
                name=f"基准代理{n}",
                credit_code=make_credit_code(n, region="320105"),
                kind=Agency.Kind.PATENT_AGENCY,
                licence_number=str(n),
                licence_valid_from=datetime.date(2025, 1, 1),
                licence_valid_until=datetime.date(2030, 1, 1),
                district=District.JIANYE,
                yearly_capacity=10,
            )
            for n in range(agencies)
        )


def _expect(firms, agencies):
    def check():
        written = (Firm.objects.count(), Agency.objects.count())
        if written != (firms, agencies):
            raise RuntimeError(f"expected {firms} firms and {agencies} agencies, found {written}")

    return check


def run(ctx):
    if ctx.options.quick:
        firms, agencies, repeat = 600, 60, ctx.repeat(3)
    else:
        firms, agencies, repeat = TARGET_FIRMS, 300, ctx.repeat(3)
    small_firms, small_agencies = firms // 10, agencies // 10
    # The target scales with size in quick runs, so CI still guards the rate.
    target = TARGET_SECONDS * firms / TARGET_FIRMS

    rows = []
    for size_firms, size_agencies, case_target in (
        (small_firms, small_agencies, None),
        (firms, agencies, target),
    ):
        baseline = ctx.measure(
            lambda f=size_firms, a=size_agencies: _bare_rows(f, a),
            repeat=repeat,
            fresh_database=True,
            check=_expect(size_firms, size_agencies),
        )
        timing = ctx.measure(
            lambda f=size_firms, a=size_agencies: _seed(f, a),
            repeat=repeat,
            fresh_database=True,
            check=_expect(size_firms, size_agencies),
        )
        rows.append(
            Row(
                benchmark="seed",
                case=f"seed_demo {size_firms} firms, {size_agencies} agencies",
                timing=timing,
                baseline_case=f"bulk insert {size_firms}+{size_agencies} bare rows",
                baseline=baseline,
                target=case_target,
                note=(
                    f"target {TARGET_SECONDS:.0f} s per {TARGET_FIRMS} firms, scaled to {firms}"
                    if case_target is not None and firms != TARGET_FIRMS
                    else ""
                ),
            )
        )
    return rows
