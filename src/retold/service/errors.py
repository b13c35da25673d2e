"""Every error as ``{"error": {"code", "message", "status"}}``: exception handlers for the app.

Routing errors (404, 405), validation errors (422, and 413 for too many
documents), the library's errors (mapped by class), deliberate
:class:`ApiError` answers and unexpected exceptions (500, logged in full with a
reference the answer repeats) all come out in the one shape.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from retold.errors import (
    BinaryInputError,
    DecodeError,
    EmptyInputError,
    ExtractionError,
    FetchError,
    IndexBusyError,
    InputError,
    InputTooLargeError,
    ModelError,
    RetoldError,
    UnsafeURLError,
    UsageError,
)
from retold.service.pool import ApiError, WorkerCrashError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request

__all__ = ["error_body", "error_response", "install"]

log = logging.getLogger("retold.service")

_RETOLD_ERRORS: tuple[tuple[type[RetoldError], int, str], ...] = (
    (UnsafeURLError, 422, "unsafe_url"),
    (FetchError, 422, "fetch_failed"),
    (InputTooLargeError, 413, "input_too_large"),
    (EmptyInputError, 422, "empty_input"),
    (BinaryInputError, 422, "binary_input"),
    (DecodeError, 422, "undecodable_input"),
    (ExtractionError, 422, "no_article_text"),
    (InputError, 422, "invalid_input"),
    # another process (index add, compact) holds the writer lock: try again later
    (IndexBusyError, 503, "index_busy"),
    (UsageError, 422, "invalid_request"),
    (ModelError, 503, "model_unavailable"),
)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def error_body(status: int, code: str, message: str) -> bytes:
    """The one error shape, as bytes."""
    data = {"error": {"code": code, "message": message, "status": status}}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def error_response(err: ApiError) -> Response:
    headers = {"Cache-Control": "no-store", **err.headers}
    return Response(
        error_body(err.status, err.code, err.message),
        err.status,
        headers=headers,
        media_type="application/json; charset=utf-8",
    )


def api_error_for(exc: RetoldError) -> ApiError:
    """The status and code of one of the library's errors."""
    message = str(exc)
    # the library's hints name its own keyword; a server user can only change flags
    message = message.replace(
        "pass allow_private=True to allow it",
        "this server allows it only when started with --allow-private-urls",
    ).replace(
        "raise the limit with --max-bytes (max_bytes=) to read it anyway",
        "the server's --max-fetch-bytes sets the limit",
    )
    for cls, status, code in _RETOLD_ERRORS:
        if isinstance(exc, cls):
            return ApiError(status, code, message)
    return ApiError(422, "invalid_input", message)


# --- validation errors as one line ------------------------------------------------

_TAGS = {"str", "obj"}  # the article union's member tags, not field names


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part in ("body",) and not out:
            continue
        if part in _TAGS:
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_message(err: dict[str, Any]) -> str:
    """One line for a pydantic error: the field's path, then what is wrong."""
    where = _where(tuple(err.get("loc", ())))
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if not where:
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return "the request body must be a JSON object"
        return f"the request body: {msg}"
    if kind == "missing":
        return f"{where} is missing; give an article text or URL"
    if kind == "extra_forbidden":
        parent, _, name = where.rpartition(".")
        return f"{parent or 'body'}: unknown field {name!r}"
    if kind == "article_type":
        return f"{where} {msg}"
    return f"{where}: {msg}"


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errs = list(exc.errors())
    # a missing body is a malformed request, not a wrong field
    if errs and tuple(errs[0].get("loc", ())) == ("body",) and errs[0].get("type") == "missing":
        return error_response(
            ApiError(400, "invalid_json", "the request body is empty; send a JSON object")
        )
    message = validation_message(errs[0]) if errs else "invalid request"
    if len(errs) > 1 and not _is_union_noise(errs):
        message += f" (and {len(errs) - 1} more)"
    return error_response(ApiError(422, "invalid_request", message))


def _is_union_noise(errs: list[Any]) -> bool:
    return all(tuple(e.get("loc", ()))[:2] == tuple(errs[0].get("loc", ()))[:2] for e in errs)


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    path = request.url.path
    headers = dict(exc.headers or {})
    if status == 404:
        message = str(exc.detail) if exc.detail != "Not Found" else ""
        message = message or f"no such endpoint: {path}; see /openapi.json"
    elif status == 405:
        allow = _allowed(request)
        headers["Allow"] = allow
        message = f"{request.method} is not allowed on {path}; allowed: {allow}"
    else:
        message = str(exc.detail)
    return error_response(ApiError(status, _HTTP_CODES.get(status, "http_error"), message, headers))


def _allowed(request: Request) -> str:
    """Every method some route answers on this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")  # the gate answers HEAD as GET
    return ", ".join(sorted(methods))


def _api(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


def _retold(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RetoldError)
    return error_response(api_error_for(exc))


def internal_error(method: str, path: str, exc: BaseException) -> Response:
    """Log an unexpected exception in full and answer 500 with a reference to the log line."""
    ref = uuid.uuid4().hex[:12]
    if isinstance(exc, WorkerCrashError):
        log.error("internal error %s on %s %s in a worker:\n%s", ref, method, path, exc.details)
    else:
        log.error("internal error %s on %s %s", ref, method, path, exc_info=exc)
    return error_response(
        ApiError(
            500,
            "internal_error",
            f"internal error (reference {ref}); the server log has the details",
        )
    )


def _unexpected(request: Request, exc: Exception) -> Response:
    return internal_error(request.method, request.url.path, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(RetoldError, _retold)
    app.add_exception_handler(Exception, _unexpected)
