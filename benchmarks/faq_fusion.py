"""Learning the hybrid assistant's fusion on labelled questions, and scoring it on others.

Every question's evidence (chat.hybrid.evidence, the scope and consultation readings) is
computed once; then, for a choice of evidence (the ablation's rows), everything the
assistant decides with is learned on the training questions only:

- the weights, by softmax regression over the FAQ keys (the right key against all the
  others; non-negative, a little L2), and the softmax temperature, by likelihood;
- the scope model (chat.scope.fit), answerable questions against out-of-scope ones;
- the scope threshold: the most lenient at which each learning set's questions out of
  scope are still refused at least `SCOPE_REFUSAL` of the time, read from out-of-fold
  probabilities (a balanced fit alone turned away answerable questions worded unlike the
  training ones, and in-sample probabilities are surer than the model will be of others);
- the consultation thresholds: just above the closest any training FAQ question came to
  the prototypes, so no answerable training question is handed off by the encoder by
  mistake (an out-of-scope one handed to a person is answered by the person);
- the answer band: the lowest probability at which the training questions answered
  directly are wrong at most `WRONG_BUDGET` of the time (a third of the 3 % allowed, as room
  for people never seen);
- the cascade: the lowest lexical (score, lead) above which the lexical answer is always
  the right one.

Held-out figures come from 5-fold cross-validation: each fold is scored with everything
learned on the other folds. Scoring goes through chat.hybrid.decide, the product's own code.
"""

from dataclasses import replace

import numpy as np

from chat import encoder, hybrid, intent, matcher, pinyin, scope
from chat.matcher import ANSWER, CLARIFY, HANDOFF

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
WRONG_BUDGET = 0.01
TEMPERATURES = np.arange(1.0, 20.5, 0.5)
ANSWER_PROBABILITIES = np.arange(0.30, 0.991, 0.01)
CONSULT_ROOM = 0.02
# Out-of-scope training questions that must stay refused, in each learning set, read from
# out-of-fold probabilities (out_of_fold_scope): honest estimates for people never read, so
# the target itself and no room above it (0.95 of in-sample probabilities refused a fifth
# of answerable questions worded unlike the training ones). The scope thresholds tried,
# most lenient first.
SCOPE_REFUSAL = 0.90
SCOPE_THRESHOLDS = np.arange(20, 51) / 100  # whole hundredths, no drift from repeated adds
# Inner folds for the scope threshold (out_of_fold_scope).
SCOPE_FOLDS = 5
# Neither consultation threshold goes below this, however far the training questions stayed.
CONSULT_FLOOR = 0.5


# The score of a key an index does not have, when questions of two indexes are learned from
# together: far below anything real, so its softmax share is nil.
ABSENT = -10.0


def _widest(rows):
    return max((len(row) for row in rows), default=0)


def _padded(row, width, value=ABSENT):
    if len(row) == width:
        return row
    pad = [(0, width - len(row))] + [(0, 0)] * (row.ndim - 1)
    return np.pad(row, pad, constant_values=value)


class Evidence:
    """Every question's lexical candidates, evidence and readings, computed once."""

    def __init__(self, index, questions, lexical_settings=matcher.DEFAULT_SETTINGS):
        self.index = index
        self.questions = questions
        self.texts = [pinyin.read(q["text"], index.reader) for q in questions]
        vectors = encoder.encode(self.texts) if index.semantic is not None else None
        self.languages = [
            intent.guess_language(text, lexical_settings.default_language) for text in self.texts
        ]
        self.lexical = [
            matcher.rank(index.lexical, text, language, lexical_settings)
            for text, language in zip(self.texts, self.languages, strict=True)
        ]
        self.found = [
            hybrid.evidence(index, text, lexical, None if vectors is None else vectors[n])
            for n, (text, lexical) in enumerate(zip(self.texts, self.lexical, strict=True))
        ]
        self.person = np.array([intent.wants_person(text) for text in self.texts])
        self.consult = np.array(
            [
                hybrid.consult_similarity(index, text, found["vector"], encoder.encode_one)
                if "vector" in found
                else 0.0
                for text, found in zip(self.texts, self.found, strict=True)
            ]
        )
        self.names_person = np.array([intent.names_person(text) for text in self.texts])
        column = {key: number for number, key in enumerate(index.keys)}
        self.kinds = np.array([q["kind"] for q in questions])
        self.source = np.zeros(len(questions), dtype=int)
        self.expect = np.array(
            [column.get(q.get("expect"), -1) if q["kind"] == "faq" else -1 for q in questions]
        )

    def index_of(self, number):
        """The index question `number` was asked of."""
        return self.index

    def tensor(self, names):
        """(questions, keys, evidence) for the named evidence; a question asked of an index
        with fewer keys has its missing keys scored far below any real one."""
        rows = [np.stack([found[name] for name in names], -1) for found in self.found]
        return np.stack([_padded(row, _widest(rows)) for row in rows])

    def fused(self, weights):
        rows = [hybrid.fuse(found, weights) for found in self.found]
        return np.stack([_padded(row, _widest(rows), 100 * ABSENT) for row in rows])

    def fused_path(self, number, settings):
        """True when the product decides this question on the fused ranking (the encoder ran,
        the words were not decisive, nobody was asked for)."""
        return (
            "vector" in self.found[number]
            and settings.uses_encoder
            and not self.person[number]
            and not hybrid.decisive(self.lexical[number], settings)
            and not self.semantic_handoff(number, settings)
        )

    def semantic_handoff(self, number, settings):
        """True when the encoder's reading hands the question to a person."""
        return bool(
            intent.wants_person_semantic(
                self.texts[number],
                self.consult[number],
                threshold=settings.consult_similarity,
                cue_threshold=settings.consult_cue_similarity,
            )
        )


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


def learn_temperature(scores, expect):
    """The softmax temperature with the highest likelihood of the expected keys."""
    mask = expect >= 0
    scores, expect = scores[mask], expect[mask]
    best, chosen = -np.inf, TEMPERATURES[0]
    for temperature in TEMPERATURES:
        z = (scores - scores.max(axis=1, keepdims=True)) / temperature
        likelihood = (z[np.arange(len(z)), expect] - np.log(np.exp(z).sum(axis=1))).sum()
        if likelihood > best:
            best, chosen = likelihood, float(temperature)
    return chosen


def _off_topic(evidence, numbers):
    out = []
    for n in numbers:
        off = evidence.index_of(n).off_topic
        out.append(float(np.max(off @ evidence.found[n]["vector"])) if off is not None else 0.0)
    return np.array(out)


def scope_readings(evidence, fused, numbers):
    off = _off_topic(evidence, numbers)
    return np.array(
        [
            scope.readings(float(fused[n].max()), evidence.found[n], off[i])
            for i, n in enumerate(numbers)
        ]
    )


def out_of_fold_scope(readings, answerable, folds=SCOPE_FOLDS):
    """Each message's scope probability from a model fitted without it (`folds` folds, by
    position): what the threshold is read from. A model's probabilities of the very
    messages it was fitted on are surer than it will be of people it never read, and the
    threshold sat on the tail of those."""
    readings = np.asarray(readings)
    answerable = np.asarray(answerable, bool)
    fold = np.arange(len(readings)) % folds
    out = np.zeros(len(readings))
    whole = None
    for number in range(folds):
        held = fold == number
        if not held.any():
            continue
        if 0 < answerable[~held].mean() < 1:
            model = scope.fit(readings[~held], answerable[~held])
        else:
            # Too few messages to leave any out and keep both kinds: the model of them all.
            whole = whole or scope.fit(readings, answerable)
            model = whole
        out[held] = model.probability(readings[held])
    return out


def learn_scope_threshold(probabilities, out_of_scope, source=None):
    """The lowest threshold at which, in every learning set (`source`, one number per
    message; one set when None), at least SCOPE_REFUSAL of the out-of-scope questions fall
    below it (are refused); 0.5 when none is that safe. Per set, so that the writer whose
    questions sit closest to the FAQ is held to the target too, not outvoted by another's."""
    probabilities = np.asarray(probabilities)
    out_of_scope = np.asarray(out_of_scope, bool)
    source = np.zeros(len(probabilities), int) if source is None else np.asarray(source)
    sets = sorted(set(source[out_of_scope].tolist()))
    for threshold in SCOPE_THRESHOLDS:
        if all(
            np.mean(probabilities[out_of_scope & (source == number)] < threshold) >= SCOPE_REFUSAL
            for number in sets
        ):
            return round(float(threshold), 2)
    return 0.5


def learn_consult(evidence, mask):
    """(threshold, cue threshold): just above the closest training FAQ questions came."""
    # Only the FAQ's questions: one handed to a person loses its answer, while an out-of-scope
    # one handed over is answered by the person ("do we need a lawyer abroad?" came closest
    # and would have silenced the encoder's reading for every message). Questions asking how
    # or where count too: their asking clauses read 0, but a long one's others can come close.
    others = mask & (evidence.kinds == "faq") & ~evidence.person
    near = evidence.consult[others]
    cued = evidence.consult[others & evidence.names_person]
    threshold = max(CONSULT_FLOOR, float(near.max()) + CONSULT_ROOM if len(near) else 0.0)
    cue = max(CONSULT_FLOOR, float(cued.max()) + CONSULT_ROOM if len(cued) else 0.0)
    return round(threshold, 3), round(min(cue, threshold), 3)


def learn(evidence, names, base, mask=None, lexical_settings=matcher.DEFAULT_SETTINGS):
    """FusionSettings learned on the questions in `mask` (all by default)."""
    mask = np.ones(len(evidence.questions), bool) if mask is None else np.asarray(mask)
    decisive_score, decisive_margin = cascade(evidence, lexical_settings, mask)
    base = replace(base, decisive_score=decisive_score, decisive_margin=decisive_margin)
    expect = np.where(mask, evidence.expect, -1)
    weights = learn_weights(evidence.tensor(names), expect)
    named = dict(zip(names, (round(float(w), 4) for w in weights), strict=True))
    fused = evidence.fused(named)
    temperature = learn_temperature(fused, expect)
    labelled = np.flatnonzero(mask & np.isin(evidence.kinds, ["faq", "out_of_scope"]))
    settings = replace(base, weights=named, temperature=temperature)
    if "wording" in names and len(set(evidence.kinds[labelled])) == 2:
        readings = scope_readings(evidence, fused, labelled)
        answerable = evidence.kinds[labelled] == "faq"
        model = scope.fit(readings, answerable)
        threshold, cue = learn_consult(evidence, mask)
        settings = replace(
            settings,
            scope=model.as_dict(),
            scope_threshold=learn_scope_threshold(
                out_of_fold_scope(readings, answerable), ~answerable, evidence.source[labelled]
            ),
            consult_similarity=threshold,
            consult_cue_similarity=cue,
        )
    else:
        settings = replace(settings, scope=None)
    band = _answer_band(evidence, settings, mask, lexical_settings)
    return replace(settings, answer_probability=band)


def _answer_band(evidence, settings, mask, lexical_settings):
    """The lowest probability at which the training questions' direct answers are wrong at
    most WRONG_BUDGET of the time (the lexical cascade's answers count as they fall)."""
    faq = np.flatnonzero(mask & (evidence.expect >= 0))
    always_wrong = 0
    fused_rows = []
    for n in faq:
        expected = evidence.index_of(n).keys[evidence.expect[n]]
        if evidence.fused_path(n, settings):
            kind, keys = decide(
                evidence, n, replace(settings, answer_probability=1.0), lexical_settings
            )
            if kind == CLARIFY:
                scores = hybrid.fuse(evidence.found[n], settings.weights)
                p = hybrid.probabilities(scores, settings.temperature)
                fused_rows.append((float(p.max()), keys[0] == expected if keys else False))
        else:
            kind, keys = decide(evidence, n, settings, lexical_settings)
            always_wrong += kind == ANSWER and keys[0] != expected
    budget = WRONG_BUDGET * max(len(faq), 1)
    for band in ANSWER_PROBABILITIES:
        wrong = always_wrong + sum(1 for p, right in fused_rows if p >= band and not right)
        if wrong <= budget:
            return round(float(band), 2)
    return 1.0


def decide(evidence, number, settings, lexical_settings=matcher.DEFAULT_SETTINGS):
    """(kind, offered keys) for one question, as chat.hybrid.match decides it."""
    text, lexical = evidence.texts[number], evidence.lexical[number]
    found, language = evidence.found[number], evidence.languages[number]
    if evidence.person[number]:
        return HANDOFF, []
    if "vector" not in found or not settings.uses_encoder:
        kind, key, _, suggestions = matcher.decide(lexical, lexical_settings)
        return kind, [key] if kind == ANSWER else [s.key for s in suggestions]
    settled = hybrid.decisive(lexical, settings)
    if (not settled or intent.names_person(text)) and evidence.semantic_handoff(number, settings):
        return HANDOFF, []
    if settled:
        kind, key, _, suggestions = matcher.decide(lexical, lexical_settings)
        return kind, [key] if kind == ANSWER else [s.key for s in suggestions]
    kind, key, _, suggestions = hybrid.decide(
        evidence.index_of(number), text, found, language, settings
    )
    return kind, [key] if kind == ANSWER else [s.key for s in suggestions]


def results(evidence, settings, numbers=None, lexical_settings=matcher.DEFAULT_SETTINGS):
    numbers = range(len(evidence.questions)) if numbers is None else numbers
    return [decide(evidence, n, settings, lexical_settings) for n in numbers]


def cross_validated(
    figures, evidence, names, folds, base, extra=None, lexical_settings=matcher.DEFAULT_SETTINGS
):
    """Held-out figures: each fold scored with everything learned on the other folds (and on
    `extra`, an Evidence of more training questions, when given)."""
    folds = np.asarray(folds)
    out = [None] * len(evidence.questions)
    for fold in sorted(set(folds.tolist())):
        train = folds != fold
        joined, mask = evidence, train
        if extra is not None:
            joined = Joined(evidence, extra)
            mask = np.r_[train, np.ones(len(extra.questions), bool)]
        settings = learn(joined, names, base, mask, lexical_settings)
        held = np.flatnonzero(folds == fold)
        scored = results(evidence, settings, held, lexical_settings)
        for number, result in zip(held, scored, strict=True):
            out[number] = result
    return figures(out, evidence.questions)


def cascade(evidence, lexical_settings=matcher.DEFAULT_SETTINGS, mask=None):
    """The lowest lexical (score, lead) above which the lexical answer is always the right
    one on the learning set: (decisive_score, decisive_margin); 0, 0 when none is safe."""
    mask = np.ones(len(evidence.questions), bool) if mask is None else mask
    rows = []
    for number in np.flatnonzero(mask):
        lexical = evidence.lexical[number]
        if evidence.person[number] or not lexical:
            continue
        lead = lexical[0].score - (lexical[1].score if len(lexical) > 1 else 0.0)
        kind, key, _, _ = matcher.decide(lexical, lexical_settings)
        expect = evidence.expect[number]
        right = expect >= 0 and key == evidence.index_of(number).keys[expect]
        rows.append((lexical[0].score, lead, kind == ANSWER and right))
    best = (0.0, 0.0, 0)
    for score in np.arange(40.0, 100.0, 2.0):
        for lead in np.arange(5.0, 50.0, 2.5):
            above = [ok for s, m, ok in rows if s >= score and m >= lead]
            if above and all(above) and len(above) > best[2]:
                best = (float(score), float(lead), len(above))
    return best[0], best[1]


class Joined:
    """Two Evidence objects read as one (training on both sets); each question keeps the
    index it was asked of, so sets written for different FAQs can be learned from together."""

    def __init__(self, first, second):
        self.index = first.index
        self.indexes = [first.index_of(n) for n in range(len(first.questions))] + [
            second.index_of(n) for n in range(len(second.questions))
        ]
        self.questions = first.questions + second.questions
        for name in ("texts", "languages", "lexical", "found"):
            setattr(self, name, getattr(first, name) + getattr(second, name))
        for name in ("person", "consult", "names_person", "kinds", "expect"):
            setattr(self, name, np.r_[getattr(first, name), getattr(second, name)])
        # Which learning set each question came from (0, 1, …), so each set's writer counts.
        self.source = np.r_[first.source, second.source + first.source.max() + 1]

    def index_of(self, number):
        return self.indexes[number]

    tensor = Evidence.tensor
    fused = Evidence.fused
    fused_path = Evidence.fused_path
    semantic_handoff = Evidence.semantic_handoff


def breakdown(evidence, settings, lexical_settings=matcher.DEFAULT_SETTINGS):
    """Where a set's misses come from, with `settings` as shipped: the fused ranking alone
    (top-1 and top-3 of the FAQ questions whatever the bands say, the ceiling of better
    bands), the share of FAQ questions given a fallback (the scope check or the bands
    turned them away), and the share of out-of-scope questions offered an entry."""
    faq = np.flatnonzero(evidence.expect >= 0)
    first = third = refused = 0
    for n in faq:
        scores = hybrid.fuse(evidence.found[n], settings.weights)
        order = np.argsort(-scores, kind="stable")[:3]
        first += order[0] == evidence.expect[n]
        third += evidence.expect[n] in order
        kind, _ = decide(evidence, n, settings, lexical_settings)
        refused += kind == matcher.FALLBACK
    outside = np.flatnonzero(evidence.kinds == "out_of_scope")
    offered = sum(
        decide(evidence, n, settings, lexical_settings)[0] in (ANSWER, CLARIFY) for n in outside
    )
    count = max(len(faq), 1)
    return {
        "ranking_top1": first / count,
        "ranking_top3": third / count,
        "faq_refused": refused / count,
        "out_of_scope_offered": offered / max(len(outside), 1),
    }
