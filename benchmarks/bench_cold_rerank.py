"""Re-ranking from a cold page cache at a million documents.

    .venv/bin/python benchmarks/bench_cold_rerank.py [--rows 8200000] [--queries 40]

Search re-ranks each query sentence's IVF shortlist exactly from the float16
row file (sent.f16), which at a million documents is about 8.4 GB: on a
server with less memory than that, the rows it needs are mostly on disk.
This measures that read path alone, on a file of the size a million
documents make (8.2M sentence rows of 512 float16, as 100k documents measure
818k): per query, 8 query sentences x 256 shortlisted rows spread over the
file, gathered and multiplied as :meth:`VectorSet._rerank` does.

Three ways of reading the rows, in the same run, each after evicting the file
from the page cache (``posix_fadvise(DONTNEED)``):

- baseline: a plain ``np.memmap`` (the kernel reads ahead around each fault,
  so the first queries pull in much of the file);
- ``MADV_RANDOM`` alone (:meth:`RowFile.scattered`): one page a fault, one
  fault at a time;
- retold (:meth:`RowFile.take`): ``MADV_RANDOM`` and every page of the
  shortlist requested at once (``MADV_WILLNEED``), so storage serves them in
  parallel.

Prints per-query latency (mean, p50, p99) and the bytes the process read from
storage (``/proc/self/io``), then the same again with the cache warm.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from retold.index.vectors import RowFile

DIM = 512


def _read_bytes() -> int:
    with open("/proc/self/io") as fh:
        for line in fh:
            if line.startswith("read_bytes:"):
                return int(line.split()[1])
    return 0


def _evict(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _make(path: Path, rows: int) -> None:
    """A row file of ``rows`` random unit-ish float16 vectors (content does not
    matter for reading; one random block is written repeatedly)."""
    rng = np.random.default_rng(0)
    block = (rng.standard_normal((65536, DIM)) / np.sqrt(DIM)).astype(np.float16)
    with open(path, "wb") as fh:
        left = rows
        while left:
            n = min(left, len(block))
            fh.write(block[:n].tobytes())
            left -= n
        fh.flush()
        os.fsync(fh.fileno())


def _run(take: Any, shortlists: list[np.ndarray[Any, Any]]) -> dict[str, Any]:
    q = np.random.default_rng(1).standard_normal((8, DIM)).astype(np.float32)
    lat = []
    before = _read_bytes()
    for rows in shortlists:
        t = time.perf_counter()
        vecs = take(rows.ravel()).astype(np.float32).reshape(*rows.shape, DIM)
        np.matmul(vecs, q[:, :, None])
        lat.append(time.perf_counter() - t)
    ms = np.array(lat) * 1e3
    return {
        "mean_ms": round(float(ms.mean()), 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "read_mb_per_query": round((_read_bytes() - before) / len(shortlists) / 2**20, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=8_200_000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--shortlist", type=int, default=256)
    ap.add_argument("--dir", type=Path, default=None, help="where to write the row file")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
        path = Path(tmp) / "sent.f16"
        t = time.perf_counter()
        _make(path, a.rows)
        made = time.perf_counter() - t
        rng = np.random.default_rng(2)
        shortlists = [
            np.sort(rng.choice(a.rows, size=(8, a.shortlist), replace=True), axis=1)
            for _ in range(a.queries)
        ]
        out: dict[str, Any] = {
            "rows": a.rows,
            "file_gb": round(path.stat().st_size / 1e9, 2),
            "write_seconds": round(made, 1),
            "rows_per_query": 8 * a.shortlist,
        }
        for name in ("baseline_memmap", "madv_random", "retold_take"):
            rf = RowFile(path, np.float16, DIM)
            take: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]
            if name == "baseline_memmap":
                take = rf.view(a.rows).__getitem__
            elif name == "madv_random":
                take = rf.scattered(a.rows).__getitem__
            else:
                take = functools.partial(rf.take, a.rows)
            _evict(path)
            cold = _run(take, shortlists)
            warm = _run(take, shortlists)  # the same rows again: now in the page cache
            out[name] = {"cold": cold, "warm": warm}
            rf.close()
            del take
        b, r = out["baseline_memmap"], out["retold_take"]
        out["cold_mean_speedup"] = round(b["cold"]["mean_ms"] / max(r["cold"]["mean_ms"], 1e-9), 2)
        out["cold_read_ratio"] = round(
            b["cold"]["read_mb_per_query"] / max(r["cold"]["read_mb_per_query"], 1e-9), 1
        )
        out["warm_p50_ratio"] = round(r["warm"]["p50_ms"] / max(b["warm"]["p50_ms"], 1e-9), 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
