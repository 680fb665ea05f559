"""A small programme whose every dashboard figure is worked out by hand in the docstring.

Programme year 2026: budget ¥48,000, target 100 firms, package 3 items × quota 2 ×
¥1,000 = ¥6,000 (government ¥4,800). Offers go out on Monday 2 March 2026 at 10:00
(Beijing); "today" for the figures is 15 June 2026.

Manager's incubator (in park P1, Gulou):
  F1 Alice (verified, biomedicine)   request → offer to `agency` (answered +2 h) → E1 active
  F2 (verified, AI)                  request → offer to `rival`, pending
  F3 (verified, biomedicine)         no request                       ← the invitation list
  F4 (verified, 500 staff)           not eligible (more than 100 staff)
  F5 (waiting for verification)
Other incubator (no park):
  Bob's firm (verified)   offer to `agency` declined after 4 h; offer to `rival` at +4 h,
                          accepted at +5 h → E2 active
  F6 (verified)           offer to `agency` accepted after 6 h → E3, completed; settlement
                          approved: rating 2, ¥3,000 paid, ¥1,800 released

Service records: E1 item 1 confirmed 2 (10 Apr) and 1 more (3 May; over quota, capped),
item 2 confirmed 1 (20 May) and disputed 1, item 3 pending 1 → delivered 3 of 6, pending 1.
E3: every item confirmed 2 (1 Apr) → 6 of 6. E2: nothing → 0 of 6.
Settlements: E1 rated 4 (not approved); E3 as above.
Deadlines (all on F1's patent, except D6 on Bob's): D1 missed 1 Apr and D2 done 1 May,
both with `agency` responsible; D3 due in 10 days; D4 5 days overdue, in grace;
D5 due in 60 days; D6 (Bob) due in 3 days.
Consultations: two assigned to the consultant (one resolved), one to the rival.

Hand-computed figures:
  manager: firms 5, verified 4, eligible 3, requested 2, offered 1, active 1, covered 1,
    coverage 1/3, no request 1 (F3); deadlines at risk 2 (1 overdue), missed 1, done 1;
    satisfaction 4.0 from 1; trend: requests 2 in March, 1 engagement in March,
    delivered 2 in April and 2 in May.
  programme: firms 7, verified 6, eligible 5, requested 4, offered 1, active 2, covered 3.
    Budget: reserved E1 + E2 = ¥9,600, settled ¥3,000, committed ¥12,600, left ¥35,400.
  agency: received 3, accepted 2, declined 1 → acceptance 2/3; median response of
    2, 4, 6 h = 4 h; active 1 of 20; missed 1, done 1 → reliability 0.5; delivered 3 + 6
    of 12 = 0.75; rating (4 + 2) / 2 = 3.0 → 0.6; consultations 2 (1 resolved).
    League score (2/3 + 0.75 + 0.6 + 0.5) / 4 = 0.629166…
  rival: received 2, accepted 1, pending 1 → acceptance 1/1; median 1 h; active 1;
    completeness 0 of 6; no rating, no deadlines; 1 consultation. Score (1 + 0) / 2 = 0.5.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import time_machine
from django.utils import timezone

from chat.models import Conversation
from custody.models import Deadline, IPAsset, ServiceRecord, Settlement
from marketplace import actions
from marketplace.choices import CustodyArea, Industry, RevenueBand
from marketplace.models import Engagement, Firm, User
from tests.factories import (
    FirmFactory,
    HighTechParkFactory,
    PackageItemFactory,
    ProgrammeYearFactory,
    ServiceItemFactory,
    UserFactory,
)

TZ = datetime.timezone(datetime.timedelta(hours=8))
OFFERS_AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
TODAY = datetime.date(2026, 6, 15)
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=TZ)


@dataclass
class World:
    year: object
    park: object
    firms: dict
    engagements: dict
    items: list


def _hours(n):
    return OFFERS_AT + datetime.timedelta(hours=n)


def _member(firm):
    return UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)


def _request(year, firm, member):
    return actions.request_submit(
        firm=firm, by=member, programme_year=year, quotas=year.standard_quotas
    )


def _offer(request, agency, member, at):
    with time_machine.travel(at, tick=False):
        return actions.offer_make(request=request, agency=agency, by=member, now=at)


def _accept(offer, consultant, at):
    with time_machine.travel(at, tick=False):
        return actions.offer_accept(offer=offer, by=consultant, now=at)


def _record(engagement, item_index, quantity, day, status):
    item = engagement.items.order_by("pk")[item_index]
    return ServiceRecord.objects.create(
        engagement=engagement,
        item=item,
        quantity=quantity,
        delivered_on=day,
        description="delivered",
        status=status,
        dispute_reason="not delivered" if status == ServiceRecord.Status.DISPUTED else "",
    )


def _deadline(firm, asset, due_on, **fields):
    return Deadline.objects.create(
        asset=asset,
        firm=firm,
        kind=Deadline.Kind.ANNUAL_FEE,
        original_due_on=due_on,
        due_on=due_on,
        **fields,
    )


def make_programme_2026(personas):
    year = ProgrammeYearFactory(
        year=2026,
        name="2026 custody year",
        budget=Decimal("48000.00"),
        target_firms=100,
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 12, 31),
    )
    areas = [CustodyArea.CONSULTING, CustodyArea.TRAINING, CustodyArea.MAINTENANCE]
    items = [ServiceItemFactory(area=area, unit_price=Decimal("1000.00")) for area in areas]
    for item in items:
        PackageItemFactory(programme_year=year, service_item=item, quota=2)
    for agency in (personas.agency, personas.rival_agency):
        agency.service_items.set(items)
    year.standard_quotas = {item.pk: 2 for item in items}
    return year, items


def build_world(personas):
    p = personas
    year, items = make_programme_2026(p)
    park = HighTechParkFactory(name="麒麟科创园", name_en="Qilin Park")
    p.incubator.park = park
    p.incubator.save(update_fields=["park"])

    f2 = FirmFactory(
        name="F2 智能", incubator=p.incubator, industry=Industry.ARTIFICIAL_INTELLIGENCE
    )
    f3 = FirmFactory(name="F3 未申请", incubator=p.incubator)
    f4 = FirmFactory(
        name="F4 大企业", incubator=p.incubator, headcount=500, revenue_band=RevenueBand.OVER_50M
    )
    f5 = FirmFactory(name="F5 待确认", incubator=p.incubator)
    f6 = FirmFactory(name="F6 已结算", incubator=p.other_incubator)
    for firm in (f2, f3, f4):
        actions.firm_verify(firm=firm, by=p.incubator_manager)
    actions.firm_verify(firm=f6, by=p.other_manager)
    UserFactory(username="f3member", email="f3@example.com", role=User.Role.FIRM_MEMBER, firm=f3)
    members = {f2.pk: _member(f2), f6.pk: _member(f6)}

    with time_machine.travel(OFFERS_AT, tick=False):
        r1 = _request(year, p.firm, p.firm_member)
        r2 = _request(year, f2, members[f2.pk])
        r_bob = _request(year, p.other_firm, p.other_firm_member)
        r6 = _request(year, f6, members[f6.pk])
    o1 = _offer(r1, p.agency, p.firm_member, OFFERS_AT)
    o_bob = _offer(r_bob, p.agency, p.other_firm_member, OFFERS_AT)
    o6 = _offer(r6, p.agency, members[f6.pk], OFFERS_AT)
    _offer(r2, p.rival_agency, members[f2.pk], OFFERS_AT)
    e1 = _accept(o1, p.agency_consultant, _hours(2))
    with time_machine.travel(_hours(4), tick=False):
        actions.offer_decline(
            offer=o_bob, by=p.agency_consultant, reason="No capacity", now=_hours(4)
        )
    o_bob2 = _offer(r_bob, p.rival_agency, p.other_firm_member, _hours(4))
    e2 = _accept(o_bob2, p.rival_consultant, _hours(5))
    e3 = _accept(o6, p.agency_consultant, _hours(6))
    # No action closes an engagement yet; the settlement workflow is built alongside.
    Engagement.objects.filter(pk=e3.pk).update(status=Engagement.Status.COMPLETED)

    confirmed = ServiceRecord.Status.CONFIRMED
    _record(e1, 0, 2, datetime.date(2026, 4, 10), confirmed)
    _record(e1, 0, 1, datetime.date(2026, 5, 3), confirmed)
    _record(e1, 1, 1, datetime.date(2026, 5, 20), confirmed)
    _record(e1, 1, 1, datetime.date(2026, 5, 21), ServiceRecord.Status.DISPUTED)
    _record(e1, 2, 1, datetime.date(2026, 6, 1), ServiceRecord.Status.PENDING)
    for index in range(3):
        _record(e3, index, 2, datetime.date(2026, 4, 1), confirmed)
    Settlement.objects.create(engagement=e1, rating=4, rated_by=p.firm_member)
    Settlement.objects.create(
        engagement=e3,
        rating=2,
        status=Settlement.Status.APPROVED,
        amount=Decimal("3000.00"),
        released=Decimal("1800.00"),
    )

    asset = IPAsset.objects.create(
        firm=p.firm,
        kind=IPAsset.Kind.PATENT,
        number="202010000001.X",
        patent_type=IPAsset.PatentType.INVENTION,
        filing_date=datetime.date(2020, 1, 1),
    )
    bob_asset = IPAsset.objects.create(
        firm=p.other_firm,
        kind=IPAsset.Kind.PATENT,
        number="202010000002.X",
        patent_type=IPAsset.PatentType.INVENTION,
        filing_date=datetime.date(2020, 1, 1),
    )
    day = datetime.timedelta(days=1)
    _deadline(
        p.firm,
        asset,
        datetime.date(2025, 9, 1),
        missed_at=datetime.datetime(2026, 4, 1, 9, 0, tzinfo=TZ),
        responsible_agency=p.agency,
    )
    _deadline(
        p.firm,
        asset,
        datetime.date(2026, 5, 1),
        done_at=datetime.datetime(2026, 5, 1, 9, 0, tzinfo=TZ),
        responsible_agency=p.agency,
    )
    _deadline(p.firm, asset, TODAY + 10 * day)
    _deadline(p.firm, asset, TODAY - 5 * day, grace_ends_on=TODAY + 100 * day)
    _deadline(p.firm, asset, TODAY + 60 * day)
    _deadline(p.other_firm, bob_asset, TODAY + 3 * day)

    with time_machine.travel(datetime.datetime(2026, 5, 5, 9, 0, tzinfo=TZ), tick=False):
        Conversation.objects.create(assigned_to=p.agency_consultant, state="open")
        Conversation.objects.create(assigned_to=p.agency_consultant, state="resolved")
        Conversation.objects.create(assigned_to=p.rival_consultant, state="open")

    return World(
        year=year,
        park=park,
        firms={"f2": f2, "f3": f3, "f4": f4, "f5": f5, "f6": f6},
        engagements={"e1": e1, "e2": e2, "e3": e3},
        items=items,
    )


def _bulk_firms(personas, count):
    from marketplace.credit_codes import make_credit_code

    p = personas
    offset = Firm.objects.count()
    return Firm.objects.bulk_create(
        Firm(
            name=f"扩展公司{offset + n}",
            credit_code=make_credit_code(700_000 + offset + n),
            district=p.firm.district,
            incubator=p.incubator,
            admitted_on=datetime.date(2025, 1, 1),
            industry=Industry.NEW_MATERIALS,
            headcount=10,
            revenue_band=p.firm.revenue_band,
            verification=Firm.Verification.VERIFIED,
        )
        for n in range(count)
    )


def grow(world, personas, extra):
    """`extra` more firms in the manager's incubator, each engaged with records and
    deadlines; as many with an offer waiting, and as many with no request.

    Written in bulk, for the query-count pins: every list of the dashboards gets longer
    and the figures change; the number of queries must not.
    """
    p = personas
    year = world.year
    from marketplace.models import CustodyRequest, EngagementItem, Offer

    firms = _bulk_firms(p, extra)
    requests = CustodyRequest.objects.bulk_create(
        CustodyRequest(
            firm=firm,
            programme_year=year,
            status=CustodyRequest.Status.ENGAGED,
            created_by=p.officer,
        )
        for firm in firms
    )
    now = timezone.now()
    offers = Offer.objects.bulk_create(
        Offer(
            request=request,
            agency=p.agency if n % 2 else p.rival_agency,
            status=Offer.Status.ACCEPTED,
            respond_by=now,
            responded_at=now,
        )
        for n, request in enumerate(requests)
    )
    engagements = Engagement.objects.bulk_create(
        Engagement(
            request=request,
            offer=offer,
            firm=request.firm,
            agency=offer.agency,
            programme_year=year,
            starts_on=datetime.date(2026, 3, 1),
            ends_on=datetime.date(2027, 2, 28),
            package_price=Decimal("6000.00"),
            government_amount=Decimal("4800.00"),
            copay_amount=Decimal("1200.00"),
            government_share=year.government_share,
            copay_cap=year.copay_cap,
        )
        for request, offer in zip(requests, offers, strict=True)
    )
    engagement_items = EngagementItem.objects.bulk_create(
        EngagementItem(
            engagement=engagement, service_item=item, quota=2, unit_price=Decimal("1000.00")
        )
        for engagement in engagements
        for item in world.items
    )
    ServiceRecord.objects.bulk_create(
        ServiceRecord(
            engagement=item.engagement,
            item=item,
            quantity=1,
            delivered_on=datetime.date(2026, 4, 1),
            description="bulk",
            status=ServiceRecord.Status.CONFIRMED,
        )
        for item in engagement_items
    )
    Settlement.objects.bulk_create(
        Settlement(engagement=engagement, rating=5) for engagement in engagements
    )
    for n, firm in enumerate(firms):
        asset = IPAsset.objects.create(
            firm=firm,
            kind=IPAsset.Kind.TRADEMARK,
            number=f"{80_000_000 + firm.pk}",
            registration_date=datetime.date(2020, 1, 1),
        )
        _deadline(firm, asset, TODAY + datetime.timedelta(days=n % 40))
    waiting = CustodyRequest.objects.bulk_create(
        CustodyRequest(
            firm=firm,
            programme_year=year,
            status=CustodyRequest.Status.OFFERED,
            created_by=p.officer,
        )
        for firm in _bulk_firms(p, extra)
    )
    Offer.objects.bulk_create(
        Offer(request=request, agency=p.agency, respond_by=now + datetime.timedelta(days=3))
        for request in waiting
    )
    _bulk_firms(p, extra)  # eligible, with no request
    return firms
