"""Fault suite of the index stage: the reproductions of issue 16 that concern the
index, the stories beside it and their command line, each kept as a test.

Real index directories, real processes (the ``retold`` command line, and
``retold serve`` on localhost for the concurrency test), no mocks.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retold.comparison import head_cosine, prepare
from retold.embed import HashingEncoder
from retold.errors import InputError, RetoldError, UsageError
from retold.index import Index
from retold.index.docwork import body_signature, stored_prepared
from retold.types import Document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RETOLD = str(Path(sys.executable).with_name("retold"))
ENC = HashingEncoder(64)
VECTOR_FILES = ("sent.f16", "doc.f16", "sent_doc.i32", "minhash.u32")

_RNG = random.Random(16)
_VOCAB = [
    "".join(
        _RNG.choice("bcdfghklmnprstv") + _RNG.choice("aeiou") for _ in range(_RNG.randint(2, 4))
    )
    for _ in range(3000)
]


def article(seed: int, n: int = 5) -> str:
    """A made-up article of ``n`` paragraphs, different for every seed."""
    rng = random.Random(seed)
    paras = []
    for _ in range(n):
        words = [rng.choice(_VOCAB) for _ in range(rng.randint(12, 20))]
        paras.append(" ".join(words).capitalize() + f" {rng.randint(10, 9999)}.")
    return "\n\n".join(paras)


def run(*args: str, stdin: str | None = None, **kw: Any) -> subprocess.CompletedProcess[str]:
    """The ``retold`` command line, as a user runs it."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [RETOLD, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300, **kw
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The error a failed command printed: one line, no traceback, no internal error."""
    err = proc.stderr.strip()
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [x for x in err.splitlines() if x.startswith("retold: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """An index of 12 articles made with the hashing encoder."""
    path = tmp_path / "ix"
    with Index(path, encoder=ENC) as ix:
        ix.add([Document(article(i), id=f"doc-{i}") for i in range(12)])
    return path


# --- 16.1: compaction under a long-lived Index (a server's) -------------------


def test_an_index_held_open_follows_a_compaction_and_loses_no_write(built: Path) -> None:
    server = Index(built, lock_timeout=10)  # opened before, like a running server
    try:
        assert len(server) == 12
        server.add(Document(article(100), id="before"))  # a server that has written
        with Index(built, lock_timeout=10) as cli:
            cli.remove("doc-0")
            out = cli.compact()
        assert out["removed"] == 1
        # the acknowledged write after the compaction lands in the new index
        assert server.add(Document(article(101), id="after")).added == 1
        with Index(built) as fresh:
            assert "after" in fresh and "before" in fresh and "doc-0" not in fresh
            fresh.add(Document(article(102), id="from-cli"))
        # and the server sees what the command line adds after the compaction
        assert "from-cli" in server and len(server) == 14
        assert server.search(article(102), k=1)[0].id == "from-cli"
    finally:
        server.close()


def test_a_writer_waiting_on_a_compaction_writes_into_the_new_index(built: Path) -> None:
    copying = threading.Event()
    errors: list[BaseException] = []

    def slow(done: int, total: int) -> None:
        copying.set()
        time.sleep(0.5)  # the copy is under way: a writer now has to wait for it

    def compact() -> None:
        try:
            with Index(built) as ix:
                ix.remove("doc-1")
                ix.compact(progress=slow)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    waiting = Index(built, lock_timeout=30)
    try:
        len(waiting)  # open on the directory about to be replaced
        t = threading.Thread(target=compact)
        t.start()
        assert copying.wait(30)
        assert waiting.add(Document(article(200), id="waited")).added == 1
        t.join(60)
        assert not errors, errors
    finally:
        waiting.close()
    with Index(built) as ix:
        assert "waited" in ix and "doc-1" not in ix and len(ix) == 12
        assert ix.stats()["removed"] == 0  # it landed after the compaction, not in the old copy


def test_a_long_add_lets_another_writer_take_its_turn(built: Path) -> None:
    committed = threading.Event()
    finished = threading.Event()
    other_done_early: list[bool] = []

    def long_add() -> None:
        docs = [Document(article(400 + i), id=f"long-{i}") for i in range(60)]
        with Index(built) as ix:
            ix.add(docs, batch_size=2, progress=lambda s: committed.set())
        finished.set()

    t = threading.Thread(target=long_add)
    t.start()
    try:
        assert committed.wait(60)  # the long add is under way, batch after batch
        with Index(built, lock_timeout=30) as other:
            assert other.add(Document(article(399), id="between")).added == 1
        other_done_early.append(not finished.is_set())
    finally:
        t.join(120)
    assert other_done_early == [True]  # it did not wait for the whole add
    with Index(built) as ix:
        ids = ix.ids()
        assert "between" in ids and ids[-1].startswith("long-") and len(ids) == 12 + 61


# --- 16.2: stories after a remove ---------------------------------------------


def test_stories_survive_a_remove_and_a_compaction(tmp_path: Path) -> None:
    ix = str(tmp_path / "s")
    files = sorted(str(p) for p in EXAMPLES.glob("*.txt"))
    assert run("index", "add", "--index", ix, "--encoder", "hashing", "-q", *files).returncode == 0
    first = run("stories", "--index", ix, "--json", "-q")
    assert first.returncode == 0, first.stderr
    rewrite = str((EXAMPLES / "rewrite.txt").resolve())
    assert rewrite in json.dumps(json.loads(first.stdout))  # it is in a story
    assert run("index", "remove", "--index", ix, rewrite).returncode == 0
    for _ in range(2):
        after = run("stories", "--index", ix, "--json", "-q")
        assert after.returncode == 0, after.stderr
        assert rewrite not in after.stdout
        assert run("stories", "--index", ix, "-q").returncode == 0  # the table too
        assert run("index", "compact", "--index", ix, "-q").returncode == 0
    # the HTTP routes' functions
    from retold.stories import StoryBook, get_story, list_stories

    with Index(ix) as index:
        listed = list_stories(index)
        assert rewrite not in json.dumps(listed)
        for s in listed["stories"]:
            assert get_story(index, s["id"]) == s
        # added again under the same id: linked again, back in a story
        index.add_paths([rewrite])
        with StoryBook(index) as book:
            assert book.pending() == [rewrite]
            book.update()
            assert any(rewrite in s.articles for s in book.stories())


# --- 16.5: damaged vector files --------------------------------------------------


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_a_truncated_vector_file_is_refused_reported_and_repaired(built: Path, name: str) -> None:
    clean = built.with_name("clean")
    shutil.copytree(built, clean)
    f = built / name
    os.truncate(f, f.stat().st_size // 2)
    new = built.parent / "new.txt"
    new.write_text(article(300), encoding="utf-8")

    add = run("index", "add", "--index", str(built), "-q", str(new))
    assert add.returncode == 1
    line = one_line_error(add)
    assert name in line and f"retold index compact --index {built}" in line
    assert f.stat().st_size == (clean / name).stat().st_size // 2  # nothing written

    stats = run("index", "stats", "--index", str(built), "--json")
    assert stats.returncode == 1 and name in stats.stderr
    assert name in json.loads(stats.stdout)["damage"][0]
    with pytest.raises(InputError, match=name):
        Index(built).remove("doc-3")

    fixed = run("index", "compact", "--index", str(built), "-q")
    assert fixed.returncode == 0, fixed.stderr
    stats = run("index", "stats", "--index", str(built), "--json")
    assert stats.returncode == 0 and "damage" not in json.loads(stats.stdout)
    for other in ("sent.f16", "sent_doc.i32", "minhash.u32"):  # as before the damage
        assert (built / other).read_bytes() == (clean / other).read_bytes(), other
    # document vectors are means: of the stored float16 rows now, of float32 at add time
    docs = np.fromfile(built / "doc.f16", dtype=np.float16).astype(np.float32)
    assert np.allclose(docs, np.fromfile(clean / "doc.f16", dtype=np.float16), atol=2e-3)
    assert run("index", "add", "--index", str(built), "-q", str(new)).returncode == 0


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_random_bytes_in_a_vector_file_give_no_internal_error(built: Path, name: str) -> None:
    f = built / name
    f.write_bytes(np.random.default_rng(5).bytes(f.stat().st_size))
    q = built.parent / "q.txt"
    q.write_text(article(4), encoding="utf-8")
    if name == "sent_doc.i32":  # its rows must name stored documents, in order
        stats = run("index", "stats", "--index", str(built))
        assert stats.returncode == 1 and f"damaged: {name}" in stats.stderr
    for args in (
        ("search", str(q), "--index", str(built)),
        ("index", "add", "--index", str(built), "-q", str(q)),
        ("stories", "--index", str(built), "-q"),
        ("index", "compact", "--index", str(built), "-q"),
        ("search", str(q), "--index", str(built), "--json"),
    ):
        proc = run(*args)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        if proc.returncode:
            one_line_error(proc)
    if name != "sent.f16":  # everything but the sentence vectors is derived: compact rebuilt it
        res = json.loads(proc.stdout)["results"]
        assert res[0]["id"] == "doc-4"


# --- stored vectors belong to the sentences they were made from ------------------


def test_stored_vectors_are_checked_against_their_sentences() -> None:
    doc = Document(article(9), id="d", language="en")
    p = prepare(doc, ENC)
    sig = body_signature(p.body)
    got = stored_prepared(doc, p.vectors, body_sig=sig)
    assert np.array_equal(got.vectors, p.vectors)
    # the same count of vectors, but made for other sentences: never attached silently
    other = body_signature(p.body[1:] + p.body[:1])
    with pytest.raises(RetoldError, match="do not match its sentences"):
        stored_prepared(doc, p.vectors, body_sig=other)
    with pytest.raises(RetoldError, match="retold index compact"):
        stored_prepared(doc, p.vectors[:-1])
    nan = p.vectors.copy()
    nan[0, 0] = np.nan
    with pytest.raises(RetoldError):
        stored_prepared(doc, nan, body_sig=sig)
    # with an encoder, they are computed again instead
    for vecs, s in ((p.vectors, other), (p.vectors[:-1], None), (nan, sig)):
        again = stored_prepared(doc, vecs, ENC, body_sig=s)
        assert np.array_equal(again.vectors, p.vectors)
    with pytest.raises(ValueError, match="sentence vectors for"):
        p.with_vectors(p.vectors[:-1])


def test_an_index_keeps_each_documents_body_signature(built: Path) -> None:
    with Index(built) as ix:
        row = ix.store.doc_by_id("doc-2")
        assert row is not None and row.body_sig is not None
        p = ix.prepared("doc-2")
        assert p is not None and body_signature(p.body) == row.body_sig


def test_an_index_keeps_each_documents_headline_vector(built: Path) -> None:
    with Index(built) as ix:
        row = ix.store.doc_by_id("doc-2")
        assert row is not None and row.head is not None
        p = ix.prepared("doc-2")
        assert p is not None and p.head is not None
        doc = ix.get("doc-2")
        assert doc is not None
        fresh = prepare(doc, ix.encoder)
        assert fresh.head is not None
        # stored as float16: the same vector to that precision
        assert np.allclose(p.head, fresh.head, atol=2e-3)


def test_a_stored_document_without_a_headline_vector_gets_one(built: Path) -> None:
    doc = Document(article(9), id="d", language="en")
    p = prepare(doc, ENC)
    assert p.head is not None
    # stored before headlines were kept: encoded again when an encoder is at hand
    again = stored_prepared(doc, p.vectors, ENC)
    assert again.head is not None and np.allclose(again.head, p.head)
    # without one, the pair engine reads the first sentence in its place
    bare = stored_prepared(doc, p.vectors)
    assert bare.head is None
    assert 0.99 < head_cosine(bare, p.with_head(p.vectors[0])) <= 1.0 + 1e-6
    # a stored vector of another size is not attached
    wrong = np.zeros(ENC.dim + 1, dtype=np.float16).tobytes()
    assert stored_prepared(doc, p.vectors, head=wrong).head is None


def test_an_index_from_before_headlines_is_upgraded(built: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(built, old)
    conn = sqlite3.connect(old / "index.db")
    conn.execute("ALTER TABLE docs DROP COLUMN head")
    conn.commit()
    conn.close()
    with Index(old) as ix:
        row = ix.store.doc_by_id("doc-2")
        assert row is not None and row.head is None
        p = ix.prepared("doc-2")
        assert p is not None and p.head is not None  # encoded again
        assert ix.search(ix.get("doc-2").text)[0].id == "doc-2"  # type: ignore[union-attr]


# --- 16.9: the command line --------------------------------------------------------


def test_remove_reports_unknown_ids_and_what_it_removed(built: Path) -> None:
    proc = run("index", "remove", "--index", str(built), "doc-1", "nope", "doc-2")
    assert proc.returncode == 3
    line = one_line_error(proc)
    assert "'nope'" in line and "removed 2" in line and "'doc-1'" in line
    with Index(built) as ix:
        assert "doc-1" not in ix and "doc-2" not in ix and len(ix) == 10
    proc = run("index", "remove", "--index", str(built), "doc-1")
    assert proc.returncode == 1 and "removed nothing" in one_line_error(proc)
    assert run("index", "remove", "--index", str(built), "doc-3").returncode == 0


def test_add_has_the_max_bytes_option_its_message_suggests(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text(article(1, n=40), encoding="utf-8")
    ix = str(tmp_path / "ix")
    proc = run(
        "index", "add", "--index", ix, "--encoder", "hashing", "--max-bytes", "500", str(big)
    )
    assert proc.returncode == 3 and "--max-bytes" in proc.stderr
    proc = run("index", "add", "--index", ix, "--max-bytes", "1000000", str(big))
    assert proc.returncode == 0, proc.stderr
    assert "added 1" in proc.stderr


def test_stdin_closed_and_an_unusable_index_directory_are_one_line_errors(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    proc = subprocess.run(
        ["sh", "-c", f'exec "{RETOLD}" index add --index "{ix}" --encoder hashing - <&-'],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "stdin is closed" in one_line_error(proc)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    proc = run("index", "add", "--index", str(a_file / "ix"), str(EXAMPLES / "wire.txt"))
    assert proc.returncode == 1 and "cannot create the index directory" in one_line_error(proc)


def _as_nobody() -> list[str]:
    """A prefix running a command as an unprivileged user (root reads anything)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory any user may write in (pytest's tmp_path is its owner's only)."""
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="retold-faults-"))
    d.chmod(0o777)
    try:
        yield d
    finally:
        for p in d.rglob("*"):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(d)


def test_an_unreadable_subdirectory_is_reported_not_skipped(open_dir: Path) -> None:
    prefix = _as_nobody()
    corpus = open_dir / "corpus"
    (corpus / "ok").mkdir(parents=True)
    (corpus / "locked").mkdir()
    shutil.copy(EXAMPLES / "wire.txt", corpus / "ok")
    shutil.copy(EXAMPLES / "rewrite.txt", corpus / "locked")
    for d in (corpus, corpus / "ok"):
        d.chmod(0o777)
    (corpus / "locked").chmod(0)
    env = {**os.environ, "HOME": str(open_dir)}
    ix = open_dir / "ix"
    cmd = [*prefix, RETOLD, "index", "add", "--index", str(ix), "--encoder", "hashing"]
    proc = subprocess.run([*cmd, str(corpus)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert re.search(r"rejected .*locked: .*Permission denied", proc.stderr), proc.stderr
    assert "added 1" in proc.stderr
    # an index directory this user may not create is one line too
    inside = [*cmd[:-4], "--index", str(corpus / "locked" / "ix"), str(corpus / "ok")]
    proc = subprocess.run(inside, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "Permission denied" in one_line_error(proc)


# --- serve + command-line writes + compact + search, all at once ------------------


class _Server:
    """``retold serve --index`` as a subprocess on a free localhost port."""

    def __init__(self, index: Path) -> None:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            [RETOLD, "serve", "--index", str(index), "--port", "0", "--workers", "2", "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.url = ""
        self.log: list[str] = []
        found = threading.Event()

        def pump() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.log.append(line)
                m = re.search(r"http://127\.0\.0\.1:\d+", line)
                if m and not self.url:
                    self.url = m.group(0)
                    found.set()

        self._pump = threading.Thread(target=pump, daemon=True)
        self._pump.start()
        if not found.wait(180):
            self.stop()
            raise AssertionError("retold serve did not start: " + "".join(self.log))

    def post(self, path: str, body: Any, timeout: float = 120) -> tuple[int, Any]:
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._pump.join(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _all_at_once(server: _Server, index: Path, tmp_path: Path) -> tuple[list[str], int]:
    """HTTP writes and searches while the command line adds, removes and compacts;
    the ids of every acknowledged write, and the number of searches."""
    acked: list[str] = []  # every write that was answered as done
    counts = {"searches": 0}
    failures: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def http_writes() -> None:
        n = 0
        while not stop.is_set():
            doc_id = f"http-{n}"
            status, body = server.post(
                "/api/documents", {"documents": [{"id": doc_id, "text": article(1000 + n)}]}
            )
            if status == 200 and body.get("added") == 1:
                with lock:
                    acked.append(doc_id)
            elif status < 500 or status in (503, 504):
                pass  # refused or timed out: not acknowledged, so nothing is owed
            else:
                failures.append(f"POST /api/documents {status}: {body}")
            n += 1

    def searches() -> None:
        n = 0
        while not stop.is_set():
            counts["searches"] += 1
            status, body = server.post(
                "/api/search", {"article": {"text": article(n % 40)}, "k": 3}
            )
            if status >= 500 and status not in (503, 504):
                failures.append(f"POST /api/search {status}: {body}")
            n += 1

    threads = [threading.Thread(target=f) for f in (http_writes, searches)]
    for t in threads:
        t.start()
    try:
        for round_ in range(3):  # the command line adds, removes and compacts meanwhile
            feed = tmp_path / f"feed-{round_}.jsonl"
            ids = [f"cli-{round_}-{j}" for j in range(5)]
            feed.write_text(
                "".join(
                    json.dumps({"id": i, "text": article(5000 + 10 * round_ + j)}) + "\n"
                    for j, i in enumerate(ids)
                )
            )
            proc = run("index", "add", "--index", str(index), "-q", "-j", "1", str(feed))
            assert proc.returncode == 0, proc.stderr
            with lock:
                acked.extend(ids)
            rm = run("index", "remove", "--index", str(index), f"seed-{round_}")
            assert rm.returncode == 0, rm.stderr
            comp = run("index", "compact", "--index", str(index), "-q")
            assert comp.returncode == 0, comp.stderr
    finally:
        stop.set()
        for t in threads:
            t.join(180)
    assert not failures, failures[:3]
    assert any(a.startswith("http-") for a in acked), "no write went through the server"
    # a write acknowledged after the last compaction, and found by the server's search
    status, body = server.post(
        "/api/documents", {"documents": [{"id": "last", "text": article(99999)}]}
    )
    assert status == 200 and body["added"] == 1
    acked.append("last")
    status, body = server.post("/api/search", {"article": {"text": article(5021)}, "k": 1})
    assert status == 200 and body["results"][0]["id"] == "cli-2-1"
    return acked, counts["searches"]


@pytest.mark.slow
def test_serve_cli_writes_compact_and_search_at_once_lose_no_acknowledged_write(
    tmp_path: Path,
) -> None:
    index = tmp_path / "ix"
    with Index(index, encoder=ENC) as ix:
        ix.add([Document(article(i), id=f"seed-{i}") for i in range(40)])
    server = _Server(index)
    try:
        acked, searches = _all_at_once(server, index, tmp_path)
    finally:
        server.stop()  # whatever failed: no server left running
    with Index(index) as ix:
        present = set(ix.ids())
        lost = [a for a in acked if a not in present]
        assert not lost, f"{len(lost)} acknowledged writes lost: {lost[:5]}"
        http = sum(a.startswith("http-") for a in acked)
        print(
            f"\n{len(acked)} acknowledged writes ({http} over HTTP, {len(acked) - http} by "
            f"the command line), 3 compactions, {searches} searches: none lost"
        )
        assert {f"seed-{i}" for i in range(3)}.isdisjoint(present)
        assert len(present) == 37 + len(acked) + _unacknowledged(present, acked)
        assert ix.stats()["removed"] == 0 and "damage" not in ix.stats()


def _unacknowledged(present: set[str], acked: list[str]) -> int:
    """Writes the server committed but could not answer in time (allowed, and counted)."""
    return len({p for p in present if p.startswith("http-")} - set(acked))


def test_a_usage_error_names_the_lock_holder(built: Path) -> None:
    import fcntl

    with open(built / "writer.lock", "a+") as held, Index(built, lock_timeout=0.2) as ix:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(UsageError, match="another process is adding"):
            ix.compact()
        assert len(ix) == 12  # reading never waits
