"""URL fetching must not turn the server into a proxy into its own network.

A local web server on a loopback address stands in for an internal service:
by default every way of naming it is refused before any connection is made
(it sees no request at all); with ``--allow-private-urls`` it is fetched, and
the size cap, the timeout and the content-type check still apply.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .conftest import ROOT, Server, assert_error, start_server, stop_server

WIRE = (ROOT / "examples" / "wire.txt").read_text(encoding="utf-8")
REWRITE = (ROOT / "examples" / "rewrite.txt").read_text(encoding="utf-8")
PAGE = (
    "<!DOCTYPE html><html><head><title>Internal wire story</title></head><body>"
    "<nav>Home · World · Sport</nav><article><h1>Internal wire story</h1>"
    + "".join(f"<p>{p}</p>" for p in WIRE.split("\n\n") if p.strip())
    + "</article><footer>© Example</footer></body></html>"
).encode("utf-8")


class Site(ThreadingHTTPServer):
    daemon_threads = True
    hits: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        if self.path == "/article":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            self._send(200, "text/plain", b"All work and no play. " * 10_000)
        elif self.path == "/pdf":
            self._send(200, "application/pdf", b"%PDF-1.7\n")
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, "text/plain", WIRE.encode())
        else:
            self._send(404, "text/plain", b"not here")

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (the timeout test)
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """An 'internal' web server on 127.0.0.1, counting the requests it gets."""
    srv = Site(("127.0.0.1", 0), _Handler)
    srv.hits = []
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    t.join(5)


@pytest.fixture(scope="module")
def permissive() -> Iterator[Server]:
    srv = start_server(
        "--allow-private-urls",
        "--fetch-timeout",
        "1",
        "--max-fetch-bytes",
        "65536",
        "--allowed-host",
        "Retold.Example.",
    )
    yield srv
    stop_server(srv)


def _port(site: Site) -> int:
    return int(site.server_address[1])


def _loopback_urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/article",
        f"http://localhost:{port}/article",
        f"http://LocalHost:{port}/article",
        f"http://[::1]:{port}/article",
        f"http://[::ffff:127.0.0.1]:{port}/article",
        f"http://2130706433:{port}/article",  # 127.0.0.1 as one decimal number
        f"http://0x7f.0.0.1:{port}/article",  # and in hex
        f"http://127.1:{port}/article",
        f"http://0.0.0.0:{port}/article",
        f"http://user:secret@127.0.0.1:{port}/article",
        f"https://127.0.0.1:{port}/article",
    ]


_PRIVATE = [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://[fe80::1]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://224.0.0.1/",  # multicast
]


def test_loopback_is_refused_before_connecting(server: Server, site: Site) -> None:
    site.hits.clear()
    for url in _loopback_urls(_port(site)):
        err = assert_error(server.post("/api/compare", {"a": url, "b": REWRITE}), 422)
        assert err["code"] == "unsafe_url", (url, err)
        assert "--allow-private-urls" in err["message"], err
    assert site.hits == []


@pytest.mark.parametrize("url", _PRIVATE)
def test_private_and_link_local_are_refused(server: Server, url: str) -> None:
    t0 = time.monotonic()
    err = assert_error(server.post("/api/compare", {"a": WIRE, "b": url}), 422, "unsafe_url")
    assert time.monotonic() - t0 < 2  # refused on the address, no connection attempted
    assert "b" in err["message"] or url in err["message"]


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/", "dict://localhost/"],
)
def test_other_schemes_are_refused(server: Server, permissive: Server, url: str) -> None:
    for srv in (server, permissive):
        err = assert_error(srv.post("/api/compare", {"a": url, "b": REWRITE}), 422, "unsafe_url")
        assert "only http:// and https://" in err["message"]


def test_every_endpoint_that_fetches_refuses(server: Server, site: Site) -> None:
    site.hits.clear()
    url = f"http://127.0.0.1:{_port(site)}/article"
    auth = {"Authorization": "Bearer test-token-4f1c"}
    assert_error(server.post("/api/search", {"article": url}), 422, "unsafe_url")
    assert_error(server.post("/api/search", {"article": {"url": url}}), 422, "unsafe_url")
    r = server.post("/api/documents", {"documents": [{"url": url}]}, headers=auth)
    assert_error(r, 422, "unsafe_url")
    assert site.hits == []


def test_the_flag_allows_private_addresses(permissive: Server, site: Site) -> None:
    site.hits.clear()
    url = f"http://127.0.0.1:{_port(site)}/article"
    r = permissive.post("/api/compare", {"a": url, "b": REWRITE})
    assert r.status == 200, r.body[:300]
    doc = r.json["documents"]["a"]
    assert doc["source"] == "url" and doc["url"] == url
    assert doc["title"] == "Internal wire story"
    assert r.json["verdict"] in ("rewrite", "near-duplicate")
    assert site.hits == ["/article"]
    # redirects are followed (each hop re-checked)
    r = permissive.post(
        "/api/compare", {"a": f"http://localhost:{_port(site)}/redirect", "b": WIRE}
    )
    assert r.status == 200, r.body[:300]


def test_fetch_limits_still_apply_with_the_flag(permissive: Server, site: Site) -> None:
    base = f"http://127.0.0.1:{_port(site)}"
    err = assert_error(permissive.post("/api/compare", {"a": f"{base}/big", "b": WIRE}), 413)
    assert err["code"] == "input_too_large" and "--max-fetch-bytes" in err["message"]

    t0 = time.monotonic()
    err = assert_error(
        permissive.post("/api/compare", {"a": f"{base}/slow", "b": WIRE}), 422, "fetch_failed"
    )
    assert "timed out" in err["message"] and time.monotonic() - t0 < 2.5

    err = assert_error(
        permissive.post("/api/compare", {"a": f"{base}/pdf", "b": WIRE}), 422, "fetch_failed"
    )
    assert "application/pdf" in err["message"]

    err = assert_error(
        permissive.post("/api/compare", {"a": f"{base}/missing", "b": WIRE}), 422, "fetch_failed"
    )
    assert "404" in err["message"]

    # nothing listens there
    err = assert_error(
        permissive.post("/api/compare", {"a": "http://127.0.0.1:9/", "b": WIRE}),
        422,
        "fetch_failed",
    )
    assert "could not connect" in err["message"]


# --- DNS rebinding: a page whose domain now resolves to 127.0.0.1 -------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_a_loopback_server_refuses_foreign_host_names(server: Server, host: str) -> None:
    reply = server.get("/api/health", headers={"Host": host})
    err = assert_error(reply, 421, "misdirected_request")
    assert "--allowed-host" in err["message"]
    # the write endpoints too, before the token is even looked at
    assert_error(server.post("/api/documents", {}, headers={"Host": host}), 421)


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}"]
)
def test_a_loopback_server_answers_to_its_own_names(server: Server, host: str) -> None:
    reply = server.get("/api/health", headers={"Host": host.format(port=server.port)})
    assert reply.status == 200


def test_allowed_host_adds_a_name(permissive: Server) -> None:
    assert permissive.get("/api/health", headers={"Host": "retold.example:443"}).status == 200
    assert permissive.get("/api/health", headers={"Host": "localhost"}).status == 200
    assert_error(permissive.get("/api/health", headers={"Host": "evil.example"}), 421)
