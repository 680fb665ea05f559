import datetime
from decimal import Decimal

from marketplace.choices import CustodyArea
from tests.factories import PackageItemFactory, ProgrammeYearFactory, ServiceItemFactory
from tests.shared import shared


@shared
def programme(personas):
    """An open 2026 programme with a three-item standard package and one extra.

    Package price 3 × ¥1,000 × quota 2 = ¥6,000: government 80 % = ¥4,800, firm ¥1,200.
    Both persona agencies offer every item.
    """
    year = ProgrammeYearFactory(
        year=2026,
        budget=Decimal("48000.00"),
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 12, 31),
    )
    areas = [
        CustodyArea.CONSULTING,
        CustodyArea.TRAINING,
        CustodyArea.MAINTENANCE,
        CustodyArea.PROTECTION,
    ]
    items = [ServiceItemFactory(area=area, unit_price=Decimal("1000.00")) for area in areas]
    for item in items[:3]:
        PackageItemFactory(programme_year=year, service_item=item, quota=2, is_standard=True)
    PackageItemFactory(programme_year=year, service_item=items[3], quota=1, is_standard=False)
    for agency in (personas.agency, personas.rival_agency):
        agency.service_items.set(items)
    year.standard_quotas = {item.pk: 2 for item in items[:3]}
    year.extra_item = items[3]
    return year


NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # a Monday
