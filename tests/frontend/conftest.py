import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace import actions
from marketplace.choices import CustodyArea
from tests.factories import PackageItemFactory, ProgrammeYearFactory, ServiceItemFactory
from tests.shared import shared


@shared
def open_year(db):
    """This calendar year's programme, open today, with a ¥2,500 package.

    2 × ¥1,000 consulting + 1 × ¥500 training: the government pays 80 % = ¥2,000,
    the firm ¥500.
    """
    today = timezone.localdate()
    year = ProgrammeYearFactory(
        year=today.year,
        name=f"{today.year} custody year",
        opens_on=datetime.date(today.year, 1, 1),
        closes_on=datetime.date(today.year, 12, 31),
    )
    consulting = ServiceItemFactory(
        area=CustodyArea.CONSULTING, name_en="IP health check", unit_price=Decimal("1000.00")
    )
    training = ServiceItemFactory(
        area=CustodyArea.TRAINING, name_en="Patent training", unit_price=Decimal("500.00")
    )
    PackageItemFactory(programme_year=year, service_item=consulting, quota=2)
    PackageItemFactory(programme_year=year, service_item=training, quota=1)
    return year


@shared
def catalogue(db):
    """One active service item in each of three custody areas, and one retired item."""
    return {
        "consulting": ServiceItemFactory(area=CustodyArea.CONSULTING, name_en="Consulting hour"),
        "filing": ServiceItemFactory(area=CustodyArea.FILING, name_en="Patent filing"),
        "protection": ServiceItemFactory(area=CustodyArea.PROTECTION, name_en="Infringement watch"),
        "retired": ServiceItemFactory(
            area=CustodyArea.TRAINING, name_en="Retired course", is_active=False
        ),
    }


@pytest.fixture
def login(client):
    """Sign `user` in on the test client and return the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def make_programme(personas):
    """This calendar year's programme, open today: three standard items and one extra.

    Like the marketplace `programme` fixture but dated from today, so that pages can be
    read on the real clock: 3 × ¥1,000 × quota 2 = ¥6,000, the government pays 80 %
    (¥4,800) and the firm ¥1,200. Both persona agencies offer every item.
    """
    today = timezone.localdate()
    year = ProgrammeYearFactory(
        year=today.year,
        name=f"{today.year} custody year",
        budget=Decimal("48000.00"),
        opens_on=datetime.date(today.year, 1, 1),
        closes_on=datetime.date(today.year, 12, 31),
    )
    specs = [
        (CustodyArea.CONSULTING, "IP health check"),
        (CustodyArea.TRAINING, "Patent training"),
        (CustodyArea.MAINTENANCE, "Fee and deadline watch"),
        (CustodyArea.PROTECTION, "Infringement watch"),
    ]
    items = [
        ServiceItemFactory(area=area, name_en=name, unit_price=Decimal("1000.00"))
        for area, name in specs
    ]
    for item in items[:3]:
        PackageItemFactory(programme_year=year, service_item=item, quota=2, is_standard=True)
    PackageItemFactory(programme_year=year, service_item=items[3], quota=1, is_standard=False)
    for agency in (personas.agency, personas.rival_agency):
        agency.service_items.set(items)
    year.standard_quotas = {item.pk: 2 for item in items[:3]}
    year.extra_item = items[3]
    return year


@shared
def programme(personas):
    return make_programme(personas)


@shared
def alice_request(personas, programme):
    """Alice's open request for the standard package."""
    return actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        needs="抗体药物专利布局",
    )


@shared
def offer(personas, alice_request):
    """Alice's request offered to `agency`, the consultant's."""
    return actions.offer_make(
        request=alice_request, agency=personas.agency, by=personas.firm_member
    )


@shared
def engagement(personas, offer):
    return actions.offer_accept(offer=offer, by=personas.agency_consultant)
