"""Import and export of a firm's portfolio as CSV or XLSX.

Every row is validated before anything is written; one bad row and nothing is
imported, and the report names each bad row (as a spreadsheet numbers it, the
header being row 1), its column and the reason. Rows whose number is already
in the portfolio update that asset, so an exported file imports back as is.

A file over the limits is refused before it is parsed (custody.import_limits). A file of
more than PORTFOLIO_IMPORT_SYNC_ROWS rows is imported off the request: a PortfolioImport
row keeps the file and the progress, and the task custody.run_portfolio_import runs it
(in-process on the embedded default), with the same checks and the same all-or-nothing.
"""

import csv
import datetime
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import exports, states
from core.errors import ActionError, NotAllowed
from core.formatting import join_clauses, join_words
from core.lazy import lazy_import
from custody import actions, import_limits, numbers
from custody.import_limits import FileRefused, Limits
from custody.models import IPAsset, PortfolioImport

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


# openpyxl takes a good part of a second to import: only an import or export loads it.
openpyxl = lazy_import("openpyxl")


def unreadable():
    """What a damaged or disguised upload raises while it is read."""
    return (
        UnicodeDecodeError,
        csv.Error,
        zipfile.BadZipFile,
        openpyxl.utils.exceptions.InvalidFileException,
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


def read_rows(path, limits=None):
    """(header, data rows) from a .csv or .xlsx file; cells as the file holds them.

    Raises FileRefused, before parsing where the file declares its size, when it is over
    the limits (settings.PORTFOLIO_IMPORT_*).
    """
    path = Path(path)
    limits = limits or Limits.from_settings()
    if path.suffix.lower() == ".xlsx":
        rows = import_limits.read_xlsx(path, limits)
    elif path.suffix.lower() == ".csv":
        rows = import_limits.read_csv(path, limits)
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
        fail("kind", _("Use one of: %(kinds)s.") % {"kinds": join_words(sorted(KINDS))})
        return fields, errors
    fields["kind"] = kind
    fields["title"] = _text(cells.get("title"))[:200]
    status = _text(cells.get("status")).lower() or IPAsset.Status.PENDING
    if status not in STATUSES:
        fail("status", _("Use one of: %(statuses)s.") % {"statuses": join_words(sorted(STATUSES))})
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


def validate_rows(header, rows, progress=None):
    """Field dicts for every row, or PortfolioImportError naming every bad cell.

    `progress(checked)` is told every PROGRESS_EVERY rows (the background import's bar).
    """
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
        if progress is not None and (offset + 1) % PROGRESS_EVERY == 0:
            progress(offset + 1)
    if errors:
        raise PortfolioImportError(errors)
    return parsed


def _write(*, firm, parsed, by, today):
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


@transaction.atomic
def import_portfolio(*, firm, path, by=None, today=None):
    """Import a file into the firm's portfolio; returns (created, updated) counts."""
    header, rows = read_rows(path)
    return _write(firm=firm, parsed=validate_rows(header, rows), by=by, today=today)


@dataclass(frozen=True)
class ImportOutcome:
    """What an upload led to: the counts of an import done at once, or the queued job."""

    created: int = 0
    updated: int = 0
    job: PortfolioImport | None = None


def _rows_before_parsing(path, limits):
    """The data rows a file holds, refusing one over the limits without parsing it."""
    if path.suffix.lower() == ".xlsx":
        import_limits.check_archive(path, limits)
        import_limits.check_sheets(path, limits)
    elif path.suffix.lower() != ".csv":
        raise PortfolioImportError([RowError(0, "", _("Upload a .csv or .xlsx file."))])
    return import_limits.count_rows(path)


def import_portfolio_upload(*, firm, upload, by=None, today=None):
    """Import an uploaded file (the page's or the API's); returns an ImportOutcome.

    Raises PortfolioImportError with every bad cell, FileRefused when the file is over a limit
    (checked before it is parsed), UnreadableFile when it cannot be read. A file of more
    than PORTFOLIO_IMPORT_SYNC_ROWS rows is queued instead (the outcome's `job`).
    """
    limits = Limits.from_settings()
    import_limits.check_size(upload.size, limits)
    if by is not None and not actions.can_edit_portfolio(by, firm):
        raise NotAllowed(
            _("Only the firm or its custody agency can change this portfolio."),
            code="portfolio_not_allowed",
        )
    # read_rows takes a path and tells the format by its suffix.
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"upload{Path(upload.name or '').suffix.lower()}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            rows = _rows_before_parsing(path, limits)
        except unreadable() as error:
            raise UnreadableFile(str(error)) from error
        if rows is None or rows > settings.PORTFOLIO_IMPORT_SYNC_ROWS:
            return ImportOutcome(job=_queue(firm=firm, path=path, upload=upload, rows=rows, by=by))
        try:
            created, updated = import_portfolio(firm=firm, path=path, by=by, today=today)
        except unreadable() as error:
            raise UnreadableFile(str(error)) from error
    return ImportOutcome(created=created, updated=updated)


RUN_TASK = "custody.run_portfolio_import"
PROGRESS_EVERY = 100


def _queue(*, firm, path, upload, rows, by):
    states.check(PortfolioImport, None, PortfolioImport.Status.QUEUED)
    with transaction.atomic():
        job = PortfolioImport(
            firm=firm,
            created_by=by if by is not None and by.is_authenticated else None,
            file_name=(upload.name or path.name)[:200],
            rows_total=rows,
        )
        with path.open("rb") as handle:
            job.file.save(f"{uuid.uuid4().hex}{path.suffix}", File(handle), save=False)
        job.save()
        transaction.on_commit(lambda: run_portfolio_import.delay(job.pk))
    return job


def _fail(job_id, *, message="", errors=()):
    with transaction.atomic():
        job = PortfolioImport.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return
        job.message = message
        job.errors = [{"row": e.row, "column": e.column, "message": e.message} for e in errors]
        job.finished_at = timezone.now()
        states.transition(
            job,
            PortfolioImport.Status.FAILED,
            by=None,
            action="",
            fields=("message", "errors", "finished_at"),
            audit=False,
        )


# A file of at most PORTFOLIO_IMPORT_MAX_ROWS rows; past the soft limit the run is marked
# failed (nothing written), past the hard one the worker kills it. Defined here, beside the
# code that queues it; custody.tasks lists it for the worker.
@shared_task(name=RUN_TASK, soft_time_limit=540, time_limit=600)
def run_portfolio_import(job_id):
    return import_job_run(job_id=job_id)


def import_job_run(*, job_id, today=None):
    """Run a queued import; a run delivered again after it finished changes nothing."""
    with transaction.atomic():
        job = PortfolioImport.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job.status
        if job.status == PortfolioImport.Status.QUEUED:
            states.transition(job, PortfolioImport.Status.RUNNING, by=None, action="", audit=False)

    def progress(checked):
        PortfolioImport.objects.filter(pk=job_id).update(
            rows_checked=checked, updated_at=timezone.now()
        )

    try:
        header, rows = read_rows(Path(job.file.path))
        parsed = validate_rows(header, rows, progress=progress)
    except PortfolioImportError as error:
        _fail(
            job_id,
            message=str(_("Nothing was imported: some rows are wrong.")),
            errors=error.errors,
        )
        return PortfolioImport.Status.FAILED
    except FileRefused as error:
        _fail(job_id, message=error.message)
        return PortfolioImport.Status.FAILED
    except unreadable():
        _fail(job_id, message=str(_("The file could not be read as CSV (UTF-8) or XLSX.")))
        return PortfolioImport.Status.FAILED
    except SoftTimeLimitExceeded:
        _fail(
            job_id,
            message=str(_("The import took too long and was stopped; nothing was imported.")),
        )
        return PortfolioImport.Status.FAILED
    try:
        with transaction.atomic():
            job = PortfolioImport.objects.select_for_update().get(pk=job_id)
            if job.finished:
                return job.status
            created, updated = _write(firm=job.firm, parsed=parsed, by=job.created_by, today=today)
            job.created_count, job.updated_count = created, updated
            job.rows_checked = len(parsed)
            job.finished_at = timezone.now()
            # The assets and the move to DONE commit together: a second run finds it done.
            states.transition(
                job,
                PortfolioImport.Status.DONE,
                by=None,
                action="",
                fields=("created_count", "updated_count", "rows_checked", "finished_at"),
                audit=False,
            )
    except ValidationError as error:
        _fail(job_id, message=join_clauses(error.messages))
        return PortfolioImport.Status.FAILED
    except ActionError as error:
        _fail(job_id, message=error.message)
        return PortfolioImport.Status.FAILED
    return PortfolioImport.Status.DONE


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
