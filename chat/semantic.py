"""Semantic evidence for the FAQ assistant: a multilingual sentence encoder's view of an entry.

Plain functions over plain data and numpy, no ORM and no encoder of their own: the caller
passes `encode` (texts → unit vectors, one row each), so tests and benchmarks can hand in
any encoder. The vectors of the FAQ (every question, alternate and answer sentence, in
every language, one space across languages) are computed when the index is built; a
message costs one encoding.

Three readings per FAQ key, each 0–1 or close:

- `wording`: cosine with its closest wordings (the mean of the best two, so a key is not
  won by one lucky alternate);
- `sentence`: cosine with the closest sentence of its answers (people describe their
  situation in the answer's words more often than in the question's);
- `classifier`: a ridge classifier over the encoder's space, fitted on the FAQ's own
  wordings and answer sentences when the index is built (closed form, milliseconds): it
  learns which directions separate the keys, where a nearest neighbour sees only distance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.lazy import lazy_import

np = lazy_import("numpy")  # loaded by the first use, not at import


# Answer sentences teach the classifier less than the wordings of the question do.
SENTENCE_WEIGHT = 0.5
RIDGE = 3.0
# Best wordings averaged per key.
TOP_WORDINGS = 2
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+")
MIN_SENTENCE = 5


@dataclass(frozen=True)
class SemanticIndex:
    keys: tuple
    wording_vectors: np.ndarray
    wording_owner: np.ndarray
    sentence_vectors: np.ndarray
    sentence_owner: np.ndarray
    # Ridge classifier: scores = [vector, 1] @ classifier.
    classifier: np.ndarray
    # Per key, the rows of its wordings and of its answer sentences (see `groups`).
    wording_groups: np.ndarray
    sentence_groups: np.ndarray


def sentences(text):
    """An answer cut into sentences, in either language; fragments are dropped."""
    parts = (part.strip() for part in _SENTENCE_END.split(text or ""))
    return [part for part in parts if len(part) >= MIN_SENTENCE]


def passages(entries, keys):
    """(wordings, sentences): lists of (key number, text) for the entries' questions and
    alternates, and for their answers' sentences."""
    column = {key: number for number, key in enumerate(keys)}
    wordings, answer_sentences = [], []
    for entry in entries:
        number = column[entry.key]
        wordings.extend((number, text) for text in (entry.question, *entry.alternates) if text)
        answer_sentences.extend((number, text) for text in sentences(entry.answer_text))
    return wordings, answer_sentences


def texts_of(entries, keys):
    """Every text the index encodes, in the order `build` expects its vectors."""
    wordings, answer_sentences = passages(entries, keys)
    return [text for _, text in wordings] + [text for _, text in answer_sentences]


def fit_classifier(vectors, owners, weights, classes, ridge=RIDGE):
    """Weighted ridge regression onto one-hot keys, with a bias column: (dim + 1, classes)."""
    if not len(vectors):
        return np.zeros((0, classes))
    design = np.hstack([vectors.astype(np.float64), np.ones((len(vectors), 1))])
    targets = np.zeros((len(vectors), classes))
    targets[np.arange(len(vectors)), owners] = 1.0
    weighted = design * weights[:, None]
    gram = weighted.T @ design + ridge * np.eye(design.shape[1])
    return np.linalg.solve(gram, weighted.T @ targets)


def build(entries, keys, vectors):
    """The index for `entries` (FaqEntry), given the vectors of `texts_of(entries, keys)`."""
    keys = tuple(keys)
    wordings, answer_sentences = passages(entries, keys)
    vectors = np.asarray(vectors, dtype=np.float32)
    split = len(wordings)
    wording_owner = np.array([number for number, _ in wordings], dtype=np.int32)
    sentence_owner = np.array([number for number, _ in answer_sentences], dtype=np.int32)
    weights = np.concatenate(
        [np.ones(split), np.full(len(answer_sentences), SENTENCE_WEIGHT)]
    ).astype(np.float64)
    classifier = fit_classifier(
        vectors, np.concatenate([wording_owner, sentence_owner]), weights, len(keys)
    )
    return SemanticIndex(
        keys=keys,
        wording_vectors=vectors[:split],
        wording_owner=wording_owner,
        sentence_vectors=vectors[split:],
        sentence_owner=sentence_owner,
        classifier=classifier.astype(np.float32),
        wording_groups=groups(wording_owner, len(keys)),
        sentence_groups=groups(sentence_owner, len(keys)),
    )


def groups(owner, keys):
    """(keys, most rows of one key): each key's row numbers, padded with len(owner), the
    number of a row that `_best_per_key` reads as -inf. Made once with the index, so a
    message's per-key best is one gather and one sort, not a loop over the keys."""
    owner = np.asarray(owner)
    counts = np.bincount(owner, minlength=keys) if len(owner) else np.zeros(keys, dtype=int)
    out = np.full((keys, max(1, int(counts.max(initial=0)))), len(owner), dtype=np.int64)
    for key in range(keys):
        rows = np.flatnonzero(owner == key)
        out[key, : len(rows)] = rows
    return out


def _best_per_key(similarity, grouped, top=1):
    """The mean of each key's `top` best similarities (-1 for a key with none); `grouped`
    is `groups(owner, keys)`."""
    padded = np.append(np.asarray(similarity, dtype=np.float64), -np.inf)[grouped]
    present = np.minimum((grouped < len(similarity)).sum(axis=1), top)
    if padded.shape[1] > top:
        padded = -np.partition(-padded, top - 1, axis=1)[:, :top]
    best = np.where(np.isfinite(padded), padded, 0.0).sum(axis=1)
    return np.where(present > 0, best / np.maximum(present, 1), -1.0)


def features(index, vector):
    """{"wording", "sentence", "classifier", "closest"}: arrays over `index.keys` for one
    message vector."""
    keys = len(index.keys)
    vector = np.asarray(vector, dtype=np.float32)
    similarity = index.wording_vectors @ vector
    wording = _best_per_key(similarity, index.wording_groups, top=TOP_WORDINGS)
    closest = _best_per_key(similarity, index.wording_groups, top=1)
    sentence = _best_per_key(index.sentence_vectors @ vector, index.sentence_groups)
    if len(index.classifier):
        classifier = np.append(vector, 1.0) @ index.classifier
    else:
        classifier = np.zeros(keys)
    return {
        "wording": wording,
        "sentence": np.maximum(sentence, 0.0),
        "classifier": np.asarray(classifier, dtype=np.float64),
        # Not fused: the closest single wording per key, for the scope check (chat.scope).
        "closest": closest,
    }
