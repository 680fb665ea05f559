"""Seed the official fee table: CNIPA's annual fees by patent type and year, the design years
11–15 of designs filed from 2021-06-01, the trademark renewal per class (online filing), and
the fee reductions of 《专利收费减缴办法》. The programme office edits them in the admin."""

import datetime
from decimal import Decimal

from django.db import migrations

PATENT_SOURCE = "国家知识产权局 专利收费标准：年费 (CNIPA patent fee schedule, annual fees)"
DESIGN_15_SOURCE = (
    "国家知识产权局 外观设计专利第11至15年年费，2021-06-01 起申请 "
    "(CNIPA, design years 11–15, designs filed from 2021-06-01)"
)
TRADEMARK_SOURCE = (
    "国家知识产权局 商标注册收费标准：续展注册费（网上申请，每类） "
    "(CNIPA trademark fees, renewal filed online, per class)"
)
REDUCTION_SOURCE = "《专利收费减缴办法》(财税〔2016〕78号), 第三、四条"
SINCE = datetime.date(2000, 1, 1)
DESIGN_15_FROM = datetime.date(2021, 6, 1)

ANNUAL_FEES = {
    "invention": ((1, 3, 900), (4, 6, 1200), (7, 9, 2000), (10, 12, 4000), (13, 15, 6000), (16, 20, 8000)),
    "utility_model": ((1, 3, 600), (4, 5, 900), (6, 8, 1200), (9, 10, 2000)),
    "design": ((1, 3, 600), (4, 5, 900), (6, 8, 1200), (9, 10, 2000)),
}


def seed(apps, schema_editor):
    OfficialFee = apps.get_model("custody", "OfficialFee")
    FeeReduction = apps.get_model("custody", "FeeReduction")
    rows = [
        OfficialFee(
            kind="annual_fee",
            patent_type=patent_type,
            first_year=first,
            last_year=last,
            amount=Decimal(amount),
            effective_from=SINCE,
            source=PATENT_SOURCE,
        )
        for patent_type, bands in ANNUAL_FEES.items()
        for first, last, amount in bands
    ]
    rows.append(
        OfficialFee(
            kind="annual_fee",
            patent_type="design",
            first_year=11,
            last_year=15,
            amount=Decimal(3000),
            filed_from=DESIGN_15_FROM,
            effective_from=DESIGN_15_FROM,
            source=DESIGN_15_SOURCE,
        )
    )
    rows.append(
        OfficialFee(
            kind="trademark_renewal",
            patent_type="",
            first_year=1,
            last_year=1,
            amount=Decimal(300),
            effective_from=SINCE,
            source=TRADEMARK_SOURCE,
        )
    )
    OfficialFee.objects.bulk_create(rows)
    FeeReduction.objects.bulk_create(
        [
            FeeReduction(
                owners=owners,
                percent=Decimal(percent),
                years=10,
                effective_from=datetime.date(2016, 9, 1),
                source=REDUCTION_SOURCE,
            )
            for owners, percent in (("single", 85), ("joint", 70))
        ]
    )


def unseed(apps, schema_editor):
    apps.get_model("custody", "OfficialFee").objects.all().delete()
    apps.get_model("custody", "FeeReduction").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("custody", "0007_official_fees_and_joint_owners")]

    operations = [migrations.RunPython(seed, unseed)]
