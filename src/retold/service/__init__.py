"""``retold serve``: an HTTP API (described at ``/openapi.json``) and a web page at ``/``.

Standard library only: a threading HTTP server in front of a bounded worker
pool, one model per process, one JSON error shape for every error.

>>> from retold.service import Settings, make_server   # doctest: +SKIP
>>> server = make_server(Settings(), "127.0.0.1", 0)    # doctest: +SKIP
>>> server.serve_forever()                               # doctest: +SKIP
"""

from __future__ import annotations

from retold.service.app import (
    ApiError,
    Request,
    Response,
    Service,
    Settings,
    make_server,
    serve,
)

__all__ = ["ApiError", "Request", "Response", "Service", "Settings", "make_server", "serve"]
