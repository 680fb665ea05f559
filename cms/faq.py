"""What the chat assistant reads from the FAQ, and how it learns that the FAQ changed.

Each worker process keeps its own matcher index; it compares `faq_version()`
(one integer in the shared cache) with the version it built from and rebuilds
when they differ. Publishing, editing, unpublishing, deleting and importing
entries call `bump_faq_version()`, so every process refreshes without a restart.
"""

import time

from django.core.cache import cache
from django.db import transaction

from cms.text import rich_text_to_plain

VERSION_KEY = "cms:faq-version"


def _fresh_version():
    # Nanoseconds, so a version lost with an evicted key cannot equal one a worker still holds.
    return time.time_ns()


def faq_version():
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        value = cache.get(VERSION_KEY, _fresh_version())
    return value


def _bump_now():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, _fresh_version(), timeout=None)


def bump_faq_version():
    """Tell every worker that the published FAQ changed.

    Bumped at once and again on commit: a worker that rebuilt in between, from data
    not yet committed, rebuilds once more.
    """
    _bump_now()
    transaction.on_commit(_bump_now)


def published_faq_entries():
    """Every published entry as a plain dict, ordered by key and language.

    {"key", "language", "category", "question", "alternates": [...], "answer": plain
    text, "related": [page URLs]}. Reads no request and no user: the FAQ is public.
    """
    from cms.models import FaqEntry

    entries = (
        FaqEntry.objects.filter(live=True)
        .select_related("locale")
        .prefetch_related("related_pages__page")
        .order_by("key", "locale__language_code")
    )
    return [
        {
            "key": entry.key,
            "language": entry.locale.language_code,
            "category": entry.category,
            "question": entry.question,
            "alternates": entry.alternate_list,
            "answer": rich_text_to_plain(entry.answer),
            "related": [
                url
                for url in (link.page.url for link in entry.related_pages.all() if link.page.live)
                if url
            ],
        }
        for entry in entries
    ]


def faq_entry_get(key, language):
    """The entry `key` in `language`, published or not, or None (for proposing a change to
    it: cms.actions.faq_alternate_propose checks who may)."""
    from cms.models import FaqEntry

    return FaqEntry.objects.filter(key=key, locale__language_code=language).first()


# Answers may hold placeholders ({copay_amount}, {applications_open}, …) that stand for the
# programme's live figures. The assistant owns them (chat.figures, a layer above cms), so it
# registers the filling as this Wagtail hook: a function of the answers' texts that returns
# them filled, in the same order.
FILL_ANSWERS_HOOK = "fill_faq_answers"


def fill_answers(entries):
    """Give each entry `answer_text`: its answer as a visitor reads it, figures filled in."""
    from wagtail import hooks

    entries = list(entries)
    texts = [entry.answer for entry in entries]
    for fill in hooks.get_hooks(FILL_ANSWERS_HOOK):
        texts = fill(texts)
    for entry, text in zip(entries, texts, strict=True):
        entry.answer_text = text
    return entries
