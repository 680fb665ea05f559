"""Money arithmetic in one place: CNY to the fen, rounded 四舍五入 (half up) as finance writes it.

Python's and the database's default rounding is banker's (half to even): 1000.05 × 0.9 would
give 900.04 where a finance clerk writes 900.05. Every amount the product rounds goes through
`to_fen`, and every split of a price between the government and the firm through `split`.
"""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value):
    """`value` rounded half up to the fen (accepts Decimal, int or a decimal string)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def split(price, *, share, copay_cap=None):
    """(government, co-payment) of a price under a share and an optional co-payment cap.

    The government pays `share` of the price rounded half up to the fen, the firm the rest;
    when the firm's part would exceed the cap, the firm pays the cap and the government the rest.
    """
    price = to_fen(price)
    government = to_fen(price * Decimal(share))
    copay = price - government
    if copay_cap is not None and copay > copay_cap:
        copay = to_fen(copay_cap)
        government = price - copay
    return government, copay


def to_int_fen(value):
    """Whole fen of an amount, for exact integer comparisons."""
    return int(to_fen(value) / FEN)
