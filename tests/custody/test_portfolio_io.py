import csv
import datetime

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from custody.models import Deadline, IPAsset
from custody.portfolio_io import (
    COLUMNS,
    PortfolioImportError,
    export_portfolio,
    import_portfolio,
)
from tests.custody.conftest import TODAY

pytestmark = pytest.mark.django_db

GOOD = [
    [
        "patent",
        "ZL 2009 1 0005164.2",
        "信息处理方法",
        "2015-10-01",
        "2018-05-04",
        "in_force",
        "",
        "",
    ],
    ["trademark", "12345678", "爱丽丝", "", "", "in_force", "9; 35", "2016-02-17"],
    ["software_copyright", "2023SR0123456", "管理系统", "", "", "in_force", "", "2023-04-01"],
]


def write_csv(path, rows, header=COLUMNS):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def portfolio(firm):
    return sorted(
        IPAsset.objects.filter(firm=firm).values_list(
            "kind",
            "number",
            "title",
            "status",
            "filing_date",
            "grant_date",
            "registration_date",
            "nice_classes",
        )
    )


def test_a_good_csv_imports_every_asset_with_deadlines(personas, tmp_path):
    path = write_csv(tmp_path / "p.csv", GOOD)
    assert import_portfolio(firm=personas.firm, path=path, today=TODAY) == (3, 0)
    assert portfolio(personas.firm)[0][:2] == ("patent", "200910005164.2")
    assert Deadline.objects.filter(firm=personas.firm).count() == 4  # 2 fees, expiry, renewal
    assert AuditEvent.objects.filter(action="asset.created", firm=personas.firm).count() == 3


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(personas, tmp_path):
    rows = [
        GOOD[0],
        ["patent", "200910005164.5", "", "2015-10-01", "", "pending", "", ""],
        ["trademark", "12345678", "", "", "", "in_force", "46", ""],
        ["design", "1", "", "", "", "", "", ""],
        ["patent", "2009100051642", "", "01.10.2015", "", "pending", "", ""],
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(PortfolioImportError) as caught:
        import_portfolio(firm=personas.firm, path=path)
    found = [(e.row, e.column) for e in caught.value.errors]
    assert found == [
        (3, "number"),
        (4, "nice_classes"),
        (4, "registration_date"),
        (5, "kind"),
        (6, "filing_date"),
    ]
    assert "the check digit should be 2" in caught.value.errors[0].message
    assert str(caught.value.errors[0]).startswith("row 3, column number:")
    assert not IPAsset.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="asset.").exists()


def test_the_same_number_twice_in_a_file_is_refused(personas, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [GOOD[0], GOOD[0]])
    with pytest.raises(PortfolioImportError) as caught:
        import_portfolio(firm=personas.firm, path=path)
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, "number")
    assert "row 2" in error.message


def test_a_header_without_the_number_is_refused(personas, tmp_path):
    path = write_csv(tmp_path / "h.csv", [["patent"]], header=["kind"])
    with pytest.raises(PortfolioImportError) as caught:
        import_portfolio(firm=personas.firm, path=path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "number")]


def test_a_late_failure_rolls_back_every_row(personas, tmp_path, monkeypatch):
    from custody import actions

    original = actions.asset_create
    calls = []

    def fail_on_third(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(actions, "asset_create", fail_on_third)
    with pytest.raises(RuntimeError):
        import_portfolio(firm=personas.firm, path=write_csv(tmp_path / "p.csv", GOOD))
    assert not IPAsset.objects.exists()


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_then_import_round_trips(personas, tmp_path, suffix):
    import_portfolio(firm=personas.firm, path=write_csv(tmp_path / "in.csv", GOOD), today=TODAY)
    before = portfolio(personas.firm)
    exported = tmp_path / f"out.{suffix}"
    assert export_portfolio(firm=personas.firm, path=exported) == 3
    # Back into the same firm: every row updates its asset and changes nothing.
    assert import_portfolio(firm=personas.firm, path=exported, today=TODAY) == (0, 3)
    assert portfolio(personas.firm) == before
    assert not AuditEvent.objects.filter(action="asset.updated").exists()
    # Into another firm: the same portfolio.
    assert import_portfolio(firm=personas.other_firm, path=exported, today=TODAY) == (3, 0)
    assert portfolio(personas.other_firm) == before


def test_xlsx_with_real_dates_and_numeric_cells_imports(personas, tmp_path):
    rows = [
        ["trademark", 12345678, "", None, None, "in_force", 9, datetime.datetime(2016, 2, 17)],
        ["patent", "200910005164.2", "", datetime.date(2015, 10, 1), None, "pending", None, None],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    assert import_portfolio(firm=personas.firm, path=path, today=TODAY) == (2, 0)
    mark = IPAsset.objects.get(kind="trademark")
    assert (mark.number, mark.nice_classes) == ("12345678", [9])
    assert mark.registration_date == datetime.date(2016, 2, 17)


def test_xlsx_bad_rows_name_row_and_column(personas, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx", [GOOD[0], ["patent", "200910005164.X", "", "2015-10-01"]]
    )
    with pytest.raises(PortfolioImportError) as caught:
        import_portfolio(firm=personas.firm, path=path)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "number")]
    assert not IPAsset.objects.exists()


def test_the_command_imports_by_credit_code(personas, tmp_path, capsys):
    path = write_csv(tmp_path / "p.csv", GOOD)
    call_command("import_portfolio", "--firm", personas.firm.credit_code.lower(), str(path))
    assert "Imported 3 new and 0 updated" in capsys.readouterr().out
    assert IPAsset.objects.filter(firm=personas.firm).count() == 3


def test_the_command_reports_every_bad_row_and_writes_nothing(personas, tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", [GOOD[0], ["patent", "200910005164.5"]])
    with pytest.raises(CommandError, match="Nothing imported: 2 problem"):
        call_command("import_portfolio", "--firm", personas.firm.credit_code, str(path))
    err = capsys.readouterr().err
    assert "row 3, column number" in err
    assert "the check digit should be 2" in err
    assert "row 3, column filing_date" in err
    assert not IPAsset.objects.exists()


def test_the_command_refuses_an_unknown_firm(db, tmp_path):
    with pytest.raises(CommandError, match="No firm"):
        call_command("import_portfolio", "--firm", "91320000MA1XXXXXXX", str(tmp_path / "p.csv"))
