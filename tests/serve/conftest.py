"""Fixtures for ``retold serve``: real server subprocesses on loopback, and an HTTP client.

Each server is ``retold serve --port 0`` started as a subprocess; the port is
read from its "listening on" line, and the fixture stops it with SIGTERM.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "artifacts"
RETOLD = str(Path(sys.executable).with_name("retold"))
TOKEN = "test-token-4f1c"

_LISTENING = re.compile(r"listening on (http://\S+?)/? ")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class Server:
    """A running ``retold serve`` subprocess and a small client for it."""

    proc: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.url.split("//")[1].rsplit(":", 1)[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 60.0,
    ) -> Reply:
        """One request on a fresh connection; ``body`` is sent as JSON, ``raw`` as is."""
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def post(self, path: str, body: Any, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until no worker is busy (a timed-out job's worker is replaced first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.get("/api/health").json["busy"] == 0:
                return
            time.sleep(0.1)
        raise AssertionError("the server's workers stayed busy")


def start_server(*args: str, env: dict[str, str] | None = None, timeout: float = 90.0) -> Server:
    """Start ``retold serve --port 0 ARGS`` and wait until it listens."""
    # a token in the outer environment must not leak into servers meant to have none
    full_env = {k: v for k, v in os.environ.items() if k != "RETOLD_TOKEN"}
    full_env.update(env or {})
    proc = subprocess.Popen(
        [RETOLD, "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )
    assert proc.stderr is not None
    found: list[str] = []
    log: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        # keep reading so the pipe never fills and blocks the server
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line)
            m = _LISTENING.search(line)
            if m and not found:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(timeout) or not found:
        stop_server(Server(proc, "", log))
        raise RuntimeError("retold serve did not start:\n" + "".join(log))
    return Server(proc, found[0], log)


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)
    if server.proc.stderr is not None:
        server.proc.stderr.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The main server: an (empty) index and a token for the write endpoints."""
    index = tmp_path_factory.mktemp("serve-index") / "index"
    srv = start_server("--index", str(index), env={"RETOLD_TOKEN": TOKEN})
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def ap_texts() -> tuple[str, str]:
    """The AP story and its scraped rewrite from ../shared (skipped when absent)."""
    a = SHARED / "examples" / "ap-original.txt"
    b = SHARED / "examples" / "scraped-rewrite.txt"
    if not (a.exists() and b.exists()):
        pytest.skip(f"{a.parent} is not present (../shared sits beside the project root)")
    return a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")


def assert_error(reply: Reply, status: int, code: str | None = None) -> dict[str, Any]:
    """The reply is the one error shape, with this status (and code)."""
    assert reply.status == status, (reply.status, reply.body[:500])
    assert reply.content_type.startswith("application/json"), reply.content_type
    data = reply.json
    assert set(data) == {"error"}, data
    err = data["error"]
    assert set(err) == {"code", "message", "status"}, err
    assert err["status"] == status
    assert isinstance(err["code"], str) and re.fullmatch(r"[a-z_]+", err["code"]), err
    assert isinstance(err["message"], str) and err["message"].strip(), err
    assert "\n" not in err["message"] and "Traceback" not in err["message"], err
    if code is not None:
        assert err["code"] == code, err
    return dict(err)
