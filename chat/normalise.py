"""Text normalisation shared by the FAQ index and incoming chat messages.

Both sides go through the same steps, so a traditional-character or
full-width question meets the simplified, half-width FAQ on equal terms.
"""

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from core.lazy import lazy_import

jieba = lazy_import("jieba")
opencc = lazy_import("opencc")
pypinyin = lazy_import("pypinyin")
snowballstemmer = lazy_import("snowballstemmer")

# CJK unified ideographs with extension A and the compatibility block.
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK_CLASS}]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")
# "US" in capitals is the country, but lower-cased it becomes the pronoun "us".
_US_RE = re.compile(r"\bU\.\s?S\.(?:\s?A\.)?|\bUSA?\b")
# Apostrophes join contractions ("didn't" → "didnt"); every other mark splits words.
_APOSTROPHE_RE = re.compile(r"['\u2018\u2019`]")
_SEPARATOR_RE = re.compile(f"[^0-9a-z{CJK_CLASS}\u00ae]+")
_REGISTERED_RE = re.compile("\u00ae")


@lru_cache(maxsize=1)
def _converter():
    """Traditional → simplified Chinese (OpenCC's dictionaries load on first use)."""
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def to_simplified(text):
    """Traditional to simplified characters; text without Han characters is returned as is."""
    if not _CJK_RE.search(text):
        return text
    return _converter().convert(text)


def normalise(text):
    """Lower-cased, half-width, simplified text with punctuation turned into single spaces.

    The ® sign is kept as a word of its own: whether it may be used is a question people ask.
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = _US_RE.sub(" usa ", text)
    text = to_simplified(text).casefold()
    text = _APOSTROPHE_RE.sub("", text)
    text = _REGISTERED_RE.sub(" \u00ae ", text)
    return _SEPARATOR_RE.sub(" ", text).strip()


def count_scripts(text):
    """(Han characters, Latin words) in the text, the evidence for a language guess."""
    text = unicodedata.normalize("NFKC", text or "")
    return len(_CJK_RE.findall(text)), len(_LATIN_WORD_RE.findall(text))


def has_cjk(text):
    return bool(_CJK_RE.search(text))


# ---- tokens ----------------------------------------------------------------

DATA_DIR = Path(__file__).resolve().parent / "data"
USER_DICT = DATA_DIR / "ip_userdict.txt"

_RUN_RE = re.compile(f"[0-9a-z\u00ae]+|[{CJK_CLASS}]+")
_jieba_lock = threading.Lock()
_jieba = None


def _tokenizer():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.load_userdict(str(USER_DICT))
                _jieba = tokenizer
    return _jieba


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def stem(word):
    return _stemmer().stemWord(word)


def runs(normalised):
    """Maximal runs of one script: Latin letters and digits, or Han characters."""
    return _RUN_RE.findall(normalised)


def segment(run):
    """Chinese words of a Han run, by jieba with the IP-domain user dictionary."""
    return _tokenizer().lcut(run, HMM=False)


@lru_cache(maxsize=8192)
def readings(char):
    """Toneless pinyin readings of one Han character (all of them, for heteronyms)."""
    return frozenset(
        pypinyin.pinyin(char, style=pypinyin.Style.NORMAL, heteronym=True, errors="ignore")[0] or ()
    )


def is_word(text):
    """True when jieba's dictionary knows the text as a word."""
    return bool(_tokenizer().FREQ.get(text))
