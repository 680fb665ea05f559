"""Import and export of a firm's portfolio as CSV or XLSX.

Every row is validated before anything is written; one bad row and nothing is
imported, and the report names each bad row (as a spreadsheet numbers it, the
header being row 1), its column and the reason. Rows whose number is already
in the portfolio update that asset, so an exported file imports back as is.
"""

import csv
import datetime
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from core import exports
from custody import actions, numbers
from custody.models import IPAsset

COLUMNS = (
    "kind",
    "number",
    "title",
    "filing_date",
    "grant_date",
    "status",
    "nice_classes",
    "registration_date",
)
DATE_COLUMNS = ("filing_date", "grant_date", "registration_date")
KINDS = {choice.value for choice in IPAsset.Kind}
STATUSES = {choice.value for choice in IPAsset.Status}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class PortfolioImportError(Exception):
    """The file was refused; `errors` lists every bad cell."""

    def __init__(self, errors):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


class UnreadableFile(Exception):
    """The upload is not a CSV (UTF-8) or XLSX file that can be read."""


# What a damaged or disguised upload raises while it is read.
UNREADABLE = (
    UnicodeDecodeError,
    csv.Error,
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    OSError,
)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets hand whole numbers back as floats.
        return str(int(value))
    # A cell our export defused ('=…) reads back as it was written.
    return exports.restore(str(value).strip())


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValueError(_("%(value)s is not a date like 2024-03-01.") % {"value": text}) from None


def read_rows(path):
    """(header, data rows) from a .csv or .xlsx file; cells as the file holds them."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    elif path.suffix.lower() == ".csv":
        # utf-8-sig: Excel writes a byte-order mark before the header.
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    else:
        raise PortfolioImportError([RowError(0, "", _("Upload a .csv or .xlsx file."))])
    rows = [row for row in rows if any(_text(cell) for cell in row)]
    if not rows:
        raise PortfolioImportError([RowError(1, "", _("The file is empty."))])
    return [_text(cell).lower() for cell in rows[0]], rows[1:]


def _parse_row(cells, line):
    """Field values of one row, and the errors found in it."""
    errors = []
    fields = {}

    def fail(column, message):
        errors.append(RowError(line, column, message))

    kind = cells.get("kind", "")
    kind = _text(kind).lower()
    if kind not in KINDS:
        fail("kind", _("Use one of: %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))})
        return fields, errors
    fields["kind"] = kind
    fields["title"] = _text(cells.get("title"))[:200]
    status = _text(cells.get("status")).lower() or IPAsset.Status.PENDING
    if status not in STATUSES:
        fail("status", _("Use one of: %(statuses)s.") % {"statuses": ", ".join(sorted(STATUSES))})
    fields["status"] = status
    for column in DATE_COLUMNS:
        try:
            fields[column] = _date(cells.get(column))
        except ValueError as error:
            fail(column, str(error))
    number = cells.get("number")
    try:
        if kind == IPAsset.Kind.PATENT:
            fields["number"] = str(numbers.parse_patent_number(_text(number)))
        elif kind == IPAsset.Kind.TRADEMARK:
            fields["number"] = numbers.normalise_trademark_number(_text(number))
        else:
            fields["number"] = numbers.normalise_software_number(_text(number))
    except numbers.NumberError as error:
        fail("number", error.message)
    if kind == IPAsset.Kind.TRADEMARK:
        try:
            fields["nice_classes"] = numbers.parse_nice_classes(_text(cells.get("nice_classes")))
        except numbers.NumberError as error:
            fail("nice_classes", error.message)
    else:
        fields["nice_classes"] = []
    # The model's own rules (required dates by kind, grant after filing) on an unsaved copy;
    # a column already reported above is not reported twice.
    reported = {error.column for error in errors}
    candidate = {"number": _text(number), "nice_classes": _text(cells.get("nice_classes"))}
    try:
        IPAsset(**(candidate | fields)).clean()
    except ValidationError as error:
        for column, messages in error.message_dict.items():
            if column not in reported:
                for message in messages:
                    fail(column, message)
    return fields, errors


def validate_rows(header, rows):
    """Field dicts for every row, or PortfolioImportError naming every bad cell."""
    missing = [column for column in ("kind", "number") if column not in header]
    if missing:
        raise PortfolioImportError(
            [
                RowError(1, column, _("The header needs a %(column)s column.") % {"column": column})
                for column in missing
            ]
        )
    parsed, errors, seen = [], [], {}
    for offset, row in enumerate(rows):
        line = offset + 2
        cells = {name: row[i] if i < len(row) else None for i, name in enumerate(header)}
        fields, row_errors = _parse_row(cells, line)
        number = fields.get("number")
        if not row_errors and number in seen:
            row_errors.append(
                RowError(
                    line,
                    "number",
                    _("The same number is already on row %(row)s.") % {"row": seen[number]},
                )
            )
        if number:
            seen.setdefault(number, line)
        errors.extend(row_errors)
        parsed.append(fields)
    if errors:
        raise PortfolioImportError(errors)
    return parsed


@transaction.atomic
def import_portfolio(*, firm, path, by=None, today=None):
    """Import a file into the firm's portfolio; returns (created, updated) counts."""
    header, rows = read_rows(path)
    parsed = validate_rows(header, rows)
    existing = {asset.number: asset for asset in IPAsset.objects.filter(firm=firm)}
    created = updated = 0
    for fields in parsed:
        asset = existing.get(fields["number"])
        if asset is None:
            actions.asset_create(firm=firm, by=by, fields=fields, today=today)
            created += 1
        else:
            actions.asset_update(asset=asset, by=by, changes=fields, today=today)
            updated += 1
    return created, updated


def import_portfolio_upload(*, firm, upload, by=None, today=None):
    """Import an uploaded file (the page's or the API's); returns (created, updated).

    Raises PortfolioImportError with every bad cell, UnreadableFile when the file cannot be read.
    """
    # read_rows takes a path and tells the format by its suffix.
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"upload{Path(upload.name or '').suffix.lower()}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            return import_portfolio(firm=firm, path=path, by=by, today=today)
        except UNREADABLE as error:
            raise UnreadableFile(str(error)) from error


def _export_row(asset):
    values = {
        "kind": asset.kind,
        "number": asset.number,
        "title": asset.title,
        "filing_date": asset.filing_date,
        "grant_date": asset.grant_date,
        "status": asset.status,
        "nice_classes": ";".join(str(c) for c in asset.nice_classes),
        "registration_date": asset.registration_date,
    }
    return [values[column] for column in COLUMNS]


def export_portfolio(*, firm, path):
    """Write the firm's portfolio in the import's columns, as .csv or .xlsx by the file name.

    core.exports writes both, defusing text a spreadsheet would run as a formula; the
    import reads such a cell back as it was.
    """
    path = Path(path)
    assets = IPAsset.objects.filter(firm=firm).order_by("kind", "number")
    rows = [_export_row(asset) for asset in assets]
    if path.suffix.lower() == ".xlsx":
        dates = {
            index: "yyyy-mm-dd" for index, column in enumerate(COLUMNS) if column in DATE_COLUMNS
        }
        path.write_bytes(exports.write_xlsx("portfolio", COLUMNS, rows, number_formats=dates))
    elif path.suffix.lower() == ".csv":
        rows = [
            [value.isoformat() if isinstance(value, datetime.date) else value for value in row]
            for row in rows
        ]
        path.write_bytes(exports.write_csv(COLUMNS, rows))
    else:
        raise ValueError("export to a .csv or .xlsx file")
    return len(rows)
