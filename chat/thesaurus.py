"""The IP-domain thesaurus: which concepts a message names, whatever words it uses.

Terms live in data/thesaurus.txt (concept: term | term ...), function words in
data/stopwords.txt. Both are general domain knowledge, never the wording of a
particular FAQ entry or question.
"""

import re
from dataclasses import dataclass
from functools import cache

from chat.normalise import DATA_DIR, has_cjk, normalise, runs, stem

THESAURUS_FILE = DATA_DIR / "thesaurus.txt"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"

_LINE_RE = re.compile(r"^([!~]?)([a-z_]+):\s*(.+)$")
# Chinese terms are looked for inside text, so no term is longer than this.
MAX_CJK_TERM = 12


@dataclass(frozen=True)
class Match:
    """A thesaurus term found in a message: its concepts and the span it covers."""

    concepts: frozenset
    start: int
    end: int


class Thesaurus:
    """Concept lookup for Chinese terms (found inside Han runs) and English terms (stem phrases)."""

    def __init__(self, lines, stopwords=()):
        self.cjk_terms = {}
        self.latin_terms = {}
        # One-word English terms as spelled: the exact word decides before its stem,
        # so "designated" stays a level and "design" a design though both stem to "design".
        self.latin_words = {}
        self.scope_concepts = set()
        self.form_concepts = set()
        self.concepts = set()
        # English words as spelled in the thesaurus, the vocabulary a misspelling is mended to.
        self.english_words = set()
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            found = _LINE_RE.match(line)
            if not found:
                raise ValueError(f"thesaurus line {number}: expected 'concept: term | term'")
            mark, concept, terms = found.groups()
            self.concepts.add(concept)
            if mark == "!":
                self.scope_concepts.add(concept)
            elif mark == "~":
                self.form_concepts.add(concept)
            for term in terms.split("|"):
                self._add(term, concept, number)
        self.max_phrase = max((len(key) for key in self.latin_terms), default=1)
        self.stopwords = frozenset(self._stop_key(word) for word in stopwords)

    def _add(self, term, concept, number):
        parts = runs(normalise(term))
        if not parts:
            return
        if all(has_cjk(part) for part in parts):
            text = "".join(parts)
            if len(text) > MAX_CJK_TERM:
                raise ValueError(f"thesaurus line {number}: {term!r} is longer than {MAX_CJK_TERM}")
            self.cjk_terms.setdefault(text, set()).add(concept)
        elif not any(has_cjk(part) for part in parts):
            self.english_words.update(part for part in parts if part.isalpha())
            if len(parts) == 1:
                self.latin_words.setdefault(parts[0], set()).add(concept)
            self.latin_terms.setdefault(tuple(stem(part) for part in parts), set()).add(concept)
        else:
            raise ValueError(f"thesaurus line {number}: {term!r} mixes Chinese and Latin script")

    @staticmethod
    def _stop_key(word):
        word = normalise(word)
        return word if has_cjk(word) else stem(word)

    def is_stopword(self, key):
        return key in self.stopwords

    def scan_cjk(self, run, words=None):
        """Terms of two or more characters anywhere in a Han run, then single-character
        terms on characters that no longer term covers (so 费 counts alone, not inside 年费).

        Given the run's `words` (its segmentation), a term that cuts a word in two
        and runs on past it is no term there: 服务包 is not in 服务|包括.
        """
        found = []
        covered = [False] * len(run)
        crossing = _crossing(words) if words else None
        for start in range(len(run)):
            for end in range(start + 2, min(len(run), start + MAX_CJK_TERM) + 1):
                concepts = self.cjk_terms.get(run[start:end])
                if concepts and crossing and crossing(start, end):
                    continue
                if concepts:
                    found.append(Match(frozenset(concepts), start, end))
                    for i in range(start, end):
                        covered[i] = True
        for i, char in enumerate(run):
            if not covered[i]:
                concepts = self.cjk_terms.get(char)
                if concepts:
                    found.append(Match(frozenset(concepts), i, i + 1))
        return found

    def scan_latin(self, words, keys):
        """Terms among consecutive English words (`keys` are their stems), phrases of up to
        `max_phrase` words; a single word is looked up as spelled before by its stem."""
        found = []
        for start in range(len(keys)):
            for end in range(start + 1, min(len(keys), start + self.max_phrase) + 1):
                if end == start + 1 and words[start] in self.latin_words:
                    concepts = self.latin_words[words[start]]
                else:
                    concepts = self.latin_terms.get(tuple(keys[start:end]))
                if concepts:
                    found.append(Match(frozenset(concepts), start, end))
        return found


def _crossing(words):
    """A test of whether a span [start, end) straddles a word boundary, cutting a word."""
    spans = []
    position = 0
    for word in words:
        spans.append((position, position + len(word)))
        position += len(word)

    def crosses(start, end):
        for word_start, word_end in spans:
            if word_end <= start or word_start >= end:
                continue
            inside_word = word_start <= start and end <= word_end
            covers_word = start <= word_start and word_end <= end
            if not inside_word and not covers_word:
                return True
        return False

    return crosses


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


@cache
def default_thesaurus():
    """The shipped thesaurus, loaded once per process."""
    stopwords = [
        line.strip() for line in _read(STOPWORDS_FILE) if line.strip() and not line.startswith("#")
    ]
    return Thesaurus(_read(THESAURUS_FILE), stopwords)
