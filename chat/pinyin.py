"""Romanised Chinese read back into characters: "women gongsi zenme shenqing" → 我们公司怎么申请.

People without a Chinese keyboard at hand type toneless pinyin, with or without spaces
between the syllables. Neither the thesaurus, BM25 nor the sentence encoder understands
that, so a message whose Latin words are pinyin and not English is rewritten in
characters before it is matched.

Reading is a most-probable segmentation, as jieba segments characters: the letters are cut
into words whose toneless pinyin they spell, maximising the summed log frequency of the
words (jieba's dictionary frequencies; the FAQ's own words weigh as common words, so the
domain's reading of an ambiguous spelling wins). Plain functions over plain data, no ORM.
"""

import hashlib
import importlib.util
import itertools
import json
import math
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from chat.normalise import has_cjk
from core.lazy import lazy_import

jieba = lazy_import("jieba")
pypinyin = lazy_import("pypinyin")

# Words rarer than this in jieba's dictionary are left out (they make odd readings).
MIN_FREQUENCY = 50
MAX_WORD = 4
# The log probability of the FAQ's own words: that of a common word in jieba's dictionary
# (a frequency of about 50,000 in its 60 million), so the domain's reading of a spelling wins.
DOMAIN_SCORE = -7.0
# A message is read as pinyin when this share of its Latin letters spell syllables and
# few of its words are English.
PINYIN_SHARE = 0.8
ENGLISH_SHARE = 0.25
_WORD_RE = re.compile(r"[A-Za-z]+|[^A-Za-z\s]+|\s+")
_LETTERS_RE = re.compile(r"[a-z]+")


def _jieba_dict():
    """jieba's own dictionary file (the words and their frequencies)."""
    return Path(importlib.util.find_spec("jieba").origin).resolve().parent / "dict.txt"


@dataclass(frozen=True)
class Reader:
    # Letters of a domain word's toneless pinyin → (log probability, the word).
    domain: dict
    english: frozenset


def _spelling(word):
    syllables = pypinyin.lazy_pinyin(
        word, style=pypinyin.Style.NORMAL, errors="ignore", v_to_u=False
    )
    if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
        return None
    return syllables


def _common_words():
    """(letters → (log probability, word), longest spelling) over jieba's common words."""
    counts = []
    with open(_jieba_dict(), encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and len(parts[0]) <= MAX_WORD and int(parts[1]) >= MIN_FREQUENCY:
                counts.append((parts[0], int(parts[1])))
    total = math.log(sum(frequency for _, frequency in counts))
    words = {}
    for word, frequency in counts:
        spelled = _spelling(word)
        if spelled is None:
            continue
        letters = "".join(spelled)
        score = math.log(frequency) - total
        if letters not in words or score > words[letters][0]:
            words[letters] = (score, word)
    return words, max(len(letters) for letters in words)


def _all_syllables():
    """Every toneless pinyin syllable (about 400), from the readings of single characters."""
    chars = []
    with open(_jieba_dict(), encoding="utf-8") as handle:
        for line in handle:
            word = line.split(maxsplit=1)[0]
            if len(word) == 1:
                chars.append(word)
    return frozenset(
        syllable
        for syllable in pypinyin.lazy_pinyin(
            "".join(chars), style=pypinyin.Style.NORMAL, errors="ignore"
        )
        if syllable.isascii() and syllable.isalpha()
    )


@dataclass(frozen=True)
class Tables:
    # Letters → (log probability, word) over jieba's common words, and the longest letters.
    common: dict
    longest: int
    syllables: frozenset


_tables_lock = threading.Lock()
_tables = None


def _tables_name():
    """Names what the tables are made of: jieba's dictionary, pypinyin and the limits here."""
    digest = hashlib.sha256(_jieba_dict().read_bytes())
    digest.update(f"{metadata.version('pypinyin')}|{MIN_FREQUENCY}|{MAX_WORD}".encode())
    return f"pinyin-{digest.hexdigest()[:20]}.json"


def _read_tables(path):
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        common = {letters: (score, word) for letters, (score, word) in stored["common"].items()}
        return Tables(common, int(stored["longest"]), frozenset(stored["syllables"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_tables(path, tables):
    """Written to a temporary name and renamed, so another process never reads half."""
    stored = {
        "common": tables.common,
        "longest": tables.longest,
        "syllables": sorted(tables.syllables),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".json.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(stored, out, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


def tables(directory=None):
    """The reading tables of this process, made once.

    Making them spells some 37,000 words with pypinyin, one to two seconds of CPU in which
    a server answers nobody, so the index build (chat.index) loads them ahead of the first
    message, from `directory` when another process made them already (about 0.1 s).
    """
    global _tables  # noqa: PLW0603  (one set of tables per process)
    if _tables is None:
        with _tables_lock:
            if _tables is None:
                path = Path(directory) / _tables_name() if directory is not None else None
                made = _read_tables(path) if path is not None and path.is_file() else None
                if made is None:
                    common, longest = _common_words()
                    made = Tables(common, longest, _all_syllables())
                    if path is not None:
                        _write_tables(path, made)
                _tables = made
    return _tables


def syllables():
    """Every toneless pinyin syllable (about 400)."""
    return tables().syllables


SPOKEN = Path(__file__).resolve().parent / "data" / "spoken.txt"


def spoken_words():
    """The words of chat itself (asking, wishing, politeness) the reader prefers as it does
    the FAQ's: jieba's frequencies, counted over all text, rank 向 above 想 and 辽 above 聊,
    which a chat message rarely means."""
    with open(SPOKEN, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def build(domain_words=(), english_words=()):
    """A reader that prefers `domain_words` (the FAQ's Chinese words) and the words of chat
    itself (`spoken_words`) to jieba's common ones.

    `english_words` are the English words a message is checked against (the FAQ's and the
    thesaurus's): a message made of them is English, whatever it spells in pinyin.
    """
    domain = {}
    for word in (*spoken_words(), *domain_words):
        if has_cjk(word) and len(word) <= MAX_WORD:
            spelled = _spelling(word)
            if spelled is not None:
                domain["".join(spelled)] = (DOMAIN_SCORE, word)
    return Reader(domain=domain, english=frozenset(word.lower() for word in english_words))


def _spells_syllables(letters, known):
    """True when the letters are a run of pinyin syllables."""
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        reachable[end] = any(
            reachable[start] and letters[start:end] in known
            for start in range(max(0, end - 6), end)
        )
    return reachable[-1]


def looks_like_pinyin(text, reader):
    """True when a message without characters is written in toneless pinyin, not English."""
    if has_cjk(text):
        return False
    words = _LETTERS_RE.findall(text.lower())
    if not words:
        return False
    letters = sum(len(word) for word in words)
    spelled = sum(len(word) for word in words if _spells_syllables(word, syllables()))
    english = sum(1 for word in words if word in reader.english)
    return spelled >= PINYIN_SHARE * letters and english <= ENGLISH_SHARE * len(words)


def _read_letters(letters, reader, spaces=()):
    """The most probable words for a run of letters; None when they do not spell pinyin.

    `spaces` are the positions in `letters` where the writer typed a space. A word may cross
    one only when it starts and ends where the writer's words do ("fa ming" is 发明), never
    from inside one typed word into the next ("canjia zhege" is 参加这个, not 参加者个).
    """
    made = tables()
    common, longest = made.common, made.longest
    size = len(letters)
    edges = {0, size, *spaces}
    best = [(-math.inf, None)] * (size + 1)
    best[0] = (0.0, None)
    for end in range(1, size + 1):
        for start in range(max(0, end - longest), end):
            if best[start][0] == -math.inf:
                continue
            if (start not in edges or end not in edges) and any(
                start < space < end for space in spaces
            ):
                continue
            spelled = letters[start:end]
            found = reader.domain.get(spelled) or common.get(spelled)
            if found is None:
                continue
            score = best[start][0] + found[0]
            if score > best[end][0]:
                best[end] = (score, (start, found[1]))
    if best[size][0] == -math.inf:
        return None
    out, end = [], size
    while end:
        start, word = best[end][1]
        out.append(word)
        end = start
    return "".join(reversed(out))


def read(text, reader):
    """The message in characters when it is pinyin, else the message unchanged.

    Neighbouring pinyin words are read together ("fa ming zhuan li" → 发明专利); anything
    else (numbers, English words, punctuation) stays where it was.
    """
    if reader is None:
        return text
    if not looks_like_pinyin(text, reader):
        return _read_runs(text, reader)
    out, pending = [], []

    def flush():
        if pending:
            letters = "".join(pending)
            spaces = list(itertools.accumulate(len(word) for word in pending[:-1]))
            out.append(_read_letters(letters, reader, spaces) or " ".join(pending))
            pending.clear()

    for part in _WORD_RE.findall(text):
        lowered = part.lower()
        if part.isspace():
            continue
        if (
            lowered.isalpha()
            and lowered.isascii()
            and lowered not in reader.english
            and _spells_syllables(lowered, syllables())
        ):
            pending.append(lowered)
            continue
        flush()
        out.append(part if not part.isalpha() else f" {part} ")
    flush()
    return "".join(out).strip()


# In a message of two languages, this many pinyin words in a row are read as Chinese.
MIN_RUN = 3


def _is_pinyin_word(word, reader):
    lowered = word.lower()
    return (
        len(lowered) >= 2
        and lowered.isascii()
        and lowered.isalpha()
        and lowered not in reader.english
        and _spells_syllables(lowered, syllables())
    )


def _read_runs(text, reader):
    """A message that mixes English (or characters) with pinyin: runs of at least MIN_RUN
    pinyin words ("women de shenqing zai yusuan dengdai, what does it mean") are read as
    characters; everything else stays as written."""
    parts = _WORD_RE.findall(text)
    out, run = [], []

    def flush():
        words = [part for part in run if not part.isspace()]
        if len(words) >= MIN_RUN:
            letters = "".join(word.lower() for word in words)
            spaces = list(itertools.accumulate(len(word) for word in words[:-1]))
            read_ = _read_letters(letters, reader, spaces)
            if read_ is not None:
                out.append(read_)
                trailing = run[-1] if run and run[-1].isspace() else ""
                out.append(trailing)
                run.clear()
                return
        out.extend(run)
        run.clear()

    for part in parts:
        if _is_pinyin_word(part, reader) or (part.isspace() and run):
            run.append(part)
            continue
        flush()
        out.append(part)
    flush()
    return "".join(out)
