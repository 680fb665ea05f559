"""The FAQ matcher of the chat assistant: plain functions over plain data, no ORM.

A message is normalised (full-width, traditional characters, case, punctuation),
cut into words (jieba with an IP-domain dictionary for Chinese, stemmed tokens
for English) and mapped onto thesaurus concepts, so "牌子被人仿了" and "someone
copied our brand" both name trademark and infringement. Each FAQ entry is
indexed by its question and alternate wordings; its answer text counts too, but
less. An entry's score mixes how much of the message its best wording covers,
how much of it all its wordings together cover, how much its answer covers, and
a rapidfuzz similarity of the wording itself. The result is one of four kinds:

- answer: the best entry scores high and clearly beats the runner-up;
- clarify: "did you mean …", up to three suggestions;
- fallback: the assistant does not know, and offers a person;
- handoff: the message asks for a person (a consultation), whatever else it says.

Thresholds and weights are `MatcherSettings`; the project's values live in
settings.CHAT_MATCHER and were tuned on a labelled development set with part of
it held out (see benchmarks/bench_faq.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple

from rapidfuzz import fuzz, process

from chat.analysis import Vocabulary, analyse
from chat.intent import EN, ZH, guess_language, wants_person
from chat.normalise import has_cjk, normalise, runs, stem
from chat.thesaurus import default_thesaurus
from core.lazy import lazy_import

np = lazy_import("numpy")  # loaded by the first use, not at import

ANSWER = "answer"
CLARIFY = "clarify"
FALLBACK = "fallback"
HANDOFF = "handoff"
KINDS = (ANSWER, CLARIFY, FALLBACK, HANDOFF)

LANGUAGES = (ZH, EN)

# Feature kinds: topic concept, question-form concept, word, Chinese character bigram.
CONCEPT, FORM, WORD, BIGRAM = 0, 1, 2, 3
_KIND_OF_PREFIX = {"c": CONCEPT, "f": FORM, "w": WORD, "b": BIGRAM}

FUZZ_SCORERS = {
    "token_set_ratio": fuzz.token_set_ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "token_ratio": fuzz.token_ratio,
    "partial_token_set_ratio": fuzz.partial_token_set_ratio,
    "wratio": fuzz.WRatio,
    "ratio": fuzz.ratio,
}


@dataclass(frozen=True)
class FaqEntry:
    """A published FAQ entry in one language; `alternates` are other wordings of the question."""

    key: str
    language: str
    question: str
    alternates: tuple = ()
    answer_text: str = ""
    category: str = ""


@dataclass(frozen=True)
class MatcherSettings:
    """Thresholds (scores are 0–100) and weights; settings.CHAT_MATCHER holds the same names."""

    # An answer needs this score and this lead over the best other FAQ key.
    answer_score: float = 47.0
    answer_margin: float = 13.0
    # Below this nothing is suggested: the assistant says it does not know.
    clarify_score: float = 43.0
    # Suggestions after the first must score within this many points of it.
    suggestion_window: float = 15.0
    max_suggestions: int = 3
    # Used when a message has neither Chinese nor English in it.
    default_language: str = ZH
    # Scores against entries in the other language count this much (0 ignores them).
    cross_language_weight: float = 0.8
    # How an entry's score is made up (the parts are normalised by their sum).
    weight_wording: float = 1.0
    weight_entry: float = 0.3
    weight_answer: float = 0.5
    weight_fuzz: float = 0.15
    # Absolute evidence: how much matched at all, saturating at about `evidence_scale`.
    weight_evidence: float = 0.5
    evidence_scale: float = 6.0
    fuzz_scorer: str = "token_set_ratio"
    # 1 rewards covering the message, 0 rewards a wording that is all matched.
    coverage_balance: float = 0.4
    # Weights of the feature kinds, and of message words no entry knows.
    concept_weight: float = 1.0
    form_weight: float = 0.6
    word_weight: float = 1.0
    bigram_weight: float = 0.0
    unknown_weight: float = 0.5
    # Score factor for an entry that misses a scope concept the message names
    # (another country's office, say).
    scope_penalty: float = 0.5
    # English words no entry or thesaurus knows are mended to the nearest known one.
    spelling_cutoff: float = 80.0
    # How many entries get the (slower) fuzzy comparison.
    candidates: int = 12

    def __post_init__(self):
        if self.fuzz_scorer not in FUZZ_SCORERS:
            raise ValueError(f"fuzz_scorer must be one of {', '.join(sorted(FUZZ_SCORERS))}")
        if not 1 <= self.max_suggestions <= 3:
            raise ValueError("max_suggestions must be between 1 and 3")
        if self.clarify_score > self.answer_score:
            raise ValueError("clarify_score cannot exceed answer_score")

    @classmethod
    def from_dict(cls, values):
        """Settings from a dict such as settings.CHAT_MATCHER; unknown names are an error."""
        names = {item.name for item in dataclasses.fields(cls)}
        unknown = set(values or {}) - names
        if unknown:
            raise ValueError(f"unknown matcher settings: {', '.join(sorted(unknown))}")
        return cls(**dict(values or {}))

    def as_dict(self):
        return dataclasses.asdict(self)


DEFAULT_SETTINGS = MatcherSettings()


class Suggestion(NamedTuple):
    """A "did you mean" entry: (key, question in the message's language if there is one, score)."""

    key: str
    question: str
    score: float


@dataclass(frozen=True)
class Result:
    """What the assistant should do with a message.

    `faq_key` is the answered entry (answer), the best guess (clarify), or the
    topic of a consultation request when one stands out (handoff, for routing).
    """

    kind: str
    faq_key: str | None
    score: float
    suggestions: list = field(default_factory=list)
    language: str = ZH


# ---- index -----------------------------------------------------------------


@dataclass
class _LanguageIndex:
    language: str
    entries: list
    feature_ids: dict
    idf: np.ndarray
    kinds: np.ndarray
    unknown_idf: float
    wording_postings: list
    entry_postings: list
    answer_postings: list
    wording_entry: np.ndarray
    entry_starts: np.ndarray
    # Per wording, the summed idf of its features of each kind (rows: kinds).
    wording_mass: np.ndarray
    wording_texts: list
    entry_scope: list


@dataclass
class Index:
    """Everything `match` needs, precomputed once per published FAQ version."""

    languages: dict
    thesaurus: object
    vocabulary: Vocabulary
    size: int


def build_index(entries, thesaurus=None):
    """Index FAQ entries (any iterable of FaqEntry) per language."""
    thesaurus = thesaurus or default_thesaurus()
    by_language = {}
    for entry in entries:
        by_language.setdefault(entry.language, []).append(entry)
    english = set(thesaurus.english_words)
    chinese = {term for term in thesaurus.cjk_terms if 2 <= len(term) <= 4}
    languages = {}
    for language, group in by_language.items():
        languages[language] = _build_language(language, group, thesaurus, english, chinese)
    patterns = {}
    for word in sorted(chinese):
        for i in range(len(word)):
            patterns.setdefault(word[:i] + "?" + word[i + 1 :], []).append(word)
    vocabulary = Vocabulary(
        words=frozenset(english),
        keys=frozenset(stem(word) for word in english),
        by_initial=_by_initial(english),
        cjk_words=frozenset(chinese),
        cjk_patterns={pattern: tuple(words) for pattern, words in patterns.items()},
    )
    return Index(
        languages=languages,
        thesaurus=thesaurus,
        vocabulary=vocabulary,
        size=sum(len(group) for group in by_language.values()),
    )


def _by_initial(words):
    groups = {}
    for word in sorted(words):
        groups.setdefault(word[0], []).append(word)
    return {initial: tuple(group) for initial, group in groups.items()}


def _build_language(language, entries, thesaurus, english, chinese):
    wordings = []
    wording_entry = []
    entry_starts = []
    entry_features = []
    answer_features = []
    entry_scope = []
    for number, entry in enumerate(entries):
        entry_starts.append(len(wordings))
        union = set()
        for text in (entry.question, *entry.alternates):
            analysis = analyse(text, thesaurus)
            wordings.append(analysis)
            wording_entry.append(number)
            union |= analysis.features
            english.update(word for word in runs(normalise(text)) if word.isalpha())
        answer = analyse(entry.answer_text, thesaurus)
        english.update(word for word in runs(normalise(entry.answer_text)) if word.isalpha())
        for analysis in (*wordings[entry_starts[-1] :], answer):
            chinese.update(
                word for word in analysis.text.split() if has_cjk(word) and 2 <= len(word) <= 4
            )
        entry_features.append(union)
        answer_features.append(answer.features)
        entry_scope.append(frozenset(_scope_of(union | answer.features, thesaurus)))

    feature_ids = {}
    document_frequency = []
    for union, answer in zip(entry_features, answer_features, strict=True):
        for feature in union | answer:
            fid = feature_ids.setdefault(feature, len(feature_ids))
            if fid == len(document_frequency):
                document_frequency.append(0)
            document_frequency[fid] += 1
    total = len(entries)
    frequency = np.array(document_frequency, dtype=np.float64)
    idf = np.log1p(total / frequency) if len(frequency) else np.zeros(0)
    kinds = np.zeros(len(feature_ids), dtype=np.int8)
    for feature, fid in feature_ids.items():
        kinds[fid] = _KIND_OF_PREFIX[feature[0]]

    def postings(sets):
        lists = [[] for _ in feature_ids]
        for position, features in enumerate(sets):
            for feature in features:
                lists[feature_ids[feature]].append(position)
        return [np.array(items, dtype=np.int32) for items in lists]

    mass = np.zeros((len(_KIND_OF_PREFIX), len(wordings)))
    for position, analysis in enumerate(wordings):
        for feature in analysis.features:
            fid = feature_ids[feature]
            mass[kinds[fid], position] += idf[fid]
    return _LanguageIndex(
        language=language,
        entries=entries,
        feature_ids=feature_ids,
        idf=idf,
        kinds=kinds,
        unknown_idf=float(np.log1p(2 * total)),
        wording_postings=postings([analysis.features for analysis in wordings]),
        entry_postings=postings(entry_features),
        answer_postings=postings(answer_features),
        wording_entry=np.array(wording_entry, dtype=np.int32),
        entry_starts=np.array(entry_starts, dtype=np.int64),
        wording_mass=mass,
        wording_texts=[analysis.text for analysis in wordings],
        entry_scope=entry_scope,
    )


def _scope_of(features, thesaurus):
    return {
        feature[2:]
        for feature in features
        if feature.startswith("c:") and feature[2:] in thesaurus.scope_concepts
    }


# ---- scoring ---------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    key: str
    score: float
    entry: FaqEntry


def rank(index, text, language, settings=DEFAULT_SETTINGS):
    """FAQ keys by descending score (0–100) for a message in `language`; empty when nothing
    overlaps. Entries in other languages count too, scaled by `cross_language_weight`, so a
    key published in one language only can still be found; the message's language wins ties
    and supplies the wording shown."""
    if not index.languages:
        return []
    analysis = analyse(text, index.thesaurus, index.vocabulary, settings.spelling_cutoff)
    ranked = {}
    for part_language, part in index.languages.items():
        factor = 1.0 if part_language == language else settings.cross_language_weight
        if factor <= 0 or not part.entries:
            continue
        for key, candidate in _rank_part(part, analysis, settings).items():
            score = candidate.score * factor
            held = ranked.get(key)
            if held is None:
                ranked[key] = Candidate(key, score, candidate.entry)
            elif score > held.score:
                own = held.entry.language == language
                ranked[key] = Candidate(key, score, held.entry if own else candidate.entry)
    return sorted(ranked.values(), key=lambda candidate: (-candidate.score, candidate.key))


def _rank_part(part, analysis, settings):
    """Scores of one language's entries for an analysed message, best per key."""
    kind_weight = np.array(
        [
            settings.concept_weight,
            settings.form_weight,
            settings.word_weight,
            settings.bigram_weight,
        ]
    )
    message_mass = 0.0
    hits = []
    for feature in analysis.features:
        kind = _KIND_OF_PREFIX[feature[0]]
        if not kind_weight[kind]:
            continue
        fid = part.feature_ids.get(feature)
        if fid is None:
            if feature in analysis.explained:
                continue
            message_mass += kind_weight[kind] * settings.unknown_weight * part.unknown_idf
            continue
        weight = kind_weight[kind] * part.idf[fid]
        message_mass += weight
        hits.append((fid, weight))
    if not hits or message_mass <= 0:
        return {}

    entries = len(part.entries)
    fids = [fid for fid, _ in hits]
    weights = np.array([weight for _, weight in hits])
    on_wording = _accumulate(part.wording_postings, fids, weights, len(part.wording_entry))
    on_entry = _accumulate(part.entry_postings, fids, weights, entries)
    on_answer = _accumulate(part.answer_postings, fids, weights, entries)

    wording_mass = kind_weight @ part.wording_mass
    covers_message = on_wording / message_mass
    covers_wording = np.divide(
        on_wording, wording_mass, out=np.zeros_like(on_wording), where=wording_mass > 0
    )
    balance = settings.coverage_balance
    similarity = covers_message**balance * covers_wording ** (1 - balance)
    best_wording = np.maximum.reduceat(similarity, part.entry_starts)
    base = (
        settings.weight_wording * best_wording
        + settings.weight_entry * on_entry / message_mass
        + settings.weight_answer * on_answer / message_mass
        + settings.weight_evidence * -np.expm1(-on_entry / settings.evidence_scale)
    )
    total_weight = (
        settings.weight_wording
        + settings.weight_entry
        + settings.weight_answer
        + settings.weight_fuzz
        + settings.weight_evidence
    )

    count = min(settings.candidates, entries)
    top = np.argpartition(-base, count - 1)[:count] if count < entries else np.arange(entries)
    top = [int(number) for number in top if base[number] > 0]
    closest = _closest_wordings(part, top, analysis.text, settings) if top else []
    best_by_key = {}
    for number, fuzz_score in zip(top, closest, strict=True):
        score = base[number] + settings.weight_fuzz * fuzz_score / 100
        score = 100 * score / total_weight
        if analysis.scope - part.entry_scope[number]:
            score *= settings.scope_penalty
        entry = part.entries[number]
        held = best_by_key.get(entry.key)
        if held is None or score > held.score:
            best_by_key[entry.key] = Candidate(entry.key, float(score), entry)
    return best_by_key


def _closest_wordings(part, numbers, text, settings):
    """Per entry in `numbers`, the best fuzzy similarity (0–100) of `text` to one of its
    wordings: one rapidfuzz call over all of them, not one per wording."""
    if not settings.weight_fuzz or not text:
        return [0.0] * len(numbers)
    ends = [*part.entry_starts[1:], len(part.wording_texts)]
    positions = [
        position
        for number in numbers
        for position in range(part.entry_starts[number], ends[number])
    ]
    similarity = process.cdist(
        [text],
        [part.wording_texts[position] for position in positions],
        scorer=FUZZ_SCORERS[settings.fuzz_scorer],
        processor=None,
        dtype=np.float64,
    )[0]
    starts = np.cumsum([0] + [ends[number] - part.entry_starts[number] for number in numbers])
    return np.maximum.reduceat(similarity, starts[:-1]).astype(float).tolist()


def _accumulate(postings, fids, weights, size):
    """Per document, the summed weight of the message features it contains."""
    lists = [postings[fid] for fid in fids]
    lengths = [len(items) for items in lists]
    if not sum(lengths):
        return np.zeros(size)
    return np.bincount(np.concatenate(lists), np.repeat(weights, lengths), minlength=size)


def decide(candidates, settings=DEFAULT_SETTINGS):
    """The band for ranked candidates: (kind, faq_key, score, suggestions)."""
    if not candidates or candidates[0].score < settings.clarify_score:
        score = candidates[0].score if candidates else 0.0
        return FALLBACK, None, score, []
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if best.score >= settings.answer_score and best.score - runner_up >= settings.answer_margin:
        return ANSWER, best.key, best.score, []
    suggestions = [
        Suggestion(candidate.key, candidate.entry.question, round(candidate.score, 1))
        for candidate in candidates[: settings.max_suggestions]
        if best.score - candidate.score <= settings.suggestion_window
    ]
    return CLARIFY, best.key, best.score, suggestions


def match(index, text, language=None, settings=DEFAULT_SETTINGS):
    """Match one chat message against the index; `language` forces the answer language."""
    settings = settings or DEFAULT_SETTINGS
    text = text or ""
    language = language or guess_language(text, settings.default_language)
    candidates = rank(index, text, language, settings)
    if wants_person(text):
        topic = (
            candidates[0] if candidates and candidates[0].score >= settings.clarify_score else None
        )
        return Result(
            kind=HANDOFF,
            faq_key=topic.key if topic else None,
            score=round(topic.score, 1) if topic else 0.0,
            suggestions=[],
            language=language,
        )
    kind, key, score, suggestions = decide(candidates, settings)
    return Result(
        kind=kind, faq_key=key, score=round(score, 1), suggestions=suggestions, language=language
    )
