"""The matcher index of this process, rebuilt when the published FAQ changes."""

import threading
from dataclasses import dataclass, field

from django.conf import settings

from chat import encoder, hybrid, matcher, pinyin, semantic
from chat.recent import Recent
from cms import faq

# Matcher verdicts kept per index: people ask the common questions again and again.
RECENT_ANSWERS = 4096


@dataclass(frozen=True)
class Loaded:
    version: object
    index: hybrid.HybridIndex
    # (key, language) → the published entry as cms.faq gives it.
    entries: dict
    settings: matcher.MatcherSettings
    fusion: hybrid.FusionSettings
    # The encoder for messages, or None when it is off (the lexical matcher then decides).
    encode: object = None
    # (text, language asked for) → the matcher's Result, for this index only: a changed FAQ
    # is a new index with an empty cache.
    answers: Recent = field(default_factory=lambda: Recent(RECENT_ANSWERS), compare=False)


_lock = threading.Lock()
_loaded = None


def _build(version):
    published = faq.published_faq_entries()
    entries = [
        matcher.FaqEntry(
            key=item["key"],
            language=item["language"],
            question=item["question"],
            alternates=tuple(item.get("alternates") or ()),
            answer_text=item.get("answer") or "",
            category=item.get("category") or "",
        )
        for item in published
    ]
    # Made here, not on the first message in pinyin, which would hold every question behind it.
    pinyin.tables(settings.CHAT_VECTOR_CACHE)
    use_encoder = settings.CHAT_ENCODER and encoder.available() and entries
    vectors = prototypes = None
    if use_encoder:
        texts = semantic.texts_of(entries, hybrid.keys_of(entries))
        vectors = encoder.vectors_for(texts, settings.CHAT_VECTOR_CACHE)
        prototypes = encoder.vectors_for(hybrid.prototype_texts(), settings.CHAT_VECTOR_CACHE)
    return Loaded(
        version=version,
        index=hybrid.build_index(entries, vectors, prototype_vectors=prototypes),
        entries={(item["key"], item["language"]): item for item in published},
        settings=matcher.MatcherSettings.from_dict(settings.CHAT_MATCHER),
        fusion=hybrid.FusionSettings.from_dict(settings.CHAT_FUSION),
        encode=encoder.encode_one if use_encoder else None,
    )


def built():
    """The index when it is built for the FAQ as published now, else None; reads the cache,
    never the database (callers that get None ask `current`, which builds it)."""
    loaded = _loaded
    if loaded is not None and loaded.version == faq.faq_version():
        return loaded
    return None


def latest():
    """The index built last in this process, whether or not the FAQ changed since (None
    before the first); reads nothing, so the event loop may look at its recent answers."""
    return _loaded


def current():
    """The index for the FAQ as published now; one cache read when nothing changed."""
    global _loaded  # noqa: PLW0603  (one index per process, swapped whole)
    version = faq.faq_version()
    loaded = _loaded
    if loaded is not None and loaded.version == version:
        return loaded
    with _lock:
        if _loaded is None or _loaded.version != version:
            _loaded = _build(version)
        return _loaded


def entry(loaded, key, language):
    """The entry for `key` in `language`, else in any language it has."""
    found = loaded.entries.get((key, language))
    if found is not None:
        return found
    for other in matcher.LANGUAGES:
        if (key, other) in loaded.entries:
            return loaded.entries[(key, other)]
    return None
