"""Build valid unified social credit codes, for demo data and test factories."""

from stdnum.cn import uscc

# Registration authority 9 (industry and commerce), type 1 (enterprise).
_PREFIX = "91"


def make_credit_code(number, *, region="320102"):
    """Return the valid credit code of enterprise `number` registered in `region`.

    The organisation part is the number zero-padded to 9 characters, so codes
    are unique per (region, number) and stable across runs.
    """
    body = f"{_PREFIX}{region}{number:09d}"
    if len(body) != 17:
        raise ValueError(f"number {number} does not fit in a credit code")
    return body + uscc.calc_check_digit(body)
