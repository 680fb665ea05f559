"""Custody work for the demo programme: portfolios with their deadlines and delivered services.

Runs after the demo contracting, through the same actions a person would use, so
deadlines, notifications and the audit trail look as they would in use. The
content is made up and seeded: the same seed gives the same workspace.
"""

import datetime

import time_machine
from django.core.exceptions import ValidationError

from core.errors import ActionError
from custody import actions, numbers
from custody import actions as custody_actions
from custody.models import IPAsset
from marketplace.models import Engagement, User

PATENT_TITLES = (
    "一种抗体药物偶联物的制备方法",
    "基于深度学习的图像识别系统",
    "一种锂电池正极材料及其制备方法",
    "智能仓储机器人的路径规划方法",
    "一种可降解医用缝合线",
    "工业设备振动监测装置",
    "一种低功耗物联网通信模组",
    "新型光伏组件封装结构",
)
TRADEMARK_TITLES = ("星河智造", "康源", "云栖", "睿芯", "青禾")
SOFTWARE_TITLES = ("企业知识产权管理系统V1.0", "生产数据采集平台V2.1", "智能客服机器人软件V1.0")
# Filing years for made-up patents; utility models and designs are short-lived.
_PATENT_KINDS = (("1", 0.5), ("2", 0.35), ("3", 0.15))


def _patent_number(rng, filing):
    kind = rng.choices([k for k, _w in _PATENT_KINDS], [w for _k, w in _PATENT_KINDS])[0]
    digits = f"{filing.year}{kind}{rng.randrange(10**7):07d}"
    return f"{digits}.{numbers.patent_check_digit(digits)}"


def _random_day(rng, start, end):
    return start + datetime.timedelta(days=rng.randrange(max((end - start).days, 1)))


def _asset_fields(rng, today):
    kind = rng.choices(["patent", "trademark", "software"], [0.6, 0.25, 0.15])[0]
    if kind == "patent":
        filing = _random_day(
            rng, today.replace(year=today.year - 9), today.replace(year=today.year - 1)
        )
        grant = filing + datetime.timedelta(days=rng.randint(200, 900))
        granted = grant < today
        return {
            "kind": IPAsset.Kind.PATENT,
            "number": _patent_number(rng, filing),
            "title": rng.choice(PATENT_TITLES),
            "status": IPAsset.Status.IN_FORCE if granted else IPAsset.Status.PENDING,
            "filing_date": filing,
            "grant_date": grant if granted else None,
        }
    if kind == "trademark":
        return {
            "kind": IPAsset.Kind.TRADEMARK,
            "number": str(rng.randrange(10**7, 10**8)),
            "title": rng.choice(TRADEMARK_TITLES),
            "status": IPAsset.Status.IN_FORCE,
            "registration_date": _random_day(
                rng, today.replace(year=today.year - 10), today.replace(year=today.year - 1)
            ),
            "nice_classes": sorted(rng.sample(range(1, 46), rng.randint(1, 3))),
        }
    return {
        "kind": IPAsset.Kind.SOFTWARE_COPYRIGHT,
        "number": f"{today.year - rng.randint(1, 5)}SR{rng.randrange(10**7):07d}",
        "title": rng.choice(SOFTWARE_TITLES),
        "status": IPAsset.Status.IN_FORCE,
        "registration_date": _random_day(rng, today.replace(year=today.year - 5), today),
    }


def seed_workspace(planner):
    """Portfolios and delivered services, recorded as today began (the story's end)."""
    with time_machine.travel(planner.anchor, tick=False):
        return _workspace(rng=planner.rng, today=planner.today)


def _workspace(*, rng, today):
    """Portfolios for firms under active custody and services logged (most confirmed)."""
    counts = {"IP assets": 0, "service records": 0}
    # In the story's order (not by id: the scale seed inserts rows in another order).
    engagements = (
        Engagement.objects.filter(status=Engagement.Status.ACTIVE)
        .select_related("firm", "agency")
        .prefetch_related("items__service_item")
        .order_by("created_at", "firm__credit_code")
    )
    for engagement in engagements:
        staff = User.objects.filter(agency_id=engagement.agency_id, is_active=True).first()
        member = User.objects.filter(firm_id=engagement.firm_id, is_active=True).first()
        if staff is None or member is None:
            continue
        for _asset in range(rng.randint(1, 4)):
            try:
                actions.asset_create(
                    firm=engagement.firm, by=staff, fields=_asset_fields(rng, today), today=today
                )
            except ValidationError:
                continue  # a made-up number that repeats one of the firm's own
            counts["IP assets"] += 1
        if engagement.starts_on >= today:
            continue
        for item in sorted(engagement.items.all(), key=lambda item: item.service_item.code):
            if rng.random() < 0.4:
                continue
            try:
                record = custody_actions.service_record_log(
                    engagement=engagement,
                    item=item,
                    quantity=rng.randint(1, item.quota),
                    delivered_on=_random_day(rng, engagement.starts_on, today),
                    description=f"{item.service_item.name}：按托管计划完成并提交成果。",
                    by=staff,
                    today=today,
                )
            except ActionError:
                continue
            counts["service records"] += 1
            if rng.random() < 0.7:
                custody_actions.service_record_confirm(record=record, by=member)
    return counts
