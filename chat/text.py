"""The one check of visitor and adviser text, shared by the REST API, the WebSocket and the
actions: a frame the database or the socket could not carry is refused up front, with an
error that names the reason, and the connection stays usable."""

import re

from django.utils.translation import gettext as _

from chat.models import MAX_TEXT
from core.errors import ActionError

# NUL cannot be stored in PostgreSQL text; a lone surrogate cannot be encoded as UTF-8.
_UNCARRIABLE = re.compile("[\x00\ud800-\udfff]")


def uncarriable(value):
    """True when a string holds NUL or a lone surrogate (anywhere inside lists and dicts)."""
    if isinstance(value, str):
        return bool(_UNCARRIABLE.search(value))
    if isinstance(value, dict):
        return any(uncarriable(key) or uncarriable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(uncarriable(item) for item in value)
    return False


def invalid_characters():
    return ActionError(
        _("The text holds characters that cannot be sent (NUL or a lone surrogate)."),
        code="invalid_text",
        field="text",
    )


def clean_text(text):
    """The text stripped, or ActionError: empty, too long, or holding uncarriable characters."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ActionError(_("Write a message first."), code="empty", field="text")
    if uncarriable(text):
        raise invalid_characters()
    if len(text) > MAX_TEXT:
        raise ActionError(
            _("A message can have at most %(n)d characters.") % {"n": MAX_TEXT},
            code="too_long",
            field="text",
        )
    return text
