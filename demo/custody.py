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
        counts = _workspace(rng=planner.rng, today=planner.today)
        demo_firm = planner.firms[0]
        counts["IP assets"] += _demo_firm_portfolio(
            firm=demo_firm.saved, member=demo_firm.user, rng=planner.rng, today=planner.today
        )
        return counts


def _anniversary_in(today, *, days, years_ago):
    """A filing date whose anniversary (a patent's annual fee) falls `days` from today."""
    due = today + datetime.timedelta(days=days)
    try:
        return due.replace(year=due.year - years_ago)
    except ValueError:  # 29 February
        return due.replace(year=due.year - years_ago, day=28)


def _demo_firm_portfolio(*, firm, member, rng, today):
    """The demo firm's own portfolio, entered by its member before it asks for custody: two
    invention patents whose annual fees fall due within weeks, a trademark in its renewal
    window and a software copyright, so its portfolio, deadlines and report have content."""
    patents = [
        (_anniversary_in(today, days=24, years_ago=3), "一种低功耗存算一体芯片架构"),
        (_anniversary_in(today, days=61, years_ago=6), "一种晶圆级芯片封装结构及其制备方法"),
    ]
    assets = [
        {
            "kind": IPAsset.Kind.PATENT,
            "number": _invention_number(rng, filing),
            "title": title,
            "status": IPAsset.Status.IN_FORCE,
            "filing_date": filing,
            "grant_date": filing + datetime.timedelta(days=rng.randint(500, 800)),
        }
        for filing, title in patents
    ]
    assets.append(
        {
            "kind": IPAsset.Kind.TRADEMARK,
            "number": str(rng.randrange(10**7, 10**8)),
            "title": "睿芯",
            "status": IPAsset.Status.IN_FORCE,
            # Registered ten years ago less four months: the renewal window is open.
            "registration_date": today.replace(year=today.year - 10, day=1)
            + datetime.timedelta(days=120),
            "nice_classes": [9, 42],
        }
    )
    assets.append(
        {
            "kind": IPAsset.Kind.SOFTWARE_COPYRIGHT,
            "number": f"{today.year - 2}SR{rng.randrange(10**7):07d}",
            "title": "芯片良率分析平台V1.0",
            "status": IPAsset.Status.IN_FORCE,
            "registration_date": today.replace(year=today.year - 2, day=1),
        }
    )
    for fields in assets:
        actions.asset_create(firm=firm, by=member, fields=fields, today=today)
    return len(assets)


def _invention_number(rng, filing):
    digits = f"{filing.year}1{rng.randrange(10**7):07d}"
    return f"{digits}.{numbers.patent_check_digit(digits)}"


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
