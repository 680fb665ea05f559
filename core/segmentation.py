"""Chinese word segmentation (jieba), loaded on first use and once per process.

Importing jieba costs a noticeable part of a second and its dictionary more; commands and
pages that never segment text (`manage.py check`, most requests) must not pay for it.
"""

import logging
import sys
import threading

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's default tokenizer, imported and initialised by the first caller."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba = _import_jieba()
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _tokenizer = jieba.dt
    return _tokenizer


def _import_jieba():
    """jieba, imported without pkg_resources.

    jieba opens its data files through pkg_resources when it can import it, and importing
    pkg_resources scans every installed distribution first: a third of a second, more
    than the rest of jieba's import, and a deprecation warning. Without it jieba opens the
    same files beside its modules.
    """
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # makes `import pkg_resources` raise ImportError
    try:
        import jieba  # heavy: kept off every import path on purpose
    finally:
        if blocked and sys.modules.get("pkg_resources", ...) is None:
            del sys.modules["pkg_resources"]
    return jieba


def cut(text):
    """Words of `text` in jieba's precise mode."""
    return tokenizer().cut(text)


def cut_for_search(text):
    """Words of `text` and their parts (jieba's search mode), for indexing."""
    return tokenizer().cut_for_search(text)
