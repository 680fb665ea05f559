"""A timeline names each subject in the reader's language: an IP right added by someone
reading Chinese reads "Patent …" on an English page (its kind's label), not "专利 …"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from custody import actions as custody_actions
from custody import numbers
from tests.custody.conftest import patent_fields

pytestmark = pytest.mark.django_db

DIGITS = "201710005164"


@pytest.fixture
def patent(personas):
    number = f"CN{DIGITS}.{numbers.patent_check_digit(DIGITS)}"
    with translation.override("zh-hans"):
        custody_actions.asset_create(
            firm=personas.firm,
            by=personas.firm_member,
            fields=patent_fields(number=number, filing_date=datetime.date(2017, 1, 15)),
        )
    return number


@pytest.mark.parametrize(
    ("language", "named", "not_named"), [("en", "Patent", "专利"), ("zh-hans", "专利", "Patent")]
)
def test_the_firms_timeline_names_the_asset_in_the_readers_language(
    client, personas, patent, language, named, not_named
):
    client.force_login(personas.firm_member)

    page = client.get(reverse("frontend:firm-home"), HTTP_ACCEPT_LANGUAGE=language)

    events = page.context["events"]
    added = next(event for event in events if event.action == "asset.created")
    assert added.subject_label.startswith(f"{named} ")
    assert not_named not in added.subject_label
    assert added.subject_label in page.text
