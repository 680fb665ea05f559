from django.core.exceptions import ValidationError
from rest_framework import status

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
        assert response.data == {"detail": error.message, "code": error.code, "field": error.field}


def test_django_validation_error_becomes_field_errors():
    error = ValidationError({"closes_on": ["Too early."], "__all__": ["Dates overlap."]})
    response = exception_handler(error, {})
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.data == {"closes_on": ["Too early."], "non_field_errors": ["Dates overlap."]}


def test_plain_django_validation_error_is_a_non_field_error():
    response = exception_handler(ValidationError("Something is off."), {})
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert response.data == {"non_field_errors": ["Something is off."]}


def test_other_exceptions_are_left_to_drf():
    assert exception_handler(ValueError("boom"), {}) is None
