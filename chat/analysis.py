"""What the FAQ matcher reads in a text: thesaurus concepts, words and Chinese bigrams.

Plain functions over plain data, no ORM. A message's unknown English words are mended to
the nearest word the FAQ or thesaurus knows, and a Chinese character typed for a homophone
is put right, before the features are read (chat.matcher scores entries on them).
"""

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from chat.normalise import has_cjk, is_word, normalise, readings, runs, segment, stem


@dataclass(frozen=True)
class Analysis:
    features: frozenset
    scope: frozenset
    text: str
    # Words the thesaurus accounts for: an entry that lacks them is not penalised for it.
    explained: frozenset = frozenset()


def _bigrams(run):
    return [run[i : i + 2] for i in range(len(run) - 1)]


def analyse(text, thesaurus, vocabulary=None, spelling_cutoff=80.0):
    """Features of a text: concepts ("c:", or "f:" for question forms), words ("w:") and
    Chinese bigrams ("b:").

    `vocabulary` (English words as spelled) lets unknown English words be mended;
    FAQ entries are analysed without it, messages with it.
    """
    features = set()
    concepts = set()
    words = []
    explained = set()
    latin = []

    def flush_latin():
        keys = [key for _, key in latin]
        covered = [False] * len(keys)
        for found in thesaurus.scan_latin([word for word, _ in latin], keys):
            concepts.update(found.concepts)
            covered[found.start : found.end] = [True] * (found.end - found.start)
        for (_, key), known in zip(latin, covered, strict=True):
            if key.isalpha() and not thesaurus.is_stopword(key):
                words.append(key)
                if known:
                    explained.add("w:" + key)
        latin.clear()

    for run in runs(normalise(text)):
        if has_cjk(run):
            flush_latin()
            if vocabulary is not None:
                run = _mend_homophones(run, thesaurus, vocabulary)
            covered = [False] * len(run)
            segmented = segment(run)
            for found in thesaurus.scan_cjk(run, segmented):
                concepts.update(found.concepts)
                covered[found.start : found.end] = [True] * (found.end - found.start)
            end = 0
            for word in segmented:
                start, end = end, end + len(word)
                # A lone character says little by itself; the thesaurus reads those that do.
                if len(word) > 1 and not thesaurus.is_stopword(word):
                    words.append(word)
                    if all(covered[start:end]):
                        explained.add("w:" + word)
            features.update("b:" + pair for pair in _bigrams(run))
        else:
            word = run
            if vocabulary is not None:
                word = _mend_spelling(word, thesaurus, vocabulary, spelling_cutoff)
            latin.append((word, stem(word)))
    flush_latin()
    features.update(
        ("f:" if concept in thesaurus.form_concepts else "c:") + concept for concept in concepts
    )
    features.update("w:" + word for word in words)
    return Analysis(
        features=frozenset(features),
        scope=frozenset(concepts & thesaurus.scope_concepts),
        text=" ".join(words),
        explained=frozenset(explained),
    )


def _mend_spelling(word, thesaurus, vocabulary, cutoff):
    if len(word) < 4 or not word.isalpha() or word in vocabulary.words:
        return word
    key = stem(word)
    if key in vocabulary.keys or thesaurus.is_stopword(key):
        return word
    # A slip rarely hits the first letter; looking only there keeps this fast at any size.
    choices = vocabulary.by_initial.get(word[0], ())
    best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return best[0] if best else word


def _mend_homophones(run, thesaurus, vocabulary):
    """Undo the commonest Chinese typing slip: a character swapped for a homophone.

    Only where no thesaurus term is found and the characters make no word of
    their own, and only one character of a known word (和同 → 合同, 逾其 → 逾期).
    """
    covered = [False] * len(run)
    for found in thesaurus.scan_cjk(run):
        if found.end - found.start > 1:
            covered[found.start : found.end] = [True] * (found.end - found.start)
    chars = list(run)
    for start in range(len(chars)):
        for length in (4, 3, 2):
            end = start + length
            if end > len(chars) or any(covered[start:end]):
                continue
            window = "".join(chars[start:end])
            if window in vocabulary.cjk_words or is_word(window):
                continue
            repaired = _homophone_of(window, vocabulary)
            if repaired:
                chars[start:end] = repaired
                covered[start:end] = [True] * length
                break
    return "".join(chars)


def _homophone_of(window, vocabulary):
    for i, char in enumerate(window):
        for word in vocabulary.cjk_patterns.get(window[:i] + "?" + window[i + 1 :], ()):
            if readings(char) & readings(word[i]):
                return word
    return None


@dataclass(frozen=True)
class Vocabulary:
    words: frozenset
    keys: frozenset
    by_initial: dict
    # Chinese words known to the thesaurus or the FAQ, and by pattern with one
    # character left out ("?同" → 合同), for homophone repair.
    cjk_words: frozenset = frozenset()
    cjk_patterns: dict = field(default_factory=dict)
