"""Hybrid retrieval: the lexical matcher fused with BM25 and the sentence encoder.

Plain functions over plain data (the encoder is passed in as `encode`), no ORM.

A message in toneless pinyin is first read back into characters (chat.pinyin). Per FAQ
key, five pieces of evidence, each about 0–1:

- `lexical`: the thesaurus matcher's score (chat.matcher), which knows the domain's words;
- `bm25`: the share of the message's character-bigram and word weight that the key's
  question, alternates and answer hold (chat.bm25), which knows the user's own words;
- `wording`, `sentence`, `classifier`: the encoder's readings (chat.semantic), which know
  paraphrase, other languages and mixed ones.

The fused score is their weighted mean times 100, and a softmax over the keys (at a learned
temperature) makes it a probability that the best key is the one meant. Three questions
are then asked of the message itself, not of its ranking:

1. does it ask for a person? (chat.intent: patterns, then the encoder's closeness to
   prototypes of such wishes) → hand-off, whatever else it says;
2. is it about this programme at all? (chat.scope: the probability that the FAQ answers it,
   from its closeness to the FAQ and to off-topic prototypes) → an honest fallback if not;
3. is the best key sure enough? → the answer; else "did you mean…" with up to three keys.

The weights, the temperature, the scope model and the bands were learned on labelled
questions with cross-validation (benchmarks/bench_faq.py) and live in settings.CHAT_FUSION.

Cascade: when the lexical matcher alone is decisive (a high score, far ahead of the
runner-up), the answer is given without encoding the message; the encoder runs only
where the words alone leave doubt, or where a decisive message also names someone and a
way of reaching them (its hand-off check, question 1, needs the encoder's reading).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

from chat import bm25, intent, matcher, pinyin, scope, semantic
from chat.matcher import ANSWER, CLARIFY, FALLBACK, HANDOFF, Candidate, Result, Suggestion
from core.lazy import lazy_import

np = lazy_import("numpy")  # loaded by the first use, not at import

FEATURES = ("lexical", "bm25", "wording", "sentence", "classifier")
LEXICAL_FEATURES = ("lexical", "bm25")
ENCODER_FEATURES = ("wording", "sentence", "classifier")


@dataclass(frozen=True)
class FusionSettings:
    """Weights of the evidence, and how the fused ranking becomes answer, clarify or fallback."""

    weights: dict = field(
        default_factory=lambda: {
            "lexical": 1.0,
            "bm25": 0.3,
            "wording": 1.0,
            "sentence": 0.5,
            "classifier": 0.5,
        }
    )
    # Softmax temperature over the fused scores (0–100): lower makes the best key surer.
    temperature: float = 5.0
    # The best key's probability needed to answer directly.
    answer_probability: float = 0.6
    # Below this fused score nothing is offered, whatever the scope model says.
    clarify_score: float = 0.0
    # The scope model (chat.scope.ScopeModel as a dict); None takes every message as in scope.
    scope: dict | None = None
    # The scope probability below which the assistant says it does not know.
    scope_threshold: float = 0.5
    # The encoder's reading of a wish for a person (chat.intent.wants_person_semantic).
    consult_similarity: float = 1.1
    consult_cue_similarity: float = 1.1
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
        if self.temperature <= 0:
            raise ValueError("temperature must be positive")
        if not 0 < self.answer_probability <= 1:
            raise ValueError("answer_probability must be in (0, 1]")
        if self.scope is not None:
            scope.ScopeModel.from_dict(self.scope)

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

    @functools.cached_property
    def scope_model(self):
        # Made once per settings object (frozen), not once per message.
        return scope.ScopeModel.from_dict(self.scope) if self.scope is not None else None


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
    # Reads toneless pinyin back into characters.
    reader: pinyin.Reader | None = None
    # The encoder's vectors of the off-topic and consultation prototypes (rows).
    off_topic: np.ndarray | None = None
    consult: np.ndarray | None = None


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


def prototype_texts():
    """The prototypes the encoder reads beside the FAQ: off-topic questions, then wishes
    for a person (`build_index` takes their vectors in this order)."""
    return scope.off_topic_prototypes() + intent.consult_prototypes()


def build_index(entries, vectors=None, thesaurus=None, prototype_vectors=None):
    """Index FaqEntry items; `vectors` are those of `semantic.texts_of(entries, keys_of(...))`
    (None leaves the encoder out), `prototype_vectors` those of `prototype_texts()`."""
    entries = list(entries)
    keys = keys_of(entries)
    by_key = {}
    for entry in entries:
        by_key.setdefault(entry.key, {})[entry.language] = entry
    lexical = matcher.build_index(entries, thesaurus=thesaurus)
    off_topic = consult = None
    if prototype_vectors is not None:
        split = len(scope.off_topic_prototypes())
        prototype_vectors = np.asarray(prototype_vectors, dtype=np.float32)
        off_topic, consult = prototype_vectors[:split], prototype_vectors[split:]
    return HybridIndex(
        lexical=lexical,
        bm25=bm25.build(documents(entries)),
        semantic=semantic.build(entries, keys, vectors) if vectors is not None else None,
        keys=keys,
        entries=by_key,
        reader=pinyin.build(lexical.vocabulary.cjk_words, lexical.vocabulary.words),
        off_topic=off_topic,
        consult=consult,
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
        # Not evidence of a key: the message's own vector, for the scope check.
        found["vector"] = np.asarray(vector, dtype=np.float32)
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


def probabilities(scores, temperature):
    """The softmax of fused scores (0–100) at `temperature`."""
    if not len(scores):
        return scores
    z = (scores - scores.max()) / temperature
    p = np.exp(z)
    return p / p.sum()


def _closest(prototypes, vector):
    if prototypes is None or not len(prototypes):
        return 0.0
    return float(np.max(prototypes @ vector))


def consult_similarity(index, text, vector, encode):
    """The closest cosine of the message, or of one of its clauses, to the consultation
    prototypes; clauses are encoded only when the message names someone to reach. What asks
    how, where or when (the whole message, or a clause) is left out: a question about the
    service is not a wish for a person, however close its words come."""
    best = 0.0 if intent.asks_about(text) else _closest(index.consult, vector)
    if index.consult is not None and intent.names_person(text):
        for clause in intent.clauses(text):
            if not intent.asks_about(clause):
                best = max(best, _closest(index.consult, encode(clause)))
    return best


def decide(index, text, found, language, fusion):
    """(kind, key, score, suggestions) from the evidence of a message the encoder read."""
    scores = fuse(found, fusion.weights)
    order = np.argsort(-scores, kind="stable")
    top = float(scores[order[0]]) if len(order) else 0.0
    model = fusion.scope_model
    in_scope = True
    if model is not None:
        off_topic = _closest(index.off_topic, found["vector"])
        in_scope = model.probability(scope.readings(top, found, off_topic)) >= (
            fusion.scope_threshold
        )
    if not len(order) or top <= 0 or top < fusion.clarify_score or not in_scope:
        return FALLBACK, None, top, []
    p = probabilities(scores, fusion.temperature)
    best = index.keys[order[0]]
    if p[order[0]] >= fusion.answer_probability:
        return ANSWER, best, top, []
    suggestions = [
        Suggestion(
            index.keys[n],
            _entry(index, index.keys[n], language).question,
            round(float(scores[n]), 1),
        )
        for n in order[: fusion.max_suggestions]
        if top - scores[n] <= fusion.suggestion_window and scores[n] > 0
    ]
    return CLARIFY, best, top, suggestions


@dataclass(frozen=True)
class Plan:
    """A message read by the words alone: what `match` decides from, and whether it needs the
    encoder (`vector_wanted`). Cheap; the encoder's vector can then be made ahead, batched
    with other messages', before `match` finishes the plan."""

    text: str
    language: str
    lexical: list
    person: bool
    vector_wanted: bool
    # The words alone settle which entry (the cascade); the encoder then runs only to read a
    # wish for a person in a message that names someone and a way of reaching them.
    decisive: bool = False


def plan(
    index,
    text,
    language=None,
    *,
    encoder_on=True,
    fusion=DEFAULT_FUSION,
    lexical_settings=matcher.DEFAULT_SETTINGS,
):
    """Read a message: pinyin back into characters, the language, the lexical ranking, a
    wish for a person, and whether the encoder is needed (on, not decided by the words)."""
    text = pinyin.read(text or "", index.reader)
    language = language or intent.guess_language(text, lexical_settings.default_language)
    lexical = matcher.rank(index.lexical, text, language, lexical_settings)
    person = intent.wants_person(text)
    settled = decisive(lexical, fusion)
    wanted = (
        encoder_on
        and index.semantic is not None
        and fusion.uses_encoder
        and not person
        and (not settled or intent.names_person(text))
    )
    return Plan(text, language, lexical, person, wanted, settled)


def texts_to_encode(index, text, fusion=DEFAULT_FUSION, lexical_settings=matcher.DEFAULT_SETTINGS):
    """What `match` will ask the encoder for, so it can be encoded ahead (and in a batch):
    the message as matched, unless the words alone decide or it asks for a person."""
    read = plan(index, text, fusion=fusion, lexical_settings=lexical_settings)
    return [read.text] if read.vector_wanted else []


def match(
    index,
    text,
    language=None,
    *,
    encode=None,
    fusion=DEFAULT_FUSION,
    lexical_settings=matcher.DEFAULT_SETTINGS,
    trace=None,
    planned=None,
):
    """Match one message. `encode` (text → unit vector) is called only when needed; without
    it, or without a semantic index, the lexical matcher decides with its own bands.
    `planned` is the message's Plan when the caller made it already (same arguments).

    `trace`, a dict, receives "encoded": whether the encoder was asked, and "text": the
    message as matched (in characters when it was pinyin).
    """
    read = planned or plan(
        index,
        text,
        language,
        encoder_on=encode is not None,
        fusion=fusion,
        lexical_settings=lexical_settings,
    )
    text, language, lexical = read.text, read.language, read.lexical
    if trace is not None:
        trace.update(encoded=False, text=text)
    if read.person:
        return _handoff(lexical, lexical_settings.clarify_score, language)
    if encode is None or not read.vector_wanted:
        kind, key, score, suggestions = matcher.decide(lexical, lexical_settings)
        return Result(kind, key, round(score, 1), suggestions, language)
    if trace is not None:
        trace["encoded"] = True
    vector = encode(text)
    if intent.wants_person_semantic(
        text,
        consult_similarity(index, text, vector, encode),
        threshold=fusion.consult_similarity,
        cue_threshold=fusion.consult_cue_similarity,
    ):
        return _handoff(lexical, lexical_settings.clarify_score, language)
    if read.decisive:
        kind, key, score, suggestions = matcher.decide(lexical, lexical_settings)
        return Result(kind, key, round(score, 1), suggestions, language)
    found = evidence(index, text, lexical, vector)
    kind, key, score, suggestions = decide(index, text, found, language, fusion)
    return Result(kind, key, round(score, 1), suggestions, language)


def _handoff(lexical, clarify_score, language):
    """A hand-off, with the topic for routing when the words name one."""
    topic = lexical[0] if lexical and lexical[0].score >= clarify_score else None
    return Result(
        kind=HANDOFF,
        faq_key=topic.key if topic else None,
        score=round(topic.score, 1) if topic else 0.0,
        language=language,
    )
