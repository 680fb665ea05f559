"""IP assets over the API: the portfolio's scope, the model's number rules, the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from custody.models import Deadline, IPAsset
from tests.custody.conftest import patent_fields
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

URL = "/api/v1/assets/"


def _body(firm, **overrides):
    fields = patent_fields(**overrides)
    return {
        "firm": firm.pk,
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in fields.items()},
    }


def test_the_custody_agency_adds_an_asset_and_its_deadlines_follow(api, personas, engagement):
    response = api(personas.agency_consultant).post(URL, _body(personas.firm), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "200910005164.2"
    assert body["patent_type"] == "invention"
    assert Deadline.objects.filter(asset_id=body["id"]).exists()


def test_a_bad_check_digit_is_refused_on_the_number(api, personas):
    body = _body(personas.firm, number="CN200910005164.3")
    response = api(personas.firm_member).post(URL, body, format="json")
    assert response.status_code == 400
    assert "number" in field_errors(response)
    assert not IPAsset.objects.exists()


def test_a_rival_agency_cannot_add_to_another_firms_portfolio(api, personas, engagement):
    response = api(personas.rival_consultant).post(URL, _body(personas.firm), format="json")
    assert response.status_code == 400  # the firm is not one it can name
    assert "firm" in field_errors(response)
    assert not IPAsset.objects.exists()


def test_managers_read_but_do_not_write(api, personas, patent):
    manager = api(personas.incubator_manager)
    assert manager.get(URL).json()["count"] == 1
    response = manager.patch(f"{URL}{patent.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403


def test_lists_are_scoped(api, personas, patent):
    assert api(personas.firm_member).get(URL).json()["count"] == 1
    assert api(personas.other_firm_member).get(URL).json()["count"] == 0
    assert api(personas.rival_consultant).get(f"{URL}{patent.pk}/").status_code == 404


def test_a_change_moves_the_deadlines(api, personas, patent):
    response = api(personas.firm_member).patch(
        f"{URL}{patent.pk}/", {"status": "lapsed", "title": "新标题"}, format="json"
    )
    assert response.status_code == 200, response.json()
    patent.refresh_from_db()
    assert (patent.status, patent.title) == ("lapsed", "新标题")


def test_the_kind_of_an_asset_stays(api, personas, patent):
    response = api(personas.firm_member).patch(
        f"{URL}{patent.pk}/", {"kind": "trademark"}, format="json"
    )
    assert response.status_code == 200
    patent.refresh_from_db()
    assert patent.kind == "patent"


def _csv(text):
    return SimpleUploadedFile("portfolio.csv", text.encode(), content_type="text/csv")


def test_import_names_every_bad_row_and_imports_nothing(api, personas):
    text = (
        "kind,number,title,filing_date,grant_date,status,nice_classes,registration_date\n"
        "patent,CN200910005164.2,A,2015-10-01,2018-05-04,in_force,,\n"
        "patent,CN200910005164.3,B,2015-10-01,,pending,,\n"
    )
    response = api(personas.firm_member).post(
        f"{URL}import/", {"firm": personas.firm.pk, "file": _csv(text)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rows_invalid"
    assert [error["field"] for error in body["errors"]] == ["rows.3.number"]
    assert not IPAsset.objects.exists()


def test_import_creates_then_updates(api, personas):
    text = (
        "kind,number,title,filing_date,grant_date,status,nice_classes,registration_date\n"
        "patent,CN200910005164.2,A,2015-10-01,2018-05-04,in_force,,\n"
    )
    client = api(personas.firm_member)
    first = client.post(
        f"{URL}import/", {"firm": personas.firm.pk, "file": _csv(text)}, format="multipart"
    )
    assert first.json() == {"created": 1, "updated": 0}
    again = client.post(
        f"{URL}import/", {"firm": personas.firm.pk, "file": _csv(text)}, format="multipart"
    )
    assert again.json() == {"created": 0, "updated": 1}


def test_an_unreadable_file_is_refused_on_the_file(api, personas):
    upload = SimpleUploadedFile("portfolio.xlsx", b"not a zip", content_type="application/zip")
    response = api(personas.firm_member).post(
        f"{URL}import/", {"firm": personas.firm.pk, "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in field_errors(response)
