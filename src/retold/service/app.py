"""The routes of ``retold serve`` on FastAPI, and :func:`serve`, which runs them on uvicorn.

Request and response models live in :mod:`retold.service.models` and
``/openapi.json`` is generated from them; ``/docs`` (Swagger UI) and
``/redoc`` are served from assets in the package, with no CDN. Route handlers
only validate and dispatch: the work runs in worker processes
(:mod:`retold.service.pool`, :mod:`retold.service.jobs`), readers on one pool
and writes, one at a time, on another.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from starlette.responses import Response

from retold.service import errors as service_errors
from retold.service import jobs
from retold.service.http import Gate, Protocol
from retold.service.models import (
    AddRequest,
    AddResponse,
    CompareRequest,
    DocumentMeta,
    Duplicates,
    ErrorBody,
    Health,
    Removed,
    Report,
    SearchRequest,
    SearchResponse,
    StoriesResponse,
    Story,
    article_spec,
)
from retold.service.pool import ApiError, WorkerPool
from retold.service.settings import LOOPBACK_NAMES, Settings, is_loopback

__all__ = ["Runtime", "create_app", "serve"]

log = logging.getLogger("retold.service")

_JSON = "application/json; charset=utf-8"

_ERROR_DESCRIPTIONS = {
    400: "Malformed request: the body is not JSON, or a header is invalid",
    401: "The write endpoints need Authorization: Bearer <token> when the server has one",
    404: "No such endpoint, document or story",
    405: "The path exists but not with this method (see the Allow header)",
    408: "The request head or body arrived too slowly",
    411: "The body has no Content-Length (chunked bodies are not accepted)",
    413: "The request body, or an article in it, is over the server's limit",
    415: "The body is not application/json",
    421: "The Host header names a host this server does not go by (see --allowed-host)",
    422: "The JSON is well formed but cannot be used: a missing or wrong field, an empty "
    "or binary article, a URL that could not be fetched or is refused",
    500: "An unexpected error; the message holds a reference for the server log",
    503: "The server is busy (retry after Retry-After seconds), has no index, or cannot "
    "load its model",
    504: "The work took longer than the server's request timeout, and was stopped",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {
        s: {"model": ErrorBody, "description": _ERROR_DESCRIPTIONS[s]}
        for s in sorted({*statuses, 421, 500})
    }
    out["default"] = {"model": ErrorBody, "description": "Any other error, in the same shape"}
    return out


_READ_ERRORS = _errors(400, 408, 411, 413, 415, 422, 503, 504)


@dataclass
class Runtime:
    """What the routes use: the settings, the worker pools, the static files."""

    settings: Settings
    version: str
    readers: WorkerPool
    writer: WorkerPool | None
    started: float
    cache_dir: str | None = None

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        from retold import __version__

        config = {
            "index_path": str(settings.index_path) if settings.index_path else None,
            "allow_private_urls": settings.allow_private_urls,
            "max_body_bytes": settings.max_body_bytes,
            "max_article_chars": settings.max_article_chars,
            "max_fetch_bytes": settings.max_fetch_bytes,
            "fetch_timeout": settings.fetch_timeout,
            "workers": settings.workers,
            "vector_cache": None,  # set by start()
        }
        readers = WorkerPool("reader", settings.workers, settings.queue_size, config)
        writer = (
            WorkerPool("writer", 1, settings.queue_size, config)
            if settings.index_path is not None
            else None
        )
        return cls(settings, __version__, readers, writer, time.time())

    def start(self) -> None:
        """Start the workers; a bad ``--index`` fails here, before the port opens."""
        # sentence vectors encoded by one worker serve the others (see vectors.py)
        self.cache_dir = tempfile.mkdtemp(prefix="retold-serve-")
        self.readers.config["vector_cache"] = str(Path(self.cache_dir) / "vectors.sqlite")
        try:
            if self.writer is not None:
                self.writer.start()
                self.writer.call_now("open_index")
            self.readers.start()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.readers.close()
        if self.writer is not None:
            self.writer.close()
        if self.cache_dir is not None:
            shutil.rmtree(self.cache_dir, ignore_errors=True)

    def need_index(self) -> WorkerPool:
        if self.writer is None:
            raise ApiError(
                503, "no_index", "this server has no index; start it with retold serve --index DIR"
            )
        return self.writer

    async def read(self, name: str, *args: Any, key: str | None = None) -> Any:
        return await self.readers.run(name, *args, timeout=self.settings.request_timeout, key=key)

    async def write(self, name: str, *args: Any) -> Any:
        return await self.need_index().run(name, *args, timeout=self.settings.request_timeout)


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


def _load_static() -> dict[str, tuple[bytes, str, str]]:
    out: dict[str, tuple[bytes, str, str]] = {}
    root = resources.files("retold.service") / "static"
    for entry in root.iterdir():
        suffix = Path(entry.name).suffix
        if entry.is_file() and suffix in _STATIC_TYPES:
            body = entry.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            out[entry.name] = (body, _STATIC_TYPES[suffix], etag)
    return out


@functools.cache
def _stories_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("retold.stories") is not None


# --- the token ----------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="The server's --token")


def authorize(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """The write endpoints' dependency: the server's token, when it has one."""
    token = request.app.state.settings.token
    if not token:
        return
    challenge = {"WWW-Authenticate": 'Bearer realm="retold"'}
    if creds is None or not creds.credentials.strip():
        raise ApiError(
            401,
            "unauthorized",
            "this endpoint needs the server's token: send Authorization: Bearer <token>",
            challenge,
        )
    if not hmac.compare_digest(creds.credentials.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "the token is not valid", challenge)


WriteAccess = Annotated[None, Depends(authorize)]


# --- the app ----------------------------------------------------------------------


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``runtime`` (the worker pools) is needed to answer, not to list routes."""
    from retold import __version__

    app = FastAPIOffline(
        title="retold",
        version=__version__,
        description="Find where a news article came from, and what was changed on the way. "
        'Every error is answered as {"error": {"code", "message", "status"}}.',
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url="/redoc",
    )
    service_errors.install(app)
    static = _load_static()

    def rt() -> Runtime:
        if runtime is None:
            raise ApiError(503, "not_started", "the server's workers are not running")
        return runtime

    def static_file(name: str, request: Request) -> Response:
        f = static.get(name)
        if f is None:
            raise ApiError(404, "not_found", f"no such file: /static/{name}")
        body, ctype, etag = f
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if name.endswith(".html"):
            headers["Content-Security-Policy"] = _PAGE_CSP
            headers["Referrer-Policy"] = "no-referrer"
        if request.headers.get("if-none-match") == etag:
            return Response(b"", 304, headers=headers)
        return Response(body, 200, headers=headers, media_type=ctype)

    html: dict[str, Any] = {"content": {"text/html": {}}}

    @app.get(
        "/",
        summary="The web page",
        operation_id="page",
        response_class=Response,
        responses={200: {"description": "HTML page", **html}, **_errors()},
    )
    def page(request: Request) -> Response:
        return static_file("index.html", request)

    @app.get(
        "/static/{name}",
        summary="The page's script and style sheet",
        operation_id="static",
        response_class=Response,
        responses={200: {"description": "The file"}, **_errors(404)},
    )
    def static_route(name: str, request: Request) -> Response:
        return static_file(name, request)

    @app.get(
        "/api/health",
        summary="Liveness and configuration",
        operation_id="health",
        response_class=Response,
        responses={200: {"model": Health, "description": "The server is up"}, **_errors()},
    )
    def health_body() -> bytes:
        r = rt()
        return jobs.dumps(
            {
                "status": "ok",
                "version": r.version,
                "index": r.writer is not None,
                "stories": _stories_available(),
                "workers": r.readers.size,
                "busy": r.readers.busy + (r.writer.busy if r.writer else 0),
                "token_required": bool(settings.token),
                "uptime_s": round(time.time() - r.started, 1),
            }
        )

    async def health() -> Response:
        # built by hand: the liveness probe is the hottest route, and a model
        # round trip would double its cost (the schema above documents it);
        # under serve() the Gate answers it before FastAPI's routing (http.py)
        return json_bytes(health_body())

    # the Gate's fast path for the probe, when the runtime is there to answer it
    app.state.health_body = health_body if runtime is not None else None
    app.state.settings = settings
    _register_work_routes(app, rt)
    return app


def _key(article: Any) -> str:
    """What routes an article to the worker that may have its sentences cached."""
    return article if isinstance(article, str) else str(article.text or article.url)


def json_bytes(data: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(data, 200, headers=headers, media_type=_JSON)


def _register_work_routes(app: FastAPI, rt: Callable[[], Runtime]) -> None:
    """The routes that run on the workers: comparing, searching and adding."""

    @app.post(
        "/api/compare",
        summary="Compare article a (the candidate source) with article b",
        operation_id="compare",
        response_class=Response,
        responses={
            200: {
                "model": Report,
                "description": "The report",
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
            **_READ_ERRORS,
        },
    )
    async def compare(body: CompareRequest) -> Response:
        """Each article is a text or a URL. URLs are fetched with a size cap and a timeout,
        and refused when they resolve to a private, loopback or link-local address unless
        the server runs with --allow-private-urls."""
        t0 = time.perf_counter()
        out = await rt().read(
            "compare",
            article_spec(body.a, "a"),
            article_spec(body.b, "b"),
            body.include_text,
            body.format,
            key=_key(body.b),  # b is the article checked (the one a search was run for)
        )
        timing = {"Server-Timing": f"compute;dur={(time.perf_counter() - t0) * 1000:.1f}"}
        if body.format == "html":
            return Response(out, 200, headers=timing, media_type="text/html; charset=utf-8")
        return json_bytes(out, timing)

    @app.post(
        "/api/search",
        summary="Rank the indexed documents that could be a source",
        operation_id="search",
        response_class=Response,
        responses={
            200: {"model": SearchResponse, "description": "Candidate sources"},
            **_READ_ERRORS,
        },
    )
    async def search(body: SearchRequest) -> Response:
        rt().need_index()
        spec = article_spec(body.article, "article")
        return json_bytes(await rt().read("search", spec, body.k, key=_key(body.article)))

    @app.post(
        "/api/documents",
        summary="Add documents to the index (token needed when set)",
        operation_id="addDocuments",
        response_class=Response,
        responses={
            200: {"model": AddResponse, "description": "What was added"},
            **_errors(400, 401, 408, 411, 413, 415, 422, 503, 504),
        },
    )
    async def add_documents(body: AddRequest, _: WriteAccess) -> Response:
        rt().need_index()
        limit = rt().settings.max_documents
        if len(body.documents) > limit:
            raise ApiError(
                413,
                "too_many_documents",
                f"{len(body.documents)} documents in one request; send at most {limit} at a time",
            )
        arts = [article_spec(a, f"documents[{i}]") for i, a in enumerate(body.documents)]
        return json_bytes(await rt().write("add", arts))

    _register_index_routes(app, rt)


def _register_index_routes(app: FastAPI, rt: Callable[[], Runtime]) -> None:
    """The routes that read from or remove from the index."""

    @app.get(
        "/api/documents/{id:path}",
        summary="One indexed document: its metadata and text",
        operation_id="getDocument",
        response_class=Response,
        responses={
            200: {"model": DocumentMeta, "description": "The document"},
            **_errors(404, 503, 504),
        },
    )
    async def get_document(id: str) -> Response:
        rt().need_index()
        out = await rt().read("get_document", id)
        if out is None:
            raise ApiError(404, "not_found", f"no document with id {id!r} in the index")
        return json_bytes(out)

    @app.delete(
        "/api/documents/{id:path}",
        summary="Remove a document (token needed when set)",
        operation_id="removeDocument",
        response_model=Removed,
        responses=_errors(401, 404, 503, 504),
    )
    async def remove_document(id: str, _: WriteAccess) -> Removed:
        if not await rt().write("remove", id):
            raise ApiError(404, "not_found", f"no document with id {id!r} in the index")
        return Removed(removed=id)

    @app.get(
        "/api/index",
        summary="Statistics of the index",
        operation_id="indexStats",
        response_class=Response,
        responses={
            200: {
                "description": "Counts and sizes",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **_errors(503, 504),
        },
    )
    async def index_stats() -> Response:
        rt().need_index()
        return json_bytes(await rt().read("index_stats"))

    @app.get(
        "/api/duplicates",
        summary="Duplicates the index found while adding",
        operation_id="duplicates",
        response_class=Response,
        responses={200: {"model": Duplicates, "description": "Duplicates"}, **_errors(503, 504)},
    )
    async def duplicates() -> Response:
        rt().need_index()
        return json_bytes(await rt().read("duplicates"))

    @app.get(
        "/api/stories",
        summary="Stories: clusters of indexed articles telling one story",
        description="Built from the links recorded so far; linking new articles is the "
        "operator's job (`retold stories --index DIR`), never done inside a request: "
        "`unlinked` counts the articles waiting for it.",
        operation_id="listStories",
        response_class=Response,
        responses={
            200: {"model": StoriesResponse, "description": "The stories"},
            **_errors(503, 504),
        },
    )
    async def stories() -> Response:
        rt().need_index()
        return json_bytes(await rt().read("stories"))

    @app.get(
        "/api/stories/{id:path}",
        summary="One story: its articles and derivation edges",
        operation_id="getStory",
        response_class=Response,
        responses={200: {"model": Story, "description": "The story"}, **_errors(404, 503, 504)},
    )
    async def story(id: str) -> Response:
        rt().need_index()
        out = await rt().read("story", id)
        if out is None:
            raise ApiError(404, "not_found", f"no story with id {id!r}")
        return json_bytes(out)


# --- running it -------------------------------------------------------------------


def _one_blas_thread() -> None:
    """One BLAS thread per worker process: the workers are the parallelism."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _logging() -> None:
    """Errors of the service (every 500 in full) to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("retold serve: %(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    access_log: bool = True,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Start the workers and the index, then serve until SIGINT or SIGTERM.

    The workers load the model before the port opens, so the first request is
    not the one that waits for it, and a readiness probe can poll /api/health.
    """
    import uvicorn

    _one_blas_thread()
    _logging()
    say = announce or (lambda msg: sys.stderr.write(msg + "\n"))
    if settings.allowed_hosts is None and is_loopback(host):
        settings = replace(settings, allowed_hosts=LOOPBACK_NAMES)
    runtime = Runtime.create(settings)
    runtime.start()
    try:
        sock = listen(host, port)
        app = Gate(create_app(settings, runtime), settings, access_log=access_log)
        config = uvicorn.Config(
            app,
            http=Protocol.for_settings(settings, access_log=access_log),
            lifespan="off",
            loop="auto",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_keep_alive=max(1, int(settings.socket_timeout)),
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        name = sock.getsockname()
        where = f"[{name[0]}]" if ":" in name[0] else name[0]
        say(f"retold serve: listening on http://{where}:{name[1]}/ (Ctrl-C to stop)")
        # uvicorn stops gracefully on SIGTERM, then raises the signal again:
        # with the default action that killed the process before the finally
        # below (the workers' shared vector file was left in /tmp)
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        server.run(sockets=[sock])
    finally:
        runtime.close()
    say("retold serve: stopped")
