import pytest
from django.core.exceptions import ValidationError

from core.errors import ActionError, InvalidTransition
from frontend.filter_forms import FirmFilterForm
from frontend.forms import FirmSignupForm
from marketplace.models import Firm

pytestmark = pytest.mark.django_db


def test_action_error_lands_on_the_field_it_names():
    form = FirmSignupForm(data={})
    form.is_valid()

    form.add_action_error(ActionError("Taken meanwhile", field="username"))
    form.add_action_error(InvalidTransition("Try again later", field="no_such_field"))

    assert "Taken meanwhile" in form.errors["username"]
    assert "Try again later" in form.non_field_errors()
    assert "is-invalid" in form.fields["username"].widget.attrs["class"]


def test_validation_errors_keep_their_parameters():
    form = FirmSignupForm(data={})
    form.is_valid()

    form.add_action_error(ValidationError("%(n)d rows", params={"n": 3}))
    form.add_action_error(ValidationError({"__all__": ["Whole form"], "email": ["Bad address"]}))

    assert form.non_field_errors() == ["3 rows", "Whole form"]
    assert "Bad address" in form.errors["email"]


def test_filters_ignore_values_they_do_not_know(personas):
    filters = FirmFilterForm({"verification": "bogus"}, user=personas.officer)

    firms = filters.filter(Firm.objects.all())

    assert firms.count() == 2
    assert not filters.is_filtered
