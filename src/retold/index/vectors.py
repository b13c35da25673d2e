"""Append-only vector files and nearest-neighbour search over them.

Vectors live in raw row files (float16 on disk, half the bytes of float32 and
plenty for cosine ranking) that only ever grow; SQLite records how many rows
are committed, so a crash mid-append leaves a tail that readers ignore and the
next writer cuts off.

Search has two paths that must agree:

- :func:`exact_search`, the reference: a chunked matrix product over every row
  (memory stays bounded by the chunk, whatever the index size);
- an IVF fast path (faiss, when installed): a coarse quantizer trained once,
  and segments of product-quantised lists (``IndexIVFPQ``, 64 one-byte codes
  per 512-dim vector: about 80 bytes with its id, against 520 for 8-bit scalar
  codes) covering rows ``[0, ivf_rows)``. The segments, memory-mapped, only
  shortlist a few times ``k`` rows per query vector; the shortlist is re-ranked
  by exact inner products with those rows of the float16 row file (mapped too,
  so only the touched rows are read), which recovers most of the recall the
  compact codes lose and makes every returned score exact. Rows added since
  the last segment are searched exactly, from a float32 copy kept in memory.
  When that tail reaches a segment's worth of rows the writer files it as a
  new segment (adding vectors to an IVF needs no retraining) and merges
  segments like a binary counter, so there are O(log n) of them and no add
  rewrites the whole IVF; the quantizer is retrained only when the index has
  grown many times over since training. All segments of a state share the
  coarse centroids, so each query vector is assigned to its lists once, not
  once per segment.

Indexes written before product quantisation (``IVFState.format`` 1) hold 8-bit
scalar-quantised segments; they are searched (and re-ranked) the same way. The
next segment their writer files trains product codes over the same centroids,
and old segments are re-encoded from the row file when they are next merged.
Sentence and document vectors use the same mechanism.
"""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from retold.errors import InputError

__all__ = [
    "IVF_FORMAT",
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

#: :attr:`IVFState.format` of product-quantised IVF templates (1: 8-bit scalar)
IVF_FORMAT = 2


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        return None
    return faiss


def faiss_available() -> bool:
    """True when faiss-cpu is installed (the IVF fast path is available)."""
    return _faiss() is not None


def _available_memory() -> int:
    """Bytes the kernel could give to the page cache now (MemAvailable)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not POSIX
        return 8 << 30


class RowFile:
    """A file of fixed-width rows that only grows (or is cut back to a committed size)."""

    def __init__(self, path: Path, dtype: npt.DTypeLike, width: int) -> None:
        self.path = path
        self.dtype = np.dtype(dtype)
        self.width = width
        self.row_bytes = self.dtype.itemsize * width
        self._fh: Any = None
        self._view: np.ndarray[Any, Any] | None = None
        self._scattered: np.ndarray[Any, Any] | None = None
        self._mm: Any = None

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
        self._check_holds(rows)
        self._view = np.memmap(self.path, dtype=self.dtype, mode="r", shape=(rows, self.width))
        return self._view

    def _check_holds(self, rows: int) -> None:
        have = self.disk_rows()
        if have < rows:
            raise InputError(
                f"the index is damaged: {self.path.name} holds {have} rows but the database "
                f"records {rows}; repair it with: retold index compact --index {self.path.parent}"
            )

    def scattered(self, rows: int) -> np.ndarray[Any, Any]:
        """The first ``rows`` rows, mapped for reading a few rows here and there.

        The kernel is told the access is random (``MADV_RANDOM``): otherwise
        each page fault of a cold file reads ahead around it, 128 KB for a
        1 KB row, and re-ranking a shortlist of thousands of rows spread over
        a file larger than the page cache reads a hundred times what it uses.
        """
        if rows == 0:
            return np.zeros((0, self.width), dtype=self.dtype)
        v = self._scattered
        if v is not None and v.shape[0] == rows:
            return v
        self._check_holds(rows)
        with open(self.path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), rows * self.row_bytes, access=mmap.ACCESS_READ)
        if hasattr(mm, "madvise") and hasattr(mmap, "MADV_RANDOM"):
            mm.madvise(mmap.MADV_RANDOM)
        arr = np.frombuffer(mm, dtype=self.dtype, count=rows * self.width)
        self._mm = mm
        self._scattered = arr.reshape(rows, self.width)
        return self._scattered

    def take(
        self, rows: int, idx: npt.NDArray[np.int64], *, prefetch: bool = True
    ) -> np.ndarray[Any, Any]:
        """Rows ``idx`` of the first ``rows`` (any order, repeats allowed).

        With ``prefetch`` the pages are requested all at once
        (``MADV_WILLNEED``) before they are read: from a cold cache storage
        then serves them in parallel instead of one page fault at a time (4x
        faster on this machine's disk), at the price of a system call a page
        when they are cached already.
        """
        base = self.scattered(rows)
        mm = self._mm
        if prefetch and len(idx) > 16 and mm is not None and hasattr(mmap, "MADV_WILLNEED"):
            page = mmap.PAGESIZE
            first = idx * self.row_bytes
            pages = np.union1d(first // page, (first + self.row_bytes - 1) // page)
            # runs of consecutive pages become one call
            cut = np.flatnonzero(np.diff(pages) != 1) + 1
            will = mmap.MADV_WILLNEED
            for run in np.split(pages, cut):
                mm.madvise(will, int(run[0]) * page, (int(run[-1]) - int(run[0]) + 1) * page)
        return base[idx]

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._view = None
        self._scattered = None
        self._mm = None


def merge_topk(sims: F32, rows: I64, k: int) -> tuple[F32, I64]:
    """Keep the best ``k`` per query row: highest similarity first, ties by lower row."""
    if sims.shape[1] > k:
        # everything at or above each row's k-th best value, so that ties at the
        # boundary (copies of one sentence) are broken by row, not arbitrarily
        at = sims.shape[1] - k  # the k-th largest, without negating a copy
        kth = np.partition(sims, at, axis=1)[:, at : at + 1]
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
        if best_s.shape[1]:
            s, r = np.hstack([best_s, s]), np.hstack([best_r, r])
        best_s, best_r = merge_topk(s, r, k)
    return best_s, best_r


@dataclass(frozen=True, slots=True)
class IVFState:
    """The IVF files of one vector set (kept in the index's SQLite metadata).

    ``template`` is the trained, empty index; each segment ``(file, start, end)``
    holds rows ``[start, end)`` under their global row numbers, all assigned to
    lists by the template's centroids. Segments tile ``[0, rows)``. ``format``
    is :data:`IVF_FORMAT` for a product-quantised template; 1 (the default, as
    JSON written before it had the field) for an 8-bit scalar one.
    """

    template: str | None = None
    segments: tuple[tuple[str, int, int], ...] = ()
    trained_rows: int = 0
    format: int = 1

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
                "format": self.format,
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
            format=int(d.get("format", 1)),
        )


@dataclass(frozen=True, slots=True)
class VectorParams:
    """When the IVF is built and how it is searched."""

    #: below this many rows every search is exact (about 5 ms for 10 query vectors)
    ivf_min_rows: int = 20_000
    #: rows not yet in an IVF segment are searched exactly; once they are this
    #: many they become a new segment. The exact pass reads every tail row per
    #: query (memory-bound: 4 ms for 20k rows), so the tail is kept short: on a
    #: 10k-article index, 8,192 against 20,000 took search p50 from 38 to 26 ms
    segment_rows: int = 8_192
    #: retrain the quantizer when the rows have grown this many times since training
    retrain_growth: float = 16.0
    #: lists probed per query; None picks max(12, nlist // 100): at 818k
    #: sentence vectors (1,155 lists, trained at 333k) recall@10 against exact
    #: search measured 0.970 at 12 probes, 0.978 at 16, after re-ranking (see
    #: benchmarks/bench_index.py; 8-bit scalar codes: 0.974 at 12)
    nprobe: int | None = None
    #: product quantiser: sub-vectors per vector (the largest divisor of the
    #: dimension up to this) and bits per sub-vector code (fewer on small sets,
    #: which cannot train 256 centroids). m=64 × 8 bits: 79 bytes per vector on
    #: disk with ids and list overhead, against 520 for 8-bit scalar codes;
    #: m=128 reaches the probed lists' recall re-ranking only 2×k but doubles
    #: the bytes; m=32 stays well below it even re-ranking 8×k
    pq_m: int = 64
    pq_nbits: int = 8
    #: the IVF shortlists max(rerank × k, rerank_min) rows per query vector,
    #: re-ranked exactly from the row file at about 1 µs a row (the float16 to
    #: float32 cast dominates). Recall@10 at k=10 against exact search, 818k
    #: benchmark vectors: 0.90 / 0.956 / 0.969 / 0.970 re-ranking 10 / 40 / 80 /
    #: 128 rows. At k=64 on 400k (scalar codes: 0.791 @64, 0.933 @10, 1.1 ms a
    #: query vector): 4 / 6 / 8 × k rows give 0.775 / 0.787 / 0.790 @64 and
    #: 0.932 @10, at 0.7 / 0.95 / 1.2 ms
    rerank: int = 4
    rerank_min: int = 128
    #: re-ranking asks for all of a shortlist's pages at once when the row
    #: file is larger than this many bytes (None: half the memory available
    #: when the index is first searched): from a cold cache 2,048 rows of an
    #: 8.4 GB file (a million documents) then take 41 ms instead of 177 one
    #: fault at a time (and 229 on average with the kernel's read-ahead, which
    #: reads 269 MB a query), but 8 ms more when cached (see
    #: benchmarks/bench_cold_rerank.py)
    prefetch_above: int | None = None
    #: faiss threads for training and filing segments (0: one per core); product
    #: codes train in many short parallel steps, which crawl on busy cores
    threads: int = 0
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
        self._cache_room: int | None = None

    # --- reading ---------------------------------------------------------

    def rows(self, n_rows: int, lo: int, hi: int) -> F32:
        """Rows ``[lo, hi)`` as float32 (``n_rows`` committed)."""
        # a document's few rows: no read-ahead; long runs: the kernel's read-ahead
        data = self.data.scattered(n_rows) if hi - lo <= 256 else self.data.view(n_rows)
        return np.asarray(data[lo:hi], dtype=np.float32)

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
            shortlist = max(self.params.rerank * k, self.params.rerank_min)
            _s1, r1 = self._shortlist(q, shortlist, state)
            parts_s.append(self._rerank(q, r1, n_rows))
            parts_r.append(r1)
        if n_rows > lo:
            s2, r2 = exact_search(
                q, self._tail_rows(n_rows, lo), k, row0=lo, chunk=self.params.chunk
            )
            parts_s.append(s2)
            parts_r.append(r2)
        sims, rows = merge_topk(np.hstack(parts_s), np.hstack(parts_r), k)
        # faiss pads with id -1 when the probed lists hold fewer than k rows
        return sims, np.where(np.isfinite(sims), rows, -1)

    def _shortlist(self, q: F32, k: int, state: IVFState) -> tuple[F32, I64]:
        """The best ``k`` rows per query by the segments' approximate scores."""
        faiss = _faiss()
        faiss.omp_set_num_threads(1)  # small batches: threads cost more than they save
        # forget segments a newer state has replaced
        for f in set(self._segments) - state.files:
            del self._segments[f]
        segs = [(self._load(f), end - start) for f, start, end in state.segments]
        first = segs[0][0]
        nprobe = min(first.nlist, self.params.nprobe or max(12, first.nlist // 100))
        # one coarse assignment for all segments: they share the template's centroids
        cdis, lists = first.quantizer.search(q, nprobe)
        parts_s: list[F32] = []
        parts_r: list[I64] = []
        for ivf, size in segs:
            ivf.nprobe = nprobe
            if ivf.nlist == first.nlist:
                s, r = ivf.search_preassigned(q, min(k, size), lists, cdis)
            else:  # not expected; a segment with other lists is still searchable
                s, r = ivf.search(q, min(k, size))
            parts_s.append(np.where(r >= 0, s, -np.inf).astype(np.float32))
            parts_r.append(r.astype(np.int64))
        return merge_topk(np.hstack(parts_s), np.hstack(parts_r), k)

    def _rerank(self, q: F32, rows: I64, n_rows: int) -> F32:
        """Exact inner products of each query with its shortlisted rows (-inf for -1)."""
        # a plain array over the mapped file: fancy indexing reads only those rows
        limit = self.params.prefetch_above
        if limit is None:
            if self._cache_room is None:
                self._cache_room = _available_memory() // 2
            limit = self._cache_room
        # a file this large next to free memory is not expected to stay cached
        prefetch = n_rows * self.data.row_bytes > limit
        sims = np.empty(rows.shape, dtype=np.float32)
        step = 16  # queries at a time: the float32 copy stays a few MB
        for i in range(0, len(rows), step):
            r = rows[i : i + step]
            got = self.data.take(n_rows, r.clip(0).ravel(), prefetch=prefetch)
            vecs = got.astype(np.float32).reshape(*r.shape, self.dim)
            sims[i : i + step] = np.matmul(vecs, q[i : i + step, :, None])[:, :, 0]
        sims[rows < 0] = -np.inf
        return sims

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
        faiss.omp_set_num_threads(p.threads or os.cpu_count() or 1)
        if state.template is None or n_rows >= state.trained_rows * p.retrain_growth:
            template = self._train(n_rows)
            tname = self._write(template, f"{self.name}-ivf-pq-template-{n_rows}.faiss")
            seg = self._segment(template, n_rows, 0, n_rows)
            return IVFState(template=tname, segments=(seg,), trained_rows=n_rows, format=IVF_FORMAT)
        if n_rows - state.rows < p.segment_rows:
            return state
        template = faiss.read_index(str(self.directory / state.template))
        if state.format < IVF_FORMAT:
            # an index from before product quantisation: train codes over the same
            # centroids, so its scalar-quantised segments stay valid as they are
            template = self._train(n_rows, template.quantizer)
            tname = self._write(template, f"{self.name}-ivf-pq-template-{n_rows}.faiss")
            state = replace(state, template=tname, format=IVF_FORMAT)
        tail = (state.rows, n_rows)
        ranges = _merge_plan([(a, b) for _, a, b in state.segments] + [tail])
        old = {(a, b): f for f, a, b in state.segments}
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
                    seg = faiss.read_index(str(self.directory / f))
                    if type(seg) is type(template) and seg.code_size == template.code_size:
                        merged.merge_from(seg, 0)
                    else:  # codes of another kind (8-bit scalar): encode the rows anew
                        self._add_rows(merged, n_rows, a, b)
            segs.append((self._write(merged, f"{self.name}-ivf-pq-{lo}-{hi}.faiss"), lo, hi))
        return replace(state, segments=tuple(segs))

    def _segment(self, template: Any, n_rows: int, start: int, end: int) -> tuple[str, int, int]:
        ivf = self._filled(template, n_rows, start, end)
        return self._write(ivf, f"{self.name}-ivf-pq-{start}-{end}.faiss"), start, end

    def _filled(self, template: Any, n_rows: int, start: int, end: int) -> Any:
        """A copy of the trained template holding rows ``[start, end)`` under their row ids."""
        ivf = _faiss().clone_index(template)
        self._add_rows(ivf, n_rows, start, end)
        return ivf

    def _add_rows(self, ivf: Any, n_rows: int, start: int, end: int) -> None:
        view = self.data.view(n_rows)
        for i in range(start, end, self.params.chunk):
            j = min(end, i + self.params.chunk)
            ids = np.arange(i, j, dtype=np.int64)
            ivf.add_with_ids(np.asarray(view[i:j], dtype=np.float32), ids)

    def _write(self, ivf: Any, name: str) -> str:
        tmp = self.directory / (name + ".tmp")
        _faiss().write_index(ivf, str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        tmp.replace(self.directory / name)
        return name

    def _train(self, n_rows: int, quantizer: Any = None) -> Any:
        """An empty, trained IVF-PQ; over ``quantizer``'s centroids when given
        (then only the product codes are trained)."""
        faiss = _faiss()
        p = self.params
        nlist = quantizer.ntotal if quantizer is not None else _nlist(n_rows)
        sample_n = min(n_rows, max(32 * nlist, 64 << p.pq_nbits))
        # evenly spaced rows: deterministic, and spread over the whole history
        idx = np.linspace(0, n_rows - 1, sample_n).astype(np.int64)
        sample = np.asarray(self.data.view(n_rows)[idx], dtype=np.float32)
        coarse = faiss.IndexFlatIP(self.dim)
        if quantizer is not None:
            coarse.add(quantizer.reconstruct_n(0, nlist))
        m = max(d for d in range(1, min(p.pq_m, self.dim) + 1) if self.dim % d == 0)
        # 39 samples per centroid (faiss's floor): a small set gets fewer bits
        nbits = int(min(p.pq_nbits, max(1, np.log2(sample_n / 39))))
        ivf = faiss.IndexIVFPQ(coarse, self.dim, nlist, m, nbits, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.niter = 10
        ivf.cp.seed = 1234
        ivf.pq.cp.niter = 10  # the codes only shortlist: re-ranking absorbs their error
        ivf.pq.cp.seed = 1234
        ivf.train(sample)  # a quantizer already holding nlist centroids is kept
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
