"""MinHash signatures and LSH band keys over word shingles (pure, numpy-vectorised).

A document's *shingles* are runs of ``k`` consecutive folded word tokens of its
body. Its MinHash signature holds, for each of ``num_perm`` random hash
functions ``h(x) = (a·x + b) mod p``, the smallest value over its shingles; two
signatures agree in a position with probability equal to the Jaccard
similarity of the shingle sets. LSH cuts the signature into ``bands`` of
``rows`` values and hashes each band to one 64-bit key: documents sharing any
key are candidates. With 32 bands of 4 rows the chance to become a candidate is
1 − (1 − J⁴)³² — 0.87 at J = 0.5, 0.23 at J = 0.3, 0.05 at J = 0.2 — so
copies and partial copies are found and unrelated texts almost never are.

Everything here is a pure function of its inputs and of :class:`SketchParams`
(stored with the index), so a Spark job computes the same keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "SketchParams",
    "band_keys",
    "jaccard",
    "jaccard_estimate",
    "minhash",
    "shingle_hashes",
]

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

# A prime just below 2**32: x < p and a, b < p keep a·x + b below 2**64, so the
# universal hash is exact in uint64 arithmetic without overflow.
_PRIME = np.uint64(4_294_967_291)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
# Bounds the (num_perm x shingles) work matrix for very long documents.
_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class SketchParams:
    """Shingle size, signature length and banding; an index keeps the ones it was built with."""

    shingle: int = 3
    num_perm: int = 128
    bands: int = 32
    seed: int = 1

    def __post_init__(self) -> None:
        if self.shingle < 1 or self.num_perm < 1 or self.bands < 1:
            raise ValueError("shingle, num_perm and bands must be positive")
        if self.num_perm % self.bands:
            raise ValueError("num_perm must be a multiple of bands")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


def _mix(x: U64) -> U64:
    """splitmix64 finaliser, elementwise (uint64 arithmetic wraps on purpose)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def _const(j: int, m: np.uint64) -> np.uint64:
    """``j * m`` modulo 2**64 (numpy warns on scalar overflow; Python ints do not)."""
    return np.uint64((j * int(m)) & 0xFFFFFFFFFFFFFFFF)


@lru_cache(maxsize=1 << 18)
def _token_hash(token: str) -> int:
    # Stable across processes and machines, unlike hash(): signatures are stored.
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def shingle_hashes(tokens: Sequence[str], k: int = 3) -> U64:
    """Distinct 32-bit hashes (held in uint64) of the ``k``-token shingles.

    A text shorter than ``k`` tokens is one shingle; no tokens, no shingles.
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    t = np.fromiter((_token_hash(w) for w in tokens), dtype=np.uint64, count=len(tokens))
    k = min(k, len(t))
    n = len(t) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        # position-dependent mixing so "a b c" and "c b a" differ
        h = _mix(h ^ (t[j : j + n] + _const(j, _GOLD)))
    return np.unique((h >> np.uint64(32)) % _PRIME)


def _perms(params: SketchParams) -> tuple[U64, U64]:
    return _perms_cached(params.num_perm, params.seed)


@lru_cache(maxsize=8)
def _perms_cached(num_perm: int, seed: int) -> tuple[U64, U64]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(_PRIME), size=num_perm, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME), size=num_perm, dtype=np.uint64)
    return a, b


def minhash(shingles: U64, params: SketchParams = SketchParams()) -> U32:
    """The MinHash signature (``num_perm`` uint32) of a set of shingle hashes.

    An empty set gives all 0xFFFFFFFF, which :func:`band_keys` callers skip.
    """
    a, b = _perms(params)
    sig = np.full(params.num_perm, 0xFFFFFFFF, dtype=np.uint64)
    for i in range(0, len(shingles), _CHUNK):
        x = shingles[i : i + _CHUNK]
        vals = (a[:, None] * x[None, :] + b[:, None]) % _PRIME
        np.minimum(sig, vals.min(axis=1), out=sig)
    return sig.astype(np.uint32)


def band_keys(sig: U32, params: SketchParams = SketchParams()) -> npt.NDArray[np.int64]:
    """One signed 64-bit key per band (SQLite integers are signed)."""
    bands = sig.astype(np.uint64).reshape(params.bands, params.rows)
    h = np.arange(params.bands, dtype=np.uint64) * _GOLD
    for j in range(params.rows):
        h = _mix(h ^ (bands[:, j] + _const(j + 1, _M2)))
    return h.view(np.int64)


def jaccard_estimate(sig: U32, others: npt.NDArray[np.uint32]) -> npt.NDArray[np.float64]:
    """Estimated Jaccard of one signature against each row of ``others``."""
    if others.ndim != 2 or not len(others):
        return np.zeros(0, dtype=np.float64)
    return np.asarray((others == sig[None, :]).mean(axis=1), dtype=np.float64)


def jaccard(a: U64, b: U64) -> float:
    """Exact Jaccard of two sets of shingle hashes (the reference for the estimate)."""
    if not len(a) and not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
