"""Tables as people see them on a dashboard, and the same tables as CSV and XLSX files.

A Table holds typed values (numbers stay numbers, shares stay fractions); `display`
formats them for the page in the active language. CSV carries the page's text, cell
for cell; XLSX carries the typed values with a number format, so a spreadsheet can
compute with them. Headers are the column labels in the active language.

Every export of the product is written by `write_csv` or `write_xlsx` here, and both
defuse text that a spreadsheet would run as a formula (a firm named `=HYPERLINK(…)`,
planted through public sign-up): in CSV such a cell is written with a leading
apostrophe, in XLSX it is stored as text marked "quote prefix", never as a formula.
Numbers stay numbers.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404, HttpResponse
from django.utils import dateformat, numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language

from core import formatting

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

TEXT, INT, NUMBER, MONEY, PERCENT, DATE, MONTH = (
    "text",
    "int",
    "number",
    "money",
    "percent",
    "date",
    "month",
)

_XLSX_FORMATS = {
    INT: "#,##0",
    NUMBER: "#,##0.0",
    MONEY: "#,##0.00",
    PERCENT: "0.0%",
    DATE: "yyyy-mm-dd",
    MONTH: "yyyy-mm",
}


def half_up(value, places):
    """`value` (int, float or Decimal) rounded half up to `places` decimals, as a Decimal."""
    exponent = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


# What makes a spreadsheet read a cell as a formula (OWASP's list), and the full-width
# forms an input method types for them, which Excel also evaluates.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(text):
    """`text` as a CSV cell that no spreadsheet runs: a leading apostrophe if it could."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text):
    """The text `neutralise` was given (an exported file read back for import)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = TEXT


@dataclass
class Table:
    """`rows` are dicts keyed by column key; `links` maps (row index, key) to a URL."""

    key: str
    title: object
    columns: list
    rows: list
    links: dict = field(default_factory=dict)
    caption: object = ""
    # Rows the page shows (None: all); the exports always carry every row.
    page_limit: int | None = None
    # Where the page shows every row, when it shows only the first `page_limit`.
    all_url: str = ""

    @property
    def truncated(self):
        return self.page_limit is not None and len(self.rows) > self.page_limit

    def page_rows(self):
        return self.rows[: self.page_limit] if self.truncated else self.rows

    def page_display_rows(self):
        """display_rows() of the rows the page shows."""
        return self.display_rows(limit=self.page_limit if self.truncated else None)

    def headers(self):
        return [str(column.label) for column in self.columns]

    def labelled_rows(self):
        """page_display_rows() with each cell's column label first: (label, text, url, kind),
        for the stacked cards a phone shows in place of a wide table."""
        labels = self.headers()
        return [
            [(label, *cell) for label, cell in zip(labels, row, strict=True)]
            for row in self.page_display_rows()
        ]

    def values(self):
        return [[row.get(column.key) for column in self.columns] for row in self.rows]

    def display_rows(self, limit=None):
        """Rows of (text, url or None, kind) cells, as the page shows them."""
        rows = self.rows if limit is None else self.rows[:limit]
        display_ = Display()
        return [
            [
                (
                    display_(row.get(column.key), column.kind),
                    self.links.get((n, column.key)),
                    column.kind,
                )
                for column in self.columns
            ]
            for n, row in enumerate(rows)
        ]

    def text_rows(self):
        return [[text for text, _url, _kind in row] for row in self.display_rows()]


class Display:
    """display() with the active language's formats looked up once, for a table's cells.

    django.utils.formats.number_format() and date_format() look them up on every call,
    which cost more than the rest of a table of thousands of cells; the formatting is
    theirs, given the same formats.
    """

    def __init__(self):
        lang = get_language()
        self.decimal_separator = get_format("DECIMAL_SEPARATOR", lang, use_l10n=True)
        self.grouping = get_format("NUMBER_GROUPING", lang, use_l10n=True)
        self.thousand_separator = get_format("THOUSAND_SEPARATOR", lang, use_l10n=True)
        self.formats = {
            DATE: get_format("SHORT_DATE_FORMAT"),
            MONTH: get_format("YEAR_MONTH_FORMAT"),
        }
        # A long list repeats its days: each is written once.
        self.days = {}

    def number(self, value, decimal_pos, force_grouping=False):
        # numberformat cuts the digits it does not show (10/24 would read 41.6 %): round
        # half up first, as people and spreadsheets do.
        return numberformat.format(
            half_up(value, decimal_pos),
            self.decimal_separator,
            decimal_pos,
            self.grouping,
            self.thousand_separator,
            force_grouping=force_grouping,
            use_l10n=True,
        )

    def __call__(self, value, kind):
        """A value as the page shows it; an empty cell for a figure that does not exist."""
        if value is None:
            return "–"
        if kind == INT:
            return self.number(value, 0, force_grouping=True)
        if kind == NUMBER:
            return self.number(value, 1, force_grouping=True)
        if kind == MONEY:
            digits = self.number(abs(value), 2, force_grouping=True)
            return formatting.signed(digits, negative=value < 0)
        if kind == PERCENT:
            return self.number(float(value) * 100, 1) + " %"
        if kind in self.formats:
            # The same instant in two time zones is equal, yet written differently.
            key = (kind, value, getattr(value, "tzinfo", None))
            text = self.days.get(key)
            if text is None:
                text = self.days[key] = dateformat.format(value, self.formats[kind])
            return text
        return str(value)


def display(value, kind):
    """A value as the page shows it; an empty cell for a figure that does not exist."""
    return Display()(value, kind)


def write_csv(header, rows, *, text_columns=None):
    """CSV bytes: UTF-8 with a byte order mark, which spreadsheet programs need to read
    Chinese. Text cells (all, or the indexes in `text_columns`) are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(str(label)) for label in header])
    for row in rows:
        writer.writerow(
            [
                neutralise(value)
                if isinstance(value, str) and (text_columns is None or index in text_columns)
                else value
                for index, value in enumerate(row)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_csv(table):
    """The page's text, cell for cell."""
    text_columns = {index for index, column in enumerate(table.columns) if column.kind == TEXT}
    return write_csv(table.headers(), table.text_rows(), text_columns=text_columns)


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | datetime.date) or value is None:
        return value
    return str(value) or None  # an empty text is an empty cell


def _put(sheet, row, column, value):
    cell = sheet.cell(row=row, column=column)
    cell.value = _cell(value)
    if isinstance(cell.value, str):
        # Assigning "=…" made it a formula: store it as text, and keep it text when edited.
        cell.data_type = "s"
        cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)
    return cell


def write_xlsx(title, header, rows, *, number_formats=None, widths=None):
    """XLSX bytes of one sheet: a bold header row, then `rows` of typed values.

    `number_formats` maps a column index to an Excel number format for its cells;
    `widths` maps a column index to its width in characters.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    number_formats = number_formats or {}
    workbook = Workbook()
    sheet = workbook.active
    # Sheet titles may not exceed 31 characters nor contain []:*?/\
    sheet.title = "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet1"
    for index, label in enumerate(header, start=1):
        _put(sheet, 1, index, str(label)).font = Font(bold=True)
    for row_number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            cell = _put(sheet, row_number, index, value)
            if index - 1 in number_formats:
                cell.number_format = number_formats[index - 1]
    for index, width in (widths or {}).items():
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_xlsx(table):
    """The typed values, with a number format by column kind."""
    formats = {
        index: _XLSX_FORMATS[column.kind]
        for index, column in enumerate(table.columns)
        if column.kind in _XLSX_FORMATS
    }
    widths = {
        index: max(12, min(40, len(str(column.label)) + 4))
        for index, column in enumerate(table.columns)
    }
    return write_xlsx(
        table.title, table.headers(), table.values(), number_formats=formats, widths=widths
    )


def download(body, fmt, filename):
    """A file response for an export's `body` in `fmt` ("csv" or "xlsx")."""
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_download(table, fmt, filename):
    """`table` as a CSV or XLSX download; 404 for any other format."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    body = to_csv(table) if fmt == "csv" else to_xlsx(table)
    return download(body, fmt, filename)
