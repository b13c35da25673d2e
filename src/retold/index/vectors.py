"""Append-only vector files and nearest-neighbour search over them.

Vectors live in raw row files (float16 on disk, half the bytes of float32 and
plenty for cosine ranking) that only ever grow; SQLite records how many rows
are committed, so a crash mid-append leaves a tail that readers ignore and the
next writer cuts off.

Search has two paths that must agree:

- :func:`exact_search`, the reference: a chunked matrix product over every row
  (memory stays bounded by the chunk, whatever the index size);
- an IVF fast path (faiss, when installed): a coarse quantizer trained once,
  and segments of 8-bit scalar-quantised lists covering rows ``[0, ivf_rows)``;
  rows added since are searched exactly, from a float32 copy kept in memory.
  When that tail reaches a segment's worth of rows the writer files it as a new
  segment (adding vectors to an IVF needs no retraining) and merges segments
  like a binary counter, so there are O(log n) of them and no add rewrites
  the whole IVF; the quantizer is retrained only when the index has grown many
  times over since training.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retold.errors import InputError

__all__ = [
    "IVFState",
    "RowFile",
    "VectorParams",
    "VectorSet",
    "exact_search",
    "faiss_available",
    "merge_topk",
]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        return None
    return faiss


def faiss_available() -> bool:
    """True when faiss-cpu is installed (the IVF fast path is available)."""
    return _faiss() is not None


class RowFile:
    """A file of fixed-width rows that only grows (or is cut back to a committed size)."""

    def __init__(self, path: Path, dtype: npt.DTypeLike, width: int) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.width = width
        self.row_bytes = self.dtype.itemsize * width
        self._fh: Any = None
        self._view: np.ndarray[Any, Any] | None = None

    def disk_rows(self) -> int:
        try:
            return self.path.stat().st_size // self.row_bytes
        except FileNotFoundError:
            return 0

    def truncate(self, rows: int) -> None:
        """Cut the file back to ``rows`` rows (uncommitted rows of a crashed writer)."""
        self.close()
        if self.path.exists() and self.path.stat().st_size > rows * self.row_bytes:
            os.truncate(self.path, rows * self.row_bytes)

    def append(self, arr: np.ndarray[Any, Any]) -> None:
        a = np.ascontiguousarray(arr, dtype=self.dtype)
        if a.ndim != 2 or a.shape[1] != self.width:
            raise ValueError(f"{self.path.name}: rows of width {self.width} expected")
        if self._fh is None:
            self._fh = open(self.path, "ab")  # noqa: SIM115  (kept open across batches)
        self._fh.write(a.tobytes())

    def sync(self) -> None:
        """Flush and fsync: rows must be on disk before SQLite says they exist."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def view(self, rows: int) -> np.ndarray[Any, Any]:
        """The first ``rows`` rows, memory-mapped read-only."""
        if rows == 0:
            return np.zeros((0, self.width), dtype=self.dtype)
        v = self._view
        if v is not None and v.shape[0] == rows:
            return v
        have = self.disk_rows()
        if have < rows:
            raise InputError(
                f"the index is damaged: {self.path} holds {have} rows but its database "
                f"records {rows}; rebuild the index (retold index add into a new --index)"
            )
        self._view = np.memmap(self.path, dtype=self.dtype, mode="r", shape=(rows, self.width))
        return self._view

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._view = None


def merge_topk(sims: F32, rows: I64, k: int) -> tuple[F32, I64]:
    """Keep the best ``k`` per query row: highest similarity first, ties by lower row."""
    if sims.shape[1] > k:
        # everything at or above each row's k-th best value, so that ties at the
        # boundary (copies of one sentence) are broken by row, not arbitrarily
        kth = -np.partition(-sims, k - 1, axis=1)[:, k - 1 : k]
        out_s = np.empty((sims.shape[0], k), dtype=sims.dtype)
        out_r = np.empty((sims.shape[0], k), dtype=rows.dtype)
        for i in range(sims.shape[0]):
            idx = np.flatnonzero(sims[i] >= kth[i])
            s, r = sims[i, idx], rows[i, idx]
            o = np.lexsort((r, -s))[:k]
            out_s[i], out_r[i] = s[o], r[o]
        return out_s, out_r
    order = np.lexsort((rows, -sims), axis=1) if sims.size else np.zeros(sims.shape, np.int64)
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(rows, order, axis=1)


def exact_search(
    queries: F32,
    base: np.ndarray[Any, Any],
    k: int,
    *,
    row0: int = 0,
    chunk: int = 65536,
) -> tuple[F32, I64]:
    """Top-``k`` inner products of each query against every row of ``base``.

    The reference search: exact, in chunks of ``chunk`` rows converted to
    float32, so memory does not grow with the index. Returned rows are offset by
    ``row0``; fewer than ``k`` columns come back when ``base`` is smaller.
    """
    q = np.ascontiguousarray(queries, dtype=np.float32)
    m = q.shape[0]
    best_s = np.zeros((m, 0), dtype=np.float32)
    best_r = np.zeros((m, 0), dtype=np.int64)
    for i in range(0, base.shape[0], chunk):
        block = np.asarray(base[i : i + chunk], dtype=np.float32)
        s = q @ block.T
        r = np.broadcast_to(np.arange(row0 + i, row0 + i + block.shape[0], dtype=np.int64), s.shape)
        best_s, best_r = merge_topk(np.hstack([best_s, s]), np.hstack([best_r, r]), k)
    return best_s, best_r


@dataclass(frozen=True, slots=True)
class IVFState:
    """The IVF files of one vector set (kept in the index's SQLite metadata).

    ``template`` is the trained, empty index; each segment ``(file, start, end)``
    holds rows ``[start, end)`` under their global row numbers, all quantised
    with the template's centroids. Segments tile ``[0, rows)``.
    """

    template: str | None = None
    segments: tuple[tuple[str, int, int], ...] = ()
    trained_rows: int = 0

    @property
    def rows(self) -> int:
        return self.segments[-1][2] if self.segments else 0

    @property
    def files(self) -> set[str]:
        return {f for f, _, _ in self.segments} | ({self.template} if self.template else set())

    def to_json(self) -> str:
        return json.dumps(
            {
                "template": self.template,
                "segments": [list(x) for x in self.segments],
                "trained_rows": self.trained_rows,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> IVFState:
        if not text:
            return cls()
        d = json.loads(text)
        return cls(
            template=d["template"],
            segments=tuple((str(f), int(a), int(b)) for f, a, b in d["segments"]),
            trained_rows=int(d["trained_rows"]),
        )


@dataclass(frozen=True, slots=True)
class VectorParams:
    """When the IVF is built and how it is searched."""

    #: below this many rows every search is exact (about 5 ms for 10 query vectors)
    ivf_min_rows: int = 20_000
    #: rows not yet in an IVF segment are searched exactly; once they are this
    #: many they become a new segment (so the exact tail stays small)
    segment_rows: int = 20_000
    #: retrain the quantizer when the rows have grown this many times since training
    retrain_growth: float = 16.0
    #: lists probed per query and segment; None picks max(12, nlist // 100): at
    #: 800k sentence vectors (1,809 lists) recall@10 against exact search
    #: measured 0.98 at 16 probes (see benchmarks/bench_index.py)
    nprobe: int | None = None
    #: bytes of float32 tail kept in memory; larger tails are read in chunks
    memory_limit: int = 512 << 20
    chunk: int = 65536


def _nlist(rows: int) -> int:
    # ~2·sqrt(n) lists: assigning a vector costs nlist dot products and a probe
    # scans n/nlist vectors, so both stay near sqrt(n)
    return int(np.clip(2 * np.sqrt(rows), 64, 8192))


def _merge_plan(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge the newest segment into the previous one while it is at least half
    that one's size (a binary counter): O(log n) segments, and every row is
    rewritten O(log n) times over the life of the index."""
    segs = list(segments)
    while len(segs) >= 2 and (segs[-1][1] - segs[-1][0]) * 2 >= segs[-2][1] - segs[-2][0]:
        last = segs.pop()
        prev = segs.pop()
        segs.append((prev[0], last[1]))
    return segs


class VectorSet:
    """One kind of vector (sentences, or whole documents) of an index."""

    def __init__(self, directory: Path, name: str, dim: int, params: VectorParams) -> None:
        self.directory = directory
        self.name = name
        self.dim = dim
        self.params = params
        self.data = RowFile(directory / f"{name}.f16", np.float16, dim)
        self._segments: dict[str, Any] = {}
        self._tail: F32 | None = None
        self._tail_lo = 0

    # --- reading ---------------------------------------------------------

    def rows(self, n_rows: int, lo: int, hi: int) -> F32:
        """Rows ``[lo, hi)`` as float32 (``n_rows`` committed)."""
        return np.asarray(self.data.view(n_rows)[lo:hi], dtype=np.float32)

    def _load(self, file: str) -> Any:
        ivf = self._segments.get(file)
        if ivf is None:
            faiss = _faiss()
            path = self.directory / file
            try:
                # mmap: opening is instant and the lists are shared page cache
                ivf = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
            except RuntimeError as exc:
                raise InputError(
                    f"the index is damaged: cannot read {path} ({str(exc).splitlines()[0]})"
                ) from None
            self._segments[file] = ivf
        return ivf

    def _tail_rows(self, n_rows: int, lo: int) -> np.ndarray[Any, Any]:
        """Rows ``[lo, n_rows)``; a float32 copy is kept while it fits the memory limit."""
        if (n_rows - lo) * self.dim * 4 > self.params.memory_limit:
            self._tail = None
            return self.data.view(n_rows)[lo:n_rows]
        if self._tail is None or self._tail_lo != lo or self._tail_lo + len(self._tail) > n_rows:
            self._tail, self._tail_lo = self.rows(n_rows, lo, n_rows), lo
        elif self._tail_lo + len(self._tail) < n_rows:
            # append-only files: only the new rows need reading
            new = self.rows(n_rows, self._tail_lo + len(self._tail), n_rows)
            self._tail = np.vstack([self._tail, new])
        return self._tail

    def search(
        self, queries: F32, k: int, n_rows: int, state: IVFState, *, exact: bool = False
    ) -> tuple[F32, I64]:
        """Top-``k`` rows by inner product among the first ``n_rows`` rows.

        Row -1 (similarity -inf) marks a slot the IVF could not fill.
        """
        q = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        if exact or n_rows == 0:
            return exact_search(q, self.data.view(n_rows), k, chunk=self.params.chunk)
        use_ivf = _faiss() is not None and state.segments and state.rows <= n_rows
        lo = state.rows if use_ivf else 0
        parts_s: list[F32] = []
        parts_r: list[I64] = []
        if use_ivf:
            _faiss().omp_set_num_threads(1)  # small batches: threads cost more than they save
            # forget segments a newer state has replaced
            for f in set(self._segments) - state.files:
                del self._segments[f]
            for file, start, end in state.segments:
                ivf = self._load(file)
                ivf.nprobe = self.params.nprobe or max(12, ivf.nlist // 100)
                s, r = ivf.search(q, min(k, end - start))
                parts_s.append(np.where(r >= 0, s, -np.inf).astype(np.float32))
                parts_r.append(r.astype(np.int64))
        if n_rows > lo:
            s2, r2 = exact_search(
                q, self._tail_rows(n_rows, lo), k, row0=lo, chunk=self.params.chunk
            )
            parts_s.append(s2)
            parts_r.append(r2)
        sims, rows = merge_topk(np.hstack(parts_s), np.hstack(parts_r), k)
        # faiss pads with id -1 when the probed lists hold fewer than k rows
        return sims, np.where(np.isfinite(sims), rows, -1)

    # --- writing ---------------------------------------------------------

    def maintain(self, n_rows: int, state: IVFState) -> IVFState:
        """Train the IVF, or turn the exact tail into a segment (merging segments as
        a binary counter), as the rows have grown. Returns the new state, which the
        caller commits to the metadata; files of the old state are left for
        readers still using it (see :meth:`cleanup`). Never touches the rows."""
        faiss = _faiss()
        p = self.params
        if faiss is None or n_rows < p.ivf_min_rows:
            return state
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        if state.template is None or n_rows >= state.trained_rows * p.retrain_growth:
            template = self._train(n_rows)
            tname = self._write(template, f"{self.name}-ivf-template-{n_rows}.faiss")
            seg = self._segment(template, n_rows, 0, n_rows)
            return IVFState(template=tname, segments=(seg,), trained_rows=n_rows)
        if n_rows - state.rows < p.segment_rows:
            return state
        tail = (state.rows, n_rows)
        ranges = _merge_plan([(a, b) for _, a, b in state.segments] + [tail])
        old = {(a, b): f for f, a, b in state.segments}
        template = faiss.read_index(str(self.directory / state.template))
        segs = []
        for lo, hi in ranges:
            if (lo, hi) in old:
                segs.append((old[lo, hi], lo, hi))
                continue
            # a merged range: the tail's new lists, then each old segment's lists
            # moved in (merge_from copies codes: nothing is quantised again)
            merged = self._filled(template, n_rows, *tail)
            for f, a, b in state.segments:
                if lo <= a and b <= hi:
                    merged.merge_from(faiss.read_index(str(self.directory / f)), 0)
            segs.append((self._write(merged, f"{self.name}-ivf-{lo}-{hi}.faiss"), lo, hi))
        return replace(state, segments=tuple(segs))

    def _segment(self, template: Any, n_rows: int, start: int, end: int) -> tuple[str, int, int]:
        ivf = self._filled(template, n_rows, start, end)
        return self._write(ivf, f"{self.name}-ivf-{start}-{end}.faiss"), start, end

    def _filled(self, template: Any, n_rows: int, start: int, end: int) -> Any:
        """A copy of the trained template holding rows ``[start, end)`` under their row ids."""
        ivf = _faiss().clone_index(template)
        view = self.data.view(n_rows)
        for i in range(start, end, self.params.chunk):
            j = min(end, i + self.params.chunk)
            ids = np.arange(i, j, dtype=np.int64)
            ivf.add_with_ids(np.asarray(view[i:j], dtype=np.float32), ids)
        return ivf

    def _write(self, ivf: Any, name: str) -> str:
        tmp = self.directory / (name + ".tmp")
        _faiss().write_index(ivf, str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        tmp.replace(self.directory / name)
        return name

    def _train(self, n_rows: int) -> Any:
        faiss = _faiss()
        nlist = _nlist(n_rows)
        sample_n = min(n_rows, 32 * nlist)
        # evenly spaced rows: deterministic, and spread over the whole history
        idx = np.linspace(0, n_rows - 1, sample_n).astype(np.int64)
        sample = np.asarray(self.data.view(n_rows)[idx], dtype=np.float32)
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFScalarQuantizer(
            quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        ivf.cp.niter = 10
        ivf.cp.seed = 1234
        ivf.train(sample)
        return ivf

    def cleanup(self, keep: set[str]) -> None:
        """Delete IVF files not in ``keep`` (the current state's and the previous
        one's, which a reader holding an older snapshot may still be opening)."""
        for f in self.directory.glob(f"{self.name}-ivf-*.faiss*"):
            if f.name not in keep:
                f.unlink(missing_ok=True)

    def close(self) -> None:
        self.data.close()
        self._segments = {}
        self._tail = None
