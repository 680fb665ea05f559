"""Learning the hybrid assistant's fusion on a labelled set, and scoring it on others.

The evidence of every question (chat.hybrid.evidence) is computed once; then, for a choice
of evidence (the ablation's rows), the weights are learned by softmax regression over the
FAQ keys (the right key against all the others, non-negative weights, a little L2), and
the answer / clarify / fallback bands by the grid search of bench_faq.Ranked. Held-out
figures come from 5-fold cross-validation: each fold scored with weights and bands learned
on the other four. A second labelled set is only ever scored with what the first taught.
"""

from dataclasses import replace

import numpy as np

from chat import encoder, hybrid, matcher

# The ablation's rows: which evidence each variant fuses.
VARIANTS = {
    "lexical only": ("lexical", "bm25"),
    "encoder only": hybrid.ENCODER_FEATURES,
    "fused": hybrid.FEATURES,
}
L2 = 0.01
ITERATIONS = 1500
STEP = 0.5
# Evidence is scaled up for the regression so that the softmax is sharp enough to learn from.
SCALE = 10.0


class Evidence:
    """Every question's lexical candidates and evidence arrays, computed once."""

    def __init__(self, index, questions, vectors, lexical_settings=matcher.DEFAULT_SETTINGS):
        self.index = index
        self.questions = questions
        self.languages = [
            matcher.guess_language(q["text"], lexical_settings.default_language) for q in questions
        ]
        self.lexical = [
            matcher.rank(index.lexical, q["text"], language, lexical_settings)
            for q, language in zip(questions, self.languages, strict=True)
        ]
        self.found = [
            hybrid.evidence(index, q["text"], lexical, vector)
            for q, lexical, vector in zip(questions, self.lexical, vectors, strict=True)
        ]
        self.person = np.array([matcher.wants_person(q["text"]) for q in questions])
        column = {key: number for number, key in enumerate(index.keys)}
        self.expect = np.array(
            [column.get(q.get("expect"), -1) if q["kind"] == "faq" else -1 for q in questions]
        )

    def tensor(self, names):
        """(questions, keys, evidence) for the named evidence."""
        return np.stack([np.stack([found[name] for name in names], -1) for found in self.found])

    def candidates(self, names, weights):
        out = []
        for found, language in zip(self.found, self.languages, strict=True):
            scores = hybrid.fuse(found, dict(zip(names, weights, strict=True)))
            out.append(hybrid.ranked(self.index, scores, language))
        return out


def encode_questions(questions):
    return encoder.encode([q["text"] for q in questions])


def learn_weights(tensor, expect, l2=L2, iterations=ITERATIONS, step=STEP):
    """Non-negative weights (summing to 1) that rank the expected key first, by softmax
    regression over the keys with projected gradient descent."""
    mask = expect >= 0
    x = tensor[mask] * SCALE
    y = expect[mask]
    count, _, width = x.shape
    weights = np.full(width, 1.0 / width)
    rows = np.arange(count)
    for _ in range(iterations):
        logits = x @ weights
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        gradient = (np.einsum("nk,nkf->nf", p, x) - x[rows, y]).mean(axis=0) + l2 * weights
        weights = np.maximum(weights - step * gradient, 0.0)
    total = weights.sum()
    return weights / total if total else np.full(width, 1.0 / width)


def _ranked(ranked_class, evidence, names, weights, mask=None):
    candidates = evidence.candidates(names, weights)
    ranked = ranked_class.from_candidates(evidence.questions, candidates, evidence.person)
    return ranked if mask is None else ranked.subset(mask)


def learn(ranked_class, evidence, names, base, mask=None):
    """(weights, bands as FusionSettings) learned on the questions in `mask` (all by default)."""
    mask = np.ones(len(evidence.questions), bool) if mask is None else mask
    tensor = evidence.tensor(names)
    expect = np.where(mask, evidence.expect, -1)
    weights = learn_weights(tensor, expect)
    ranked = _ranked(ranked_class, evidence, names, weights, mask)
    tuned = ranked.tune(base)
    settings = replace(
        base,
        weights=dict(zip(names, (round(float(w), 4) for w in weights), strict=True)),
        answer_score=tuned.answer_score,
        answer_margin=tuned.answer_margin,
        clarify_score=tuned.clarify_score,
    )
    return weights, settings


def cross_validated(ranked_class, figures, evidence, names, folds, base):
    """Held-out figures: each fold with weights and bands learned on the other folds."""
    folds = np.asarray(folds)
    results = [None] * len(evidence.questions)
    for fold in sorted(set(folds.tolist())):
        weights, settings = learn(ranked_class, evidence, names, base, folds != fold)
        held = np.flatnonzero(folds == fold)
        scored = _ranked(ranked_class, evidence, names, weights, folds == fold)
        for number, result in zip(held, scored.results(settings), strict=True):
            results[number] = result
    return figures(results, evidence.questions)


def scored(ranked_class, evidence, settings):
    """Figures of `evidence`'s questions under learned settings (weights and bands)."""
    names = tuple(settings.weights)
    weights = [settings.weights[name] for name in names]
    return _ranked(ranked_class, evidence, names, weights).figures(settings)


def cascade(evidence, settings, lexical_settings=matcher.DEFAULT_SETTINGS):
    """The lowest lexical (score, lead) above which the lexical answer is always the fused
    one on the learning set: (decisive_score, decisive_margin); 0, 0 when none is safe."""
    names = tuple(settings.weights)
    weights = [settings.weights[name] for name in names]
    fused = evidence.candidates(names, weights)
    rows = []
    for lexical, mine, expect, person in zip(
        evidence.lexical, fused, evidence.expect, evidence.person, strict=True
    ):
        if person or not lexical:
            continue
        lead = lexical[0].score - (lexical[1].score if len(lexical) > 1 else 0.0)
        kind, key, _, _ = matcher.decide(lexical, lexical_settings)
        fused_kind, fused_key, _, _ = matcher.decide(mine, settings)
        same = kind == fused_kind and key == fused_key
        right = expect >= 0 and key == evidence.index.keys[expect]
        rows.append((lexical[0].score, lead, kind == matcher.ANSWER and (same or right)))
    best = (0.0, 0.0, 0)
    for score in np.arange(40.0, 100.0, 2.0):
        for lead in np.arange(5.0, 50.0, 2.5):
            above = [ok for s, m, ok in rows if s >= score and m >= lead]
            if above and all(above) and len(above) > best[2]:
                best = (float(score), float(lead), len(above))
    return best[0], best[1]
