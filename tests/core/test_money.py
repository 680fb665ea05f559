from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from core import money

D = Decimal


def test_defect_13_rounding_is_half_up_as_finance_writes_it():
    # Banker's rounding would give 900.04.
    assert money.to_fen(D("1000.05") * D("0.9")) == D("900.05")
    assert money.split(D("1000.05"), share=D("0.9")) == (D("900.05"), D("100.00"))
    assert money.to_fen(D("0.125")) == D("0.13")
    assert money.to_fen(D("-0.125")) == D("-0.13")


def test_split_applies_the_cap():
    assert money.split(D("20000.00"), share=D("0.8"), copay_cap=D("3000.00")) == (
        D("17000.00"),
        D("3000.00"),
    )


@given(
    price=st.decimals(min_value=0, max_value=10**7, places=2),
    share=st.decimals(min_value=0, max_value=1, places=3),
    cap=st.none() | st.decimals(min_value=0, max_value=10**5, places=2),
)
def test_split_always_adds_up_to_the_price(price, share, cap):
    government, copay = money.split(price, share=share, copay_cap=cap)
    assert government + copay == price
    assert government >= 0
    assert copay >= 0
    if cap is not None:
        assert copay <= cap
