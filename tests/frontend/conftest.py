import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.choices import CustodyArea
from tests.factories import PackageItemFactory, ProgrammeYearFactory, ServiceItemFactory


@pytest.fixture
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


@pytest.fixture
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
