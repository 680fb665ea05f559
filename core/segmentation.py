"""Chinese word segmentation (jieba), loaded on first use and once per process.

Importing jieba costs a noticeable part of a second and its dictionary more; commands and
pages that never segment text (`manage.py check`, most requests) must not pay for it.
"""

import logging
import threading

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's default tokenizer, imported and initialised by the first caller."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba  # heavy: kept off every import path on purpose

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _tokenizer = jieba.dt
    return _tokenizer


def cut(text):
    """Words of `text` in jieba's precise mode."""
    return tokenizer().cut(text)


def cut_for_search(text):
    """Words of `text` and their parts (jieba's search mode), for indexing."""
    return tokenizer().cut_for_search(text)
