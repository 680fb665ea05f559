"""Numbers in query strings are range-checked: out of range is a 400 or a form error, never a
500 (#14 item 8). Every GET route of the authorization matrix is asked, by a persona who may
read it, with each numeric parameter it reads (the fixed names below and every field of the
page's own forms) set to numbers no database or date can hold.
"""

import re

import pytest
from django.urls import reverse

from tests.authorization_routes import ROUTES
from tests.test_authorization_matrix import _url, world  # noqa: F401 (the module's world)

# Who asks: the first of these the route answers 200.
READERS = ("officer", "firm_member", "agency_consultant", "incubator_manager", "anonymous")
NAMES = (
    "year",
    "quarter",
    "page",
    "page_size",
    "days",
    "park",
    "incubator",
    "firm",
    "agency",
    "engagement",
    "programme_year",
    "limit",
    "offset",
    "id",
)
HOSTILE_NUMBERS = ("99999999999999999999999", "-99999999999999999999999", "1e999", "٣")
FIELD_NAME = re.compile(r'<(?:input|select)[^>]*\bname="([\w-]+)"')


def _reader(spec):
    return next((p for p in READERS if spec.expected.get(p) == 200), None)


READABLE = sorted(
    identity for identity, spec in ROUTES.items() if not spec.post and _reader(spec) is not None
)


@pytest.mark.django_db
@pytest.mark.parametrize("identity", READABLE)
def test_item_08_out_of_range_numbers_in_the_query_are_never_a_500(world, identity):  # noqa: F811
    clients, world_data = world
    spec = ROUTES[identity]
    client = clients[_reader(spec), spec.api]
    url = _url(identity, spec, world_data, "own")
    first = client.get(url)
    names = set(NAMES)
    if first["Content-Type"].startswith("text/html"):
        names |= set(FIELD_NAME.findall(first.content.decode())) - {"csrfmiddlewaretoken"}
    wrong = []
    for value in HOSTILE_NUMBERS:
        response = client.get(url, dict.fromkeys(sorted(names), value))
        if response.status_code >= 500:
            wrong.append(f"{url} with {value}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["99999999999999999999999", "9999", "-1", "1999"])
def test_item_08_the_report_selector_answers_400_naming_the_year(client, personas, year):
    client.force_login(personas.firm_member)
    url = reverse("frontend:firm-report-current", args=[personas.firm.pk])

    response = client.get(url, {"year": year, "quarter": "1"})

    assert response.status_code == 400
    assert 'data-testid="request-errors"' in response.text
    assert "Year:" in response.text


@pytest.mark.django_db
def test_item_08_a_report_year_in_the_path_out_of_range_is_not_found(client, personas):
    client.force_login(personas.firm_member)
    for year in (99999999999999999999999, 9999, 1):
        for name in ("frontend:firm-report", "frontend:firm-report-pdf"):
            assert client.get(reverse(name, args=[personas.firm.pk, year, 1])).status_code == 404
