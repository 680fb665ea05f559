import pytest

from cms.text import plain_to_rich_text, rich_text_to_plain, segment, strip_tags


def test_segment_splits_chinese_into_searchable_words():
    words = segment("专利年费滞纳期").split()

    assert "专利" in words
    assert "滞纳" in words


def test_segment_drops_punctuation_and_keeps_english_words():
    assert segment("年费？ Annual fee!", for_search=False).split() == ["年费", "Annual", "fee"]


@pytest.mark.parametrize(
    "text",
    [
        "One line.",
        "First.\n\nSecond.",
        "Line one\nline two\n\nNext < & >",
        "中文答案。\n\n第二段。",
    ],
)
def test_plain_text_survives_a_rich_text_round_trip(text):
    assert rich_text_to_plain(plain_to_rich_text(text)) == text


def test_editor_markup_becomes_readable_text():
    html = "<h3>Fees</h3><ul><li>Annual</li><li>Late</li></ul><p>See <a href='/x'>here</a>.</p>"

    assert rich_text_to_plain(html) == "Fees\n\nAnnual\nLate\nSee here."
    assert strip_tags(html) == "Fees Annual Late See here."
