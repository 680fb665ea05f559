"""An agency's expertise has a text per language: each language's pages show their own,
the API offers both and the one of the request's language, and matching reads both."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from demo.vocabulary import agency_expertise
from marketplace import actions, candidates
from marketplace.choices import Industry
from marketplace.models import Agency
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u4e00-\u9fff]")


def api(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def bilingual_agency(personas):
    return actions.participant_update(
        instance=personas.agency,
        by=personas.officer,
        changes={
            "expertise": "集成电路布图设计、专利挖掘",
            "expertise_en": "layout designs, patent mining",
        },
    )


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("zh-hans", "集成电路布图设计、专利挖掘", "layout designs, patent mining"),
        ("en", "layout designs, patent mining", "集成电路布图设计、专利挖掘"),
    ],
)
def test_the_agency_page_shows_the_expertise_in_its_language(
    client, personas, bilingual_agency, language, shown, hidden
):
    client.force_login(personas.firm_member)

    body = client.get(
        reverse("frontend:agency-detail", args=[bilingual_agency.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()

    assert shown in body
    assert hidden not in body


def test_a_text_in_one_language_only_stands_in_for_the_other():
    agency = AgencyFactory.build(expertise="", expertise_en="trademark watch")

    with translation.override("zh-hans"):
        assert agency.display_expertise == "trademark watch"
    agency.expertise, agency.expertise_en = "商标监测", ""
    with translation.override("en"):
        assert agency.display_expertise == "商标监测"


def test_the_api_gives_both_texts_and_the_one_of_the_requests_language(personas, bilingual_agency):
    url = f"/api/v1/agencies/{bilingual_agency.pk}/"
    english = api(personas.firm_member).get(url).json()
    chinese = api(personas.firm_member, "zh-hans").get(url).json()

    assert english["expertise"] == "集成电路布图设计、专利挖掘"
    assert english["expertise_en"] == "layout designs, patent mining"
    assert english["expertise_display"] == "layout designs, patent mining"
    assert chinese["expertise_display"] == "集成电路布图设计、专利挖掘"


def test_the_officer_writes_the_english_text_through_the_api(personas):
    url = f"/api/v1/agencies/{personas.agency.pk}/"

    response = api(personas.officer).patch(url, {"expertise_en": "PCT filings"}, format="json")

    assert response.status_code == 200, response.json()
    personas.agency.refresh_from_db()
    assert personas.agency.expertise_en == "PCT filings"


def test_matching_reads_the_expertise_of_both_languages(programme_year, bilingual_agency):
    profiles = candidates.agency_profiles(
        programme_year=programme_year, agencies=Agency.objects.filter(pk=bilingual_agency.pk)
    )

    # The domain words of each language's text, stored when the officer saved them.
    assert {"集成电路", "layout", "patent"} <= set(profiles[0].terms.split())


def test_the_agency_signs_up_with_an_expertise_per_language(client):
    page = client.get(reverse("frontend:signup-agency")).content.decode()

    assert 'name="expertise"' in page
    assert 'name="expertise_en"' in page


def test_the_demo_agencies_expertise_keeps_each_language_to_itself():
    chinese, english = agency_expertise(
        [Industry.INTEGRATED_CIRCUITS, Industry.BIOMEDICINE], Agency.Kind.PATENT_AGENCY
    )

    assert HAN.search(chinese)
    assert not HAN.search(english)
    assert not re.search(r"[A-Za-z]{3,}", chinese)
    assert "chip design" in english
