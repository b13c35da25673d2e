"""Load test of ``retold serve`` on loopback, before and after: throughput and tail latency.

    .venv/bin/python benchmarks/bench_serve.py [--clients 4] [--requests 120] [--rounds 3]
    .venv/bin/python benchmarks/bench_serve.py --baseline-commit none   # the current server only

Runs the same load against two servers in one run: the baseline (the
``http.server`` implementation of ``retold/service`` and ``cli_serve.py``,
taken from git history with ``git archive`` into a temporary copy of this
checkout's ``src``, so the pipeline under both is the same, and started with
that copy on PYTHONPATH) and the current one (FastAPI on uvicorn with worker
processes). Each is a ``retold serve`` subprocess on
127.0.0.1 with a fresh index, seeded, then loaded by phases of concurrent
keep-alive clients (threads in this process), each bounded by a request count
and a time limit:

1. ``GET /api/health``: the baseline, the cost of the HTTP layer alone;
2. ``POST /api/compare``: distinct source/rewrite pairs (so the encoder's
   sentence cache rarely helps);
3. ``POST /api/search``: rewrites as queries, against the seeded index (the
   same rewrites the compare phase sent), then rewrites no phase sent before;
4. mixed: searches while one client adds documents in small batches; at the
   end every added id must be retrievable and the index count must match
   (no lost writes), with no errors on either side.

Both servers run at once and each phase runs on one, then the other (so
drifting load from other work on a shared machine falls on both alike); the
phases are run ``--rounds`` times, the order of the two servers flipping every
round, and the figures are over all rounds (the ratio of each round is printed
too). Every figure is printed for both servers, with the current server's ratio
to the baseline measured in the same run, since the machines here are small
(2 cores) and shared. Beside the latencies, each phase reports the servers' CPU
time per request and the cores' worth of CPU they got (all their processes,
from ``/proc``): a server slower on a shared machine can be doing more work
per request, or be given less of the machine. Uses the l2r news pairs from ../shared/data when
present, else variants of the bundled example.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import DATA, l2r_news

ROOT = Path(__file__).resolve().parent.parent
RETOLD = str(Path(sys.executable).with_name("retold"))
TOKEN = "bench-token"


# --- the server ---------------------------------------------------------------------


BASELINE_COMMIT = "9a626fe"  # the last commit with the http.server implementation


def baseline_checkout(commit: str, into: Path) -> Path:
    """A ``src`` directory: this checkout's pipeline with the web service of ``commit``.

    Only ``retold/service/`` and ``retold/cli_serve.py`` come from ``commit``,
    so both servers run the same comparison and index code and the figures
    compare the HTTP stacks alone.
    """
    src = into / "src"
    shutil.copytree(ROOT / "src" / "retold", src / "retold", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.rmtree(src / "retold" / "service")
    files = ["src/retold/service", "src/retold/cli_serve.py"]
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, *files],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    if (src / "retold" / "cli").is_dir():  # the command line became a package later
        (src / "retold" / "cli_serve.py").replace(src / "retold" / "cli" / "serve.py")
    return src


def start(
    index: Path, workers: int, src: Path | None = None
) -> tuple[subprocess.Popen[str], str, int]:
    """``retold serve`` from this checkout, or from another ``src`` directory."""
    env = dict(os.environ)
    cmd = [RETOLD]
    if src is not None:
        env["PYTHONPATH"] = str(src)
        cmd = [sys.executable, "-c", "from retold.cli import run; run()"]
    proc = subprocess.Popen(
        [
            *cmd,
            *("serve", "--host", "127.0.0.1", "--port", "0", "--index", str(index)),
            *("--workers", str(workers), "--queue", "64", "--quiet", "--token", TOKEN),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"listening on http://([\d.]+):(\d+)/", line)
        if m:
            # drain stderr in the background so the server never blocks on it
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, m.group(1), int(m.group(2))
    proc.kill()
    raise SystemExit("retold serve did not start")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Client:
    """One keep-alive connection; reconnects after the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# --- phases -------------------------------------------------------------------------


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the server, its forkserver and the workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text("ascii").rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a server's processes (Linux; 0 elsewhere).

    User and system time of each process, its ended threads (the old server's
    connection threads) and ended children (replaced workers) included: the
    figure that tells a server that does more work per request from one that
    gets less of a shared machine's CPU.
    """
    if not Path("/proc/self/stat").exists():
        return 0.0
    ticks = 0
    for p in _process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text("ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        ticks += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: CPU seconds the server's processes used during the phase
    cpu: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU per answered request, in ms."""
        return self.cpu / len(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def share(self) -> float:
        """Cores' worth of CPU the server got during the phase."""
        return self.cpu / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    @classmethod
    def merge(cls, parts: Sequence[Result]) -> Result:
        """The rounds of one phase as one: requests and seconds summed."""
        out = cls(parts[0].name)
        for r in parts:
            out.latencies += r.latencies
            out.errors += r.errors
            out.seconds += r.seconds
            out.cpu += r.cpu
        return out


def run_phase(
    name: str,
    host: str,
    port: int,
    make: Callable[[int], tuple[str, str, Any]],
    *,
    clients: int,
    requests: int,
    seconds: float,
    pid: int = 0,
) -> Result:
    """``requests`` calls of ``make(i) -> (method, path, body)`` from ``clients`` threads
    (``pid``: the server's, for its CPU time)."""
    res = Result(name)
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + seconds

    def worker() -> None:
        c = Client(host, port)
        try:
            while time.monotonic() < deadline:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                method, path, body = make(i)
                t0 = time.perf_counter()
                try:
                    status, data = c.call(method, path, body)
                except OSError as exc:
                    status, data = 0, str(exc).encode()
                dt = time.perf_counter() - t0
                with lock:
                    if 200 <= status < 300:
                        res.latencies.append(dt)
                    else:
                        res.errors.append(f"{status} {data[:200]!r}")
        finally:
            c.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    cpu0 = cpu_seconds(pid) if pid else 0.0
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    res.seconds = time.perf_counter() - t0
    res.cpu = cpu_seconds(pid) - cpu0 if pid else 0.0
    return res


def corpus() -> tuple[list[tuple[str, str]], list[str], str]:
    """(source id, text) pairs, rewrites (aligned by position), and where they came from."""
    if (DATA / "l2r_news_dev" / "sources.jsonl").exists():
        sources, rewrites = l2r_news()
        by_source = {r["source_id"]: r["text"] for r in rewrites if r["source_id"] in sources}
        ids = [i for i in sources if i in by_source]
        return [(f"src-{i}", sources[i]) for i in ids], [by_source[i] for i in ids], "l2r_news_dev"
    wire = (ROOT / "examples" / "wire.txt").read_text(encoding="utf-8")
    rewrite = (ROOT / "examples" / "rewrite.txt").read_text(encoding="utf-8")
    docs = [
        (f"wire-{i}", f"{wire}\n\nUpdate {i}: the river gauge read {i} cm.") for i in range(200)
    ]
    return docs, [f"{rewrite}\n\nEdition {i}." for i in range(200)], "examples (synthetic)"


def report(rows: Sequence[Result], base: Result) -> None:
    print(
        f"\n{'phase':<26}{'ok':>6}{'err':>5}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'rps/health':>12}{'cpu ms/req':>12}{'cores':>7}"
    )
    for r in rows:
        print(
            f"{r.name:<26}{len(r.latencies):>6}{len(r.errors):>5}{r.rps:>9.1f}"
            f"{r.pct(0.5) * 1000:>9.1f}{r.pct(0.99) * 1000:>9.1f}"
            f"{r.rps / base.rps:>12.4f}{r.cpu_ms:>12.2f}{r.share:>7.2f}"
        )


def compare_runs(before: Run, after: Run) -> None:
    print(
        f"\n{'phase':<26}{'rps before':>11}{'rps after':>10}{'ratio':>7}{'  per round':<22}"
        f"{'p50 b/a ms':>14}{'p99 b/a ms':>16}{'cpu/req a/b':>12}{'cores a/b':>10}"
    )
    for b, a, rb, ra in zip(before.rows, after.rows, before.rounds, after.rounds, strict=True):
        ratio = a.rps / b.rps if b.rps else float("nan")
        rounds = " ".join(
            f"{y.rps / x.rps:.2f}" if x.rps else "nan" for x, y in zip(rb, ra, strict=True)
        )
        p50 = f"{b.pct(0.5) * 1000:.1f}/{a.pct(0.5) * 1000:.1f}"
        p99 = f"{b.pct(0.99) * 1000:.1f}/{a.pct(0.99) * 1000:.1f}"
        cpu = a.cpu_ms / b.cpu_ms if b.cpu_ms else float("nan")
        share = a.share / b.share if b.share else float("nan")
        print(
            f"{a.name:<26}{b.rps:>11.1f}{a.rps:>10.1f}{ratio:>7.2f}  {rounds:<20}"
            f"{p50:>14}{p99:>16}{cpu:>12.2f}{share:>10.2f}"
        )


@dataclass
class Run:
    """The phases against one server (every round), and what happened to the writes."""

    label: str
    rounds: list[list[Result]]  # per phase, its result in each round
    added: list[str]
    write_errors: list[str]
    lost: int
    missing: list[str]
    expected_adds: int
    seed_seconds: float

    @property
    def rows(self) -> list[Result]:
        return [Result.merge(parts) for parts in self.rounds]

    @property
    def ok(self) -> bool:
        errors = [e for r in self.rows for e in r.errors] + self.write_errors
        return (
            not errors
            and self.lost == 0
            and not self.missing
            and len(self.added) == self.expected_adds
        )


PHASES = ("health", "compare", "search", "unseen", "mixed")

Make = Callable[[int], tuple[str, str, Any]]


def _compare_at(docs: Sequence[tuple[str, str]], rewrites: Sequence[str], off: int) -> Make:
    """Request ``i``: compare source ``off + i`` with its rewrite (wrapping around)."""

    def make(i: int) -> tuple[str, str, Any]:
        j = (i + off) % len(docs)
        return "POST", "/api/compare", {"a": docs[j][1], "b": rewrites[j], "include_text": False}

    return make


def _search_for(queries: Sequence[str], off: int) -> Make:
    """Request ``i``: search for query ``off + i`` (wrapping around)."""

    def make(i: int) -> tuple[str, str, Any]:
        return "POST", "/api/search", {"article": queries[(i + off) % len(queries)], "k": 5}

    return make


def _slices(items: Sequence[Any], n: int) -> list[Sequence[Any]]:
    """``items`` in ``n`` consecutive, disjoint parts (one per round)."""
    step = -(-len(items) // n)
    return [items[i * step : (i + 1) * step] for i in range(n)]


def load(
    out: list[Run],
    label: str,
    server: tuple[int, str, int],
    args: argparse.Namespace,
    docs: list[tuple[str, str]],
    rewrites: list[str],
) -> Iterator[None]:
    """The phases against one running server, ``args.rounds`` times; yields after
    each phase (see :func:`lockstep`) and appends the :class:`Run` to ``out`` at the end.

    Every round repeats every phase; what must be new each time (the unseen
    queries, the documents added while searching) is split between the rounds.
    """
    pid, host, port = server
    seed, later = docs[: args.seed_docs], docs[args.seed_docs :]
    req = args.requests
    kw = {"clients": args.clients, "seconds": args.seconds, "pid": pid}
    # the queries no phase sent before: the compare phase's first round sends rewrites [0, req)
    fresh = _slices(rewrites[req:] if len(rewrites) > req else rewrites, args.rounds)
    adds = _slices(later, args.rounds)
    results: dict[str, list[Result]] = {p: [] for p in PHASES}
    added: list[str] = []
    write_errors: list[str] = []
    lost = 0
    seed_seconds = 0.0
    for rnd in range(args.rounds):
        off = rnd * req
        results["health"].append(
            run_phase(
                "GET /api/health",
                host,
                port,
                lambda i: ("GET", "/api/health", None),
                requests=req * 20,
                **kw,
            )
        )
        yield
        results["compare"].append(
            run_phase(
                "POST /api/compare",
                host,
                port,
                _compare_at(docs, rewrites, off),
                requests=req,
                **kw,
            )
        )
        if rnd == 0:  # before anything is indexed, so no sentence is in the encoder's cache yet
            seed_seconds = _seed(label, host, port, seed)
        yield
        results["search"].append(
            run_phase(
                "POST /api/search",
                host,
                port,
                _search_for(rewrites[: len(seed)], off),
                requests=req,
                **kw,
            )
        )
        # the phase above repeats the compare phase's rewrites, whose sentences a
        # server may have cached (the old one in one process-wide cache, the new one
        # per worker process and in a shared file); these were sent to neither before
        yield
        part = fresh[rnd]
        results["unseen"].append(
            run_phase(
                "POST /api/search (unseen)",
                host,
                port,
                _search_for(part, 0),
                requests=min(req, len(part)),
                **kw,
            )
        )
        yield
        mixed, got, errs, lost_now = _mixed(host, port, args, docs, rewrites, adds[rnd], off, pid)
        results["mixed"].append(mixed)
        added += got
        write_errors += errs
        lost += lost_now
        yield
    c = Client(host, port)
    missing = [d for d in added if c.call("GET", f"/api/documents/{d}")[0] != 200]
    c.close()
    rounds = [results[p] for p in PHASES]
    out.append(Run(label, rounds, added, write_errors, lost, missing, len(later), seed_seconds))


def _seed(label: str, host: str, port: int, seed: Sequence[tuple[str, str]]) -> float:
    c = Client(host, port)
    t0 = time.perf_counter()
    for i in range(0, len(seed), 50):
        batch = [{"id": d, "text": t} for d, t in seed[i : i + 50]]
        status, data = c.call("POST", "/api/documents", {"documents": batch})
        assert status == 200, data[:300]
    seconds = time.perf_counter() - t0
    print(f"{label}: seeded the index with {len(seed)} documents in {seconds:.1f} s")
    c.close()
    return seconds


def _mixed(
    host: str,
    port: int,
    args: argparse.Namespace,
    docs: list[tuple[str, str]],
    rewrites: list[str],
    todo: Sequence[tuple[str, str]],
    off: int,
    pid: int,
) -> tuple[Result, list[str], list[str], int]:
    """Searches while one client adds ``todo`` in batches of 5: (searches, ids added,
    write errors, writes lost: the index's count against what was acknowledged)."""
    added: list[str] = []
    write_errors: list[str] = []
    c = Client(host, port)
    before = json.loads(c.call("GET", "/api/index")[1])["documents"]

    def writer() -> None:
        w = Client(host, port)
        try:
            for i in range(0, len(todo), 5):
                batch = [{"id": d, "text": t} for d, t in todo[i : i + 5]]
                status, data = w.call("POST", "/api/documents", {"documents": batch})
                if status != 200:
                    write_errors.append(f"{status} {data[:200]!r}")
                    continue
                added.extend(json.loads(data)["ids"])
        finally:
            w.close()

    wt = threading.Thread(target=writer)
    wt.start()
    mixed = run_phase(
        "search while adding",
        host,
        port,
        _search_for(rewrites, off),
        requests=args.requests,
        clients=args.clients,
        seconds=args.seconds,
        pid=pid,
    )
    wt.join()
    after = json.loads(c.call("GET", "/api/index")[1])["documents"]
    c.close()
    return mixed, added, write_errors, before + len(added) - after


def summarize(run: Run) -> None:
    print(f"\n== {run.label}")
    rows = run.rows
    report(rows, rows[0])
    print(
        f"seeding {run.seed_seconds:.1f} s; writes during the mixed phases: "
        f"{len(run.added)} documents added in batches of 5, "
        f"{len(run.write_errors)} failed, {run.lost} lost, {len(run.missing)} not retrievable"
    )
    errors = [e for r in rows for e in r.errors] + run.write_errors
    for e in errors[:5]:
        print("error:", e)


def lockstep(
    servers: list[tuple[str, Path | None]],
    args: argparse.Namespace,
    docs: list[tuple[str, str]],
    rewrites: list[str],
) -> list[Run]:
    """Start every server, then run each phase on one server after the other, so
    the load other work puts on a shared machine falls on them alike; the order
    flips every round, so neither always goes first."""
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        procs: list[subprocess.Popen[str]] = []
        try:
            gens = []
            for n, (label, src) in enumerate(servers):
                proc, host, port = start(Path(tmp) / f"index-{n}", args.workers, src)
                procs.append(proc)
                gens.append(load(runs, label, (proc.pid, host, port), args, docs, rewrites))
            for step in range(len(PHASES) * args.rounds + 1):
                for g in gens if (step // len(PHASES)) % 2 == 0 else gens[::-1]:
                    next(g, None)
        finally:
            for proc in procs:
                stop(proc)
    order = [label for label, _ in servers]
    return sorted(runs, key=lambda r: order.index(r.label))


# --- the scheduler probe ------------------------------------------------------------


def _busy_job() -> float:
    """CPU work shaped like a request's: numpy products (the GIL released) between
    Python loops (the GIL held)."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random((64, 512), dtype=np.float32)
    w = rng.random((512, 512), dtype=np.float32)
    total = 0.0
    for _ in range(12):
        total += float((a @ w).sum())
        for i in range(3000):
            total += i * 0.5
    return total


def _thread_loop(todo: queue.Queue[int | None], done: queue.Queue[float]) -> None:
    while todo.get() is not None:
        done.put(_busy_job())


def _process_loop(conn: Any) -> None:
    while conn.recv() is not None:
        conn.send(_busy_job())


def _by_threads(seconds: float) -> tuple[float, float]:
    """(jobs/s, cores) of 2 threads of this process kept busy for ``seconds``."""
    todo: queue.Queue[int | None] = queue.Queue()
    done: queue.Queue[float] = queue.Queue()
    threads = [threading.Thread(target=_thread_loop, args=(todo, done)) for _ in range(2)]
    for t in threads:
        t.start()
    cpu0, t0, n = cpu_seconds(os.getpid()), time.perf_counter(), 0
    for _ in range(4):
        todo.put(1)
    while time.perf_counter() - t0 < seconds:
        done.get()
        n += 1
        todo.put(1)
    wall, cpu = time.perf_counter() - t0, cpu_seconds(os.getpid()) - cpu0
    for _ in threads:
        todo.put(None)
    for t in threads:
        t.join()
    return n / wall, cpu / wall


def _by_processes(conns: list[Any], pids: list[int], seconds: float) -> tuple[float, float]:
    """(jobs/s, cores) of the worker processes behind ``conns`` kept busy for ``seconds``."""
    from multiprocessing.connection import wait

    cpu0, t0, n = sum(map(cpu_seconds, pids)), time.perf_counter(), 0
    for c in conns:
        c.send(1)
    while time.perf_counter() - t0 < seconds:
        for ready in wait(conns):
            conn: Any = ready  # one of ``conns``
            conn.recv()
            n += 1
            conn.send(1)
    wall, cpu = time.perf_counter() - t0, sum(map(cpu_seconds, pids)) - cpu0
    for c in conns:
        c.recv()
    return n / wall, cpu / wall


def scheduler_probe(rounds: int, seconds: float = 3.0) -> None:
    """The same CPU jobs run by 2 threads of one process and by 2 worker processes,
    alternately (each first in every other round): what the machine gives each
    way of working, and the work each gets done per CPU second.

    The old server runs its work on threads, the new one on processes; on cores
    shared with other sessions the two can be given different shares of the CPU
    for the same work, which no change to the service's own code would show.
    """
    import multiprocessing as mp
    import statistics

    # one BLAS thread everywhere, as in the servers (set before numpy loads;
    # the spawned workers inherit it)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    ctx = mp.get_context("spawn")
    workers = []
    for _ in range(2):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_process_loop, args=(child,), daemon=True)
        proc.start()
        workers.append((parent, proc))
    conns = [c for c, _ in workers]
    pids = [p.pid for _, p in workers if p.pid is not None]
    _by_processes(conns, pids, 0.5)  # imports and first allocations, not measured
    ratios = []
    head = f"{'threads jobs/s':>15}{'cores':>7}{'processes jobs/s':>18}{'cores':>7}{'ratio':>7}"
    print(f"{'round':<7}{head}")
    try:
        for r in range(rounds):
            if r % 2 == 0:
                tr, tc = _by_threads(seconds)
                pr, pc = _by_processes(conns, pids, seconds)
            else:
                pr, pc = _by_processes(conns, pids, seconds)
                tr, tc = _by_threads(seconds)
            ratios.append(pr / tr)
            print(f"{r:<7}{tr:>15.1f}{tc:>7.2f}{pr:>18.1f}{pc:>7.2f}{pr / tr:>7.2f}")
    finally:
        for c, p in workers:
            c.send(None)
            p.join(5)
    print(
        f"processes/threads, jobs per second: median {statistics.median(ratios):.2f}, "
        f"range {min(ratios):.2f}-{max(ratios):.2f} over {rounds} rounds"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients per phase")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="server workers")
    ap.add_argument("--requests", type=int, default=120, help="requests per heavy phase and round")
    ap.add_argument("--rounds", type=int, default=3, help="times every phase is run on each server")
    ap.add_argument("--seconds", type=float, default=30.0, help="time limit per phase")
    ap.add_argument("--seed-docs", type=int, default=150, help="documents indexed first")
    ap.add_argument(
        "--baseline-commit",
        default=BASELINE_COMMIT,
        help="git commit of the server to compare with ('none' to skip it)",
    )
    ap.add_argument(
        "--scheduler-probe",
        action="store_true",
        help="instead: the same CPU jobs on 2 threads and on 2 processes, alternately",
    )
    args = ap.parse_args()
    if args.scheduler_probe:
        scheduler_probe(max(2, args.rounds * 4))
        return

    docs, rewrites, origin = corpus()
    print(
        f"retold serve load test: {args.clients} clients, {args.workers} workers, "
        f"{os.cpu_count()} CPUs, {args.rounds} rounds; data: {origin}"
    )
    servers: list[tuple[str, Path | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline_commit != "none":
            src = baseline_checkout(args.baseline_commit, Path(tmp))
            servers.append((f"before: http.server (service of {args.baseline_commit})", src))
        servers.append(("after: FastAPI/uvicorn (this checkout)", None))
        runs = lockstep(servers, args, docs, rewrites)
    for run in runs:
        summarize(run)
    if len(runs) == 2:
        print(
            "\n== after vs before (ratio = requests/s after / before, over all rounds and "
            "per round; cpu/req and cores: the after server's CPU time per request and "
            "share of the machine, over the before server's)"
        )
        compare_runs(runs[0], runs[1])
    ok = all(r.ok for r in runs)
    print("RESULT:", "ok" if ok else "FAILED (errors or lost writes)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
