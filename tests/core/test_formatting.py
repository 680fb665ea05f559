"""Amounts and lists written one way per language (issue #18: ¥1200.00 on some pages and
¥1,200.00 on others; "; " and ", " on Chinese pages)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.exports import MONEY, display
from core.formatting import join_clauses, join_words, money


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_amount_is_grouped_with_two_decimals_in_both_languages(language):
    with translation.override(language):
        assert money(Decimal("1200")) == "¥1,200.00"
        assert money("14823.885") == "¥14,823.89"  # half up, as finance rounds
        assert money(7) == "¥7.00"
        assert money(Decimal("-1234567.5")) == "-¥1,234,567.50"


def test_a_missing_amount_is_empty_and_text_stands():
    assert money(None) == ""
    assert money("") == ""
    assert money("n/a") == "n/a"


def test_the_table_cells_write_amounts_as_the_filter_does():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value in (Decimal("1200"), Decimal("-5"), Decimal("1234567.89")):
                assert display(value, MONEY) == money(value)


def test_the_template_filter_is_the_helper():
    template = Template("{% load formatting %}{{ amount|money }} {{ reasons|join_clauses }}")
    with translation.override("zh-hans"):
        text = template.render(Context({"amount": Decimal("12000"), "reasons": ["近", "专长"]}))
    assert text == "¥12,000.00 近；专长"


def test_lists_are_joined_as_each_language_joins_them():
    with translation.override("zh-hans"):
        assert join_clauses(["距离近", "擅长专利"]) == "距离近；擅长专利"
        assert join_words(["专利", "商标", ""]) == "专利、商标"
    with translation.override("en"):
        assert join_clauses(["Close by", "Patents"]) == "Close by; Patents"
        assert join_words(["patents", "trademarks"]) == "patents, trademarks"


def test_the_joined_list_is_escaped_in_a_page():
    template = Template("{% load formatting %}{{ items|join_words }}")
    with translation.override("en"):
        assert template.render(Context({"items": ["<b>", "a"]})) == "&lt;b&gt;, a"


def test_a_loop_separates_its_items_as_the_language_does():
    template = Template(
        "{% load formatting %}{% for x in items %}{{ x }}"
        "{% if not forloop.last %}{% word_separator %}{% endif %}{% endfor %}"
    )
    with translation.override("zh-hans"):
        assert template.render(Context({"items": ["甲", "乙"]})) == "甲、乙"
    with translation.override("en"):
        assert template.render(Context({"items": ["a", "b"]})) == "a, b"
