"""Issue #14 item 12: a body larger than its route accepts is refused from its Content-Length,
before anything reads it: 413 with a clear message, on pages and on the API, under WSGI
(the test client) and ASGI (where Django would otherwise read the whole body first)."""

import asyncio

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.urls import reverse

from core.uploads import RefuseLargeBodies

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
# What a 60 MB upload declares; the test payload itself is tiny, so anything that tried to
# read the declared body would fail ("Cannot read more than the available bytes").
HUGE = str(60 * MB)


def test_item_12_evidence_upload_is_refused_on_the_page_before_reading(client, personas):
    client.force_login(personas.agency_consultant)

    response = client.post(
        reverse("frontend:service-log", args=[1]),
        {"description": "x"},
        CONTENT_LENGTH=HUGE,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 413
    assert [t.name for t in response.templates][0] == "413.html"
    text = response.content.decode().replace("\xa0", " ")
    assert "60.0 MB" in text and "30.0 MB" in text
    assert "上传" in text


def test_item_12_portfolio_import_is_refused_on_the_page_before_reading(client, personas):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:portfolio-import", args=[personas.firm.pk]),
        {"file": "x"},
        CONTENT_LENGTH=str(6 * MB),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 413
    assert "at most 5.0 MB" in response.content.decode().replace("\xa0", " ")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/service-records/",
        "/api/v1/deadlines/1/done/",
        "/api/v1/assets/import/",
        "/api/v1/assets/import",
    ],
)
def test_item_12_api_uploads_are_refused_with_413_in_the_api_format(client, personas, path):
    client.force_login(personas.firm_member)

    response = client.post(path, {"file": "x"}, CONTENT_LENGTH=HUGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert "json" in response["Content-Type"]
    assert "The upload is 60.0 MB" in response.json()["detail"].replace("\xa0", " ")


def test_item_12_any_other_route_takes_no_more_than_the_data_limit(client, personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(personas.firm_member)

    response = client.post(reverse("frontend:password-change"), {"x": "y"}, CONTENT_LENGTH=HUGE)

    assert response.status_code == 413


def test_item_12_a_body_within_the_limit_goes_through(client, personas):
    client.force_login(personas.firm_member)

    response = client.post(reverse("frontend:portfolio-import", args=[personas.firm.pk]), {})

    # The form's own answer (no file chosen), not the size refusal.
    assert response.status_code == 400


def test_item_12_upload_settings_are_explicit(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert "core.uploads.BodySizeLimitMiddleware" in settings.MIDDLEWARE


def _asgi_post(app, path, declared):
    async def run():
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"content-type", b"multipart/form-data; boundary=x"),
                (b"content-length", declared.encode()),
            ],
            "client": ("203.0.113.7", 5000),
            "server": ("testserver", 80),
        }
        communicator = ApplicationCommunicator(app, scope)
        # One small chunk and "more to come": reading the whole body would wait forever.
        await communicator.send_input(
            {"type": "http.request", "body": b"--x\r\n" * 10, "more_body": True}
        )
        start = await communicator.receive_output(timeout=10)
        await communicator.receive_output(timeout=10)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=5)
        return start

    return asyncio.run(run())


def test_item_12_asgi_never_reads_an_oversized_body():
    start = _asgi_post(RefuseLargeBodies(get_asgi_application()), "/api/v1/service-records/", HUGE)

    assert start["type"] == "http.response.start"
    assert start["status"] == 413
