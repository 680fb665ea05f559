"""Template filters for amounts and lists, worded per language (core.formatting)."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def money(value):
    """{{ amount|money }} → ¥1,200.00"""
    return formatting.money(value)


@register.filter
def join_clauses(items):
    """{{ reasons|join_clauses }} → 甲；乙 / a; b"""
    return formatting.join_clauses(items)


@register.simple_tag
def word_separator():
    """Between items a loop writes itself: {% if not forloop.last %}{% word_separator %}{% endif %}"""
    return formatting.word_separator()


@register.filter
def join_words(items):
    """{{ names|join_words }} → 甲、乙 / a, b"""
    return formatting.join_words(items)
