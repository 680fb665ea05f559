"""The texts' domain words are stored when the texts are saved (#15): ranking and allocation
read them and never segment text, so neither loads jieba's dictionary."""

import datetime
import importlib
import io
import json

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command

from core import segmentation
from marketplace import actions, candidates, matching
from marketplace.choices import INDUSTRY_KEYWORDS
from marketplace.models import Agency, CustodyRequest, Firm
from tests.factories import PASSWORD, FirmFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db

NEEDS = "抗体药物专利布局，商标注册"


@pytest.fixture
def open_requests(personas, programme):
    with time_machine.travel(NOW, tick=False):
        return [
            actions.request_submit(
                firm=firm,
                by=member,
                programme_year=programme,
                quotas=programme.standard_quotas,
                needs=NEEDS,
            )
            for firm, member in (
                (personas.firm, personas.firm_member),
                (personas.other_firm, personas.other_firm_member),
            )
        ]


@pytest.fixture
def no_segmenting(monkeypatch):
    """Fails the test if anything segments text from here on (cached words included)."""

    def refuse():
        raise AssertionError("text was segmented")

    matching.field_terms.cache_clear()
    monkeypatch.setattr(segmentation, "tokenizer", refuse)


def _text_words(request):
    """The request's words as ranking took them before they were stored: from the texts."""
    firm = request.firm
    return matching.field_terms(
        f"{INDUSTRY_KEYWORDS.get(firm.industry, '')} {request.needs} {firm.description}"
    )


def test_a_submitted_request_stores_the_words_of_its_needs(open_requests):
    request = CustodyRequest.objects.get(pk=open_requests[0].pk)

    assert request.matching_terms == matching.field_terms(NEEDS)
    assert {"抗体", "专利", "商标"} <= set(request.matching_terms.split())


def test_the_ranking_reads_the_same_words_the_texts_give(personas, open_requests):
    actions.participant_update(
        instance=personas.firm, by=personas.officer, changes={"description": "研发芯片封装工艺"}
    )
    request = CustodyRequest.objects.select_related("firm").get(pk=open_requests[0].pk)
    agency = Agency.objects.get(pk=personas.agency.pk)

    profile = candidates.request_profile(request, start_date=NOW.date())
    [agency_profile] = candidates.agency_profiles(
        programme_year=request.programme_year, agencies=Agency.objects.filter(pk=agency.pk)
    )

    assert profile.terms == _text_words(request)
    assert {"芯片", "封装", "抗体"} <= set(profile.terms.split())
    assert agency_profile.terms == matching.field_terms(f"{agency.expertise} {agency.expertise_en}")


def test_sign_ups_store_the_words_of_their_texts(personas):
    firm, _member = actions.firm_register(
        firm_fields={
            "name": "南京新芯微电子科技有限公司",
            "credit_code": "914403001922038216",
            "district": "320106",
            "incubator": personas.incubator,
            "admitted_on": datetime.date(2025, 9, 1),
            "industry": "ic",
            "headcount": 9,
            "revenue_band": "lt1m",
            "description": "芯片设计",
        },
        username="founder",
        email="founder@xinxin.example",
        password=PASSWORD,
    )
    agency, _admin = actions.agency_register(
        agency_fields={
            "name": "南京新申专利代理事务所",
            "credit_code": "91110000600037341L",
            "kind": Agency.Kind.PATENT_AGENCY,
            "licence_number": "32999",
            "licence_valid_from": datetime.date(2024, 1, 1),
            "licence_valid_until": datetime.date(2029, 12, 31),
            "district": "320105",
            "yearly_capacity": 30,
            "expertise": "专利诉讼",
            "expertise_en": "trademark watch",
        },
        service_items=[],
        username="new_agency",
        email="boss@xinshen.example",
        password=PASSWORD,
    )

    firm.refresh_from_db()
    agency.refresh_from_db()
    assert firm.matching_terms == matching.field_terms(f"{INDUSTRY_KEYWORDS['ic']} 芯片设计")
    assert agency.matching_terms == matching.field_terms("专利诉讼 trademark watch")
    assert "trademark" in agency.matching_terms.split()


def test_an_officers_new_firm_stores_its_words(personas):
    firm = FirmFactory.build(incubator=personas.incubator, description="医疗器械注册")
    actions.participant_create(instance=firm, by=personas.officer)

    firm.refresh_from_db()
    assert "医疗器械" in firm.matching_terms.split()


def test_a_change_of_industry_or_text_takes_the_words_again(personas):
    firm = personas.firm
    actions.participant_update(instance=firm, by=personas.officer, changes={"industry": "ic"})
    firm.refresh_from_db()
    assert "集成电路" in firm.matching_terms.split()
    assert "生物医药" not in firm.matching_terms.split()

    actions.participant_update(
        instance=personas.agency, by=personas.officer, changes={"expertise_en": "software"}
    )
    personas.agency.refresh_from_db()
    assert "software" in personas.agency.matching_terms.split()


def test_a_change_of_other_fields_segments_nothing(personas, no_segmenting):
    before = Agency.objects.get(pk=personas.agency.pk).matching_terms

    actions.participant_update(
        instance=personas.agency, by=personas.officer, changes={"yearly_capacity": 45}
    )

    assert Agency.objects.get(pk=personas.agency.pk).matching_terms == before


def test_allocate_reads_the_stored_words_and_segments_nothing(open_requests, no_segmenting):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("allocate", "--year", "2026", "--json", stdout=out)

    assert json.loads(out.getvalue())["placed"] == 2


def test_the_backfill_takes_the_words_of_rows_stored_before_the_fields(personas, open_requests):
    migration = importlib.import_module("marketplace.migrations.0021_backfill_matching_terms")
    expected = {
        model: dict(model.objects.values_list("pk", "matching_terms"))
        for model in (Agency, Firm, CustodyRequest)
    }
    for model in expected:
        model.objects.update(matching_terms="")

    migration.backfill(apps, None)

    for model, terms in expected.items():
        assert dict(model.objects.values_list("pk", "matching_terms")) == terms
        assert all(terms.values())
