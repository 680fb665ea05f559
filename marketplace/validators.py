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


# The second character of a code names the kind of body registered: with the first, "92" is an
# individual business (个体工商户) and "93" a farmers' cooperative (农民专业合作社), which are not
# enterprises and cannot join the programme (GB 32100-2015, table 2).
NOT_ENTERPRISES = {
    "92": _("an individual business (个体工商户)"),
    "93": _("a farmers' cooperative"),
}


def validate_firm_credit_code(value):
    """A firm's code: a valid code (see validate_credit_code) of an enterprise."""
    validate_credit_code(value)
    code = normalise_credit_code(value)
    if code[:2] in NOT_ENTERPRISES:
        raise ValidationError(
            _(
                "A code starting with %(prefix)s belongs to %(kind)s, not an enterprise; "
                "only enterprises can join the programme."
            ),
            code="credit_code_not_enterprise",
            params={"prefix": code[:2], "kind": NOT_ENTERPRISES[code[:2]]},
        )
