"""The published contract a generated client relies on: one schema in every language, JSON
bodies (multipart only where files travel), named enums for every state, a body for every
documented error, and paths that work with or without their trailing slash."""

import pytest

pytestmark = pytest.mark.django_db

# The operations that receive files, and only those, take multipart bodies.
MULTIPART = {
    "v1_assets_import_create",
    "v1_deadlines_done_create",
    "v1_service_records_create",
    "v1_service_records_correct_create",
}


OPEN_SETS = {"AuditEvent", "Notification"}


def _schema(client, **headers):
    response = client.get("/api/schema/", {"format": "json"}, **headers)
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield path, method, operation


def test_the_schema_is_the_same_in_every_language(client):
    english = _schema(client, HTTP_ACCEPT_LANGUAGE="en")
    chinese = _schema(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    asked = client.get("/api/schema/", {"format": "json", "lang": "zh-hans"}).json()
    assert chinese == english
    assert asked == english
    assert english["paths"]["/api/v1/offers/"]["get"]["summary"].startswith("Offers")


def test_request_bodies_are_json_and_multipart_only_for_files(client):
    schema = _schema(client)
    wrong = []
    for path, method, operation in _operations(schema):
        body = operation.get("requestBody")
        if body is None:
            continue
        types = set(body["content"])
        want = (
            {"multipart/form-data"}
            if operation["operationId"] in MULTIPART
            else {"application/json"}
        )
        if types != want:
            wrong.append(f"{method.upper()} {path}: {sorted(types)}")
    assert not wrong, "\n".join(wrong)


def test_every_status_is_a_named_enum(client):
    components = _schema(client)["components"]["schemas"]
    loose = []
    for name, component in components.items():
        for field in ("status", "source", "kind", "state"):
            spec = component.get("properties", {}).get(field)
            if spec is None:
                continue
            named = "$ref" in spec or any("$ref" in part for part in spec.get("allOf", []))
            named = named or "enum" in spec
            # An audit event's states and a notice's kind are open sets each app adds to.
            if not named and spec.get("type") == "string" and name not in OPEN_SETS:
                loose.append(f"{name}.{field}")
    assert not loose, f"free strings where a state is meant: {loose}"


def test_engagement_status_names_every_state_the_code_returns(client):
    enum = _schema(client)["components"]["schemas"]["EngagementStatusEnum"]["enum"]
    assert "awaiting_payment" in enum


def test_every_documented_error_has_a_body(client):
    missing = []
    for path, method, operation in _operations(_schema(client)):
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")) and not response.get("content"):
                missing.append(f"{method.upper()} {path} {code}")
    assert not missing, "\n".join(missing)


def test_a_path_without_its_trailing_slash_is_served(api, personas):
    client = api(personas.firm_member)
    assert client.get("/api/v1/offers").status_code == 200
    response = client.post("/api/v1/custody-requests", {}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert api(personas.officer).post("/api/v1/no-such-thing", {}).status_code == 404
