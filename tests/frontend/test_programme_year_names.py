"""Programme years have a name per language: English pages never show the Chinese one."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import ProgrammeYearFactory

pytestmark = pytest.mark.django_db


def test_each_language_reads_its_own_name():
    year = ProgrammeYearFactory(
        year=2027, name="2027年度南京市小微企业知识产权托管服务项目", name_en="Custody 2027"
    )

    with translation.override("zh-hans"):
        assert str(year) == "2027年度南京市小微企业知识产权托管服务项目"
    with translation.override("en"):
        assert str(year) == "Custody 2027"


def test_without_an_english_name_english_pages_name_the_year_by_its_number():
    year = ProgrammeYearFactory(year=2028, name="2028年度托管项目", name_en="")

    with translation.override("en"):
        assert year.display_name == "Programme year 2028"


def test_the_firms_request_list_names_the_year_in_english(client, personas, alice_request):
    year = alice_request.programme_year
    year.name, year.name_en = "本年度托管项目", "This year's custody programme"
    year.save(update_fields=["name", "name_en"])
    client.force_login(personas.firm_member)

    body = client.get(reverse("frontend:request-list")).content.decode()

    assert "This year&#x27;s custody programme" in body
    assert "本年度托管项目" not in body
