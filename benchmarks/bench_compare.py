"""Speed of the pair engine, as ratios against baselines run in the same process.

    .venv/bin/python benchmarks/bench_compare.py [--pairs N]

Machines here are noisy and small (2 cores), so every figure is printed next
to a baseline measured in the same run:

- warm compare of the ~1,000-word AP pair on one core, vs. a difflib
  sentence-level aligner (SequenceMatcher on every sentence pair);
- `retold --help` and a cold `retold compare` of the bundled example, vs.
  starting Python itself;
- `retold compare --pairs` throughput on both cores, vs. the difflib aligner.

Goals (issue 2): warm compare <= 200 ms, --help <= 0.3 s, cold compare <= 3 s,
batch >= 8 pairs/s.
"""

from __future__ import annotations

import os

# one BLAS thread: "warm on one core" means one core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import difflib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import l2r_news

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "examples"
RETOLD = str(Path(sys.executable).with_name("retold"))


def difflib_baseline(a: str, b: str) -> int:
    """Align sentences by best difflib ratio: the simple aligner we must beat."""
    from retold.segment import segment

    sa = [s.text for s in segment(a).sentences]
    sb = [s.text for s in segment(b).sentences]
    n = 0
    for x in sa:
        best = max((difflib.SequenceMatcher(None, x, y).ratio() for y in sb), default=0.0)
        n += best >= 0.6
    return n


def timeit(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def run(cmd: list[str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=60, help="pairs for the batch figure")
    args = ap.parse_args()
    from retold.comparison import compare
    from retold.embed import default_encoder

    a = (SHARED / "ap-original.txt").read_text(encoding="utf-8")
    b = (SHARED / "scraped-rewrite.txt").read_text(encoding="utf-8")
    words = (len(a.split()), len(b.split()))
    compare(a, b)  # load the model
    enc = default_encoder()

    def cold_cache_compare() -> None:
        enc.clear()  # no sentence vector reuse: every sentence is encoded again
        compare(a, b)

    ours = timeit(cold_cache_compare, 9)
    base = timeit(lambda: difflib_baseline(a, b), 5)
    results: dict[str, object] = {
        "pair_words": words,
        "warm_compare_ms": {"min": min(ours) * 1e3, "median": statistics.median(ours) * 1e3},
        "difflib_baseline_ms": {"min": min(base) * 1e3, "median": statistics.median(base) * 1e3},
        "warm_compare_vs_difflib": min(ours) / min(base),
    }

    py = run([sys.executable, "-c", "pass"])
    help_s = run([RETOLD, "--help"])
    cold_s = run(
        [
            RETOLD,
            "compare",
            str(ROOT / "examples/wire.txt"),
            str(ROOT / "examples/rewrite.txt"),
            "--json",
        ],
        repeat=2,
    )
    results |= {
        "python_start_s": py,
        "help_s": help_s,
        "help_vs_python_start": help_s / py,
        "cold_compare_s": cold_s,
        "cold_compare_vs_python_start": cold_s / py,
    }

    sources, rewrites = l2r_news()
    rows = [
        {"id": r["id"], "a": sources[r["source_id"]], "b": r["text"]}
        for r in rewrites[: args.pairs]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pairs.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
        t = time.perf_counter()
        subprocess.run(
            [RETOLD, "compare", "--pairs", str(path), "-o", str(Path(tmp) / "out.jsonl"), "-q"],
            check=True,
        )
        batch_s = time.perf_counter() - t
    t = time.perf_counter()
    for r in rows:
        difflib_baseline(r["a"], r["b"])
    diff_s = time.perf_counter() - t
    results |= {
        "batch_pairs": len(rows),
        "batch_pairs_per_s": len(rows) / batch_s,
        "difflib_batch_pairs_per_s": len(rows) / diff_s,
        "batch_vs_difflib": (len(rows) / batch_s) / (len(rows) / diff_s),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
