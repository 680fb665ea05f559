"""Hybrid retrieval: the lexical matcher fused with BM25 and the sentence encoder.

Plain functions over plain data (the encoder is passed in as `encode`), no ORM.

Per FAQ key, five pieces of evidence, each about 0–1:

- `lexical`: the thesaurus matcher's score (chat.matcher), which knows the domain's words;
- `bm25`: the share of the message's character-bigram and word weight that the key's
  question, alternates and answer hold (chat.bm25), which knows the user's own words;
- `wording`, `sentence`, `classifier`: the encoder's readings (chat.semantic), which know
  paraphrase, other languages and mixed ones.

The fused score is their weighted mean times 100; the weights and the answer, clarify and
fallback bands were learned on a labelled development set with cross-validation
(benchmarks/bench_faq.py) and live in settings.CHAT_FUSION. `decide` from the matcher
turns the fused ranking into answer, clarify or fallback; a wish to talk to a person is a
hand-off whatever else the message says.

Cascade: when the lexical matcher alone is decisive (a high score, far ahead of the
runner-up), the answer is given without encoding the message; the encoder runs only
where the words alone leave doubt.
"""

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from chat import bm25, matcher, semantic
from chat.matcher import HANDOFF, Candidate, Result

FEATURES = ("lexical", "bm25", "wording", "sentence", "classifier")
LEXICAL_FEATURES = ("lexical", "bm25")
ENCODER_FEATURES = ("wording", "sentence", "classifier")


@dataclass(frozen=True)
class FusionSettings:
    """Weights of the evidence and the bands of the fused score (0–100)."""

    weights: dict = field(
        default_factory=lambda: {
            "lexical": 1.0,
            "bm25": 0.3,
            "wording": 1.0,
            "sentence": 0.5,
            "classifier": 0.5,
        }
    )
    answer_score: float = 40.0
    answer_margin: float = 8.0
    clarify_score: float = 25.0
    suggestion_window: float = 15.0
    max_suggestions: int = 3
    # The lexical matcher answers alone above this score and lead (0 turns the cascade off).
    decisive_score: float = 0.0
    decisive_margin: float = 0.0

    def __post_init__(self):
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown evidence: {', '.join(sorted(unknown))}")
        if not any(self.weights.values()):
            raise ValueError("at least one weight must be positive")
        if not 1 <= self.max_suggestions <= 3:
            raise ValueError("max_suggestions must be between 1 and 3")
        if self.clarify_score > self.answer_score:
            raise ValueError("clarify_score cannot exceed answer_score")

    @classmethod
    def from_dict(cls, values):
        """Settings from a dict such as settings.CHAT_FUSION; unknown names are an error."""
        names = {item.name for item in dataclasses.fields(cls)}
        unknown = set(values or {}) - names
        if unknown:
            raise ValueError(f"unknown fusion settings: {', '.join(sorted(unknown))}")
        return cls(**dict(values or {}))

    def as_dict(self):
        return dataclasses.asdict(self)

    @property
    def uses_encoder(self):
        return any(self.weights.get(name) for name in ENCODER_FEATURES)


DEFAULT_FUSION = FusionSettings()


@dataclass
class HybridIndex:
    """The lexical index, BM25 and (when vectors were given) the semantic index, one key order."""

    lexical: matcher.Index
    bm25: bm25.Bm25Index
    semantic: semantic.SemanticIndex | None
    keys: tuple
    # key → {language: FaqEntry}
    entries: dict


def documents(entries):
    """{key: all the text of the key's entries}, the documents BM25 indexes."""
    texts = {}
    for entry in entries:
        texts.setdefault(entry.key, []).extend(
            [entry.question, *entry.alternates, entry.answer_text]
        )
    return {key: "\n".join(parts) for key, parts in sorted(texts.items())}


def keys_of(entries):
    return tuple(sorted({entry.key for entry in entries}))


def build_index(entries, vectors=None, thesaurus=None):
    """Index FaqEntry items; `vectors` are those of `semantic.texts_of(entries, keys_of(...))`
    (None leaves the encoder out)."""
    entries = list(entries)
    keys = keys_of(entries)
    by_key = {}
    for entry in entries:
        by_key.setdefault(entry.key, {})[entry.language] = entry
    return HybridIndex(
        lexical=matcher.build_index(entries, thesaurus=thesaurus),
        bm25=bm25.build(documents(entries)),
        semantic=semantic.build(entries, keys, vectors) if vectors is not None else None,
        keys=keys,
        entries=by_key,
    )


def evidence(index, text, lexical, vector=None):
    """{feature: array over index.keys} for a message, given its lexical candidates
    (matcher.rank); the encoder's readings only with the message's vector."""
    column = {key: number for number, key in enumerate(index.keys)}
    scores = np.zeros(len(index.keys))
    for candidate in lexical:
        scores[column[candidate.key]] = candidate.score / 100
    found = {"lexical": scores, "bm25": bm25.scores(index.bm25, text)}
    if vector is not None and index.semantic is not None:
        found.update(semantic.features(index.semantic, vector))
    return found


def fuse(found, weights):
    """The fused score per key, 0–100: the weighted mean of the evidence present."""
    used = {name: weight for name, weight in weights.items() if weight and name in found}
    total = sum(used.values())
    if not total:
        return np.zeros(len(next(iter(found.values()))))
    return 100 * sum(weight * found[name] for name, weight in used.items()) / total


def _entry(index, key, language):
    languages = index.entries[key]
    return languages.get(language) or next(iter(languages.values()))


def ranked(index, scores, language):
    """Candidates by descending score, the entry in the message's language where there is one."""
    order = np.argsort(-scores, kind="stable")
    return [
        Candidate(index.keys[n], float(scores[n]), _entry(index, index.keys[n], language))
        for n in order
        if scores[n] > 0
    ]


def decisive(candidates, fusion):
    """True when the lexical ranking alone settles the answer (the cascade's first step)."""
    if not fusion.decisive_score or not candidates:
        return False
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    return (
        candidates[0].score >= fusion.decisive_score
        and candidates[0].score - runner_up >= fusion.decisive_margin
    )


def match(
    index,
    text,
    language=None,
    *,
    encode=None,
    fusion=DEFAULT_FUSION,
    lexical_settings=matcher.DEFAULT_SETTINGS,
    trace=None,
):
    """Match one message. `encode` (text → unit vector) is called only when needed; without
    it, or without a semantic index, the lexical matcher decides with its own bands.

    `trace`, a dict, receives "encoded": whether the encoder was asked.
    """
    text = text or ""
    language = language or matcher.guess_language(text, lexical_settings.default_language)
    lexical = matcher.rank(index.lexical, text, language, lexical_settings)
    use_encoder = encode is not None and index.semantic is not None and fusion.uses_encoder
    if trace is not None:
        trace["encoded"] = False
    if matcher.wants_person(text):
        topic = (
            lexical[0] if lexical and lexical[0].score >= lexical_settings.clarify_score else None
        )
        return Result(
            kind=HANDOFF,
            faq_key=topic.key if topic else None,
            score=round(topic.score, 1) if topic else 0.0,
            language=language,
        )
    if not use_encoder or decisive(lexical, fusion):
        kind, key, score, suggestions = matcher.decide(lexical, lexical_settings)
        return Result(kind, key, round(score, 1), suggestions, language)
    if trace is not None:
        trace["encoded"] = True
    found = evidence(index, text, lexical, encode(text))
    candidates = ranked(index, fuse(found, fusion.weights), language)
    kind, key, score, suggestions = matcher.decide(candidates, fusion)
    return Result(kind, key, round(score, 1), suggestions, language)
