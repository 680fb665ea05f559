"""The firm lists behind the coverage figures say where each firm stands in the year and
with which agency, and download as CSV or XLSX with the same filters."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

LIST = reverse("frontend:firm-list")


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_officers_firm_list_shows_each_firms_custody_and_agency(client, personas, engagement):
    client.force_login(personas.officer)

    response = client.get(LIST)

    rows = {firm.name: firm.custody for firm in response.context["page"].object_list}
    assert rows["爱丽丝生物科技"]["agency"] == personas.agency
    assert rows["爱丽丝生物科技"]["status"] == engagement.get_status_display()
    assert rows["鲍勃软件"] is None
    body = response.content.decode()
    assert "Not applied" in body and personas.agency.display_name in body


def test_a_drill_down_exports_the_rows_it_shows_with_the_columns_it_is_about(
    client, personas, engagement, programme
):
    client.force_login(personas.officer)
    stage = {"stage": "requested", "year": programme.year}

    page = client.get(LIST, stage)
    exported = _csv(client.get(reverse("frontend:firm-list-export", args=["csv"]), stage))

    assert [firm.name for firm in page.context["page"].object_list] == ["爱丽丝生物科技"]
    header, *rows = exported
    assert header[-2:] == [f"Custody in {programme.year}", "Agency"]
    with translation.override("en"):
        agency = personas.agency.display_name
    assert [(row[0], row[-1]) for row in rows] == [("爱丽丝生物科技", agency)]
    assert f'href="/firms/export.csv?stage=requested&amp;year={programme.year}"' in (
        page.content.decode()
    )


def test_the_manager_exports_only_their_incubators_firms_as_xlsx(client, personas, engagement):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:firm-list-export", args=["xlsx"]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["爱丽丝生物科技"]


@pytest.mark.parametrize("who", ["firm_member", "agency_consultant"])
def test_firms_and_agencies_cannot_export_the_firm_list(client, personas, who):
    client.force_login(getattr(personas, who))

    response = client.get(reverse("frontend:firm-list-export", args=["csv"]))

    assert response.status_code == 403


def test_an_unknown_format_is_not_found(client, personas):
    client.force_login(personas.officer)

    assert client.get(reverse("frontend:firm-list-export", args=["pdf"])).status_code == 404
