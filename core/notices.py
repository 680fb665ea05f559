"""Notices to whoever must act next: stored with their parameters, worded when shown.

Wording at display time lets each person read a notice in their own language. Each app
registers the wording of its own kinds (`register`, in its `notices.py`, imported when the
app is ready), so this module knows no app above it.

Dates, times and amounts are stored as data (ISO 8601, decimal strings) and formatted for
the reader when the notice is worded: a date formatted when the notice was sent would stay
in the sender's language (an offer's answer-by date in Chinese on an English page).
"""

import datetime

from django.utils import timezone, translation
from django.utils.formats import date_format

from core import formatting
from core.actions.outbox import email_enqueue
from core.models import Notification

_TEXTS = {}
_LISTENERS = []
# Parameter name -> how its stored value is shown ("date", "datetime" or "money").
_FORMATS = {}


def register(texts, *, dates=(), datetimes=(), amounts=()):
    """Add `{kind: render(params) -> str}` to the known kinds; a kind is registered once.

    `dates`, `datetimes` and `amounts` name the parameters these kinds store as data (an ISO
    date, an ISO date and time, a decimal string); they reach `render` formatted for the reader.
    """
    clash = _TEXTS.keys() & texts.keys()
    if clash:
        raise ValueError(f"notice kinds registered twice: {sorted(clash)}")
    formats = {
        **dict.fromkeys(dates, "date"),
        **dict.fromkeys(datetimes, "datetime"),
        **dict.fromkeys(amounts, "money"),
    }
    differ = {key for key, kind in formats.items() if _FORMATS.get(key, kind) != kind}
    if differ:
        raise ValueError(f"notice parameters registered as two types: {sorted(differ)}")
    _TEXTS.update(texts)
    _FORMATS.update(formats)


def listen(listener):
    """Call `listener(kind, params)` for each notice sent, inside the sender's transaction.

    The scheduled jobs announce through notices alone (an offer about to expire, a deadline
    coming due); a higher app that must hear of them (the outbound webhooks) listens here.
    """
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def registered_kinds():
    return frozenset(_TEXTS)


def named(key, obj):
    """`obj`'s name as a notice's parameter `key`, with its English name (when it has one)
    as `key_en`: a notice is worded in its reader's language, and names things in it too."""
    params = {key: obj.name}
    if getattr(obj, "name_en", ""):
        params[f"{key}_en"] = obj.name_en
    return params


def _in_language(params):
    """The parameters as the active language reads them: English takes the `_en` names."""
    if not (translation.get_language() or "").startswith("en"):
        return params
    english = {key[: -len("_en")]: value for key, value in params.items() if key.endswith("_en")}
    return {**params, **{key: value for key, value in english.items() if value and key in params}}


def _formatted(kind, value):
    """A stored date, time or amount as the active language writes it; a value that is not
    one (a notice stored when dates were sent as text) stands as it is."""
    if not isinstance(value, str | int | float):
        return value
    try:
        if kind == "date":
            return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        if kind == "datetime":
            moment = datetime.datetime.fromisoformat(value)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    except (TypeError, ValueError):
        return value
    return formatting.money(value)


def _for_reader(params):
    """The parameters worded for the active language: names, dates, times and amounts."""
    params = _in_language(params)
    return {
        key: _formatted(_FORMATS[key], value) if key in _FORMATS else value
        for key, value in params.items()
    }


def notification_text(kind, params):
    render = _TEXTS.get(kind)
    if render is None:
        return kind
    params = _for_reader(params)
    try:
        return render(params)
    except (KeyError, TypeError):
        return kind


def notify(users, *, kind, params):
    """Store a notice for each active user and queue its e-mail in the same transaction."""
    for listener in _LISTENERS:
        listener(kind, params)
    users = [user for user in users if user is not None and user.is_active]
    if not users:
        return
    notices = Notification.objects.bulk_create(
        Notification(user=user, kind=kind, params=params) for user in users
    )
    texts = {}  # by language: each person's e-mail is worded in the language they use
    for notice, user in zip(notices, users, strict=True):
        language = user.preferred_language
        if language not in texts:
            with translation.override(language):
                texts[language] = notification_text(kind, params)
        text = texts[language]
        # Keyed by the notice: a job that reruns writes no second notice, so no second e-mail.
        email_enqueue(
            recipients=[user.email], subject=text[:120], body=text, key=f"notice:{notice.pk}"
        )
