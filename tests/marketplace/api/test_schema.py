"""The OpenAPI schema and its documentation pages."""

import re

import pytest
import yaml
from django.core.management import CommandError, call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_validates(tmp_path, capsys):
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    except CommandError as error:
        # drf-spectacular prints each warning to stderr before it gives up.
        pytest.fail(f"{error}\n{capsys.readouterr().err}")
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in (
        "/api/v1/firms/{id}/verify/",
        "/api/v1/firms/{id}/reject/",
        "/api/v1/agencies/{id}/approve/",
        "/api/v1/agencies/{id}/suspend/",
        "/api/v1/programme-years/{id}/",
        "/api/v1/high-tech-parks/",
        "/api/v1/audit-events/",
        "/api/v1/me/",
        "/api/v1/auth/token/",
    ):
        assert path in paths, path
    assert schema["components"]["schemas"]["Firm"]["properties"]["verification"]["readOnly"]
    # State fields are output only; clients cannot send them.
    assert "verification" not in schema["components"]["schemas"]["FirmRequest"]["properties"]
    assert "status" not in schema["components"]["schemas"]["AgencyRequest"]["properties"]
    assert "put" not in paths["/api/v1/firms/{id}/"]


def _referenced_urls(html):
    return re.findall(r'(?:src|href)="([^"]*)"', html) + re.findall(
        r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>]*", html
    )


def test_swagger_ui_loads_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = _referenced_urls(html)
    assert urls, "the page should load its scripts and styles"
    assert all(url.startswith("/static/") for url in urls), urls
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in urls
    assert '"/api/schema/"' in html


def test_redoc_loads_its_script_locally(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    assert (
        '<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js">'
        in response.content.decode()
    )


def test_schema_endpoint_serves_openapi(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_schema_is_generated_once_per_process_and_served_alike_to_everyone(
    client, settings, monkeypatch
):
    settings.SPECTACULAR_SETTINGS = {**settings.SPECTACULAR_SETTINGS}  # forgets earlier ones
    generated = []
    generate = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        generated.append(1)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)

    first = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    again = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    as_yaml = client.get("/api/schema/")

    assert first.status_code == again.status_code == as_yaml.status_code == 200
    assert first.content == again.content
    assert yaml.safe_load(as_yaml.content) == first.json()
    assert len(generated) == 1
