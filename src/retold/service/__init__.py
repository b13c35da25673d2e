"""``retold serve``: an HTTP API (described at ``/openapi.json``, browsable at ``/docs``)
and a web page at ``/``, on FastAPI and uvicorn (the ``[serve]`` extra).

The modules, from the wire inwards: :mod:`~retold.service.http` (the
connection and the gate in front of the app), :mod:`~retold.service.app` (the
routes and :func:`serve`), :mod:`~retold.service.models` (the request and
response models the OpenAPI document is generated from),
:mod:`~retold.service.pool` and :mod:`~retold.service.jobs` (the worker
processes and the work they do). Importing this package imports none of them:
the command line checks for the extra first.

>>> from retold.service import Settings, serve   # doctest: +SKIP
>>> serve(Settings(), "127.0.0.1", 8000)          # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from retold.service.settings import Settings

__all__ = ["Settings", "create_app", "missing_extra", "serve"]


def missing_extra() -> str | None:
    """The one-line install hint when the ``[serve]`` extra is missing, else None."""
    import importlib

    for mod in ("fastapi", "uvicorn", "httptools", "fastapi_offline"):
        try:
            importlib.import_module(mod)
        except ImportError:
            return (
                f"retold serve needs the [serve] extra ({mod} is not installed): "
                "pip install 'retold[serve]'"
            )
    return None


def __getattr__(name: str) -> Any:
    if name in ("create_app", "serve"):
        from retold.service import app

        return getattr(app, name)
    raise AttributeError(name)
