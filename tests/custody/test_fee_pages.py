"""Official fees where people read them (issue #16, build 2): the deadline board, the portfolio
with its five-year forecast (table, chart, exports), the quarterly report (page and PDF), the
API, and the office editing the table in the admin."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from core.models import AuditEvent
from custody import actions, selectors
from custody.models import Deadline, IPAsset, OfficialFee
from tests.custody.conftest import patent_fields

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 9, 1)


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2026, 9, 1, 10, tzinfo=datetime.UTC), tick=False):
        yield TODAY


@pytest.fixture
def patent(personas, engagement, today):
    """An invention filed 2015-10-01, granted 2018-05-04 (patent year 3): year 12 falls due
    on 2026-10-01 (moved past National Day), ¥4,000, reduced by 85 % to ¥600."""
    return actions.asset_create(
        firm=personas.firm, by=personas.firm_member, fields=patent_fields(), today=today
    )


def _fee_deadline(patent):
    return patent.deadlines.get(kind=Deadline.Kind.ANNUAL_FEE, fee_year=12)


def test_the_board_shows_each_fee_with_and_without_the_reduction(client, personas, patent):
    client.force_login(personas.agency_consultant)
    response = client.get(reverse("frontend:deadline-board"))
    row = next(r for r in response.context["rows"] if r["deadline"].kind == "annual_fee")
    assert (row["deadline"].fee.payable, row["deadline"].fee.reduced_payable) == (D(4000), D(600))
    html = response.content.decode()
    assert "¥4,000.00" in html and "¥600.00 with the 85 % reduction" in html
    # The expiry asks for no fee.
    expiry = next(r for r in response.context["rows"] if r["deadline"].kind == "patent_expiry")
    assert expiry["deadline"].fee is None


def test_a_fee_paid_in_its_grace_carries_the_surcharge_of_its_month(personas, patent):
    deadline = _fee_deadline(patent)
    table = selectors.fee_table()
    # Nominal 2026-10-01: month 2 of the grace ends 2026-12-01, month 3 on 2027-01-04.
    assert selectors.deadline_fee(deadline, today=deadline.due_on, table=table).surcharge == 0
    fee = selectors.deadline_fee(deadline, today=datetime.date(2026, 12, 15), table=table)
    assert (fee.surcharge_percent, fee.surcharge, fee.payable) == (10, D(400), D(4400))
    assert fee.reduced_payable == D(1000)


def test_joint_owners_get_the_70_percent_reduction(client, personas, patent):
    client.force_login(personas.firm_member)
    form = {
        "number": patent.number,
        "title": patent.title,
        "status": patent.status,
        "filing_date": "2015-10-01",
        "grant_date": "2018-05-04",
        "joint_owners": "on",
    }
    url = reverse("frontend:portfolio-asset-edit", args=[personas.firm.pk, patent.pk])
    assert client.post(url, form).status_code == 302
    patent.refresh_from_db()
    assert patent.joint_owners
    fee = selectors.deadline_fee(_fee_deadline(patent), today=TODAY, table=selectors.fee_table())
    assert (fee.reduction_percent, fee.reduced_payable) == (D(70), D(1200))


def test_the_portfolio_shows_the_next_fee_and_the_five_year_forecast(client, personas, patent):
    client.force_login(personas.firm_member)
    response = client.get(reverse("frontend:portfolio", args=[personas.firm.pk]))
    assert response.status_code == 200
    assert response.context["rows"][0]["next"]["fee"].payable == D(4000)
    forecast = response.context["forecast"]
    # Years 12–16 of the invention; the reduction covers years 3–12 only.
    assert [row["payable"] for row in forecast.rows] == [
        D(4000),
        D(6000),
        D(6000),
        D(6000),
        D(8000),
    ]
    assert [row["reduced_payable"] for row in forecast.rows] == [
        D(600),
        D(6000),
        D(6000),
        D(6000),
        D(8000),
    ]
    assert forecast.rows[0]["period"] == "2026-09-01 – 2027-08-31"
    chart = response.context["charts"][0]
    assert chart["id"] == "fee_forecast" and chart["datasets"][0]["data"][0] == 4000.0
    html = response.content.decode()
    assert 'data-testid="table-fee-forecast"' in html
    assert (
        reverse("frontend:portfolio-fee-forecast-export", args=[personas.firm.pk, "xlsx"]) in html
    )


def test_a_fee_marked_done_leaves_the_forecast(client, personas, patent):
    actions.deadline_mark_done(deadline=_fee_deadline(patent), by=personas.firm_member)
    periods = selectors.fee_forecast(personas.firm_member, firm=personas.firm, today=TODAY)
    assert periods[0].payable == 0 and periods[0].annual_fees == 0


def test_the_forecast_exports_as_csv(client, personas, patent):
    client.force_login(personas.agency_consultant)
    url = reverse("frontend:portfolio-fee-forecast-export", args=[personas.firm.pk, "csv"])
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][3] == "Official fees (CNY)"
    assert rows[1][3].replace(",", "").lstrip("¥") == "4000.00"
    # Someone who may not see the portfolio gets nothing.
    client.force_login(personas.rival_consultant)
    assert client.get(url).status_code == 404


def test_the_quarterly_report_page_and_pdf_show_the_fees(client, personas, patent):
    client.force_login(personas.firm_member)
    page = client.get(reverse("frontend:firm-report", args=[personas.firm.pk, 2026, 4]))
    html = page.content.decode()
    assert "official fee ¥4,000.00 (¥600.00 reduced)" in html
    assert page.context["report"]["fees_open"] == {
        "payable": D(4000),
        "reduced_payable": D(600),
    }
    pdf = client.get(reverse("frontend:firm-report-pdf", args=[personas.firm.pk, 2026, 4]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "¥4,000.00 (¥600.00" in " ".join(text.split())
    assert "still to pay for the quarter: ¥4,000.00 (¥600.00 with the fee reduction)" in text


def test_the_reports_fee_is_one_sentence_with_chinese_punctuation(client, personas, patent):
    # The brackets belong to the sentence: half-width ones around a translated fragment read
    # "(减缴后 ¥600.00)" on Chinese pages, beside full-width ones in the next line.
    client.force_login(personas.firm_member)
    url = reverse("frontend:firm-report", args=[personas.firm.pk, 2026, 4])

    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    fee = html.split('data-testid="fee-inline">')[1].split("</span>")[0]
    assert fee.startswith("官费 ¥") and fee.endswith("）")
    assert "（减缴后 ¥600.00）" in fee


def test_the_api_gives_fee_fields_and_the_forecast(client, personas, patent):
    client.force_login(personas.firm_member)
    body = client.get(reverse("api:deadline-detail", args=[_fee_deadline(patent).pk])).json()
    assert body["fee"]["payable"] == "4000.00" and body["fee"]["reduced_payable"] == "600.00"
    assert body["fee"]["reduction_percent"] == "85.00"
    forecast = client.get(reverse("api:fee-forecast", args=[personas.firm.pk])).json()
    assert [period["payable"] for period in forecast["periods"]] == [
        "4000.00",
        "6000.00",
        "6000.00",
        "6000.00",
        "8000.00",
    ]
    client.force_login(personas.rival_consultant)
    assert client.get(reverse("api:fee-forecast", args=[personas.firm.pk])).status_code == 404


def test_the_office_edits_a_rate_in_the_admin_and_the_edit_is_audited(client, personas):
    personas.officer.is_staff = True
    personas.officer.save()
    rate = OfficialFee.objects.get(patent_type="invention", first_year=16)
    url = reverse("admin:custody_officialfee_change", args=[rate.pk])
    client.force_login(personas.officer)
    response = client.post(
        url,
        {
            "kind": "annual_fee",
            "patent_type": "invention",
            "first_year": 16,
            "last_year": 20,
            "amount": "8000.00",
            "effective_from": "2000-01-01",
            "effective_until": "2026-12-31",
            "source": rate.source,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    rate.refresh_from_db()
    assert rate.effective_until == datetime.date(2026, 12, 31)
    event = AuditEvent.objects.get(action="officialfee.updated")
    assert event.actor == personas.officer and event.data == {"fields": ["effective_until"]}

    # Overlapping years in the same period are refused on the field.
    response = client.post(
        reverse("admin:custody_officialfee_add"),
        {
            "kind": "annual_fee",
            "patent_type": "invention",
            "first_year": 1,
            "last_year": 2,
            "amount": "1.00",
            "effective_from": "2026-01-01",
            "source": "test",
        },
    )
    assert response.status_code == 200
    assert "effective_from" in response.context["adminform"].form.errors

    client.force_login(personas.agency_consultant)
    assert client.get(url).status_code in (302, 403)


def test_only_an_officer_saves_a_rate(personas):
    rate = OfficialFee.objects.first()
    with pytest.raises(Exception, match="programme officer"):
        actions.official_fee_save(instance=rate, by=personas.firm_member)
    assert IPAsset.objects.count() == 0
