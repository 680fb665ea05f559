"""Validators for identifiers users type in, with messages that say what is wrong."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength


def normalise_credit_code(value):
    """Upper-case and strip spaces and dashes, as people paste codes from licences."""
    return uscc.compact(value or "")


def validate_credit_code(value):
    """Validate a unified social credit code (统一社会信用代码, GB 32100-2015)."""
    code = normalise_credit_code(value)
    try:
        uscc.validate(code)
    except InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="credit_code_length",
            params={"length": len(code)},
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _(
                "The first 8 characters of a unified social credit code are digits and "
                "the rest digits or capital letters other than I, O, S, V and Z."
            ),
            code="credit_code_characters",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The check character is %(given)s but should be %(expected)s; please re-check the code."
            ),
            code="credit_code_check",
            params={"given": code[-1], "expected": uscc.calc_check_digit(code[:-1])},
        ) from None
