"""What an action centre item is, and the helpers the roles' lists share (reporting.action_centre).

Dates and money are formatted in the active language; an item's sentence is built by its
role's function, so that every figure and date sits inside one translated sentence.
"""

import datetime
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

# Kinds that list one item per object show this many, then one item for the rest.
SHOWN = 5


@dataclass(frozen=True)
class Item:
    """One thing to do: a sentence with its figure or date, and the button to do it."""

    kind: str
    text: str
    button: str
    url: str
    # Bootstrap tone of the item's marker: danger (late or about to be), warning, info.
    tone: str = "info"
    # Shown as a live countdown after the sentence (offers waiting for an answer).
    countdown: datetime.datetime | None = None


def day(value):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "DATE_FORMAT")


def url_to(name, *args, query=None, anchor=""):
    url = reverse(name, args=args)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


def counted(kind, count, text, *, button, url, tone="warning", **params):
    """One item about `count` things (none when there are none); `text` takes count and params."""
    if not count:
        return []
    return [Item(kind, text % {"count": count, **params}, button, url, tone)]


def each(kind, rows, make, *, rest, button, url):
    """An item per row of `rows` (a list or a queryset; the first SHOWN of them), then one
    item for those beyond: `rest(n)` is its sentence, with `button` to the list at `url`."""
    first = list(rows[: SHOWN + 1])
    items = [make(row) for row in first[:SHOWN]]
    if len(first) > SHOWN:
        more = (len(rows) if isinstance(rows, list) else rows.count()) - SHOWN
        items.append(Item(kind=f"{kind}-more", text=rest(more), button=button, url=url))
    return items
