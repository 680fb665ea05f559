"""Service records, evidence, settlement and report pages: who sees and does what."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custody import actions as custody_actions
from custody.models import ServiceRecord, Settlement
from marketplace.models import Engagement
from tests.custody.service_helpers import PDF, html_disguised_as_pdf, pdf, temporary_private_storage

pytestmark = pytest.mark.django_db

OUTSIDERS = ["other_firm_member", "rival_consultant", "other_manager"]
PARTIES = ["firm_member", "agency_consultant", "incubator_manager", "officer"]


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    return temporary_private_storage(tmp_path, monkeypatch)


@pytest.fixture
def consulting(engagement):
    return engagement.items.order_by("pk").first()


def log(engagement, item, personas, quantity=1, files=()):
    return custody_actions.service_record_log(
        engagement=engagement,
        item=item,
        quantity=quantity,
        delivered_on=engagement.starts_on,
        description="专利检索报告",
        by=personas.agency_consultant,
        files=files,
        today=engagement.starts_on,
    )


@pytest.fixture
def record(personas, engagement, consulting):
    return log(engagement, consulting, personas, files=[pdf("report.pdf")])


# --- Services page -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PARTIES)
def test_parties_read_the_records_and_progress(client, personas, engagement, record, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:service-list", args=[engagement.pk]))

    assert response.status_code == 200
    assert response.text.count('data-testid="quota-row"') == 3
    assert response.text.count('data-testid="service-record"') == 1
    assert "svc-w-0" in response.text and "svc-w-50" in response.text
    assert ('data-testid="log-form"' in response.text) == (persona == "agency_consultant")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_do_not_find_the_records(client, personas, engagement, record, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("frontend:service-list", args=[engagement.pk])).status_code == 404
    assert client.post(reverse("frontend:service-confirm", args=[record.pk])).status_code in {
        403,
        404,
    }


def test_anonymous_is_sent_to_log_in(client, engagement, record):
    for url in (
        reverse("frontend:service-list", args=[engagement.pk]),
        reverse("frontend:service-evidence", args=[record.evidence.get().pk]),
        reverse("frontend:settlement", args=[engagement.pk]),
        reverse("frontend:firm-report", args=[engagement.firm_id, 2026, 1]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("frontend:login"))


def test_the_engagement_page_shows_the_progress(client, personas, engagement, record):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:engagement-detail", args=[engagement.pk]))

    assert 'data-testid="engagement-services"' in response.text
    assert response.text.count('data-testid="quota-row"') == 3


def test_the_agency_logs_a_service_with_evidence(client, personas, engagement, consulting):
    client.force_login(personas.agency_consultant)

    response = client.post(
        reverse("frontend:service-log", args=[engagement.pk]),
        {
            "item": consulting.pk,
            "quantity": 2,
            "delivered_on": engagement.starts_on.isoformat(),
            "description": "两次专利咨询",
            "evidence": [pdf("a.pdf"), pdf("b.pdf")],
        },
    )

    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    assert (record.quantity, record.evidence.count()) == (2, 2)


def test_a_refused_log_shows_why(client, personas, engagement, consulting):
    client.force_login(personas.agency_consultant)
    url = reverse("frontend:service-log", args=[engagement.pk])
    base = {
        "item": consulting.pk,
        "delivered_on": engagement.starts_on.isoformat(),
        "description": "咨询",
    }

    too_many = client.post(url, base | {"quantity": 3})
    disguised = client.post(url, base | {"quantity": 1, "evidence": [html_disguised_as_pdf()]})
    future = client.post(
        url,
        base
        | {
            "quantity": 1,
            "delivered_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        },
    )

    assert too_many.status_code == 400
    assert "Only 2 of the 2" in too_many.text
    assert disguised.status_code == 400
    assert "invoice.pdf" in disguised.text
    assert future.status_code == 400
    assert "cannot be in the future" in future.text
    assert not ServiceRecord.objects.exists()


def test_the_rival_agency_cannot_log(client, personas, engagement, consulting):
    client.force_login(personas.rival_consultant)

    response = client.post(
        reverse("frontend:service-log", args=[engagement.pk]),
        {"item": consulting.pk, "quantity": 1, "delivered_on": "2026-01-01", "description": "x"},
    )

    assert response.status_code == 404


def test_the_firm_confirms_and_disputes(client, personas, engagement, consulting, record):
    second = log(engagement, consulting, personas)
    client.force_login(personas.firm_member)

    client.post(reverse("frontend:service-confirm", args=[record.pk]))
    no_reason = client.post(reverse("frontend:service-dispute", args=[second.pk]), {"reason": ""})
    second.refresh_from_db()
    assert second.status == ServiceRecord.Status.PENDING
    assert no_reason.status_code == 302
    client.post(reverse("frontend:service-dispute", args=[second.pk]), {"reason": "未收到报告"})

    record.refresh_from_db()
    second.refresh_from_db()
    assert record.status == ServiceRecord.Status.CONFIRMED
    assert (second.status, second.dispute_reason) == (ServiceRecord.Status.DISPUTED, "未收到报告")
    page = client.get(reverse("frontend:service-list", args=[engagement.pk]))
    assert "未收到报告" in page.text


def test_the_agency_corrects_a_disputed_record(client, personas, engagement, record):
    custody_actions.service_record_dispute(record=record, by=personas.firm_member, reason="错了")
    client.force_login(personas.agency_consultant)
    url = reverse("frontend:service-correct", args=[record.pk])

    form = client.get(url)
    response = client.post(
        url,
        {
            "quantity": 1,
            "delivered_on": engagement.starts_on.isoformat(),
            "description": "更正后的说明",
        },
    )

    assert form.status_code == 200
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.description) == (ServiceRecord.Status.PENDING, "更正后的说明")


@pytest.mark.parametrize("persona", PARTIES)
def test_parties_download_the_evidence(client, personas, record, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:service-evidence", args=[record.evidence.get().pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_cannot_download_the_evidence(client, personas, record, persona):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:service-evidence", args=[record.evidence.get().pk]))

    assert response.status_code == 404


def test_services_page_queries_stay_flat(client, personas, engagement, programme):
    """1 record or 20, with their evidence: the same number of queries."""
    items = list(engagement.items.all())
    for line in items:
        line.quota = 50
        line.save()
    client.force_login(personas.agency_consultant)
    url = reverse("frontend:service-list", args=[engagement.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    log(engagement, items[0], personas, files=[pdf()])
    one = count()
    for index in range(19):
        log(engagement, items[index % 3], personas, files=[pdf(f"{index}.pdf")])
    twenty = count()

    assert ServiceRecord.objects.count() == 20
    assert twenty == one
    assert one <= 14


# --- Settlement ----------------------------------------------------------------------------


def _deliver_everything(engagement, personas):
    for line in engagement.items.all():
        record = log(engagement, line, personas, quantity=line.quota)
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)


def test_settlement_through_the_pages(client, personas, engagement):
    _deliver_everything(engagement, personas)
    url = reverse("frontend:settlement", args=[engagement.pk])

    client.force_login(personas.firm_member)
    page = client.get(url)
    assert 'data-testid="rating-form"' in page.text
    assert page.text.count('data-testid="settlement-line"') == 3
    client.post(
        reverse("frontend:settlement-rate", args=[engagement.pk]),
        {"rating": 5, "comment": "服务周到"},
    )
    client.force_login(personas.incubator_manager)
    client.post(reverse("frontend:settlement-confirm", args=[engagement.pk]))
    client.force_login(personas.officer)
    client.post(reverse("frontend:settlement-approve", args=[engagement.pk]))

    settlement = Settlement.objects.get()
    assert settlement.status == Settlement.Status.APPROVED
    assert settlement.amount == engagement.government_amount
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.COMPLETED
    page = client.get(url)
    assert "¥4,800.00" in page.text


def test_rating_before_the_end_says_when(client, personas, engagement):
    client.force_login(personas.firm_member)

    page = client.get(reverse("frontend:settlement", args=[engagement.pk]))
    refused = client.post(reverse("frontend:settlement-rate", args=[engagement.pk]), {"rating": 4})

    assert 'data-testid="rating-not-yet"' in page.text
    assert refused.status_code == 400
    assert "every quota is delivered" in refused.text
    assert not Settlement.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_cannot_see_or_act_on_the_settlement(client, personas, engagement, persona):
    _deliver_everything(engagement, personas)
    custody_actions.settlement_rate(engagement=engagement, by=personas.firm_member, rating=4)
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("frontend:settlement", args=[engagement.pk])).status_code == 404
    for name in ("settlement-rate", "settlement-confirm", "settlement-approve"):
        assert client.post(reverse(f"frontend:{name}", args=[engagement.pk])).status_code in {
            403,
            404,
        }
    assert Settlement.objects.get().status == Settlement.Status.RATED


def test_the_agency_cannot_confirm_or_approve(client, personas, engagement):
    _deliver_everything(engagement, personas)
    custody_actions.settlement_rate(engagement=engagement, by=personas.firm_member, rating=4)
    client.force_login(personas.agency_consultant)

    confirm = client.post(reverse("frontend:settlement-confirm", args=[engagement.pk]))
    approve = client.post(reverse("frontend:settlement-approve", args=[engagement.pk]))

    assert (confirm.status_code, approve.status_code) == (403, 403)


# --- Report --------------------------------------------------------------------------------


def _quarter(engagement):
    day = engagement.starts_on
    return day.year, (day.month - 1) // 3 + 1


@pytest.mark.parametrize("persona", PARTIES)
def test_parties_read_the_report_and_its_pdf(client, personas, engagement, record, persona):
    custody_actions.service_record_confirm(record=record, by=personas.firm_member)
    year, quarter = _quarter(engagement)
    client.force_login(getattr(personas, persona))

    page = client.get(reverse("frontend:firm-report", args=[personas.firm.pk, year, quarter]))
    document = client.get(
        reverse("frontend:firm-report-pdf", args=[personas.firm.pk, year, quarter])
    )

    assert page.status_code == 200
    assert page.text.count('data-testid="report-service"') == 3
    assert '<td class="text-end" data-testid="report-quarter-confirmed">1</td>' in page.text
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    assert document.content.startswith(b"%PDF")


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_do_not_find_the_report(client, personas, engagement, persona):
    year, quarter = _quarter(engagement)
    client.force_login(getattr(personas, persona))

    for name in ("firm-report", "firm-report-pdf"):
        url = reverse(f"frontend:{name}", args=[personas.firm.pk, year, quarter])
        assert client.get(url).status_code == 404


def test_a_former_agency_reads_only_the_quarters_it_served(client, personas, engagement):
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.CANCELLED)
    year, quarter = _quarter(engagement)
    client.force_login(personas.agency_consultant)

    served = client.get(reverse("frontend:firm-report", args=[personas.firm.pk, year, quarter]))
    before = client.get(reverse("frontend:firm-report", args=[personas.firm.pk, year - 2, 1]))

    assert served.status_code == 200
    assert before.status_code == 404


def test_quarter_selector_goes_to_the_chosen_quarter(client, personas):
    client.force_login(personas.firm_member)

    response = client.get(
        reverse("frontend:firm-report-current", args=[personas.firm.pk]),
        {"year": 2025, "quarter": 3},
    )

    assert response.url == reverse("frontend:firm-report", args=[personas.firm.pk, 2025, 3])
    assert client.get(response.url).status_code == 200
    assert (
        client.get(reverse("frontend:firm-report", args=[personas.firm.pk, 2025, 5])).status_code
        == 404
    )


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
