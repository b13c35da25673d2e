"""The HTTP API and web page of ``retold serve``, on the standard library's HTTP server.

Two layers: :class:`Service` maps a :class:`Request` to a :class:`Response`
(routing, validation, limits, the one error shape) and knows nothing of
sockets, so it can be driven in-process; :func:`make_server` puts it behind a
``ThreadingHTTPServer`` with a cap on open connections and socket timeouts.

Every error, from a malformed request line to an unexpected exception, is
answered as ``{"error": {"code", "message", "status"}}``. CPU work (reading
HTML, encoding, aligning) runs on a bounded worker pool; when the pool and its
queue are full the answer is 503 at once rather than an ever longer wait.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import importlib
import importlib.util
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from retold.errors import (
    BinaryInputError,
    DecodeError,
    EmptyInputError,
    ExtractionError,
    FetchError,
    InputError,
    InputTooLargeError,
    ModelError,
    RetoldError,
    UnsafeURLError,
    UsageError,
)
from retold.ingest import Kind

if TYPE_CHECKING:
    from retold.index import Index
    from retold.types import Document

__all__ = [
    "ApiError",
    "Request",
    "Response",
    "Service",
    "Settings",
    "make_server",
    "serve",
]

log = logging.getLogger("retold.service")

T = TypeVar("T")

MiB = 1024 * 1024

# A string that is one token starting with a scheme is a URL (an unsupported
# scheme such as file:// is then refused by the fetcher, not compared as text).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S*$")
_KINDS: dict[str, Kind] = {"auto": "auto", "text": "text", "html": "html"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Limits and switches of one server; the ``retold serve`` flags map onto these."""

    index_path: Path | None = None
    #: bearer token required by the write endpoints; None leaves them open
    token: str | None = None
    #: fetch URLs that resolve to loopback, private or link-local addresses
    allow_private_urls: bool = False
    max_body_bytes: int = 4 * MiB
    #: cap on an article's text (pasted or extracted), which bounds the CPU a request costs
    max_article_chars: int = 200_000
    max_fetch_bytes: int = 4 * MiB
    fetch_timeout: float = 10.0
    #: how long a request waits for its CPU work before answering 504
    request_timeout: float = 60.0
    workers: int = field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 8)))
    #: requests allowed to wait for a worker before the server answers 503
    queue_size: int = 32
    max_connections: int = 128
    #: seconds a connection may sit idle (keep-alive, or a slow client) before it is closed
    socket_timeout: float = 15.0
    max_results: int = 100
    max_documents: int = 100
    #: names the Host header may carry (any port); None: the loopback names when
    #: the server listens on loopback (so a web page whose domain was rebound to
    #: 127.0.0.1 cannot drive it from a browser), anything otherwise; "*" allows all
    allowed_hosts: tuple[str, ...] | None = None


class ApiError(Exception):
    """An error answered with the one JSON error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


@dataclass(slots=True)
class Request:
    """One HTTP request as the service sees it (header names are lower-case)."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Response:
    """Status, body and headers; ``content_type`` defaults to JSON."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, headers=dict(headers or {}))


def error_body(status: int, code: str, message: str) -> bytes:
    """The one error shape, as bytes."""
    data = {"error": {"code": code, "message": message, "status": status}}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def error_response(err: ApiError) -> Response:
    return Response(err.status, error_body(err.status, err.code, err.message), headers=err.headers)


def finish(resp: Response) -> Response:
    """Headers every answer carries: API answers are never cached or sniffed."""
    if resp.content_type.startswith("application/json"):
        resp.headers.setdefault("Cache-Control", "no-store")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp


# --- errors of the library, mapped to status and code ------------------------

_RETOLD_ERRORS: tuple[tuple[type[RetoldError], int, str], ...] = (
    (UnsafeURLError, 422, "unsafe_url"),
    (FetchError, 422, "fetch_failed"),
    (InputTooLargeError, 413, "input_too_large"),
    (EmptyInputError, 422, "empty_input"),
    (BinaryInputError, 422, "binary_input"),
    (DecodeError, 422, "undecodable_input"),
    (ExtractionError, 422, "no_article_text"),
    (InputError, 422, "invalid_input"),
    (UsageError, 422, "invalid_request"),
    (ModelError, 503, "model_unavailable"),
    (RetoldError, 422, "invalid_input"),
)


def _api_error_for(exc: RetoldError) -> ApiError:
    message = str(exc)
    # the library's hints name its own keyword; a server user can only change flags
    message = message.replace(
        "pass allow_private=True to allow it",
        "this server allows it only when started with --allow-private-urls",
    )
    message = message.replace(
        "raise the limit with --max-bytes (max_bytes=) to read it anyway",
        "the server's --max-fetch-bytes sets the limit",
    )
    for cls, status, code in _RETOLD_ERRORS:
        if isinstance(exc, cls):
            return ApiError(status, code, message)
    return ApiError(422, "invalid_input", message)  # pragma: no cover - RetoldError is last


# --- the worker pool ----------------------------------------------------------


class WorkerPool:
    """A fixed pool of threads for CPU work, with a bounded queue in front of it.

    The encoder is process-global and thread-safe, so threads share one model;
    numpy releases the GIL in its matrix products, which is where most of the
    time goes. ``run`` refuses at once (503) when every worker is busy and the
    queue is full, so an overload never turns into unbounded latency.
    """

    def __init__(self, workers: int, queue_size: int) -> None:
        self.workers = workers
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="retold-worker")
        self._slots = threading.BoundedSemaphore(workers + queue_size)
        self._busy = 0
        self._lock = threading.Lock()

    def run(self, fn: Callable[[], T], timeout: float) -> T:
        if not self._slots.acquire(blocking=False):
            raise ApiError(
                503,
                "overloaded",
                "the server is busy (all workers and the queue are taken); retry shortly",
                {"Retry-After": "1"},
            )
        try:
            future: Future[T] = self._executor.submit(self._timed, fn)
        except RuntimeError:
            self._slots.release()
            raise ApiError(503, "shutting_down", "the server is shutting down") from None
        future.add_done_callback(lambda _f: self._slots.release())
        try:
            return future.result(timeout)
        except FutureTimeout:
            # a running job cannot be interrupted; it finishes and is dropped
            future.cancel()
            raise ApiError(
                504,
                "timeout",
                f"the request took longer than {timeout:g} s; try a shorter article",
            ) from None

    def _timed(self, fn: Callable[[], T]) -> T:
        with self._lock:
            self._busy += 1
        try:
            return fn()
        finally:
            with self._lock:
                self._busy -= 1

    @property
    def busy(self) -> int:
        return self._busy

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


# --- static files ---------------------------------------------------------------

_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}

# The page loads nothing from elsewhere and runs no inline script: article text
# is untrusted, so even a rendering bug cannot execute it or exfiltrate it.
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class _Static:
    body: bytes
    content_type: str
    etag: str


def _load_static() -> dict[str, _Static]:
    out: dict[str, _Static] = {}
    root = resources.files("retold.service") / "static"
    for entry in root.iterdir():
        suffix = Path(entry.name).suffix
        if entry.is_file() and suffix in _STATIC_TYPES:
            body = entry.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            out[entry.name] = _Static(body, _STATIC_TYPES[suffix], etag)
    return out


# --- input validation ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Article:
    """An article as given in a request: a text or a URL, and optional labels."""

    label: str
    text: str | None = None
    url: str | None = None
    kind: Kind = "auto"
    title: str | None = None
    id: str | None = None


def _unknown(obj: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(set(obj) - set(allowed))
    if extra:
        raise ApiError(
            422,
            "invalid_request",
            f"{where}: unknown field {extra[0]!r}; expected {', '.join(allowed)}",
        )


def _opt_str(obj: Mapping[str, Any], key: str, where: str, limit: int = 1000) -> str | None:
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ApiError(422, "invalid_request", f"{where}.{key} must be a string")
    if len(v) > limit:
        raise ApiError(422, "invalid_request", f"{where}.{key} is longer than {limit} characters")
    return v


def parse_article(value: Any, label: str) -> _Article:
    """A text, a URL, ``{"text": ...}`` or ``{"url": ...}`` (with optional kind, title, id)."""
    if isinstance(value, str):
        if _URL.match(value.strip()):
            return _Article(label, url=value.strip())
        return _Article(label, text=value)
    if isinstance(value, dict):
        _unknown(value, ("text", "url", "kind", "title", "id"), label)
        text, url = value.get("text"), value.get("url")
        if (text is None) == (url is None):
            raise ApiError(422, "invalid_request", f"{label}: give exactly one of text and url")
        if text is not None and not isinstance(text, str):
            raise ApiError(422, "invalid_request", f"{label}.text must be a string")
        if url is not None and not isinstance(url, str):
            raise ApiError(422, "invalid_request", f"{label}.url must be a string")
        given = value.get("kind", "auto")
        kind = _KINDS.get(given) if isinstance(given, str) else None
        if kind is None:
            raise ApiError(
                422, "invalid_request", f"{label}.kind must be one of {', '.join(_KINDS)}"
            )
        return _Article(
            label,
            text=text,
            url=url.strip() if url is not None else None,
            kind=kind,
            title=_opt_str(value, "title", label),
            id=_opt_str(value, "id", label, 200),
        )
    if value is None:
        raise ApiError(422, "invalid_request", f"{label} is missing; give an article text or URL")
    raise ApiError(
        422,
        "invalid_request",
        f"{label} must be a string (text or URL) or an object with text or url",
    )


def _int_field(
    obj: Mapping[str, Any], key: str, default: int, lo: int, hi: int, where: str = "body"
) -> int:
    v = obj.get(key, default)
    # bool is an int in Python; true as a count is a client bug worth naming
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise ApiError(
            422, "invalid_request", f"{where}.{key} must be an integer from {lo} to {hi}"
        )
    return v


def _bool_field(obj: Mapping[str, Any], key: str, default: bool, where: str = "body") -> bool:
    v = obj.get(key, default)
    if not isinstance(v, bool):
        raise ApiError(422, "invalid_request", f"{where}.{key} must be true or false")
    return v


# --- routing ------------------------------------------------------------------

Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: str  # OpenAPI-style path, e.g. /api/stories/{id}
    handler: Handler
    write: bool = False  # needs the token when one is set
    json_body: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$")


class Service:
    """The routes of the API and the page; thread-safe, one per server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool = WorkerPool(settings.workers, settings.queue_size)
        self.static = _load_static()
        self.indexes: IndexAccess | None = None
        if settings.index_path is not None:
            try:
                self.indexes = IndexAccess(settings)
            except BaseException:
                self.pool.shutdown()
                raise
        self.started = time.time()
        from retold import __version__

        self.version = __version__
        self.routes: list[Route] = [
            Route("GET", "/", self.page),
            Route("GET", "/static/{name}", self.static_file),
            Route("GET", "/openapi.json", self.openapi),
            Route("GET", "/api/health", self.health),
            Route("POST", "/api/compare", self.compare, json_body=True),
            Route("POST", "/api/search", self.search, json_body=True),
            Route("POST", "/api/documents", self.add_documents, write=True, json_body=True),
            Route("GET", "/api/documents/{id}", self.get_document),
            Route("DELETE", "/api/documents/{id}", self.remove_document, write=True),
            Route("GET", "/api/index", self.index_stats),
            Route("GET", "/api/duplicates", self.duplicates),
            Route("GET", "/api/stories", self.stories),
            Route("GET", "/api/stories/{id}", self.story),
        ]
        self._compiled = [(r, r.regex) for r in self.routes]
        self._openapi: bytes | None = None

    # -- dispatch --

    def handle(self, req: Request) -> Response:
        """Answer one request; never raises."""
        try:
            resp = self._dispatch(req)
        except ApiError as err:
            resp = error_response(err)
        except RetoldError as exc:
            resp = error_response(_api_error_for(exc))
        except Exception:
            ref = uuid.uuid4().hex[:12]
            log.exception("internal error %s on %s %s", ref, req.method, req.path)
            resp = error_response(
                ApiError(
                    500,
                    "internal_error",
                    f"internal error (reference {ref}); the server log has the details",
                )
            )
        return finish(resp)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed: list[str] = []
        for route, rx in self._compiled:
            m = rx.match(path)
            if m is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
            allowed.append(route.method)
        if allowed:
            if "GET" in allowed:
                allowed.append("HEAD")
            allow = ", ".join(sorted(set(allowed)))
            raise ApiError(
                405,
                "method_not_allowed",
                f"{method} is not allowed on {path}; allowed: {allow}",
                {"Allow": allow},
            )
        raise ApiError(404, "not_found", f"no such endpoint: {path}; see /openapi.json")

    def _check_host(self, req: Request) -> None:
        allowed = self.settings.allowed_hosts
        given = req.headers.get("host")
        if not allowed or "*" in allowed or given is None:  # HTTP/1.0 may omit it
            return
        name = _host_name(given)
        if name not in allowed:
            raise ApiError(
                421,
                "misdirected_request",
                f"this server does not answer to the host name {name!r}; "
                f"start it with --allowed-host {name} if that is its name",
            )

    def _dispatch(self, req: Request) -> Response:
        self._check_host(req)
        route, params = self.match(req.method, req.path)
        req.params = params
        if route.write:
            self._authorize(req)
        if route.json_body:
            ctype = req.headers.get("content-type", "")
            if ctype.split(";")[0].strip().lower() != "application/json":
                raise ApiError(
                    415,
                    "unsupported_media_type",
                    f"send the body as application/json, not {ctype or 'no Content-Type'}",
                )
        return route.handler(req)

    def _authorize(self, req: Request) -> None:
        token = self.settings.token
        if not token:
            return
        challenge = {"WWW-Authenticate": 'Bearer realm="retold"'}
        auth = req.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise ApiError(
                401,
                "unauthorized",
                "this endpoint needs the server's token: send Authorization: Bearer <token>",
                challenge,
            )
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ApiError(401, "unauthorized", "the token is not valid", challenge)

    @staticmethod
    def json_body(req: Request) -> dict[str, Any]:
        if not req.body.strip():
            raise ApiError(400, "invalid_json", "the request body is empty; send a JSON object")
        try:
            data = json.loads(req.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError(400, "invalid_json", "the request body is not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise ApiError(
                400,
                "invalid_json",
                f"the request body is not valid JSON ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno})",
            ) from None
        except RecursionError:
            raise ApiError(400, "invalid_json", "the JSON is nested too deeply") from None
        if not isinstance(data, dict):
            raise ApiError(422, "invalid_request", "the request body must be a JSON object")
        return data

    # -- reading articles --

    def read(self, art: _Article) -> Document:
        """The Document for an article of a request: fetched (safely) or read from text."""
        from retold.ingest import read_bytes, read_url

        if art.url is not None:
            doc = read_url(
                art.url,
                timeout=self.settings.fetch_timeout,
                max_bytes=self.settings.max_fetch_bytes,
                allow_private=self.settings.allow_private_urls,
            )
        else:
            assert art.text is not None
            if not art.text.strip():
                raise EmptyInputError(f"{art.label}: is empty; give the article text or a URL")
            try:
                data = art.text.encode("utf-8")
            except UnicodeEncodeError:
                # JSON allows lone surrogates ("\ud800"), which no article holds
                raise InputError(
                    f"{art.label}: contains invalid Unicode (an unpaired surrogate)"
                ) from None
            doc = read_bytes(
                data, name=art.label, kind=art.kind, max_bytes=self.settings.max_body_bytes
            )
        limit = self.settings.max_article_chars
        if len(doc.text) > limit:
            raise InputTooLargeError(
                f"{art.label}: the article is {len(doc.text):,} characters, over this "
                f"server's limit of {limit:,} (--max-article-chars)"
            )
        changes: dict[str, Any] = {}
        if art.title is not None:
            changes["title"] = art.title
        if art.id is not None:
            changes["id"] = art.id
        return replace(doc, **changes) if changes else doc

    def readers(self, arts: list[_Article]) -> list[Callable[[], Document]]:
        """Fetch the URL articles now and defer reading the texts.

        Fetching waits on the network, so it happens on the request's own
        thread; reading a text (decoding, extracting HTML) is CPU work, so it is
        left to the caller's job on the worker pool.
        """
        out: list[Callable[[], Document]] = []
        for art in arts:
            if art.url is not None:
                out.append(functools.partial(_identity, self.read(art)))
            else:
                out.append(functools.partial(self.read, art))
        return out

    # -- routes: page and meta --

    def page(self, req: Request) -> Response:
        return self._static("index.html", req)

    def static_file(self, req: Request) -> Response:
        return self._static(req.params["name"], req)

    def _static(self, name: str, req: Request) -> Response:
        f = self.static.get(name)
        if f is None:
            raise ApiError(404, "not_found", f"no such file: /static/{name}")
        headers = {"ETag": f.etag, "Cache-Control": "no-cache"}
        if name.endswith(".html"):
            headers["Content-Security-Policy"] = _PAGE_CSP
            headers["Referrer-Policy"] = "no-referrer"
        if req.headers.get("if-none-match") == f.etag:
            return Response(304, b"", f.content_type, headers)
        return Response(200, f.body, f.content_type, headers)

    def openapi(self, req: Request) -> Response:
        if self._openapi is None:
            from retold.service.openapi import spec

            self._openapi = json.dumps(spec(self.version), ensure_ascii=False).encode("utf-8")
        return Response(200, self._openapi, headers={"Cache-Control": "no-cache"})

    def health(self, req: Request) -> Response:
        return json_response(
            {
                "status": "ok",
                "version": self.version,
                "index": self.indexes is not None,
                "stories": _stories_module() is not None,
                "workers": self.pool.workers,
                "busy": self.pool.busy,
                "token_required": bool(self.settings.token),
                "uptime_s": round(time.time() - self.started, 1),
            }
        )

    # -- routes: compare --

    def compare(self, req: Request) -> Response:
        body = self.json_body(req)
        _unknown(body, ("a", "b", "include_text", "format"), "body")
        a = parse_article(body.get("a"), "a")
        b = parse_article(body.get("b"), "b")
        include_text = _bool_field(body, "include_text", True)
        fmt = body.get("format", "json")
        if fmt not in ("json", "html"):
            raise ApiError(422, "invalid_request", "body.format must be json or html")
        read_a, read_b = self.readers([a, b])

        def work() -> Any:
            from retold.comparison import compare_prepared, prepare

            report = compare_prepared(prepare(read_a()), prepare(read_b()))
            if fmt == "html":
                from retold.report import render_html

                return render_html(report)
            return report.to_dict(include_text=include_text)

        t0 = time.perf_counter()
        out = self.pool.run(work, self.settings.request_timeout)
        timing = {"Server-Timing": f"compute;dur={(time.perf_counter() - t0) * 1000:.1f}"}
        if fmt == "html":
            return Response(200, out.encode("utf-8"), "text/html; charset=utf-8", timing)
        return json_response(out, headers=timing)

    # -- routes: index --

    def _indexes(self) -> IndexAccess:
        if self.indexes is None:
            raise ApiError(
                503,
                "no_index",
                "this server has no index; start it with retold serve --index DIR",
            )
        return self.indexes

    def search(self, req: Request) -> Response:
        body = self.json_body(req)
        _unknown(body, ("article", "k"), "body")
        art = parse_article(body.get("article"), "article")
        k = _int_field(body, "k", 10, 1, self.settings.max_results)
        indexes = self._indexes()
        (read,) = self.readers([art])

        def work() -> dict[str, Any]:
            doc = read()
            hits = indexes.reader().search(doc, k)
            return {"query": _query_meta(doc), "results": [h.to_dict() for h in hits]}

        return json_response(self.pool.run(work, self.settings.request_timeout))

    def add_documents(self, req: Request) -> Response:
        body = self.json_body(req)
        _unknown(body, ("documents",), "body")
        items = body.get("documents")
        limit = self.settings.max_documents
        if not isinstance(items, list) or not items:
            raise ApiError(
                422, "invalid_request", "body.documents must be a non-empty list of articles"
            )
        if len(items) > limit:
            raise ApiError(
                413,
                "too_many_documents",
                f"{len(items)} documents in one request; send at most {limit} at a time",
            )
        indexes = self._indexes()
        arts = [parse_article(x, f"documents[{i}]") for i, x in enumerate(items)]
        reads = self.readers(arts)
        docs = self.pool.run(lambda: [r() for r in reads], self.settings.request_timeout)
        from retold.index.docwork import default_id

        ids = [default_id(d) for d in docs]

        def work(ix: Index) -> dict[str, Any]:
            summary = ix.add(docs)
            return {"ids": ids, **summary.to_dict()}

        return json_response(indexes.write(work, self.settings.request_timeout))

    def get_document(self, req: Request) -> Response:
        doc_id = req.params["id"]
        indexes = self._indexes()
        doc = self.pool.run(lambda: indexes.reader().get(doc_id), self.settings.request_timeout)
        if doc is None:
            raise ApiError(404, "not_found", f"no document with id {doc_id!r} in the index")
        return json_response({**doc.meta(), "text": doc.text})

    def remove_document(self, req: Request) -> Response:
        doc_id = req.params["id"]
        removed = self._indexes().write(
            lambda ix: bool(ix.remove(doc_id)), self.settings.request_timeout
        )
        if not removed:
            raise ApiError(404, "not_found", f"no document with id {doc_id!r} in the index")
        return json_response({"removed": doc_id})

    def index_stats(self, req: Request) -> Response:
        indexes = self._indexes()
        stats = self.pool.run(lambda: indexes.reader().stats(), self.settings.request_timeout)
        stats.pop("path", None)  # the server's file layout is nobody's business
        return json_response(stats)

    def duplicates(self, req: Request) -> Response:
        indexes = self._indexes()
        dups = self.pool.run(lambda: indexes.reader().duplicates(), self.settings.request_timeout)
        return json_response({"duplicates": dups})

    # -- routes: stories --

    def stories(self, req: Request) -> Response:
        mod = self._require_stories()
        indexes = self._indexes()
        out = self.pool.run(
            lambda: mod.list_stories(indexes.reader()), self.settings.request_timeout
        )
        return json_response(out)

    def story(self, req: Request) -> Response:
        mod = self._require_stories()
        indexes = self._indexes()
        story_id = req.params["id"]
        out = self.pool.run(
            lambda: mod.get_story(indexes.reader(), story_id), self.settings.request_timeout
        )
        if out is None:
            raise ApiError(404, "not_found", f"no story with id {story_id!r}")
        return json_response(out)

    @staticmethod
    def _require_stories() -> Any:
        mod = _stories_module()
        if mod is None:
            raise ApiError(
                501,
                "not_implemented",
                "stories (clustering) are not available in this version of retold",
            )
        return mod

    def close(self) -> None:
        self.pool.shutdown()
        if self.indexes is not None:
            self.indexes.close()


def _identity(x: T) -> T:
    return x


def _query_meta(doc: Document) -> dict[str, Any]:
    return {**doc.meta(), "chars": len(doc.text)}


class IndexAccess:
    """The index as a threaded server uses it.

    An :class:`~retold.index.Index` holds an SQLite connection, usable only in
    the thread that opened it, and the index's writer lock for as long as it
    lives. So one thread owns the writing Index and runs every add and remove
    (writes are serial anyway), and each worker thread opens its own reading
    Index on first use; SQLite's WAL lets those read while the writer commits.
    """

    def __init__(self, settings: Settings) -> None:
        from retold.index import Index, VectorParams

        assert settings.index_path is not None
        self.path = settings.index_path
        # each reader keeps its own float32 copy of recent vectors: share the budget
        budget = max(64 * MiB, (512 * MiB) // max(1, settings.workers))
        self._reader_params = VectorParams(memory_limit=budget)
        self._writes = WorkerPool(1, settings.queue_size)
        self._local = threading.local()
        self._writer: Index | None = None

        def open_writer() -> None:
            self._writer = Index(self.path)

        # created in the writer thread, which alone may use it
        try:
            self._writes.run(open_writer, timeout=300.0)
        except BaseException:
            self._writes.shutdown()
            raise

    def reader(self) -> Index:
        """This thread's reading Index (call from worker threads only)."""
        ix: Index | None = getattr(self._local, "index", None)
        if ix is None:
            from retold.index import Index

            ix = Index(self.path, create=False, vector_params=self._reader_params)
            self._local.index = ix
        return ix

    def write(self, fn: Callable[[Index], T], timeout: float) -> T:
        """Run ``fn(writer_index)`` on the writer thread; 503 when writes are backed up."""

        def job() -> T:
            assert self._writer is not None
            return fn(self._writer)

        return self._writes.run(job, timeout)

    def close(self) -> None:
        # the readers are left to process exit: their connections belong to other threads
        with contextlib.suppress(ApiError):  # shutting down anyway; the OS drops the lock
            self._writes.run(lambda: self._writer.close() if self._writer else None, 30.0)
        self._writes.shutdown()


def _stories_module() -> Any:
    """``retold.stories`` if it exists and offers what the routes call, else None."""
    try:
        if importlib.util.find_spec("retold.stories") is None:
            return None
        mod = importlib.import_module("retold.stories")
    except ImportError:
        return None
    if not all(callable(getattr(mod, n, None)) for n in ("list_stories", "get_story")):
        return None
    return mod


# --- the HTTP layer -------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Turns the bytes of HTTP/1.1 into :class:`Request` and back, for one connection."""

    protocol_version = "HTTP/1.1"
    # small responses must not wait for the client's delayed ACK (40 ms per request)
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.service.settings.socket_timeout)

    # any method goes to the router, which answers 405 for the ones a path lacks
    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        t0 = time.perf_counter()
        service = self.server.service
        method = self.command.upper()
        parts = urlsplit(self.path)
        req = Request(
            method=method,
            path=parts.path or "/",
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        try:
            resp = self._read_body(req) or service.handle(req)
        except TimeoutError:
            self.close_connection = True
            resp = error_response(
                ApiError(408, "request_timeout", "the request body arrived too slowly")
            )
        except OSError:
            self.close_connection = True
            return
        self._send(resp, head=method == "HEAD")
        if self.server.access_log:
            ms = (time.perf_counter() - t0) * 1000
            sys.stderr.write(
                f"{self.client_address[0]} {method} {req.path} {resp.status} {ms:.0f}ms\n"
            )

    def _read_body(self, req: Request) -> Response | None:
        """Read the body into ``req``, or answer the limit it breaks without reading it."""
        limit = self.server.service.settings.max_body_bytes
        if "transfer-encoding" in req.headers:
            self.close_connection = True
            return error_response(
                ApiError(
                    411,
                    "length_required",
                    "chunked request bodies are not accepted; send Content-Length",
                )
            )
        length_header = req.headers.get("content-length")
        if length_header is None:
            if req.method in ("POST", "PUT", "PATCH"):
                # route first, so an unknown path is a 404 rather than a 411
                try:
                    self.server.service.match(req.method, req.path)
                except ApiError as err:
                    return error_response(err)
                return error_response(
                    ApiError(411, "length_required", "send the body with a Content-Length header")
                )
            return None
        if not length_header.strip().isdigit():
            self.close_connection = True
            return error_response(
                ApiError(400, "bad_request", "the Content-Length header is not a number")
            )
        length = int(length_header)
        if length > limit:
            # not read: the connection closes instead, and the client sees the answer
            self.close_connection = True
            from retold.ingest.decode import human_size

            return error_response(
                ApiError(
                    413,
                    "payload_too_large",
                    f"the request body is {human_size(length)}, over this server's "
                    f"{human_size(limit)} limit (--max-body-bytes)",
                )
            )
        # one deadline for the whole body, so a client trickling bytes cannot hold a thread
        deadline = time.monotonic() + self.server.service.settings.socket_timeout
        chunks: list[bytes] = []
        left = length
        while left > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.connection.settimeout(remaining)
            chunk = self.rfile.read1(min(left, 256 * 1024))
            if not chunk:
                self.close_connection = True
                return error_response(
                    ApiError(400, "bad_request", "the request body ended before Content-Length")
                )
            chunks.append(chunk)
            left -= len(chunk)
        self.connection.settimeout(self.server.service.settings.socket_timeout)
        req.body = b"".join(chunks)
        return None

    def version_string(self) -> str:
        return f"retold/{self.server.service.version}"

    def _send(self, resp: Response, *, head: bool = False) -> None:
        """Write the answer in one write: one packet for the small ones."""
        finish(resp)
        try:
            phrase = HTTPStatus(resp.status).phrase
        except ValueError:
            phrase = ""
        lines = [
            f"{self.protocol_version} {resp.status} {phrase}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {resp.content_type}",
            f"Content-Length: {len(resp.body)}",
            *(f"{k}: {v}" for k, v in resp.headers.items()),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if not head and resp.status != 304:
            data += resp.body
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client went away

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the stdlib finds while parsing (bad request line, header limits)."""
        self.close_connection = True
        # the parser assumes HTTP/0.9 (no status line) until it has read a version
        self.request_version = self.protocol_version
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        codes = {
            400: "bad_request",
            414: "uri_too_long",
            431: "headers_too_large",
            505: "http_version_not_supported",
        }
        err = ApiError(code, codes.get(code, "bad_request"), message or phrase)
        self._send(error_response(err))

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the access log is written by _serve, in one line per request


class _Server(ThreadingHTTPServer):
    """A thread per connection, capped; past the cap a connection gets a quick 503."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        service: Service,
        *,
        access_log: bool = False,
        ipv6: bool = False,
    ) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.service = service
        self.access_log = access_log
        self._slots = threading.BoundedSemaphore(service.settings.max_connections)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, sock: socket.socket) -> None:
        body = error_body(503, "overloaded", "too many open connections; retry shortly")
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
        )
        try:
            sock.settimeout(0.5)
            sock.sendall(head.encode("ascii") + body)
            sock.shutdown(socket.SHUT_WR)
            sock.recv(65536)  # drain what the client sent, so closing does not reset
        except OSError:
            pass
        finally:
            sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("error on a connection from %s", client_address[0])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        if ":" in name:
            name = f"[{name}]"
        return f"http://{name}:{port}/"


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def _host_name(header: str) -> str:
    """The name in a Host header, without port, brackets or a trailing dot."""
    h = header.strip().lower()
    if h.startswith("["):
        h = h[1 : h.find("]")] if "]" in h else h[1:]
    elif h.count(":") == 1:
        h = h.split(":")[0]
    return h.rstrip(".")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (brackets allowed)."""
    import ipaddress

    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_server(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    access_log: bool = False,
) -> _Server:
    """A bound (not yet serving) HTTP server for ``settings``; port 0 picks a free one.

    The index, if any, is opened first, so a bad ``--index`` fails before the port opens.
    """
    if settings.allowed_hosts is None and is_loopback(host):
        settings = replace(settings, allowed_hosts=LOOPBACK_NAMES)
    service = Service(settings)
    try:
        return _Server((host, port), service, access_log=access_log, ipv6=":" in host)
    except BaseException:
        service.close()
        raise


def _one_blas_thread() -> None:
    """One BLAS thread per worker: the worker threads are the parallelism.

    The encoder limits BLAS to one thread only for the span of each call and
    then restores the process default; with two workers encoding at once, one
    restores the default while the other is mid-call and the cores are
    oversubscribed. With the default at one thread, there is nothing to restore.
    """
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if "numpy" in sys.modules:  # too late for the variables: set the live limit
        try:
            from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
        except ImportError:
            return
        threadpool_limits(1, user_api="blas")


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    access_log: bool = True,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Load the model and the index, then serve until SIGINT or SIGTERM.

    The model is loaded before the port opens, so the first request is not
    the one that waits for it, and a readiness probe can just poll /api/health.
    """
    import signal

    _one_blas_thread()
    from retold.embed import default_encoder

    say = announce or (lambda msg: sys.stderr.write(msg + "\n"))
    default_encoder().encode(["warm up the sentence encoder"])
    server = make_server(settings, host, port, access_log=access_log)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    say(f"retold serve: listening on {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        server.service.close()
        say("retold serve: stopped")
