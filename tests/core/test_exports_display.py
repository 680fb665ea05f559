"""Figures in tables and exports are rounded half up, never cut (issue #18: 10/24 read 41.6 %)."""

import pytest
from django.utils import translation

from core.exports import INT, MONEY, NUMBER, PERCENT, Display, half_up


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (10 / 24, PERCENT, "41.7 %"),
        (2 / 3, PERCENT, "66.7 %"),
        (0.125, PERCENT, "12.5 %"),
        (2.25, NUMBER, "2.3"),
        (0.125, MONEY, "¥0.13"),
        (1234.5, INT, "1,235"),
    ],
)
def test_display_rounds_half_up(value, kind, expected):
    with translation.override("en"):
        assert Display()(value, kind) == expected


def test_half_up_is_not_bankers_rounding():
    assert str(half_up(0.5, 0)) == "1"
    assert str(half_up(2.5, 0)) == "3"
    assert str(half_up(1000.05 * 0.9, 2)) == "900.05"
