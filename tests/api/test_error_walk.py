"""Every route, every error it can be made to give, against the one Problem schema (issue #17).

The test reads the served schema, then for each operation provokes what it can from
outside: no credentials, an unknown id, a body of the wrong shape, a method the path does
not have and an unknown ordering field. Each error must be application/problem+json, valid
against the schema's Problem component, and (except 405, a property of the path) one of the
codes the operation documents.
"""

import json

import jsonschema
import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
PATH_VALUES = {
    "id": "999999",
    "firm_id": "999999",
    "year": "2026",
    "quarter": "1",
    "token_key": "nosuchkey",
}


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's `nullable: true` in JSON Schema terms, so jsonschema can validate."""
    if isinstance(node, dict):
        node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    return node


@pytest.fixture(scope="module")
def schema():
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _problem_validator(schema):
    document = {
        "$ref": "#/components/schemas/Problem",
        "components": _nullable_to_json_schema(schema["components"]),
    }
    return jsonschema.Draft7Validator(document)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _concrete(path):
    for name, value in PATH_VALUES.items():
        path = path.replace(f"{{{name}}}", value)
    assert "{" not in path, path
    return path


def test_every_documented_error_is_the_one_problem_body(schema):
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    wrong = [
        f"{method.upper()} {path} {code}"
        for path, method, operation in _operations(schema)
        for code, response in operation["responses"].items()
        if int(code) >= 400 and response.get("content") != problem
    ]
    assert wrong == []
    names = set(schema["components"]["schemas"])
    assert not names & {"Error", "ActionError", "Ineligible", "ImportRefused"}


def test_every_route_answers_its_errors_as_problems(schema, personas):
    validator = _problem_validator(schema)
    officer = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    officer.force_authenticate(personas.officer)
    anonymous = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    failures, checked = [], 0

    def check(label, response, documented):
        nonlocal checked
        if response.status_code < 400:
            return
        checked += 1
        where = f"{label} → {response.status_code}"
        if not response["Content-Type"].startswith("application/problem+json"):
            failures.append(f"{where}: {response['Content-Type']}")
            return
        body = json.loads(response.content)
        errors = [error.message for error in validator.iter_errors(body)]
        if errors:
            failures.append(f"{where}: {errors[:2]}")
        elif body["status"] != response.status_code:
            failures.append(f"{where}: status {body['status']} in the body")
        if documented is not None and str(response.status_code) not in documented:
            failures.append(f"{where}: not documented ({sorted(documented)})")

    for path, method, operation in _operations(schema):
        url, documented = _concrete(path), set(operation["responses"])
        call = getattr(anonymous, method)
        check(f"anonymous {method.upper()} {path}", call(url), documented)
        if "{" in path:
            check(f"unknown id {method.upper()} {path}", getattr(officer, method)(url), documented)
        if method in {"post", "put", "patch"}:
            response = getattr(officer, method)(url, [1], format="json")
            check(f"bad body {method.upper()} {path}", response, documented)
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if "ordering" in names:
            response = officer.get(url, {"ordering": "no_such_field"})
            check(f"bad ordering GET {path}", response, documented)
            if response.status_code != 400:
                failures.append(f"bad ordering GET {path}: {response.status_code}")
    for path, item in schema["paths"].items():
        missing = [method for method in METHODS if method not in item]
        if missing:
            url = _concrete(path)
            response = getattr(officer, missing[0])(url)
            check(f"wrong method {missing[0].upper()} {path}", response, None)
    assert failures == []
    assert checked > 150
