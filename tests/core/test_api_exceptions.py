from django.core.exceptions import RequestDataTooBig, ValidationError
from rest_framework import exceptions, status

from core.api.exceptions import exception_handler
from core.errors import ActionError, InvalidTransition, NotAllowed


def test_action_errors_keep_their_status_code_and_field():
    cases = [
        (ActionError("Bad input", code="bad", field="name"), status.HTTP_400_BAD_REQUEST),
        (NotAllowed("No"), status.HTTP_403_FORBIDDEN),
        (InvalidTransition("Too late", code="late"), status.HTTP_409_CONFLICT),
    ]
    for error, code in cases:
        response = exception_handler(error, {})
        assert response.status_code == code
        assert response.content_type == "application/problem+json"
        assert response.data["status"] == code
        assert response.data["code"] == error.code
        assert response.data["type"] == f"urn:ipcustody:problem:{error.code}"
        assert response.data["detail"] == error.message
        expected = [{"field": "name", "code": "bad", "detail": "Bad input"}] if error.field else []
        assert response.data["errors"] == expected


def test_django_validation_error_becomes_field_errors():
    error = ValidationError({"closes_on": ["Too early."], "__all__": ["Dates overlap."]})
    response = exception_handler(error, {})
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert {(e["field"], e["detail"]) for e in response.data["errors"]} == {
        ("closes_on", "Too early."),
        (None, "Dates overlap."),
    }


def test_plain_django_validation_error_is_a_non_field_error():
    response = exception_handler(ValidationError("Something is off."), {})
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.data["errors"] == [
        {"field": None, "code": "invalid", "detail": "Something is off."}
    ]


def test_nested_serializer_errors_get_dotted_paths():
    error = exceptions.ValidationError(
        {"items": [{}, {"quota": [exceptions.ErrorDetail("Too small.", code="min_value")]}]}
    )
    response = exception_handler(error, {})
    assert response.data["errors"] == [
        {"field": "items.1.quota", "code": "min_value", "detail": "Too small."}
    ]
    assert response.data["detail"] == "items.1.quota: Too small."


def test_an_oversized_body_is_a_413():
    response = exception_handler(RequestDataTooBig("big"), {})
    assert response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    assert response.data["code"] == "request_too_large"


def test_other_exceptions_are_left_to_drf():
    assert exception_handler(ValueError("boom"), {}) is None


def test_list_field_errors_keyed_by_index_keep_the_index():
    error = exceptions.ValidationError({"items": {0: {"quota": ["Too small."]}}})
    response = exception_handler(error, {})
    assert [e["field"] for e in response.data["errors"]] == ["items.0.quota"]
