"""Hostile clients and hostile input against real ``retold serve`` subprocesses (issue 16).

Each test is one reproduction from the issue: slow-header clients, HTTP/0.9,
duplicate headers, lone surrogates in labels, a 5,000-digit ``k``, terminal
escape codes in the access log, a timed-out request's worker, and stories
that must not be linked inside an unauthenticated request. Everything runs on
loopback with bounded sockets and time.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .conftest import RETOLD, ROOT, TOKEN, Server, assert_error, start_server, stop_server
from .test_api import raw_exchange, read_until_closed

AUTH = {"Authorization": f"Bearer {TOKEN}"}
WIRE = (ROOT / "examples" / "wire.txt").read_text(encoding="utf-8")
REWRITE = (ROOT / "examples" / "rewrite.txt").read_text(encoding="utf-8")
JSON = {"Content-Type": "application/json"}


# --- (6) slow-header clients ------------------------------------------------------


@pytest.fixture(scope="module")
def brisk() -> Iterator[Server]:
    """Default connection cap (128), a 3 s deadline for a request head."""
    srv = start_server("--idle-timeout", "3")
    yield srv
    stop_server(srv)


def test_slow_header_clients_do_not_starve_normal_requests(brisk: Server) -> None:
    """140 sockets each trickle a request head, one byte a second; meanwhile every
    normal request is answered at once, and the trickling sockets are cut off
    at the head deadline (not kept alive by each byte)."""
    head = b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100
    slow: list[socket.socket] = []
    try:
        for _ in range(140):
            s = socket.create_connection((brisk.host, brisk.port), timeout=10)
            s.sendall(head[:1])
            slow.append(s)
        t0 = time.monotonic()
        latencies: list[float] = []
        sent = 1
        while time.monotonic() - t0 < 4.5:
            if time.monotonic() - t0 > sent:  # one more byte on every slow socket
                for s in slow:
                    with contextlib.suppress(OSError):
                        s.sendall(head[sent : sent + 1])
                sent += 1
            t = time.monotonic()
            r = brisk.get("/api/health", timeout=5)
            latencies.append(time.monotonic() - t)
            assert r.status == 200, r.body
            time.sleep(0.1)
        assert len(latencies) >= 20 and max(latencies) < 1.0, latencies
        # past the 3 s deadline every trickling socket has been closed (with a 408
        # when it was still open, or earlier to make room for the normal requests)
        for s in slow:
            data = read_until_closed(s)
            assert data == b"" or data.startswith(b"HTTP/1.1 408"), data[:100]
    finally:
        for s in slow:
            s.close()


# --- (9) protocol oddities ----------------------------------------------------------


def test_http09_is_answered_at_once(server: Server) -> None:
    t0 = time.monotonic()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /\r\n")
        data = read_until_closed(sock)
    assert time.monotonic() - t0 < 2
    assert data.startswith(b"HTTP/1.1 505"), data[:100]
    assert b'"code": "http_version_not_supported"' in data


@pytest.mark.parametrize(
    "extra",
    [b"Host: localhost\r\nHost: evil.example\r\n", b"Content-Length: 2\r\nContent-Length: 2\r\n"],
)
def test_duplicate_host_or_length_is_refused(server: Server, extra: bytes) -> None:
    req = b"POST /api/compare HTTP/1.1\r\n" + extra + b"Content-Type: application/json\r\n\r\n{}"
    if b"Host" not in extra:
        req = req.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nHost: localhost\r\n", 1)
    assert_error(raw_exchange(server, req), 400, "bad_request")


# --- (8) hostile values: 4xx, never 500 --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/compare", b'{"a": {"text": "The wire story.", "title": "x\\ud800"}, "b": "text"}'),
        ("/api/compare", b'{"a": {"text": "The wire story.", "id": "\\udfff"}, "b": "text"}'),
        ("/api/documents", b'{"documents": [{"text": "A story.", "id": "x\\ud800y"}]}'),
        ("/api/search", b'{"article": "x", "k": ' + b"7" * 5000 + b"}"),
    ],
)
def test_hostile_values_are_4xx(server: Server, path: str, raw: bytes) -> None:
    r = server.request("POST", path, raw=raw, headers={**JSON, **AUTH})
    assert 400 <= r.status < 500, (r.status, r.body[:300])
    assert_error(r, r.status)


def test_access_log_escapes_control_characters(server: Server) -> None:
    assert_error(server.get("/%1b%5b31mred%07"), 404, "not_found")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any("red" in ln for ln in server.log):
        time.sleep(0.05)
    lines = [ln for ln in server.log if "red" in ln]
    assert lines and all("\x1b" not in ln and "\x07" not in ln for ln in lines), lines
    assert "\\x1b[31mred\\x07" in lines[-1]
    assert lines[-1].rstrip().endswith("ms") and " 404 " in lines[-1]


# --- a timed-out request frees its worker -------------------------------------------------


class _Hang(ThreadingHTTPServer):
    daemon_threads = True


class _HangHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(20)  # longer than the whole test: only a stopped worker gets free

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hanging_site() -> Iterator[str]:
    srv = _Hang(("127.0.0.1", 0), _HangHandler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/story"
    srv.shutdown()
    srv.server_close()


def test_a_timed_out_request_frees_its_worker(hanging_site: str) -> None:
    """The one worker fetches a page that never comes; at the request deadline the
    answer is 504 and the worker is stopped and replaced, so the next request is
    served at once instead of waiting 20 s for the stuck one."""
    srv = start_server(
        *("--allow-private-urls", "--fetch-timeout", "60", "--request-timeout", "1"),
        *("--workers", "1", "--queue", "0"),
    )
    try:
        t0 = time.monotonic()
        r = srv.post("/api/compare", {"a": hanging_site, "b": REWRITE})
        assert_error(r, 504, "timeout")
        assert time.monotonic() - t0 < 3
        srv.wait_idle(timeout=5)
        assert time.monotonic() - t0 < 6
        assert srv.post("/api/compare", {"a": WIRE, "b": REWRITE}).status == 200
    finally:
        stop_server(srv)


# --- (7) stories are never linked inside an unauthenticated request -----------------------


def test_stories_answer_what_is_linked_and_never_link(tmp_path: Path) -> None:
    index = tmp_path / "index"
    srv = start_server("--index", str(index), env={"RETOLD_TOKEN": TOKEN})
    try:
        docs = [
            {"text": WIRE, "id": "wire"},
            {"text": REWRITE, "id": "rewrite"},
            {"text": WIRE + "\n\nAn update added later in the day.", "id": "wire-update"},
        ]
        assert srv.post("/api/documents", {"documents": docs}, headers=AUTH).status == 200
        t0 = time.monotonic()
        r = srv.get("/api/stories")
        assert r.status == 200 and time.monotonic() - t0 < 5
        assert r.json["unlinked"] == 3 and "retold stories" in r.json["note"]
        with sqlite3.connect(index / "stories.sqlite") as db:
            assert db.execute("SELECT count(*) FROM linked").fetchone() == (0,)
        # the operator links (while the server runs), and the stories appear
        subprocess.run(
            [RETOLD, "stories", "--index", str(index)],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
        r = srv.get("/api/stories")
        assert r.json["unlinked"] == 0 and "note" not in r.json
        assert any({"wire", "rewrite"} <= set(s["articles"]) for s in r.json["stories"])
    finally:
        stop_server(srv)


def test_serve_without_the_extra_prints_an_install_hint(tmp_path: Path) -> None:
    # a sitecustomize that hides fastapi, as on an install without [serve]
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.modules['fastapi'] = None\nsys.modules['uvicorn'] = None\n",
        encoding="utf-8",
    )
    import os

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    res = subprocess.run(
        [RETOLD, "serve", "--port", "0"], capture_output=True, text=True, timeout=60, env=env
    )
    assert res.returncode != 0
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "pip install 'retold[serve]'" in lines[0], res.stderr
    # and the core package does not import the web stack
    probe = subprocess.run(
        [str(Path(RETOLD).with_name("python")), "-c",
         "import sys, retold, retold.cli; print('fastapi' in sys.modules)"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "False"


# --- (1) compact under a running server loses nothing ----------------------------------------


def test_writes_after_a_compact_under_the_server_are_kept(tmp_path: Path) -> None:
    """The server holds the writer lock only while writing and its readers notice
    the swapped directory, so a compact from the command line meanwhile loses no
    acknowledged write and the server sees the command line's changes."""
    index = tmp_path / "index"
    srv = start_server("--index", str(index), env={"RETOLD_TOKEN": TOKEN})
    try:
        docs = [{"text": WIRE, "id": "wire"}, {"text": REWRITE, "id": "rewrite"}]
        assert srv.post("/api/documents", {"documents": docs}, headers=AUTH).status == 200
        assert srv.request("DELETE", "/api/documents/rewrite", headers=AUTH).status == 200
        assert srv.get("/api/documents/wire").status == 200  # a reader has it open now
        for args in (["compact"], ["add", str(ROOT / "examples" / "rewrite.txt")]):
            subprocess.run(
                [RETOLD, "index", *args, "--index", str(index)],
                capture_output=True,
                text=True,
                timeout=180,
                check=True,
            )
        later = {"documents": [{"text": WIRE + "\n\nA later paragraph.", "id": "later"}]}
        r = srv.post("/api/documents", later, headers=AUTH)
        assert r.status == 200 and r.json["added"] == 1, r.body
        stats = srv.get("/api/index").json
        assert stats["documents"] == 3 and stats["removed"] == 0, stats
        assert srv.get("/api/documents/later").status == 200
    finally:
        stop_server(srv)
    # and after the server is gone, the index on disk has every acknowledged write
    res = subprocess.run(
        [RETOLD, "index", "stats", "--index", str(index), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert '"documents": 3' in res.stdout, res.stdout
