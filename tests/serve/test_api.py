"""The HTTP API against real ``retold serve`` subprocesses: answers, limits and every error path.

Every error must come back as ``{"error": {"code", "message", "status"}}`` with
a JSON content type, whatever produced it: the router, a validator, the
library, the HTTP parser or an unexpected exception.
"""

from __future__ import annotations

import json
import random
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import RETOLD, ROOT, TOKEN, Reply, Server, assert_error, start_server, stop_server

AUTH = {"Authorization": f"Bearer {TOKEN}"}
WIRE = (ROOT / "examples" / "wire.txt").read_text(encoding="utf-8")
REWRITE = (ROOT / "examples" / "rewrite.txt").read_text(encoding="utf-8")


def raw_exchange(server: Server, data: bytes, timeout: float = 10.0) -> Reply:
    """Send raw bytes on a socket and parse the one response."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        want = int(headers.get("content-length", "0"))
        while len(body) < want:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return Reply(status, headers, body)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def unique_text(n_sentences: int, seed: int) -> str:
    """Distinct sentences (none in the encoder's cache), so encoding takes real time."""
    rng = random.Random(seed)
    words = [
        "minister",
        "harbour",
        "council",
        "river",
        "tariff",
        "senator",
        "drought",
        "union",
        "budget",
        "court",
        "strike",
        "election",
        "vaccine",
        "bridge",
        "refinery",
        "protest",
        "ceasefire",
        "mayor",
        "grain",
        "inflation",
    ]
    return "\n\n".join(
        f"The {rng.choice(words)} {rng.choice(words)} said on day {seed}-{i} that "
        f"{rng.randint(2, 9999)} {rng.choice(words)}s near the {rng.choice(words)} would "
        f"{rng.choice(words)} the {rng.choice(words)}."
        for i in range(n_sentences)
    )


# --- the main server: meta endpoints ---------------------------------------------


def test_health(server: Server) -> None:
    r = server.get("/api/health")
    assert r.status == 200
    h = r.json
    assert h["status"] == "ok" and h["index"] is True and h["token_required"] is True
    assert h["stories"] is True
    assert r.headers["cache-control"] == "no-store"


def test_page_and_static_files_are_served_with_a_strict_policy(server: Server) -> None:
    page = server.get("/")
    assert page.status == 200 and page.content_type.startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    html = page.body.decode()
    # nothing from elsewhere: every src and href is on this server
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links and all(
        x.startswith(("/", "#", "data:")) and not x.startswith("//") for x in links
    )
    for asset, ctype in (("/static/app.js", "text/javascript"), ("/static/app.css", "text/css")):
        r = server.get(asset)
        assert r.status == 200 and r.content_type.startswith(ctype)
        assert not re.search(rb"url\(|@import|fetch\(\s*[\"']https?:|//cdn", r.body)
        again = server.get(asset, headers={"If-None-Match": r.headers["etag"]})
        assert again.status == 304 and again.body == b""


def test_head_answers_headers_only(server: Server) -> None:
    r = server.request("HEAD", "/api/health")
    assert r.status == 200 and r.body == b"" and int(r.headers["content-length"]) > 0


def test_openapi_lists_exactly_the_routes(server: Server) -> None:
    from fastapi.routing import APIRoute

    from retold.service import Settings, create_app

    spec = server.get("/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    routes = {
        (m, r.path_format)
        for r in create_app(Settings()).routes
        if isinstance(r, APIRoute) and r.include_in_schema
        for m in r.methods or ()
    }
    assert documented == routes
    assert len(routes) == 12

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    yield v
                else:
                    yield from refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)

    for ref in refs(spec):
        target: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["responses"], (method, path)
            assert "summary" in op and "operationId" in op


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_interactive_docs_load_nothing_from_elsewhere(server: Server, page: str) -> None:
    r = server.get(page)
    assert r.status == 200 and r.content_type.startswith("text/html")
    html = r.body.decode()
    assert "/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn." not in html and "https://" not in html
    for a in assets:
        assert server.get(a).status == 200, a


# --- compare ----------------------------------------------------------------------


def test_compare_answers_the_same_report_as_the_cli(
    server: Server, ap_texts: tuple[str, str], tmp_path: Path
) -> None:
    a, b = ap_texts
    r = server.post("/api/compare", {"a": a, "b": b})
    assert r.status == 200, r.body[:300]
    report = r.json
    assert report["verdict"] == "rewrite"
    quotes = [c for c in report["changes"] if c["kind"] == "quote"]
    assert any(c["b_text"] == "peace-seeking" for c in quotes), quotes
    text_a, text_b = report["documents"]["a"]["text"], report["documents"]["b"]["text"]
    assert text_a == a and text_b == b
    for al in report["alignments"]:
        assert text_a[al["a"][0] : al["a"][1]].strip() and text_b[al["b"][0] : al["b"][1]].strip()
    assert "server-timing" in r.headers

    fa, fb = tmp_path / "a.txt", tmp_path / "b.txt"
    fa.write_text(a, encoding="utf-8")
    fb.write_text(b, encoding="utf-8")
    cli = subprocess.run(
        [RETOLD, "compare", str(fa), str(fb), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(cli.stdout) == report


def test_compare_article_objects_and_options(server: Server) -> None:
    r = server.post(
        "/api/compare",
        {
            "a": {"text": WIRE, "title": "The wire story", "id": "wire-1"},
            "b": {"text": REWRITE, "kind": "text"},
            "include_text": False,
        },
    )
    assert r.status == 200
    docs = r.json["documents"]
    assert docs["a"]["title"] == "The wire story" and docs["a"]["id"] == "wire-1"
    assert "text" not in docs["a"] and "text" not in docs["b"]


def test_a_byline_given_with_the_text_is_read_for_the_credits(server: Server) -> None:
    bare = WIRE.replace("By ELENA MARSH, Northern Wire Service\n", "")
    r = server.post("/api/compare", {"a": {"text": bare, "byline": "Ann Ode"}, "b": REWRITE})
    assert r.status == 200 and r.json["documents"]["a"]["byline"] == "Ann Ode"
    said = [c["detail"] for c in r.json["changes"] if c["kind"] == "credit"]
    assert said == ["byline dropped: B never names Ann Ode"]
    r = server.post("/api/compare", {"a": {"text": bare, "byline": "\ud800"}, "b": REWRITE})
    assert r.status == 422


def test_compare_html_format_is_the_self_contained_report(server: Server) -> None:
    r = server.post("/api/compare", {"a": WIRE, "b": REWRITE, "format": "html"})
    assert r.status == 200 and r.content_type.startswith("text/html")
    html = r.body.decode()
    assert html.startswith("<!DOCTYPE html>") and 'class="verdict' in html


def test_html_input_is_extracted(server: Server) -> None:
    page = (
        "<html><head><title>Wire</title></head><body><nav>Home | World</nav>"
        + "".join(f"<p>{p}</p>" for p in WIRE.split("\n\n"))
        + "</body></html>"
    )
    r = server.post("/api/compare", {"a": page, "b": REWRITE})
    assert r.status == 200
    assert r.json["documents"]["a"]["source"] == "html"


def test_concurrent_compares_all_succeed(server: Server) -> None:
    def one(i: int) -> int:
        return server.post("/api/compare", {"a": WIRE, "b": REWRITE + f"\n\nEdition {i}."}).status

    with ThreadPoolExecutor(6) as ex:
        assert set(ex.map(one, range(12))) == {200}


# --- the index: add, search, get, remove --------------------------------------------


def test_add_search_get_remove(server: Server, ap_texts: tuple[str, str]) -> None:
    a, b = ap_texts
    docs = [
        {"text": a, "id": "ap-1", "title": "Venezuela releases prisoners (AP)"},
        {"text": WIRE, "id": "wire-1"},
    ]
    r = server.post("/api/documents", {"documents": docs}, headers=AUTH)
    assert r.status == 200, r.body
    assert r.json["ids"] == ["ap-1", "wire-1"]
    assert r.json["added"] + r.json["skipped"] == 2
    again = server.post("/api/documents", {"documents": docs}, headers=AUTH)
    assert again.json["added"] == 0 and again.json["skipped"] == 2  # idempotent

    hits = server.post("/api/search", {"article": b, "k": 5})
    assert hits.status == 200, hits.body
    results = hits.json["results"]
    assert results[0]["id"] == "ap-1" and results[0]["verdict"] == "rewrite"
    assert hits.json["query"]["chars"] == len(b)

    got = server.get("/api/documents/ap-1")
    assert got.status == 200 and got.json["text"] == a and got.json["title"].startswith("Venez")

    stats = server.get("/api/index").json
    assert stats["documents"] >= 2 and "path" not in stats
    assert isinstance(server.get("/api/duplicates").json["duplicates"], list)

    # a text-only document gets a content id, and can be removed by it
    r = server.post("/api/documents", {"documents": [REWRITE]}, headers=AUTH)
    (doc_id,) = r.json["ids"]
    assert doc_id.startswith("sha256:")
    gone = server.request("DELETE", f"/api/documents/{doc_id}", headers=AUTH)
    assert gone.status == 200 and gone.json == {"removed": doc_id}
    assert_error(server.get(f"/api/documents/{doc_id}"), 404, "not_found")
    assert_error(
        server.request("DELETE", f"/api/documents/{doc_id}", headers=AUTH), 404, "not_found"
    )


def test_writes_need_the_token(server: Server) -> None:
    body = {"documents": [WIRE]}
    err = assert_error(server.post("/api/documents", body), 401, "unauthorized")
    assert "Bearer" in err["message"]
    r = server.post("/api/documents", body, headers={"Authorization": "Bearer wrong"})
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = server.post("/api/documents", body, headers={"Authorization": f"Basic {TOKEN}"})
    assert_error(r, 401, "unauthorized")
    assert_error(server.request("DELETE", "/api/documents/x"), 401, "unauthorized")


def test_reads_need_no_token(server: Server) -> None:
    assert server.post("/api/search", {"article": WIRE}).status == 200


def test_stories_list_and_unknown_story(server: Server) -> None:
    r = server.get("/api/stories")
    assert r.status == 200 and isinstance(r.json["stories"], list)
    for s in r.json["stories"]:
        assert {"id", "label", "articles", "edges"} <= set(s)
        one = server.get("/api/stories/" + s["id"])
        assert one.status == 200 and one.json["id"] == s["id"]
    assert_error(server.get("/api/stories/no-such-story"), 404, "not_found")


# --- error paths on the main server ---------------------------------------------------


def test_unknown_paths_are_404(server: Server) -> None:
    assert_error(server.get("/nope"), 404, "not_found")
    assert_error(server.get("/api/compare/extra"), 404, "not_found")
    assert_error(server.get("/static/missing.js"), 404, "not_found")
    assert_error(server.get("/static/../openapi.py"), 404, "not_found")


def test_wrong_methods_are_405_with_allow(server: Server) -> None:
    r = server.get("/api/compare")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"
    r = server.request("PUT", "/api/documents/x", raw=b"{}")
    assert_error(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "DELETE"}
    # a method HTTP's parser does not know is refused before routing (501, as RFC 9110 says)
    assert_error(server.request("FROB", "/api/health"), 501, "not_implemented")


@pytest.mark.parametrize(
    ("ctype", "body"),
    [(None, b'{"a":"x","b":"y"}'), ("text/plain", b'{"a":"x","b":"y"}'), ("text/json", b"{}")],
)
def test_bodies_must_be_json_415(server: Server, ctype: str | None, body: bytes) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    r = server.request("POST", "/api/compare", raw=body, headers=headers)
    assert_error(r, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "invalid_json"),
        (b"{", "invalid_json"),
        (b"{'a': 1}", "invalid_json"),
        (b'{"a": "x", "b": "y"', "invalid_json"),
        (b"\xff\xfe{}", "invalid_json"),
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
    ],
)
def test_malformed_json_is_400(server: Server, raw: bytes, code: str) -> None:
    r = server.request(
        "POST", "/api/compare", raw=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, code)


@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        ([1, 2], "invalid_request", "object"),
        ({"b": "text"}, "invalid_request", "a is missing"),
        ({"a": 5, "b": "text"}, "invalid_request", "a must be"),
        ({"a": "x", "b": "y", "c": 1}, "invalid_request", "unknown field 'c'"),
        ({"a": {"text": "x", "url": "http://e.org"}, "b": "y"}, "invalid_request", "exactly one"),
        ({"a": {}, "b": "y"}, "invalid_request", "exactly one"),
        ({"a": {"text": 3}, "b": "y"}, "invalid_request", "a.text"),
        ({"a": {"text": "x", "kind": "pdf"}, "b": "y"}, "invalid_request", "a.kind"),
        ({"a": {"text": "x", "kind": []}, "b": "y"}, "invalid_request", "a.kind"),
        ({"a": {"text": "x", "bogus": 1}, "b": "y"}, "invalid_request", "unknown field"),
        ({"a": "x", "b": "y", "include_text": "yes"}, "invalid_request", "include_text"),
        ({"a": "x", "b": "y", "format": "pdf"}, "invalid_request", "format"),
        ({"a": "", "b": "text"}, "empty_input", "a: is empty"),
        ({"a": "   \n\t ", "b": "text"}, "empty_input", "a: is empty"),
        ({"a": "text", "b": "\u0000" * 50 + "abc"}, "binary_input", "b:"),
        ({"a": "%PDF-1.7\n1 0 obj", "b": "text"}, "binary_input", "PDF"),
        ({"a": "\x01\x02\x03\x04" * 20, "b": "text"}, "binary_input", "binary"),
        ({"a": "<html><body><script>x()</script></body></html>", "b": "t"}, None, "a"),
    ],
)
def test_unusable_input_is_422(server: Server, body: Any, code: str | None, needle: str) -> None:
    err = assert_error(server.post("/api/compare", body), 422, code)
    assert needle.lower() in err["message"].lower(), err


def test_lone_surrogate_is_422(server: Server) -> None:
    raw = b'{"a": "text \\ud800 here", "b": "more text"}'
    r = server.request(
        "POST", "/api/compare", raw=raw, headers={"Content-Type": "application/json"}
    )
    err = assert_error(r, 422, "invalid_input")
    assert "surrogate" in err["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"article": "x", "k": 0}, 422),
        ({"article": "x", "k": 1000}, 422),
        ({"article": "x", "k": True}, 422),
        ({"article": "x", "k": "5"}, 422),
        ({"article": "x", "limit": 5}, 422),
    ],
)
def test_search_validation(server: Server, body: dict[str, Any], status: int) -> None:
    assert_error(server.post("/api/search", body), status, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [{}, {"documents": []}, {"documents": "text"}, {"documents": [5]}, {"docs": ["x"]}],
)
def test_add_validation(server: Server, body: dict[str, Any]) -> None:
    assert_error(server.post("/api/documents", body, headers=AUTH), 422, "invalid_request")


def test_add_too_many_documents_is_413(server: Server) -> None:
    r = server.post("/api/documents", {"documents": ["x"] * 101}, headers=AUTH)
    assert_error(r, 413, "too_many_documents")


def test_http_level_errors_keep_the_shape(server: Server) -> None:
    # a request line the parser rejects
    assert_error(raw_exchange(server, b"GARBAGE\r\n\r\n"), 400, "bad_request")
    assert_error(raw_exchange(server, b"GET / HTTP/9.9\r\n\r\n"), 505)
    # a header line over the stdlib's 64 KiB limit
    big = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    assert_error(raw_exchange(server, big), 431)
    # a URL over the request-line limit
    assert_error(raw_exchange(server, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n"), 414)
    # POST without Content-Length, and chunked bodies (the Host check comes first)
    req = b"POST /api/compare HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\r\n"
    assert_error(raw_exchange(server, req), 411, "length_required")
    chunked = (
        b"POST /api/compare HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    assert_error(raw_exchange(server, chunked), 411, "length_required")
    bad_len = b"POST /api/compare HTTP/1.1\r\nContent-Length: ten\r\n\r\n"
    assert_error(raw_exchange(server, bad_len), 400, "bad_request")


def test_keep_alive_serves_many_requests_on_one_connection(server: Server) -> None:
    import http.client

    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        for _ in range(5):
            conn.request("GET", "/api/health")
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["status"] == "ok"
        conn.request("GET", "/nope")
        resp = conn.getresponse()
        assert resp.status == 404
        resp.read()
        conn.request("GET", "/api/health")
        assert conn.getresponse().status == 200
    finally:
        conn.close()


# --- a server with tight limits and one worker --------------------------------------


@pytest.fixture(scope="module")
def tight() -> Iterator[Server]:
    srv = start_server(
        "--max-body-bytes",
        "160000",
        "--max-article-chars",
        "62000",
        "--workers",
        "1",
        "--queue",
        "0",
        "--request-timeout",
        "0.3",
        "--idle-timeout",
        "1",
        "--max-connections",
        "8",
    )
    yield srv
    stop_server(srv)


def test_body_over_the_cap_is_413_without_reading_it(tight: Server) -> None:
    r = tight.post("/api/compare", {"a": "x" * 170_000, "b": "y"})
    err = assert_error(r, 413, "payload_too_large")
    assert "--max-body-bytes" in err["message"]
    # announced as huge but never sent: answered at once from the header alone
    req = (
        b"POST /api/compare HTTP/1.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000000000\r\n\r\n"
    )
    assert_error(raw_exchange(tight, req), 413, "payload_too_large")


def test_article_over_the_cap_is_413(tight: Server) -> None:
    err = assert_error(tight.post("/api/compare", {"a": "word " * 13_000, "b": "y"}), 413)
    assert err["code"] == "input_too_large" and "--max-article-chars" in err["message"]


def test_no_index_is_503(tight: Server) -> None:
    err = assert_error(tight.post("/api/search", {"article": WIRE}), 503, "no_index")
    assert "--index" in err["message"]
    assert_error(tight.get("/api/index"), 503, "no_index")
    assert_error(tight.post("/api/documents", {"documents": [WIRE]}), 503, "no_index")


def test_slow_work_is_504_and_a_full_queue_is_503(tight: Server) -> None:
    # near the caps: 200 sentences a side took 284 ms on an idle machine, under
    # the 0.3 s limit; 600 take about 0.8 s
    slow = {"a": unique_text(600, 1), "b": unique_text(600, 2)}
    assert len(slow["a"]) < 62_000 and len(json.dumps(slow)) < 160_000
    replies: list[Reply] = []
    t = threading.Thread(target=lambda: replies.append(tight.post("/api/compare", slow)))
    t.start()
    deadline = time.monotonic() + 10
    while tight.get("/api/health").json["busy"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    # the one worker is busy and the queue holds nothing: refused at once
    r = tight.post("/api/compare", {"a": WIRE, "b": REWRITE})
    assert_error(r, 503, "overloaded")
    assert r.headers["retry-after"] == "1"
    t.join(30)
    assert_error(replies[0], 504, "timeout")
    tight.wait_idle()


def test_a_slow_body_is_cut_off(tight: Server) -> None:
    with socket.create_connection((tight.host, tight.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/compare HTTP/1.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        t0 = time.monotonic()
        data = read_until_closed(sock)
        assert time.monotonic() - t0 < 5
    assert b" 408 " in data.split(b"\r\n")[0]
    assert b'"code": "request_timeout"' in data


def test_idle_connections_make_room_and_busy_ones_get_503(tight: Server) -> None:
    """Past --max-connections the stalest idle connection is closed for a newcomer;
    only when every connection has a request in progress is the newcomer refused."""
    idle = [socket.create_connection((tight.host, tight.port), timeout=5) for _ in range(8)]
    try:
        time.sleep(0.2)
        # a ninth client is served: an idle connection made room
        assert tight.get("/api/health", timeout=5).status == 200
        assert idle[0].recv(1) == b""  # the oldest was closed
    finally:
        for s in idle:
            s.close()
    # eight connections each in the middle of sending a body: all busy
    head = (
        b"POST /api/compare HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    busy = [socket.create_connection((tight.host, tight.port), timeout=5) for _ in range(8)]
    try:
        for s in busy:
            s.sendall(head)
        time.sleep(0.3)
        with socket.create_connection((tight.host, tight.port), timeout=5) as extra:
            extra.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = read_until_closed(extra)
        assert data.startswith(b"HTTP/1.1 503"), data[:200]
        assert b'"code": "overloaded"' in data and b"retry-after: 1" in data.lower()
    finally:
        for s in busy:
            s.close()
    # the body deadline (1 s) frees them and the server serves again
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if tight.get("/api/health", timeout=2).status == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    assert tight.get("/api/health").status == 200


# --- 500: an unexpected exception, on a real socket --------------------------------


def test_unexpected_exception_is_500_with_a_reference(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    from retold.service import Settings, app
    from retold.service.http import Gate, Protocol

    def boom() -> Any:
        raise RuntimeError("secret internal detail")

    # /api/health asks whether the stories module exists; make that blow up
    monkeypatch.setattr(app, "_stories_available", boom)
    settings = Settings(workers=1)
    runtime = app.Runtime.create(settings)  # health needs no worker: none is started
    gate = Gate(app.create_app(settings, runtime), settings, access_log=False)
    sock = app.listen("127.0.0.1", 0)
    config = uvicorn.Config(gate, http=Protocol, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        port = sock.getsockname()[1]
        fake = Server(proc=None, url=f"http://127.0.0.1:{port}")  # type: ignore[arg-type]
        with caplog.at_level("ERROR", logger="retold.service"):
            err = assert_error(fake.get("/api/health"), 500, "internal_error")
        assert "secret" not in err["message"] and "reference" in err["message"]
        ref = err["message"].split("reference ")[1].split(")")[0]
        logged = [r for r in caplog.records if ref in r.getMessage()]
        assert logged and "secret internal detail" in (logged[0].exc_text or ""), caplog.text
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        runtime.close()


# --- the command line ---------------------------------------------------------------


def test_serve_help_and_bad_index() -> None:
    res = subprocess.run([RETOLD, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    for flag in ("--index", "--host", "--port", "--token", "--allow-private-urls"):
        assert flag in res.stdout


def test_serve_refuses_a_bad_index_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "not-an-index"
    bad.mkdir()
    (bad / "something.txt").write_text("hello", encoding="utf-8")
    res = subprocess.run(
        [RETOLD, "serve", "--index", str(bad), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not empty" in lines[0] and "Traceback" not in res.stderr


def test_ids_with_slashes_round_trip_through_the_path(server: Server) -> None:
    from urllib.parse import quote

    doc_id = "https://example.org/world/2026/flood?edition=2"
    r = server.post(
        "/api/documents", {"documents": [{"text": REWRITE, "id": doc_id}]}, headers=AUTH
    )
    assert r.status == 200 and r.json["ids"] == [doc_id]
    path = "/api/documents/" + quote(doc_id, safe="")
    assert server.get(path).json["id"] == doc_id
    assert server.request("DELETE", path, headers=AUTH).json == {"removed": doc_id}
