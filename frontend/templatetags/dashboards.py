"""The body rows of a dashboard table, written in Python.

A dashboard shows a few hundred cells; through the template language each cell cost
several nodes, and rendering them took longer than computing the figures.
"""

from django import template
from django.utils.html import format_html, format_html_join

from marketplace.exports import TEXT

register = template.Library()


def _content(text, url):
    return format_html('<a href="{}">{}</a>', url, text) if url else format_html("{}", text)


def _cell(index, text, url, kind):
    if index == 0:
        return format_html('<th scope="row" class="fw-normal">{}</th>', _content(text, url))
    if kind != TEXT:
        return format_html('<td class="text-end text-nowrap">{}</td>', _content(text, url))
    return format_html("<td>{}</td>", _content(text, url))


@register.filter
def dashboard_rows(table):
    """The <tr> elements of the rows the page shows of `table` (text and links escaped)."""
    return format_html_join(
        "\n",
        "<tr>{}</tr>",
        (
            (format_html_join("", "{}", ((_cell(n, *cell),) for n, cell in enumerate(row))),)
            for row in table.page_display_rows()
        ),
    )
