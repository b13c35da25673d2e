"""The Spark job against the embedded path, on one machine.

    .venv/bin/python benchmarks/bench_spark.py [--n 10000] [--encoder use|hashing]

Builds a corpus of ``--n`` articles at run time from ../shared/data
(L2R other domains: human texts and their LLM rewrites, plus 10 % exact
copies under other ids, as syndication makes them), written as JSON lines
files. Then measures, in this process:

- ``retold spark stories`` (approximate mode) in local mode on 1 and 2
  executor cores: wall time, articles per second, seconds per article-core,
  peak memory of the executor (the local JVM plus its Python workers, sampled
  from /proc), the share of sentences not re-encoded, and the approximate
  search's link recall against exact search on a sample;
- the embedded path on the same input (``retold index add`` + ``retold
  stories``, 2 processes), as the baseline;

and works out, from the seconds per article-core, the cores and hours one
month of CC-NEWS would take (the month's size is an assumption: --month).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import jsonl


def build_corpus(root: Path, n: int, seed: int = 3) -> int:
    """``n`` articles as 8 JSON lines files; returns how many were written."""
    rng = random.Random(seed)
    docs: list[dict[str, str]] = []
    humans = {r["id"]: r["text"] for r in jsonl("l2r_other_domains", "human.jsonl")}
    for hid, text in humans.items():
        docs.append({"id": hid, "text": text})
    for r in jsonl("l2r_other_domains", "rewrites.jsonl.gz"):
        docs.append({"id": r["id"], "text": r["text"]})
    docs = [d for d in docs if len(d["text"].split()) >= 40]
    n_copies = n // 10
    base = docs[: n - n_copies]
    copies = [
        {"id": f"copy-{i}-{d['id']}", "text": d["text"]}
        for i, d in enumerate(rng.sample(base, min(n_copies, len(base))))
    ]
    allof = base + copies
    rng.shuffle(allof)
    root.mkdir(parents=True, exist_ok=True)
    for part in range(8):
        with open(root / f"part-{part}.jsonl", "w", encoding="utf-8") as fh:
            for d in allof[part::8]:
                fh.write(json.dumps(d) + "\n")
    return len(allof)


class PeakRSS:
    """Peak resident memory of this process's descendants (the local Spark JVM
    and its Python workers), sampled from /proc every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[int]:
        parent: dict[int, int] = {}
        for p in Path("/proc").iterdir():
            if p.name.isdigit():
                try:
                    stat = (p / "stat").read_text()
                    parent[int(p.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        me, out = os.getpid(), []
        for pid in parent:
            x, seen = pid, 0
            while x in parent and seen < 64:
                x, seen = parent[x], seen + 1
                if x == me:
                    out.append(pid)
                    break
        return out

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.2):
            total = 0
            for pid in self._tree():
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                except (OSError, ValueError, IndexError):
                    continue
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_spark(corpus: Path, out: Path, cores: int, encoder: str, block: int) -> dict[str, Any]:
    from retold.spark import JobParams, get_session, run

    shutil.rmtree(out, ignore_errors=True)
    with PeakRSS() as mem:
        started = time.monotonic()
        spark = get_session(f"local[{cores}]", conf={"spark.driver.memory": "4g"})
        try:
            params = JobParams(inputs=(str(corpus),), out=str(out), encoder=encoder, block=block)
            manifest = run(spark, params)
        finally:
            spark.stop()
        wall = time.monotonic() - started
    return {"wall": wall, "peak_rss": mem.peak, "manifest": manifest}


def run_embedded(corpus: Path, where: Path, encoder: str, jobs: int) -> float:
    from retold.embed import HashingEncoder, default_encoder
    from retold.index import Index
    from retold.stories import StoryBook

    shutil.rmtree(where, ignore_errors=True)
    enc: Any = HashingEncoder(256) if encoder.startswith("hashing") else default_encoder()
    started = time.monotonic()
    with Index(where, encoder=enc) as ix:
        ix.add_paths([str(corpus)], jobs=jobs)
        with StoryBook(ix) as book:
            book.update(jobs=jobs)
            book.stories()
    return time.monotonic() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="articles (default 10000)")
    ap.add_argument("--encoder", choices=["use", "hashing"], default="use")
    ap.add_argument(
        "--month",
        type=float,
        default=15e6,
        help="articles in one month of CC-NEWS (an assumption; default 15 million)",
    )
    ap.add_argument("--cores", default="2,1", help="executor cores to run with (default 2,1)")
    ap.add_argument("--no-embedded", action="store_true", help="skip the embedded baseline")
    ap.add_argument("--block", type=int, default=2000, help="articles per candidate block")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    spec = "hashing:256" if args.encoder == "hashing" else "use"
    tmp = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    try:
        n = build_corpus(tmp / "corpus", args.n)
        print(f"corpus: {n} articles (JSON lines, 8 files), encoder {spec}", flush=True)
        runs: dict[int, dict[str, Any]] = {}
        for c in [int(x) for x in args.cores.split(",") if x]:
            runs[c] = run_spark(tmp / "corpus", tmp / f"out{c}", c, spec, args.block)
            r = runs[c]
            print(f"spark local[{c}]: {r['wall']:.1f} s, peak {r['peak_rss'] / 2**20:.0f} MiB, "
                  f"{json.dumps(r['manifest']['counts'])}, recall {r['manifest'].get('recall')}",
                  flush=True)  # fmt: skip
        embedded = None if args.no_embedded else run_embedded(tmp / "corpus", tmp / "ix", spec, 2)
        if embedded is not None:
            print(
                f"embedded, 2 processes: {embedded:.1f} s, {n / embedded:.1f} articles/s",
                flush=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if runs and embedded is not None:
        report(n, runs, embedded, args.month)


def report(n: int, runs: dict[int, dict[str, Any]], embedded: float, month: float) -> None:
    print(f"{'run':<28}{'wall s':>9}{'art/s':>9}{'s/art-core':>12}{'peak RSS MiB':>14}")
    for cores, r in sorted(runs.items()):
        print(
            f"{'spark local[' + str(cores) + '] approx':<28}{r['wall']:>9.1f}"
            f"{n / r['wall']:>9.1f}{r['wall'] * cores / n:>12.4f}"
            f"{r['peak_rss'] / 2**20:>14.0f}"
        )
    label = "embedded, 2 processes"
    print(f"{label:<28}{embedded:>9.1f}{n / embedded:>9.1f}{embedded * 2 / n:>12.4f}")
    top = max(runs)
    m = runs[top]["manifest"]
    if 1 in runs and top > 1:
        print(f"scaling 1 -> {top} cores: x{runs[1]['wall'] / runs[top]['wall']:.2f}")
    print(f"spark on {top} cores vs embedded: x{embedded / runs[top]['wall']:.2f}")
    c = m["counts"]
    print(
        f"sentences not re-encoded: {m['sentences_not_reencoded']:.1%} "
        f"({c['sentences']} sentences, {c['distinct_sentences']} distinct)"
    )
    print(f"approximate link recall vs exact: {json.dumps(m.get('recall'))}")
    print(f"counts ({top} cores): {json.dumps(m['counts'])}")
    per = runs[top]["wall"] * top / n  # seconds per article-core, measured on the most cores
    core_hours = month * per / 3600
    print(
        f"\nCC-NEWS month estimate: {month:,.0f} articles x {per:.4f} s/article-core "
        f"= {core_hours:,.0f} core-hours"
    )
    for cores in (64, 256, 1024):
        print(f"  on {cores:>5} cores: {core_hours / cores:7.1f} h (if scaling stays linear)")
    print(
        "  (assumes the per-article cost measured here holds: candidate blocks of"
        " constant size keep search and verification linear in the corpus; the"
        " exact mode's single index does not scale this way)"
    )


if __name__ == "__main__":
    main()
