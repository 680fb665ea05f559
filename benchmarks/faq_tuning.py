"""The FAQ benchmark's data, figures and tuning: folds, the figures scored against the
targets, thresholds by grid search and weights by coordinate search (benchmarks.bench_faq
prints them)."""

import hashlib
import json
from dataclasses import replace

import numpy as np

from chat.matcher import (
    ANSWER,
    CLARIFY,
    DEFAULT_SETTINGS,
    HANDOFF,
    FaqEntry,
    decide,
    guess_language,
    match,
    rank,
    wants_person,
)

TARGETS = {"top1": 0.92, "top3": 0.98, "wrong": 0.03, "out_of_scope": 0.90, "consult": 0.95}
FOLDS = 5
# Folds whose errors were read while the thesaurus and weights were written;
# the others were only ever scored.
TUNING_FOLDS = (0, 1, 2)

# ---- data ------------------------------------------------------------------


def load_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def corpus_entries(records):
    return [
        FaqEntry(
            key=record["key"],
            language=record["language"],
            question=record["question"],
            alternates=tuple(record.get("alternates") or ()),
            answer_text=record.get("answer", ""),
            category=record.get("category", ""),
        )
        for record in records
    ]


def fold_of(questions):
    """A deterministic fold per question, balanced within each kind."""
    folds = [0] * len(questions)
    by_kind = {}
    for number, question in enumerate(questions):
        by_kind.setdefault(question["kind"], []).append(number)
    for numbers in by_kind.values():
        numbers.sort(
            key=lambda n: hashlib.sha1(
                questions[n]["text"].encode(), usedforsecurity=False
            ).hexdigest()
        )
        for position, number in enumerate(numbers):
            folds[number] = position % FOLDS
    return folds


# ---- figures ---------------------------------------------------------------


def figures(results, questions):
    """The five figures from (kind, offered keys) per question."""
    faq = [(r, q) for r, q in zip(results, questions, strict=True) if q["kind"] == "faq"]
    oos = [r for r, q in zip(results, questions, strict=True) if q["kind"] == "out_of_scope"]
    consult = [r for r, q in zip(results, questions, strict=True) if q["kind"] == "consult"]

    def rate(hits, total):
        return hits / total if total else float("nan")

    return {
        "top1": rate(sum(bool(keys) and keys[0] == q["expect"] for (_, keys), q in faq), len(faq)),
        "top3": rate(sum(q["expect"] in keys[:3] for (_, keys), q in faq), len(faq)),
        "wrong": rate(
            sum(kind == ANSWER and keys[0] != q["expect"] for (kind, keys), q in faq), len(faq)
        ),
        "out_of_scope": rate(sum(kind not in (ANSWER, CLARIFY) for kind, _ in oos), len(oos)),
        "consult": rate(sum(kind == HANDOFF for kind, _ in consult), len(consult)),
        "answered": rate(
            sum(kind == ANSWER and keys[0] == q["expect"] for (kind, keys), q in faq), len(faq)
        ),
        "counts": {"faq": len(faq), "out_of_scope": len(oos), "consult": len(consult)},
    }


def offered(result):
    if result.kind == ANSWER:
        return [result.faq_key]
    if result.kind == CLARIFY:
        return [suggestion.key for suggestion in result.suggestions]
    return []


def evaluate(index, questions, settings=DEFAULT_SETTINGS):
    results = []
    for question in questions:
        result = match(index, question["text"], settings=settings)
        results.append((result.kind, offered(result)))
    return figures(results, questions)


def meets(values):
    return (
        values["top1"] >= TARGETS["top1"]
        and values["top3"] >= TARGETS["top3"]
        and values["wrong"] <= TARGETS["wrong"]
        and values["out_of_scope"] >= TARGETS["out_of_scope"]
        and values["consult"] >= TARGETS["consult"]
    )


# ---- thresholds by grid search ---------------------------------------------


class Ranked:
    """Each question's ranked candidates, computed once so thresholds can be searched fast."""

    def __init__(self, index, questions, settings):
        self._load(
            questions,
            [
                rank(
                    index, q["text"], guess_language(q["text"], settings.default_language), settings
                )
                for q in questions
            ],
            np.array([wants_person(q["text"]) for q in questions]),
        )

    @classmethod
    def from_candidates(cls, questions, candidates, person):
        """Ranked from candidates made elsewhere (the hybrid's fused ranking)."""
        ranked = object.__new__(cls)
        ranked._load(questions, candidates, np.asarray(person))
        return ranked

    def _load(self, questions, candidates, person):
        self.questions = questions
        self.person = person
        self.candidates = candidates
        depth = 4
        self.scores = np.zeros((len(questions), depth))
        self.correct = np.zeros((len(questions), depth), dtype=bool)
        for n, (candidates, question) in enumerate(zip(self.candidates, questions, strict=True)):
            for d, candidate in enumerate(candidates[:depth]):
                self.scores[n, d] = candidate.score
                self.correct[n, d] = candidate.key == question.get("expect")
        kinds = np.array([q["kind"] for q in questions])
        self.is_faq = kinds == "faq"
        self.is_oos = kinds == "out_of_scope"
        self.is_consult = kinds == "consult"

    def subset(self, mask):
        other = object.__new__(Ranked)
        other.questions = [q for q, keep in zip(self.questions, mask, strict=True) if keep]
        other.candidates = [c for c, keep in zip(self.candidates, mask, strict=True) if keep]
        for name in ("person", "scores", "correct", "is_faq", "is_oos", "is_consult"):
            setattr(other, name, getattr(self, name)[mask])
        return other

    def results(self, settings):
        out = []
        for person, candidates in zip(self.person, self.candidates, strict=True):
            if person:
                out.append((HANDOFF, []))
                continue
            kind, key, _, suggestions = decide(candidates, settings)
            keys = [key] if kind == ANSWER else [s.key for s in suggestions]
            out.append((kind, keys))
        return out

    def figures(self, settings):
        return figures(self.results(settings), self.questions)

    def grid(self, settings):
        """Every (answer_score, answer_margin, clarify_score) with its utility, vectorised."""
        s1, s2 = self.scores[:, 0], self.scores[:, 1]
        best = []
        window = settings.suggestion_window
        faq_count = max(self.is_faq.sum(), 1)
        oos_count = max(self.is_oos.sum(), 1)
        open_ = ~self.person
        for clarify in np.arange(10, 60.5, 1.0):
            shown = (s1[:, None] >= clarify) & (s1[:, None] - self.scores <= window)
            shown[:, 3] = False
            hit3 = (shown & self.correct).any(axis=1)
            offered_any = open_ & (s1 >= clarify)
            oos_rate = (self.is_oos & ~offered_any).sum() / oos_count
            for answer in np.arange(max(clarify, 20), 90.5, 2.0):
                for margin in np.arange(0, 25.5, 1.0):
                    answered = offered_any & (s1 >= answer) & (s1 - s2 >= margin)
                    top1 = (offered_any & self.correct[:, 0] & self.is_faq).sum() / faq_count
                    right = (answered & self.correct[:, 0] & self.is_faq).sum() / faq_count
                    wrong = (answered & ~self.correct[:, 0] & self.is_faq).sum() / faq_count
                    top3 = (
                        ((answered & self.correct[:, 0]) | (offered_any & ~answered & hit3))
                        & self.is_faq
                    ).sum() / faq_count
                    utility = top1 + top3 + oos_rate + 0.3 * right - 4 * wrong
                    best.append((utility, float(clarify), float(answer), float(margin)))
        return best

    def tune(self, settings):
        """Thresholds with the highest utility; among ties, the middle one (the most room)."""
        grid = self.grid(settings)
        top = max(item[0] for item in grid)
        ties = sorted(item for item in grid if item[0] >= top - 1e-9)
        _, clarify, answer, margin = ties[len(ties) // 2]
        return replace(settings, clarify_score=clarify, answer_score=answer, answer_margin=margin)


def cross_validated(ranked, settings, folds):
    """Held-out figures: each fold scored with thresholds tuned on the others."""
    folds = np.array(folds)
    results = [None] * len(ranked.questions)
    chosen = []
    for fold in sorted(set(folds.tolist())):
        tuned = ranked.subset(folds != fold).tune(settings)
        chosen.append(tuned)
        held = np.flatnonzero(folds == fold)
        for n, result in zip(held, ranked.subset(folds == fold).results(tuned), strict=True):
            results[n] = result
    return figures(results, ranked.questions), chosen


# ---- weights ---------------------------------------------------------------

WEIGHT_GRID = {
    "weight_entry": (0.0, 0.3, 0.6, 1.0),
    "weight_answer": (0.0, 0.15, 0.3, 0.5),
    "weight_fuzz": (0.0, 0.15, 0.3, 0.5),
    "weight_evidence": (0.0, 0.25, 0.5, 1.0),
    "evidence_scale": (3.0, 6.0, 10.0),
    "form_weight": (0.15, 0.3, 0.6),
    "fuzz_scorer": ("token_set_ratio", "token_sort_ratio", "wratio", "partial_token_set_ratio"),
    "coverage_balance": (0.4, 0.5, 0.6, 0.7, 0.8),
    "word_weight": (0.3, 0.6, 1.0),
    "bigram_weight": (0.0, 0.1, 0.2, 0.4),
    "unknown_weight": (0.5, 0.75, 1.0, 1.5),
    "scope_penalty": (0.3, 0.5, 0.7),
    "suggestion_window": (10.0, 15.0, 20.0, 25.0),
    "cross_language_weight": (0.0, 0.8),
}


def tune_weights(index, questions, folds, settings, rounds=2, log=print):
    """Coordinate search of the weights on the tuning folds, thresholds tuned inside."""
    mask = np.isin(np.array(folds), TUNING_FOLDS)
    tuning = [q for q, keep in zip(questions, mask, strict=True) if keep]

    def objective(candidate):
        ranked = Ranked(index, tuning, candidate)
        tuned = ranked.tune(candidate)
        values = ranked.figures(tuned)
        return (
            values["top1"] + values["top3"] + values["out_of_scope"] - 4 * values["wrong"],
            tuned,
        )

    best_value, best = objective(settings)
    for _ in range(rounds):
        for name, options in WEIGHT_GRID.items():
            for option in options:
                if getattr(best, name) == option:
                    continue
                value, tuned = objective(replace(best, **{name: option}))
                if value > best_value + 1e-9:
                    best_value, best = value, tuned
                    log(f"  {name}={option}: {value:.4f}")
    return best
