"""Reading the API's problem details (RFC 9457) in tests."""

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "errors"}


def problem_of(response, status=None, code=None):
    """The problem body of an error response, after checking its media type and shape."""
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert set(body) == PROBLEM_KEYS, body
    assert body["status"] == response.status_code
    assert body["type"] == f"urn:ipcustody:problem:{body['code']}"
    if status is not None:
        assert response.status_code == status, body
    if code is not None:
        assert body["code"] == code, body
    return body


def field_errors(response):
    """{field: [messages]} of a problem ("non_field_errors" for errors about no field)."""
    found = {}
    for error in problem_of(response)["errors"]:
        found.setdefault(error["field"] or "non_field_errors", []).append(error["detail"])
    return found


def refusal(response):
    """A refused action's problem as {"detail", "code", "field"} (field: the input at fault)."""
    body = problem_of(response)
    fields = [error["field"] for error in body["errors"] if error["field"]]
    return {"detail": body["detail"], "code": body["code"], "field": fields[0] if fields else None}
