"""The edges of ``retold serve``: the connection (a uvicorn protocol) and the gate (middleware).

:class:`Protocol` extends uvicorn's httptools protocol with what a server
facing hostile clients needs and uvicorn leaves out:

- a deadline for the whole request head (a client trickling one byte every
  few seconds is cut off, not kept alive by each byte), and a cap on its size
  (414 for the URL, 431 for the headers);
- HTTP/0.9 and unknown versions answered at once (505), not left to wait;
- duplicate ``Host`` or ``Content-Length`` headers, and chunked bodies, refused;
- a cap on open connections that makes room by closing the oldest connection
  with no request in progress, so idle or slow clients cannot lock out the
  rest; only when every connection is busy is a newcomer refused (503);
- every one of these answered in the one JSON error shape.

:class:`Gate` runs before routing, for every request: the Host check (421),
the body (411, 413, a deadline for the whole body: 408, then JSON checks:
415, 400), HEAD as GET, the headers every answer carries, the one access-log
line per request (control characters escaped), and the 500 for anything
unexpected, logged in full.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from retold.service.errors import error_body, error_response, internal_error
from retold.service.pool import ApiError
from retold.service.settings import Settings, host_name

__all__ = ["JSON_ROUTES", "Gate", "Protocol", "escape"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the routes that take a JSON body
JSON_ROUTES = frozenset({"/api/compare", "/api/search", "/api/documents"})

MAX_URL = 16 * 1024
MAX_HEAD = 64 * 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REQUEST_LINE = re.compile(rb"^[!-~]+ [^ ]+ HTTP/1\.[01]$")
_OTHER_VERSION = re.compile(rb"^[A-Za-z]+ [^ ]+( HTTP/\d+(\.\d+)?)?$")


def escape(text: str) -> str:
    """Text safe for a terminal: control characters (escape codes) as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def access_line(client: Any, method: str, path: str, status: int, ms: float) -> None:
    ip = client[0] if client else "-"
    sys.stderr.write(f"{ip} {escape(method)} {escape(path)} {status} {ms:.0f}ms\n")


class _RejectError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.args3 = (status, code, message)


class Protocol(HttpToolsProtocol):
    """One connection; see the module documentation. Configure with :meth:`for_settings`."""

    settings: Settings = Settings()
    access_log: bool = False

    @classmethod
    def for_settings(cls, settings: Settings, *, access_log: bool) -> type[Protocol]:
        return type("RetoldProtocol", (cls,), {"settings": settings, "access_log": access_log})

    # -- connection life --

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # uvicorn writes an answer's head and body separately: without this,
            # on a kept-alive connection the body waits ~40 ms for a delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._born = self.loop.time()
        self._in_head = True
        self._raw_head = 0
        self._line = b""
        self._first_line = b""
        self._line_checked = False
        self._reject: tuple[int, str, str] | None = None
        self._draining = False
        self._head_timer: asyncio.TimerHandle | None = self.loop.call_later(
            self.settings.socket_timeout, self._head_timeout
        )
        self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _make_room(self) -> None:
        if len(self.connections) <= self.settings.max_connections:
            return
        idle = [
            c
            for c in self.connections
            if c is not self and isinstance(c, Protocol) and not c._busy()
        ]
        if idle:
            # the stalest idle connection goes: a slow or idle client cannot lock out the rest
            min(idle, key=lambda c: c._born).transport.close()
            return
        self._reply(503, "overloaded", "too many open connections; retry shortly", retry=True)

    def _cancel_head_timer(self) -> None:
        if getattr(self, "_head_timer", None) is not None:
            self._head_timer.cancel()  # type: ignore[union-attr]
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if not self._in_head or self._busy() or self.transport.is_closing():
            return
        if self._raw_head:
            self._reply(408, "request_timeout", "the request head arrived too slowly")
        else:
            self.transport.close()  # idle: nothing to answer

    # -- bytes in --

    def data_received(self, data: bytes) -> None:
        if self._draining:
            return
        self._unset_keepalive_if_required()
        if self._in_head:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(
                    self.settings.socket_timeout, self._head_timeout
                )
            self._raw_head += len(data)
            if not self._line_checked and self._check_line(data):
                return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError:
            status, code, message = self._reject or (400, "bad_request", "malformed request")
            self._reply(status, code, message)
            return
        except httptools.HttpParserUpgrade:
            self._reply(400, "bad_request", "protocol upgrades are not supported")
            return
        except httptools.HttpParserError as exc:
            self._parser_error(exc)
            return
        if self._in_head and self._raw_head > 2 * MAX_HEAD:
            self._reply(431, "headers_too_large", "the request head is over 64 KiB")

    def _parser_error(self, exc: Exception) -> None:
        text = str(exc) or "malformed request"
        if isinstance(exc, httptools.HttpParserInvalidMethodError) and _REQUEST_LINE.match(
            self._first_line
        ):
            # a method no route could have (the router answers 405 for known ones)
            self._reply(501, "not_implemented", "unknown HTTP method")
        elif "version" in text.lower():
            self._reply(505, "http_version_not_supported", "send HTTP/1.1 or HTTP/1.0")
        else:
            self._reply(400, "bad_request", f"malformed request: {text}")

    def _check_line(self, data: bytes) -> bool:
        """Answer a request line that is not HTTP/1.x at once; True if answered."""
        self._line = (self._line + data).lstrip(b"\r\n")
        end = self._line.find(b"\n")
        if end < 0:
            if len(self._line) > MAX_URL:
                self._reply(414, "uri_too_long", "the request line is over 16 KiB")
                return True
            return False
        line = self._line[:end].rstrip(b"\r")
        self._first_line = line
        self._line_checked = True
        self._line = b""
        if not _REQUEST_LINE.match(line) and _OTHER_VERSION.match(line):
            self._reply(505, "http_version_not_supported", "send HTTP/1.1 or HTTP/1.0")
            return True
        return False

    # -- parser callbacks --

    def on_message_begin(self) -> None:
        self._in_head = True
        super().on_message_begin()

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._reject = (status, code, message)
        raise _RejectError(status, code, message)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL:
            self._refuse(414, "uri_too_long", "the URL is over 16 KiB")

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        if sum(len(n) + len(v) for n, v in self.headers) > MAX_HEAD:
            self._refuse(431, "headers_too_large", "the request headers are over 64 KiB")

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._raw_head = 0
        self._cancel_head_timer()
        names = [n for n, _ in self.headers]
        for name in (b"host", b"content-length"):
            if names.count(name) > 1:
                self._refuse(400, "bad_request", f"more than one {name.decode()} header")
        if b"transfer-encoding" in names:
            self._refuse(
                411,
                "length_required",
                "chunked request bodies are not accepted; send Content-Length",
            )
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._in_head = True  # the next bytes on this connection start a new head

    # -- answering without the app --

    def _reply(self, status: int, code: str, message: str, *, retry: bool = False) -> None:
        self._cancel_head_timer()
        if self.transport.is_closing() or self._draining:
            return
        body = error_body(status, code, message)
        phrase = HTTPStatus(status).phrase
        head = (
            f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\ncache-control: no-store\r\n"
            f"x-content-type-options: nosniff\r\nconnection: close\r\n"
            + ("retry-after: 1\r\n" if retry else "")
            + "\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        # half-close and drain what the client still sends for a moment: closing
        # at once with unread input would reset the connection and lose the answer
        self._draining = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(0.5, self.transport.close)
        if self.access_log:
            access_line(self.client, "-", "(before routing)", status, 0.0)

    def send_400_response(self, msg: str) -> None:
        self._reply(400, "bad_request", msg)


# --- the gate -------------------------------------------------------------------


async def _send_json(send: Send, body: bytes) -> None:
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Gate:
    """ASGI middleware in front of the app; see the module documentation."""

    def __init__(self, app: ASGIApp, settings: Settings, *, access_log: bool) -> None:
        self.app = app
        self.settings = settings
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        state = {"status": 0}

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                _mark(message)
            await send(message)

        try:
            await self._serve(scope, receive, send_marked)
        except ApiError as err:
            if not state["status"]:
                await error_response(err)(scope, receive, send_marked)
        except Exception as exc:
            if state["status"]:
                raise  # the answer has begun: nothing left to say but to drop the connection
            await internal_error(scope["method"], scope["path"], exc)(scope, receive, send_marked)
        finally:
            if self.access_log:
                ms = (time.perf_counter() - t0) * 1000
                access_line(
                    scope.get("client"), scope["method"], scope["path"], state["status"], ms
                )

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        self._check_host(headers)
        body = await self._read_body(scope, headers, receive)
        if scope["path"] == "/api/health" and scope["method"] in ("GET", "HEAD"):
            fast = getattr(getattr(self.app, "state", None), "health_body", None)
            if fast is not None:
                # FastAPI's routing and dependency machinery cost about as much
                # as the rest of this request (bench_serve: health 0.60x of the
                # old server before); the route itself stays for /openapi.json
                await _send_json(send, fast())
                return
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}  # uvicorn leaves the body out
        if body is None:
            await self.app(scope, receive, send)
            return
        done = False

        async def replay() -> Message:
            nonlocal done
            if not done:
                done = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _check_host(self, headers: dict[str, str]) -> None:
        allowed = self.settings.allowed_hosts
        given = headers.get("host")
        if not allowed or "*" in allowed or given is None:  # HTTP/1.0 may omit it
            return
        name = host_name(given)
        if name not in allowed:
            raise ApiError(
                421,
                "misdirected_request",
                f"this server does not answer to the host name {escape(name)!r}; "
                f"start it with --allowed-host {escape(name)} if that is its name",
            )

    async def _read_body(
        self, scope: Scope, headers: dict[str, str], receive: Receive
    ) -> bytes | None:
        """The whole body within one deadline, checked; None when the request has none."""
        json_route = scope["method"] == "POST" and scope["path"] in JSON_ROUTES
        length_header = headers.get("content-length")
        if length_header is None:
            if json_route:
                raise ApiError(411, "length_required", "send the body with a Content-Length header")
            return None
        length = int(length_header)  # the parser accepts digits only
        limit = self.settings.max_body_bytes
        if length > limit:
            from retold.ingest.decode import human_size

            raise ApiError(
                413,
                "payload_too_large",
                f"the request body is {human_size(length)}, over this server's "
                f"{human_size(limit)} limit (--max-body-bytes)",
                {"Connection": "close"},  # not read: the connection cannot be reused
            )
        if json_route:
            _check_content_type(headers)
        body = await _receive_all(receive, self.settings.socket_timeout)
        if json_route:
            check_json(body)
        return body


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def _mark(message: Message) -> None:
    """Headers every answer carries: API answers are never cached or sniffed."""
    headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
    names = {k.lower() for k, _ in headers}
    ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if ctype.startswith(b"application/json") and b"cache-control" not in names:
        headers.append((b"cache-control", b"no-store"))
    if b"x-content-type-options" not in names:
        headers.append((b"x-content-type-options", b"nosniff"))
    message["headers"] = headers


async def _receive_all(receive: Receive, timeout: float) -> bytes:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    chunks: list[bytes] = []
    while True:
        try:
            msg = await asyncio.wait_for(receive(), deadline - loop.time())
        except TimeoutError:
            raise ApiError(
                408,
                "request_timeout",
                "the request body arrived too slowly",
                {"Connection": "close"},
            ) from None
        if msg["type"] == "http.disconnect":
            raise ApiError(400, "bad_request", "the client went away before sending its body")
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body", False):
            return b"".join(chunks)


def _check_content_type(headers: dict[str, str]) -> None:
    ctype = headers.get("content-type", "")
    if ctype.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"send the body as application/json, not {escape(ctype) or 'no Content-Type'}",
        )


def check_json(body: bytes) -> None:
    """A body the app can parse: UTF-8 JSON, one object, numbers Python can read."""
    if not body.strip():
        raise ApiError(400, "invalid_json", "the request body is empty; send a JSON object")
    try:
        data = json.loads(body.decode("utf-8"))
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
    except ValueError:
        # Python refuses to read integers of more than 4,300 digits
        raise ApiError(400, "invalid_json", "a number in the body has too many digits") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", "the request body must be a JSON object")
