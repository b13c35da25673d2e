"""The Spark job against the embedded path, on one machine.

    .venv/bin/python benchmarks/bench_spark.py [--n 10000] [--encoder use|hashing]
        [--order spark2,embedded,spark1] [--results FILE.jsonl]

Builds a corpus of ``--n`` articles at run time from ../shared/data
(L2R other domains: human texts and their LLM rewrites, plus 10 % exact
copies under other ids, as syndication makes them), written as JSON lines
files. Then measures, in this process:

- ``retold spark stories`` (approximate mode) in local mode on 1 and 2
  executor cores: wall time, articles per second, seconds per article-core,
  CPU seconds (the JVM and every Python worker, counted by the kernel), peak
  memory of the executor (the local JVM plus its Python workers, sampled
  from /proc), the share of sentences not re-encoded, and (on the first
  Spark run only: it does not depend on the cores) the approximate search's
  link recall against exact search on a sample, timed apart from the job;
- the embedded path on the same input (``retold index add`` + ``retold
  stories``, 2 processes), as the baseline;

and works out, from the seconds per article-core, the cores and hours one
month of CC-NEWS would take (the month's size is an assumption: --month).

Each run is a fresh child process (its own JVM, which ends with it), in the
order ``--order`` gives, so the most wanted figure comes first on a machine
where a run may take hours; each result is printed (and appended to
``--results``) as soon as it is measured. On a shared machine the wall times
depend on the other load: the CPU seconds do much less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
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
    """Peak resident memory of this process and its descendants (the local Spark
    JVM and its Python workers, or the embedded path's worker processes),
    sampled from /proc every 0.2 s."""

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
        me, out = os.getpid(), [os.getpid()]
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


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (and been
    waited for, with theirs)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _tree_cpu() -> float:
    """CPU seconds of this process and its live descendants, with the children
    each has waited for (/proc): the local JVM and its Python workers."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    used: dict[int, int] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parent[int(p.name)] = int(fields[1])
            used[int(p.name)] = sum(int(x) for x in fields[11:15])  # utime..cstime
    me, total = os.getpid(), 0
    for pid, ticks in used.items():
        x, hops = pid, 0
        while x and hops < 64:
            if x == me:
                total += ticks
                break
            x, hops = parent.get(x, 0), hops + 1
    return total / tick


def run_spark(
    corpus: Path, out: Path, cores: int, encoder: str, block: int, recall: int
) -> dict[str, Any]:
    """One job in local mode (in this child process); the JVM is ended and waited
    for before the CPU time is read, so its time and its Python workers' count."""
    from retold.spark import JobParams, get_session, run

    shutil.rmtree(out, ignore_errors=True)
    with PeakRSS() as mem:
        started = time.monotonic()
        spark = get_session(f"local[{cores}]", conf={"spark.driver.memory": "4g"})
        jvm = getattr(getattr(spark.sparkContext, "_gateway", None), "proc", None)
        try:
            params = JobParams(
                inputs=(str(corpus),), out=str(out), encoder=encoder, block=block,
                recall_sample=recall,
            )  # fmt: skip
            # the job's own cost, apart from measuring its recall afterwards
            at: dict[str, float] = {}

            def log(msg: str) -> None:
                if msg == "outputs written":
                    at.update(wall=time.monotonic() - started, cpu=_tree_cpu())

            manifest = run(spark, params, log=log)
            # before stopping: stopped Python workers are not waited for, so
            # their time would be lost to every later count
            live = _tree_cpu()
        finally:
            spark.stop()
            if jvm is not None:  # the JVM ends when its stdin closes
                jvm.stdin.close()
                jvm.wait(timeout=120)
        wall = time.monotonic() - started
    return {
        "run": f"spark{cores}",
        "cores": cores,
        "wall": wall,
        "job_wall": at["wall"],
        "job_cpu": at["cpu"],
        "cpu": live,
        "peak_rss": mem.peak,
        "manifest": manifest,
    }


def run_embedded(corpus: Path, where: Path, encoder: str, jobs: int) -> dict[str, Any]:
    from retold.embed import HashingEncoder, default_encoder
    from retold.index import Index
    from retold.stories import StoryBook

    shutil.rmtree(where, ignore_errors=True)
    enc: Any = HashingEncoder(256) if encoder.startswith("hashing") else default_encoder()
    with PeakRSS() as mem:
        started = time.monotonic()
        with Index(where, encoder=enc) as ix:
            ix.add_paths([str(corpus)], jobs=jobs)
            with StoryBook(ix) as book:
                book.update(jobs=jobs)
                n_stories = len(book.stories())
        wall = time.monotonic() - started
    return {
        "run": "embedded",
        "cores": jobs,
        "wall": wall,
        "cpu": _cpu_seconds(),
        "peak_rss": mem.peak,
        "stories": n_stories,
    }


def child(args: argparse.Namespace) -> None:
    """One measured run, its result as one JSON line on stdout."""
    spec = "hashing:256" if args.encoder == "hashing" else "use"
    corpus, work = Path(args.corpus), Path(args.work)
    if args.child == "embedded":
        got = run_embedded(corpus, work / "ix", spec, 2)
    else:
        cores = int(args.child.removeprefix("spark"))
        got = run_spark(corpus, work / f"out{cores}", cores, spec, args.block, args.recall)
    print(json.dumps(got), flush=True)


def measure(
    what: str, corpus: Path, work: Path, args: argparse.Namespace, recall: int
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", what, "--corpus", str(corpus),
           "--work", str(work), "--encoder", args.encoder, "--block", str(args.block),
           "--recall", str(recall)]  # fmt: skip
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _show(n: int, r: dict[str, Any]) -> str:
    line = (
        f"{r['run']}: {r['wall']:.1f} s wall, {r['cpu']:.0f} s CPU "
        f"({r['cpu'] / n * 1000:.0f} ms/article), peak {r['peak_rss'] / 2**20:.0f} MiB"
    )
    m = r.get("manifest")
    if m:
        line += f", job alone {r['job_wall']:.1f} s wall, {r['job_cpu']:.0f} s CPU"
        line += f", {json.dumps(m['counts'])}"
        if m.get("recall"):
            line += f", recall {json.dumps(m['recall'])}"
    return line


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
    ap.add_argument(
        "--order",
        default="spark2,embedded,spark1",
        help="runs, in order: sparkN (local[N]) and embedded (default spark2,embedded,spark1)",
    )
    ap.add_argument("--block", type=int, default=2000, help="articles per candidate block")
    ap.add_argument("--recall", type=int, default=300, help="recall sample (first Spark run)")
    ap.add_argument("--results", help="append each run's result to this JSON lines file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.child:
        child(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    runs: list[dict[str, Any]] = []
    try:
        n = build_corpus(tmp / "corpus", args.n)
        print(f"corpus: {n} articles (JSON lines, 8 files), encoder {args.encoder}", flush=True)
        recall = args.recall
        for what in [x.strip() for x in args.order.split(",") if x.strip()]:
            r = measure(what, tmp / "corpus", tmp, args, recall if what != "embedded" else 0)
            if what != "embedded":
                recall = 0  # measured once: it does not depend on the cores
            r["n"] = n
            runs.append(r)
            print(_show(n, r), flush=True)
            if args.results:
                with open(args.results, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(r) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(n, runs, args.month)


def _job(r: dict[str, Any]) -> tuple[float, float]:
    """Wall and CPU seconds of a run's work: a Spark run's job without the recall
    measurement (made on one run only), the embedded run whole."""
    if r["run"] == "embedded":
        return r["wall"], r["cpu"]
    return r["job_wall"], r["job_cpu"]


def report(n: int, runs: list[dict[str, Any]], month: float) -> None:
    print(
        f"\n{'run (without recall)':<26}{'wall s':>9}{'art/s':>8}{'s/art-core':>12}"
        f"{'CPU ms/art':>12}{'cores used':>12}{'peak RSS MiB':>14}"
    )
    for r in runs:
        label = (
            f"spark local[{r['cores']}] approx"
            if r["run"] != "embedded"
            else "embedded, 2 processes"
        )
        wall, cpu = _job(r)
        print(
            f"{label:<26}{wall:>9.1f}{n / wall:>8.1f}{wall * r['cores'] / n:>12.4f}"
            f"{cpu / n * 1000:>12.1f}{cpu / wall:>12.2f}{r['peak_rss'] / 2**20:>14.0f}"
        )  # fmt: skip
    spark = {r["cores"]: r for r in runs if r["run"] != "embedded"}
    emb = next((r for r in runs if r["run"] == "embedded"), None)
    print("(cores used = CPU / wall: how much of the machine each run got)")
    if spark:
        top = spark[max(spark)]
        wall, cpu = _job(top)
        if cpu / wall < 0.75 * top["cores"]:
            print(
                f"local[{top['cores']}] got {cpu / wall:.2f} cores on average (other load):"
                " its wall time cannot show how the job scales"
            )
    if 1 in spark and 2 in spark:
        print(f"scaling 1 -> 2 cores (wall): x{_job(spark[1])[0] / _job(spark[2])[0]:.2f}")
    if spark and emb:
        top = spark[max(spark)]
        print(
            f"spark on {top['cores']} cores vs embedded (wall): x{emb['wall'] / _job(top)[0]:.2f}"
        )
        print(f"spark vs embedded, CPU per article: x{_job(top)[1] / emb['cpu']:.2f}")
    with_manifest = [r for r in runs if r.get("manifest")]
    if not with_manifest:
        return
    first = with_manifest[0]
    m = first["manifest"]
    c = m["counts"]
    print(
        f"sentences not re-encoded: {m['sentences_not_reencoded']:.1%} "
        f"({c['sentences']} sentences, {c['distinct_sentences']} distinct)"
    )
    if m.get("recall"):
        print(
            f"approximate link recall vs exact: {json.dumps(m['recall'])} "
            f"(measuring it: {first['wall'] - first['job_wall']:.0f} s)"
        )
    estimate(with_manifest, month)


def estimate(runs: list[dict[str, Any]], month: float) -> None:
    """Cores and hours for a month of CC-NEWS, from the measured cost per article."""
    top = max(runs, key=lambda r: r["cores"])
    n = top["n"]
    wall, cpu = _job(top)
    wall_per = wall * top["cores"] / n  # s per article-core, on the most cores
    cpu_per = cpu / n  # CPU s per article (less sensitive to other load)
    print(f"\nCC-NEWS month estimate ({month:,.0f} articles, an assumption):")
    for label, per in (("CPU time", cpu_per), ("wall x cores", wall_per)):
        core_hours = month * per / 3600
        hours = ", ".join(f"{core_hours / c:.1f} h on {c}" for c in (64, 256, 1024))
        print(
            f"  from {label}: {per:.4f} s/article -> {core_hours:,.0f} core-hours ({hours} cores)"
        )
    print(
        "  (if the per-article cost holds: candidate blocks of constant size keep"
        " search and verification linear in the corpus; the exact mode's single"
        " index does not scale this way)"
    )


if __name__ == "__main__":
    main()
