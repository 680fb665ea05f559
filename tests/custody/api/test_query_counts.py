"""The custody lists cost the same number of queries for one row as for many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custody import actions as custody_actions
from tests.custody.conftest import TODAY, patent_fields
from tests.custody.service_helpers import pdf
from tests.marketplace.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("later")]

# Valid CN application numbers (check digit included), one per asset.
NUMBERS = ["CN200910005164.2", "CN201010101010.6", "CN201210000001.7", "CN201310000002.6"]


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.json()["count"]


def _add_assets(personas, numbers):
    for number in numbers:
        custody_actions.asset_create(
            firm=personas.firm,
            by=personas.firm_member,
            fields=patent_fields(number=number),
            today=TODAY,
        )


def _add_records(personas, engagement, count):
    for item in engagement.items.order_by("pk")[:count]:
        custody_actions.service_record_log(
            engagement=engagement,
            item=item,
            quantity=1,
            delivered_on=NOW.date(),
            description="交付",
            by=personas.agency_consultant,
            files=[pdf()],
        )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/assets/",
        "/api/v1/deadlines/",
        "/api/v1/service-records/",
        "/api/v1/client-firms/",
        "/api/v1/copayments/",
        "/api/v1/settlements/",
    ],
)
def test_lists_stay_flat(api, personas, engagement, url):
    client = api(personas.agency_consultant)
    _add_assets(personas, NUMBERS[:1])
    _add_records(personas, engagement, 1)
    few, few_rows = _queries(client, url)
    _add_assets(personas, NUMBERS[1:])
    _add_records(personas, engagement, 3)
    many, many_rows = _queries(client, url)
    assert many == few, f"{url}: {few} queries for {few_rows} rows, {many} for {many_rows}"
