import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import uscc

from marketplace.credit_codes import make_credit_code
from marketplace.validators import normalise_credit_code, validate_credit_code

# Published codes: Huawei Technologies (Shenzhen) and python-stdnum's own example.
PUBLISHED_CODES = ["914403001922038216", "91110000600037341L"]


def _error(value):
    """The error's code and its English message (the site's default language is Chinese)."""
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    error = caught.value
    with translation.override("en"):
        return error.code, str(error.messages[0])


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_codes_are_valid(code):
    # Checked independently of our validator, so a wrong fixture cannot pass silently.
    assert uscc.is_valid(code)
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("number", "region"),
    [(0, "320102"), (1, "320115"), (123_456_789, "320100"), (999_999_999, "320118")],
)
def test_generated_codes_are_valid(number, region):
    code = make_credit_code(number, region=region)
    assert len(code) == 18
    assert code.startswith(f"91{region}")
    assert uscc.is_valid(code)
    validate_credit_code(code)


def test_generated_codes_are_stable_and_distinct():
    assert make_credit_code(42) == make_credit_code(42)
    assert len({make_credit_code(n) for n in range(500)}) == 500


def test_number_too_large_for_a_code_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        make_credit_code(1_000_000_000)


def test_pasted_code_with_spaces_dashes_and_lower_case_is_accepted():
    pasted = "9 1440300-1922038216".lower()
    assert normalise_credit_code(pasted) == "914403001922038216"
    validate_credit_code(pasted)


def test_lower_case_check_letter_is_accepted():
    validate_credit_code("91110000600037341l")


@pytest.mark.parametrize("value", ["9144030019220382", "9144030019220382161", ""])
def test_wrong_length_names_18_and_the_length(value):
    code, message = _error(value)
    assert code == "credit_code_length"
    assert "18" in message
    assert str(len(value)) in message


@pytest.mark.parametrize(
    "value",
    [
        "9144030A1922038216",  # a letter among the first eight digits
        "91440300192203821I",  # I is not in the alphabet (looks like 1)
        "9144030019220382O6",  # O is not in the alphabet (looks like 0)
        "91440300192203821_",
    ],
)
def test_bad_characters_are_refused(value):
    code, message = _error(value)
    assert code == "credit_code_characters"
    assert "I, O, S, V" in message


def test_wrong_check_character_names_the_expected_one():
    value = "91320000134762153E"
    expected = uscc.calc_check_digit(value[:-1])
    assert expected != "E"
    code, message = _error(value)
    assert code == "credit_code_check"
    assert f"should be {expected}" in message
    assert "is E" in message


def test_each_wrong_check_character_of_a_valid_code_is_caught():
    valid = make_credit_code(314_159_265, region="320115")
    for wrong in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if wrong == valid[-1]:
            continue
        code, message = _error(valid[:-1] + wrong)
        assert code == "credit_code_check"
        assert f"should be {valid[-1]}" in message


# --- Issue #16 -----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["92", "93"])
def test_defect_14_individual_businesses_and_cooperatives_are_not_firms(prefix):
    from marketplace.validators import validate_firm_credit_code

    body = f"{prefix}320102000000123"
    code = body + uscc.calc_check_digit(body)
    validate_credit_code(code)  # a valid code …
    with pytest.raises(ValidationError) as caught:
        validate_firm_credit_code(code)  # … but not an enterprise's
    assert caught.value.code == "credit_code_not_enterprise"
    validate_firm_credit_code(make_credit_code(123))


@pytest.mark.django_db
def test_defect_14_a_lower_case_code_finds_the_existing_firm(personas):
    from django.forms import modelform_factory

    from marketplace.models import Firm

    form_class = modelform_factory(
        Firm,
        fields=[
            "name",
            "credit_code",
            "district",
            "incubator",
            "admitted_on",
            "industry",
            "headcount",
            "revenue_band",
        ],
    )
    existing = personas.firm.credit_code
    form = form_class(
        data={
            "name": "重复企业",
            "credit_code": existing.lower(),
            "district": personas.firm.district,
            "incubator": personas.incubator.pk,
            "admitted_on": "2025-01-01",
            "industry": personas.firm.industry,
            "headcount": 5,
            "revenue_band": personas.firm.revenue_band,
        }
    )
    assert not form.is_valid()
    assert "credit_code" in form.errors
