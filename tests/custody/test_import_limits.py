"""Issue #14 item 3: a portfolio import cannot be a decompression or CPU bomb.

The archive's declared sizes, the sheet's declared dimension and its row tags are checked
before openpyxl parses anything; rows are read in read-only mode and never past the caps.
"""

import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from benchmarks.bench_import import xlsx_bomb
from custody import import_limits
from custody.models import IPAsset
from custody.portfolio_io import COLUMNS, import_portfolio, read_rows
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

API = "/api/v1/assets/import/"
PATENT = ["patent", "200910005164.2", "方法", "2015-10-01", "2018-05-04", "in_force", "", ""]


def _xlsx(rows, header=COLUMNS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=user)
    return client


def _upload(name, body):
    return SimpleUploadedFile(name, body, content_type="application/octet-stream")


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if openpyxl is asked to open the workbook at all."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(import_limits.openpyxl, "load_workbook", refuse)


def test_item_03_million_cell_bomb_is_refused_in_under_a_second(personas, no_parsing):
    bomb = xlsx_bomb()  # 125,000 rows × 8 columns, about 60 KB compressed
    assert len(bomb) < 200 * 1024

    client = _api(personas.firm_member)
    # Warm the process (URL resolver, API modules) so the timing is the refusal's own.
    client.post(API, {"firm": personas.firm.pk, "file": _upload("x.xlsx", b"")}, format="multipart")

    started = time.perf_counter()
    response = client.post(
        API, {"firm": personas.firm.pk, "file": _upload("bomb.xlsx", bomb)}, format="multipart"
    )
    elapsed = time.perf_counter() - started

    assert response.status_code == 400
    assert "zip bomb" in field_errors(response)["file"][0]
    assert elapsed < 1.0
    assert not IPAsset.objects.exists()


def test_item_03_bomb_is_refused_on_the_page_in_chinese(client, personas, no_parsing):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {"file": _upload("bomb.xlsx", xlsx_bomb())},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 400
    assert "压缩" in response.context["import_form"].errors["file"][0]
    assert not IPAsset.objects.exists()


def test_item_03_unpacked_size_is_read_from_the_archive(tmp_path, settings, no_parsing):
    settings.PORTFOLIO_IMPORT_MAX_UNCOMPRESSED_BYTES = 1_000_000
    path = tmp_path / "big.xlsx"
    # Random numbers: compresses like a real sheet, but unpacks to more than the limit.
    path.write_bytes(xlsx_bomb(rows=20_000, incompressible=True))

    with pytest.raises(import_limits.FileRefused, match="Unpacked"):
        read_rows(path)


def test_item_03_rows_past_the_cap_are_refused_whatever_the_sheet_declares(
    tmp_path, settings, no_parsing
):
    settings.PORTFOLIO_IMPORT_MAX_ROWS = 100
    path = tmp_path / "lying.xlsx"
    path.write_bytes(xlsx_bomb(rows=500, incompressible=True, dimension="A1:H2"))

    with pytest.raises(import_limits.FileRefused, match="more than 100 rows"):
        read_rows(path)


def test_item_03_cells_past_the_cap_are_refused_in_wide_rows(tmp_path, settings, no_parsing):
    settings.PORTFOLIO_IMPORT_MAX_ROWS = 100
    path = tmp_path / "wide.xlsx"
    # Few rows, each far wider than the import reads, with no dimension declared.
    path.write_bytes(xlsx_bomb(rows=50, columns=1000, incompressible=True))

    with pytest.raises(import_limits.FileRefused, match="cells"):
        read_rows(path)


def test_item_03_a_declared_dimension_over_the_caps_is_refused(tmp_path, settings):
    settings.PORTFOLIO_IMPORT_MAX_ROWS = 3
    path = tmp_path / "p.xlsx"
    path.write_bytes(_xlsx([PATENT] * 4))

    with pytest.raises(import_limits.FileRefused, match="more than 3 rows"):
        read_rows(path)

    path.write_bytes(_xlsx([PATENT], header=[*COLUMNS, *[f"x{n}" for n in range(40)]]))
    with pytest.raises(import_limits.FileRefused, match="more than 30 columns"):
        read_rows(path)


def test_item_03_a_file_at_the_caps_imports(personas, tmp_path, settings):
    settings.PORTFOLIO_IMPORT_MAX_ROWS = 1
    path = tmp_path / "p.xlsx"
    path.write_bytes(_xlsx([PATENT]))

    assert import_portfolio(firm=personas.firm, path=path) == (1, 0)


def test_item_03_csv_rows_and_columns_are_capped(tmp_path, settings):
    settings.PORTFOLIO_IMPORT_MAX_ROWS = 2
    path = tmp_path / "p.csv"
    path.write_text(",".join(COLUMNS) + "\n" + (",".join(PATENT) + "\n") * 3, encoding="utf-8")
    with pytest.raises(import_limits.FileRefused, match="more than 2 rows"):
        read_rows(path)

    path.write_text(",".join(["x"] * 31) + "\n", encoding="utf-8")
    with pytest.raises(import_limits.FileRefused, match="more than 30 columns"):
        read_rows(path)


def test_item_03_the_api_refuses_a_file_over_the_upload_limit(personas, settings):
    settings.PORTFOLIO_IMPORT_MAX_BYTES = 1000
    body = (",".join(COLUMNS) + "\n" + (",".join(PATENT) + "\n") * 30).encode()

    response = _api(personas.firm_member).post(
        API, {"firm": personas.firm.pk, "file": _upload("p.csv", body)}, format="multipart"
    )

    assert response.status_code == 400
    assert "larger than" in field_errors(response)["file"][0]
    assert not IPAsset.objects.exists()
