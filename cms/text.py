"""Text helpers shared by search indexing and FAQ import/export; plain functions, no ORM."""

import html
import re

from core import segmentation

# Punctuation and symbols carry no meaning for search; they are dropped from segmented text.
_NOISE = re.compile(r"^[\W_]+$", re.UNICODE)
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)


def segment(text, *, for_search=True):
    """Space-separated words of `text`, Chinese segmented with jieba.

    Full-text engines (SQLite FTS5, PostgreSQL) split on spaces and punctuation but
    treat a run of Chinese characters as one word, so 专利申请 would never match 专利.
    Indexed text uses jieba's search mode (words and their parts); queries use the
    precise mode, whose words are all among those.
    """
    if not text:
        return ""
    cut = segmentation.cut_for_search(text) if for_search else segmentation.cut(text)
    return " ".join(word for word in (w.strip() for w in cut) if word and not _NOISE.match(word))


def plain_to_rich_text(text):
    """Paragraphs (separated by blank lines) become <p>; single line breaks become <br/>."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(
        "<p>" + "<br/>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def rich_text_to_plain(value):
    """The reverse of plain_to_rich_text for the HTML Wagtail's editor writes."""
    text = str(value or "")
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</(p|h[1-6]|blockquote)>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</li>", "\n", text, flags=re.IGNORECASE)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_tags(value):
    """Rich text as one line of plain words, for search indexes and summaries."""
    return " ".join(html.unescape(_TAG.sub("", _BLOCK_END.sub(" ", str(value or "")))).split())
