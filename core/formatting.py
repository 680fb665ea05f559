"""Amounts and lists as the reader's language writes them, the same on every page, e-mail,
notice and PDF (exports keep numbers as numbers and do not come here).

`money(1200)` is ¥1,200.00 in both languages: the yuan sign, the locale's grouping (three
digits, as Chinese finance writes amounts too; see core/formats) and always two decimals.
`join_clauses` joins reasons and messages (zh ；, en "; "), `join_words` joins names and
short items (zh 、, en ", ").
"""

from decimal import Decimal, InvalidOperation

from django.utils import numberformat, translation
from django.utils.formats import get_format

from core.money import to_fen

CURRENCY_SIGN = "¥"


def money(value):
    """`value` (Decimal, int or a decimal string) as an amount in yuan: ¥1,200.00, -¥5.00.

    Empty for None or "", so a missing amount shows as nothing rather than ¥None; a value that
    is not a number is returned as it is (a notice stored before amounts were data).
    """
    if value is None or value == "":
        return ""
    try:
        amount = to_fen(value if isinstance(value, Decimal | int) else str(value))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    digits = numberformat.format(
        abs(amount),
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=2,
        grouping=get_format("NUMBER_GROUPING"),
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
    return signed(digits, negative=amount < 0)


def signed(digits, *, negative):
    """Formatted digits as an amount: the minus, then the yuan sign (tables format the
    digits themselves with formats looked up once, core.exports.Display)."""
    return f"{'-' if negative else ''}{CURRENCY_SIGN}{digits}"


def _chinese():
    return (translation.get_language() or "").startswith("zh")


def join_clauses(items):
    """Reasons, error messages and other clauses in one line: 甲；乙 or "a; b"."""
    return ("；" if _chinese() else "; ").join(str(item) for item in items if item != "")


def word_separator():
    """What stands between two names or short items: 、 or ", "."""
    return "、" if _chinese() else ", "


def join_words(items):
    """Names, specialities and other short items in one line: 甲、乙 or "a, b"."""
    return word_separator().join(str(item) for item in items if item != "")
