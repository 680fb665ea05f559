"""How big a portfolio import may be, checked before the file is parsed.

An XLSX file is a zip archive: a few hundred kilobytes can declare a million cells and
hundreds of megabytes of XML. So the archive's own directory is read first (its members'
declared sizes, their compression ratio, how many there are), then the sheet's declared
dimension, and only then are rows parsed, in openpyxl's read-only (streaming) mode and
never past the row and column caps. A CSV file is read row by row up to the same caps.
Every refusal names the limit it hit, in the reader's language.
"""

import csv
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.lazy import lazy_import

openpyxl = lazy_import("openpyxl")  # loaded by the first XLSX read, not at start-up

# A cell's XML is a few dozen bytes; a spreadsheet's parts compress about ten to one. A
# member compressed far harder than any real sheet is a bomb, however small it is on disk.
MAX_COMPRESSION_RATIO = 100
# Below this a member may compress as hard as it likes (an empty style sheet, say).
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_MEMBERS = 200
# Opening tags of rows and cells, with or without a namespace prefix.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    uncompressed_bytes: int
    rows: int
    columns: int

    @classmethod
    def from_settings(cls):
        return cls(
            upload_bytes=settings.PORTFOLIO_IMPORT_MAX_BYTES,
            uncompressed_bytes=settings.PORTFOLIO_IMPORT_MAX_UNCOMPRESSED_BYTES,
            rows=settings.PORTFOLIO_IMPORT_MAX_ROWS,
            columns=settings.PORTFOLIO_IMPORT_MAX_COLUMNS,
        )


class FileRefused(Exception):
    """The file is over a limit; `message` says which, for the person who sent it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _too_many_rows(limits):
    return FileRefused(
        _("The file has more than %(rows)s rows; import at most %(rows)s rows at a time.")
        % {"rows": f"{limits.rows:,}"}
    )


def _too_many_columns(limits):
    return FileRefused(
        _("The file has more than %(columns)s columns; the import reads at most %(columns)s.")
        % {"columns": limits.columns}
    )


def check_size(size, limits):
    if size > limits.upload_bytes:
        raise FileRefused(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(limits.upload_bytes)}
        )


def check_archive(path, limits):
    """Refuse an XLSX archive whose declared contents are over the limits, without inflating it."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise FileRefused(
            _("The file holds more than %(count)s parts; a spreadsheet needs far fewer.")
            % {"count": MAX_MEMBERS}
        )
    total = sum(member.file_size for member in members)
    if total > limits.uncompressed_bytes:
        raise FileRefused(
            _("Unpacked, the file would take %(size)s; the import reads at most %(limit)s.")
            % {"size": filesizeformat(total), "limit": filesizeformat(limits.uncompressed_bytes)}
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise FileRefused(
                _(
                    "The file is compressed %(ratio)d to 1, more than any spreadsheet "
                    "(at most %(limit)d to 1): it is refused as a possible zip bomb."
                )
                % {"ratio": ratio, "limit": MAX_COMPRESSION_RATIO}
            )


def _count_tags(archive, member):
    """(rows, cells) the member's XML opens, read as a stream (its declared size bounds it)."""
    rows = cells = 0
    carry = b""
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            buffer = carry + chunk
            # A tag cut by the chunk's end is counted with the next chunk.
            cut = buffer.rfind(b"<")
            cut = len(buffer) if cut < 0 else cut
            rows += len(ROW_TAG.findall(buffer, 0, cut))
            cells += len(CELL_TAG.findall(buffer, 0, cut))
            carry = buffer[cut:]
    rows += len(ROW_TAG.findall(carry + b" "))
    cells += len(CELL_TAG.findall(carry + b" "))
    return rows, cells


def check_sheets(path, limits):
    """Refuse a workbook whose sheets hold more rows or cells than the import reads, whatever
    their declared dimension says (openpyxl parses a row whole, however many cells it has)."""
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                continue
            rows, cells = _count_tags(archive, member)
            if rows > limits.rows + 1:
                raise _too_many_rows(limits)
            if cells > (limits.rows + 1) * limits.columns:
                raise FileRefused(
                    _(
                        "The file holds more than %(cells)s cells; the import reads at most %(cells)s."
                    )
                    % {"cells": f"{(limits.rows + 1) * limits.columns:,}"}
                )


def read_xlsx(path, limits):
    """The first sheet's rows (values), within the limits; the archive is checked first."""
    check_archive(path, limits)
    check_sheets(path, limits)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # The sheet's declared dimension, when it has one, refuses a giant before parsing.
        if sheet.max_row is not None and sheet.max_row > limits.rows + 1:
            raise _too_many_rows(limits)
        if sheet.max_column is not None and sheet.max_column > limits.columns:
            raise _too_many_columns(limits)
        # A sheet may lie about (or omit) its dimension: stream, and stop past the caps.
        rows = []
        for row in sheet.iter_rows(
            max_row=limits.rows + 2, max_col=limits.columns, values_only=True
        ):
            rows.append(list(row))
            if len(rows) > limits.rows + 1:
                raise _too_many_rows(limits)
        return rows
    finally:
        workbook.close()


def read_csv(path, limits):
    """The rows of a UTF-8 CSV file (a byte-order mark allowed), within the limits."""
    rows = []
    # utf-8-sig: Excel writes a byte-order mark before the header.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if len(row) > limits.columns:
                raise _too_many_columns(limits)
            rows.append(row)
            if len(rows) > limits.rows + 1:
                raise _too_many_rows(limits)
    return rows


def count_rows(path):
    """Data rows the file declares (XLSX dimension) or holds (CSV lines), for choosing
    whether to import now or in the background; None when an XLSX sheet declares none."""
    if path.suffix.lower() == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            declared = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        return None if declared is None else max(declared - 1, 0)
    with path.open("rb") as handle:
        return max(sum(1 for _line in handle) - 1, 0)
