"""Correct the trademark renewal fee: CNIPA's renewal fee has been 500 yuan per class since
2019-07-01 (发改价格〔2019〕914号), 450 yuan when filed online (90 %). The first seed carried 300,
the fee for a new registration on paper. Rows the office has edited since are left alone."""

import datetime
from decimal import Decimal

from django.db import migrations

SEEDED = {
    "kind": "trademark_renewal",
    "amount": Decimal(300),
    "effective_from": datetime.date(2000, 1, 1),
}
SEEDED_SOURCE = (
    "国家知识产权局 商标注册收费标准：续展注册费（网上申请，每类） "
    "(CNIPA trademark fees, renewal filed online, per class)"
)
CORRECTED = {
    "amount": Decimal(450),
    "effective_from": datetime.date(2019, 7, 1),
    "source": (
        "国家知识产权局 商标注册收费标准：受理续展注册费 500 元/类，网上申请按 90% 收取 "
        "(发改价格〔2019〕914号，2019-07-01 起) "
        "(CNIPA trademark fees: renewal 500 yuan per class, 90 % when filed online, from 2019-07-01)"
    ),
}


def correct(apps, schema_editor):
    apps.get_model("custody", "OfficialFee").objects.filter(**SEEDED).update(**CORRECTED)


def restore(apps, schema_editor):
    OfficialFee = apps.get_model("custody", "OfficialFee")
    OfficialFee.objects.filter(kind="trademark_renewal", **CORRECTED).update(
        amount=SEEDED["amount"], effective_from=SEEDED["effective_from"], source=SEEDED_SOURCE
    )


class Migration(migrations.Migration):
    dependencies = [("custody", "0009_portfolio_import")]

    operations = [migrations.RunPython(correct, restore)]
