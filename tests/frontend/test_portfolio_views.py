"""Portfolio pages: who sees and changes a firm's IP, the forms' errors, import and export."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from custody import actions, numbers
from custody.models import Deadline, IPAsset

pytestmark = pytest.mark.django_db

READERS = ["firm_member", "agency_consultant", "incubator_manager", "officer"]
OUTSIDERS = ["other_firm_member", "rival_consultant", "other_manager"]
EDIT_STATUS = {
    "firm_member": 200,
    "agency_consultant": 200,
    "incubator_manager": 403,
    "officer": 403,
    "other_firm_member": 404,
    "rival_consultant": 404,
    "other_manager": 403,
}

GRANTED = datetime.date(2018, 5, 4)


def patent_number(serial, kind_digit="1", year=2015):
    digits = f"{year}{kind_digit}{serial:07d}"
    return f"{digits}.{numbers.patent_check_digit(digits)}"


def add_patent(personas, number="200910005164.2", **overrides):
    fields = {
        "kind": IPAsset.Kind.PATENT,
        "number": number,
        "title": "信息处理方法",
        "status": IPAsset.Status.IN_FORCE,
        "filing_date": datetime.date(2015, 10, 1),
        "grant_date": GRANTED,
    } | overrides
    return actions.asset_create(firm=personas.firm, by=personas.firm_member, fields=fields)


@pytest.fixture
def patent(personas):
    return add_patent(personas)


@pytest.fixture
def trademark(personas):
    return actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields={
            "kind": IPAsset.Kind.TRADEMARK,
            "number": "12345678",
            "title": "爱丽丝",
            "status": IPAsset.Status.IN_FORCE,
            "registration_date": datetime.date(2017, 3, 14),
            "nice_classes": [5, 42],
        },
    )


def portfolio_url(personas):
    return reverse("frontend:portfolio", args=[personas.firm.pk])


def patent_post(**overrides):
    return {
        "kind": "patent",
        "number": "ZL 2009 1 0005164.2",
        "title": "信息处理方法",
        "status": "in_force",
        "filing_date": "2015-10-01",
        "grant_date": "2018-05-04",
        "registration_date": "",
        "nice_classes": "",
        "expiry_override": "",
    } | overrides


def upload(name, content, content_type="text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def csv_file(*rows, name="portfolio.csv"):
    header = "kind,number,title,filing_date,grant_date,status,nice_classes,registration_date"
    text = "\n".join([header, *rows]) + "\n"
    return upload(name, text.encode("utf-8"))


# --- Who sees what ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_portfolio_and_its_assets(
    client, personas, engagement, patent, trademark, persona
):
    client.force_login(getattr(personas, persona))

    response = client.get(portfolio_url(personas))

    assert response.status_code == 200
    assert response.text.count('data-testid="asset-row"') == 2
    assert "200910005164.2" in response.text and "12345678" in response.text
    assert f"{reverse('frontend:deadline-board')}?firm={personas.firm.pk}" in response.text
    asset_url = reverse("frontend:portfolio-asset", args=[personas.firm.pk, patent.pk])
    assert asset_url in response.text
    assert client.get(asset_url).status_code == 200
    can_edit = persona in {"firm_member", "agency_consultant"}
    assert ('data-testid="add-asset"' in response.text) == can_edit
    assert ('data-testid="import-form"' in response.text) == can_edit


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_do_not_find_the_portfolio(client, personas, engagement, patent, persona):
    client.force_login(getattr(personas, persona))
    firm_id = personas.firm.pk

    for url in (
        portfolio_url(personas),
        reverse("frontend:portfolio-asset", args=[firm_id, patent.pk]),
        reverse("frontend:portfolio-export", args=[firm_id, "csv"]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("persona", sorted(EDIT_STATUS))
def test_only_the_firm_and_its_agency_add_and_edit(client, personas, engagement, patent, persona):
    client.force_login(getattr(personas, persona))
    firm_id = personas.firm.pk
    expected = EDIT_STATUS[persona]

    assert client.get(reverse("frontend:portfolio-asset-new", args=[firm_id])).status_code == (
        expected
    )
    edit_url = reverse("frontend:portfolio-asset-edit", args=[firm_id, patent.pk])
    assert client.get(edit_url).status_code == expected
    response = client.post(edit_url, patent_post(title="改名"))
    assert response.status_code == (302 if expected == 200 else expected)
    import_url = reverse("frontend:portfolio-import", args=[firm_id])
    response = client.post(import_url, {"file": csv_file()})
    assert response.status_code == (302 if expected == 200 else expected)
    patent.refresh_from_db()
    assert (patent.title == "改名") == (expected == 200)


def test_the_agency_loses_the_portfolio_without_an_active_engagement(client, personas, patent):
    client.force_login(personas.agency_consultant)

    assert client.get(portfolio_url(personas)).status_code == 404


def test_anonymous_is_sent_to_log_in(client, personas, patent):
    for url in (
        portfolio_url(personas),
        reverse("frontend:portfolio-asset", args=[personas.firm.pk, patent.pk]),
        reverse("frontend:portfolio-asset-new", args=[personas.firm.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("frontend:login"))


def test_an_asset_of_another_firm_is_not_found_under_this_firm(client, personas, patent):
    client.force_login(personas.officer)

    url = reverse("frontend:portfolio-asset", args=[personas.other_firm.pk, patent.pk])

    assert client.get(url).status_code == 404


def test_navigation_and_engagement_lead_to_the_portfolio(client, personas, engagement):
    client.force_login(personas.firm_member)
    home = client.get(reverse("frontend:firm-home"))
    assert reverse("frontend:portfolio-mine") in home.text
    assert client.get(reverse("frontend:portfolio-mine")).url == portfolio_url(personas)

    client.force_login(personas.agency_consultant)
    page = client.get(reverse("frontend:engagement-detail", args=[engagement.pk]))
    assert 'data-testid="portfolio-link"' in page.text
    assert portfolio_url(personas) in page.text


# --- The list ---------------------------------------------------------------------------


def test_rows_show_facts_and_the_next_open_deadline(client, personas, patent, trademark):
    client.force_login(personas.firm_member)
    following = Deadline.objects.filter(asset=patent, done_at__isnull=True).order_by("due_on")[0]

    response = client.get(portfolio_url(personas))

    assert reverse("frontend:deadline-detail", args=[following.pk]) in response.text
    assert "5, 42" in response.text
    assert response.text.count('data-testid="next-deadline"') == 2


def test_filters_and_search(client, personas, patent, trademark):
    client.force_login(personas.firm_member)
    url = portfolio_url(personas)

    def numbers_shown(**query):
        text = client.get(url, query).text
        return text.count('data-testid="asset-row"')

    assert numbers_shown(kind="trademark") == 1
    assert numbers_shown(status="pending") == 0
    assert numbers_shown(q="2009 1 0005") == 1
    assert numbers_shown(q="爱丽丝") == 1
    assert numbers_shown(kind="nonsense") == 2


def test_the_list_is_paginated(client, personas):
    for serial in range(27):
        add_patent(personas, number=patent_number(serial + 1))
    client.force_login(personas.firm_member)

    first = client.get(portfolio_url(personas))
    second = client.get(portfolio_url(personas), {"page": 2})

    assert first.text.count('data-testid="asset-row"') == 25
    assert second.text.count('data-testid="asset-row"') == 2


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant"])
def test_the_list_costs_the_same_queries_for_1_and_30_assets(
    client, personas, engagement, persona, django_assert_max_num_queries
):
    client.force_login(getattr(personas, persona))
    url = portfolio_url(personas)
    add_patent(personas, number=patent_number(1))
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for serial in range(2, 31):
        add_patent(personas, number=patent_number(serial))
    with django_assert_max_num_queries(len(one)):
        response = client.get(url, {"kind": "patent"})
    assert response.text.count('data-testid="asset-row"') == 25
    # The rows, plus the fee table (2), the next fees' rows and the five-year forecast (2).
    assert len(one) <= 13


# --- Asset page -------------------------------------------------------------------------


def test_the_asset_page_lists_its_deadlines(client, personas, engagement, patent):
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:portfolio-asset", args=[personas.firm.pk, patent.pk]))

    deadlines = Deadline.objects.filter(asset=patent)
    assert deadlines.filter(kind=Deadline.Kind.ANNUAL_FEE).exists()
    assert response.text.count('data-testid="asset-deadline"') == deadlines.count()
    for deadline in deadlines:
        assert reverse("frontend:deadline-detail", args=[deadline.pk]) in response.text
    assert 'data-testid="edit-asset"' in response.text


def test_readers_get_no_edit_button(client, personas, patent):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:portfolio-asset", args=[personas.firm.pk, patent.pk]))

    assert 'data-testid="edit-asset"' not in response.text


# --- Add and edit -----------------------------------------------------------------------


def test_the_agency_adds_a_patent(client, personas, engagement):
    client.force_login(personas.agency_consultant)

    response = client.post(
        reverse("frontend:portfolio-asset-new", args=[personas.firm.pk]), patent_post()
    )

    asset = IPAsset.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("frontend:portfolio-asset", args=[personas.firm.pk, asset.pk])
    assert (asset.number, asset.patent_type, asset.firm) == (
        "200910005164.2",
        IPAsset.PatentType.INVENTION,
        personas.firm,
    )
    assert asset.deadlines.filter(kind=Deadline.Kind.ANNUAL_FEE).exists()


def test_a_wrong_check_digit_names_the_right_one(client, personas):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-asset-new", args=[personas.firm.pk]),
        patent_post(number="200910005164.3"),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["number"] == ["The check digit 3 is wrong: the check digit should be 2."]
    assert "the check digit should be 2" in response.text
    assert not IPAsset.objects.exists()


def test_kind_specific_rules_come_back_on_their_fields(client, personas):
    client.force_login(personas.firm_member)
    url = reverse("frontend:portfolio-asset-new", args=[personas.firm.pk])

    response = client.post(
        url,
        patent_post(kind="trademark", number="12345678", nice_classes="5, 46", filing_date=""),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "46 is not a Nice class" in errors["nice_classes"][0]
    assert "registration_date" in errors
    assert not IPAsset.objects.exists()


def test_a_trademark_ignores_the_patent_fields(client, personas):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-asset-new", args=[personas.firm.pk]),
        patent_post(
            kind="trademark",
            number="0012345678",
            registration_date="2017-03-14",
            nice_classes="42；5",
        ),
    )

    assert response.status_code == 302
    asset = IPAsset.objects.get()
    assert (asset.number, asset.nice_classes, asset.filing_date) == ("12345678", [5, 42], None)
    assert asset.deadlines.filter(kind=Deadline.Kind.TRADEMARK_RENEWAL).exists()


def test_edit_keeps_the_kind_and_reports_a_bad_number(client, personas, patent):
    client.force_login(personas.firm_member)
    url = reverse("frontend:portfolio-asset-edit", args=[personas.firm.pk, patent.pk])

    bad = client.post(url, patent_post(number="200910005164.7"))
    good = client.post(url, patent_post(kind="trademark", status="lapsed"))

    assert bad.status_code == 400
    assert bad.context["form"].errors["number"] == [
        "The check digit 7 is wrong: the check digit should be 2."
    ]
    assert good.status_code == 302
    patent.refresh_from_db()
    assert (patent.kind, patent.status) == (IPAsset.Kind.PATENT, IPAsset.Status.LAPSED)


def test_a_duplicate_number_is_refused(client, personas, patent):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-asset-new", args=[personas.firm.pk]), patent_post()
    )

    assert response.status_code == 400
    assert IPAsset.objects.count() == 1


# --- Import and export ------------------------------------------------------------------


def test_a_good_csv_is_imported_with_counts(client, personas, patent):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {
            "file": csv_file(
                "patent,200910005164.2,改名,2015-10-01,2018-05-04,in_force,,",
                "trademark,12345678,爱丽丝,,,in_force,5;42,2017-03-14",
                "software_copyright,2023SR0123456,分析软件,,,in_force,,2023-02-01",
            )
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Imported: 2 new and 1 updated asset(s)." in response.text
    assert IPAsset.objects.filter(firm=personas.firm).count() == 3
    patent.refresh_from_db()
    assert patent.title == "改名"


def test_a_bad_row_imports_nothing_and_is_reported(client, personas):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {
            "file": csv_file(
                "trademark,12345678,爱丽丝,,,in_force,5;42,2017-03-14",
                "patent,200910005164.3,坏号,2015-10-01,,pending,,",
                "trademark,555,,,,in_force,99,2019-01-01",
            )
        },
    )

    assert response.status_code == 400
    assert not IPAsset.objects.exists()
    errors = {(e.row, e.column) for e in response.context["import_errors"]}
    assert errors == {(3, "number"), (4, "nice_classes")}
    assert response.text.count('data-testid="import-error"') == 2
    assert "the check digit should be 2" in response.text


def test_an_xlsx_is_imported(client, personas):
    client.force_login(personas.firm_member)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["kind", "number", "title", "filing_date", "grant_date", "status"])
    sheet.append(
        [
            "patent",
            "200910005164.2",
            "信息处理方法",
            datetime.date(2015, 10, 1),
            datetime.date(2018, 5, 4),
            "in_force",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {"file": upload("p.xlsx", buffer.getvalue(), "application/octet-stream")},
    )

    assert response.status_code == 302
    assert IPAsset.objects.get().filing_date == datetime.date(2015, 10, 1)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("portfolio.pdf", b"%PDF-1.4"),
        ("portfolio.xlsx", b"<html>not a workbook</html>"),
        ("portfolio.csv", "kind,number\n".encode("utf-16")),
    ],
)
def test_an_unreadable_file_is_refused(client, personas, name, content):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {"file": upload(name, content)},
    )

    assert response.status_code == 400
    assert response.context["import_form"].errors["file"]
    assert not IPAsset.objects.exists()


def test_export_csv_has_the_import_columns(client, personas, patent, trademark):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:portfolio-export", args=[personas.firm.pk, "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert (
        lines[0] == "kind,number,title,filing_date,grant_date,status,nice_classes,registration_date"
    )
    assert len(lines) == 3


def test_export_xlsx_opens_and_imports_back(client, personas, engagement, patent, trademark):
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:portfolio-export", args=[personas.firm.pk, "xlsx"]))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("kind", "number")
    assert {row[1] for row in rows[1:]} == {"200910005164.2", "12345678"}
    back = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {"file": upload("back.xlsx", response.content, "application/octet-stream")},
    )
    assert back.status_code == 302
    assert IPAsset.objects.count() == 2


def test_export_of_an_unknown_format_is_not_found(client, personas):
    client.force_login(personas.firm_member)

    url = reverse("frontend:portfolio-export", args=[personas.firm.pk, "pdf"])

    assert client.get(url).status_code == 404
