"""Shares shown as per cent the same way on every page: rounded half up (12.5 → 13), never
truncated and never rounded to even as Python's round() and {% widthratio %} do."""

from decimal import Decimal, InvalidOperation

from django import template

from core.exports import half_up

register = template.Library()


@register.filter
def percent_of(part, whole):
    """`part` of `whole` in whole per cent, rounded half up; "" when there is no whole."""
    try:
        if not whole:
            return ""
        return half_up(Decimal(str(part)) * 100 / Decimal(str(whole)), 0)
    except (InvalidOperation, TypeError, ValueError):
        return ""
