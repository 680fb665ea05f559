"""Okapi BM25 over Latin words and Han characters and bigrams: no dictionary, no thesaurus.

It sees what the thesaurus does not know: a user's own words that happen to be in an
entry's question, alternates or answer. Scores are made absolute (0–1) by dividing by
what the message would score against an entry that held each of its terms often, so a
message with nothing in common with the FAQ stays near 0 however the entries compare.
Plain functions over plain data, no ORM.
"""

import math
from collections import Counter
from dataclasses import dataclass

from chat.normalise import has_cjk, normalise, runs
from core.lazy import lazy_import

np = lazy_import("numpy")  # loaded by the first use, not at import

K1 = 1.5
B = 0.75


def terms(text):
    """Latin words and numbers as they are; Han runs as characters and bigrams."""
    out = []
    for run in runs(normalise(text)):
        if has_cjk(run):
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


@dataclass(frozen=True)
class Bm25Index:
    keys: tuple
    # term → (document numbers, their BM25 term-frequency factor)
    postings: dict
    idf: dict


def build(documents):
    """Index {key: text}; each key is one document (its question, alternates and answer)."""
    keys = tuple(documents)
    counts = [Counter(terms(documents[key])) for key in keys]
    lengths = np.array([sum(count.values()) for count in counts], dtype=np.float64)
    average = lengths.mean() if len(lengths) else 1.0
    frequency = Counter(term for count in counts for term in count)
    total = len(keys)
    idf = {
        term: math.log(1 + (total - seen + 0.5) / (seen + 0.5)) for term, seen in frequency.items()
    }
    postings = {}
    for number, count in enumerate(counts):
        norm = K1 * (1 - B + B * lengths[number] / average)
        for term, tf in count.items():
            postings.setdefault(term, ([], []))
            postings[term][0].append(number)
            postings[term][1].append(tf * (K1 + 1) / (tf + norm))
    return Bm25Index(
        keys=keys,
        postings={
            term: (np.array(docs, dtype=np.int32), np.array(factors))
            for term, (docs, factors) in postings.items()
        },
        idf=idf,
    )


def scores(index, text):
    """Per key (in `index.keys` order), the share of the message's BM25 weight matched, 0–1."""
    out = np.zeros(len(index.keys))
    unique = set(terms(text))
    # Terms no entry has still count in the message's weight: they are what it is about.
    unknown_idf = math.log(1 + (len(index.keys) + 0.5) / 0.5)
    ceiling = 0.0
    for term in unique:
        idf = index.idf.get(term)
        if idf is None:
            ceiling += unknown_idf * (K1 + 1)
            continue
        ceiling += idf * (K1 + 1)
        docs, factors = index.postings[term]
        np.add.at(out, docs, idf * factors)
    return out / ceiling if ceiling else out
