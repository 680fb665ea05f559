"""Numbers in query strings are range-checked: out of range is a 400 or a form error, never a
500 (#14 item 8). Every GET route of the authorization matrix is asked, by a persona who may
read it, with each numeric parameter it reads (the fixed names below and every field of the
page's own forms) set to numbers no database or date can hold.
"""

import re

import pytest

from tests.authorization_routes import REDIRECT, ROUTES
from tests.test_authorization_matrix import _url, world  # noqa: F401 (the module's world)

# Who asks: the first of these the route answers (200, or a redirect such as the report's
# quarter selector).
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
    return next((p for p in READERS if spec.expected.get(p) in (200, REDIRECT)), None)


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
