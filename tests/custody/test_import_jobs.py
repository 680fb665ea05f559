"""Issue #14 item 3: big (but legal) imports run off the request, in a Celery task with a time
limit, idempotent, with progress the firm sees on the page (htmx) and over the API (202)."""

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from custody import portfolio_io, tasks
from custody.models import IPAsset, PortfolioImport
from custody.portfolio_io import COLUMNS

pytestmark = pytest.mark.django_db

GOOD = [
    "patent,200910005164.2,方法,2015-10-01,2018-05-04,in_force,,",
    "trademark,12345678,爱丽丝,,,in_force,9;35,2016-02-17",
    "software_copyright,2023SR0123456,系统,,,in_force,,2023-04-01",
]


@pytest.fixture(autouse=True)
def small_sync_limit(settings, tmp_path, monkeypatch):
    """Files of more than two rows go to the background; their copies to a temporary folder."""
    settings.PORTFOLIO_IMPORT_SYNC_ROWS = 2
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(PortfolioImport._meta.get_field("file"), "storage", storage)


def _csv(*rows):
    text = ",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("portfolio.csv", text.encode(), content_type="text/csv")


def test_item_03_a_big_import_runs_in_the_background_and_the_page_follows_it(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas.firm_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("frontend:portfolio-import", args=[personas.firm.pk]), {"file": _csv(*GOOD)}
        )

    job = PortfolioImport.objects.get()
    assert response.url == reverse("frontend:portfolio-import-job", args=[personas.firm.pk, job.pk])
    assert (job.status, job.rows_total, job.created_count) == ("done", 3, 3)
    assert IPAsset.objects.filter(firm=personas.firm).count() == 3
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="import-done"' in page.text
    # htmx asks for the panel alone; a finished job is no longer polled.
    panel = client.get(response.url, HTTP_HX_REQUEST="true")
    assert panel.templates[0].name == "frontend/portfolio/_import_job.html"
    assert "hx-trigger" not in panel.text


def test_item_03_a_queued_import_is_polled_with_its_progress(client, personas):
    client.force_login(personas.firm_member)
    # Without the commit callbacks the task has not run: the job waits.
    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]), {"file": _csv(*GOOD)}
    )

    panel = client.get(response.url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in panel.text
    assert 'data-status="queued"' in panel.text
    assert not IPAsset.objects.exists()


def test_item_03_background_import_reports_bad_rows_and_writes_nothing(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas.firm_member)
    bad = "patent,200910005164.3,坏号,2015-10-01,,pending,,"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("frontend:portfolio-import", args=[personas.firm.pk]),
            {"file": _csv(*GOOD[1:], bad)},
        )

    job = PortfolioImport.objects.get()
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "number")]
    assert not IPAsset.objects.exists()
    page = client.get(response.url)
    assert page.text.count('data-testid="import-error"') == 1


def test_item_03_api_answers_202_with_the_import_to_poll(
    personas, django_capture_on_commit_callbacks
):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(personas.firm_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/assets/import/",
            {"firm": personas.firm.pk, "file": _csv(*GOOD)},
            format="multipart",
        )

    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    polled = client.get(response["Location"]).json()
    assert (polled["status"], polled["created_count"], polled["percent"]) == ("done", 3, 100)
    other = APIClient()
    other.force_authenticate(personas.other_firm_member)
    assert other.get(response["Location"]).status_code == 404


def test_item_03_a_run_delivered_twice_imports_once(personas, tmp_path):
    job = portfolio_io._queue(
        firm=personas.firm,
        path=_write(tmp_path / "p.csv", *GOOD),
        upload=_csv(*GOOD),
        rows=3,
        by=personas.firm_member,
    )

    assert tasks.run_portfolio_import(job.pk) == "done"
    events = AuditEvent.objects.count()
    assert tasks.run_portfolio_import(job.pk) == "done"

    assert IPAsset.objects.count() == 3
    assert AuditEvent.objects.count() == events


def test_item_03_the_task_has_a_time_limit_and_stops_cleanly(personas, tmp_path, monkeypatch):
    assert (tasks.run_portfolio_import.soft_time_limit, tasks.run_portfolio_import.time_limit) == (
        540,
        600,
    )
    job = portfolio_io._queue(
        firm=personas.firm,
        path=_write(tmp_path / "p.csv", *GOOD),
        upload=_csv(*GOOD),
        rows=3,
        by=personas.firm_member,
    )

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(portfolio_io, "validate_rows", too_slow)

    assert tasks.run_portfolio_import(job.pk) == "failed"
    job.refresh_from_db()
    assert "too long" in job.message
    assert not IPAsset.objects.exists()


def _write(path, *rows):
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path
