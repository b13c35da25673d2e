"""``retold serve``: the HTTP API and web page (see :mod:`retold.service`).

Only click and the standard library are imported here, so ``retold --help``
stays fast; the server and the model load when the command runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

__all__ = ["serve"]

_MiB = 1024 * 1024


@click.command()
@click.option(
    "--index",
    "index_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index directory for search and adding documents (created if missing).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--token",
    envvar="RETOLD_TOKEN",
    show_envvar=True,
    default=None,
    help="Require 'Authorization: Bearer TOKEN' on the endpoints that write to the index.",
)
@click.option(
    "--allow-private-urls",
    is_flag=True,
    help="Let compare and search fetch URLs on loopback, private and link-local "
    "addresses (off: the server must not be a proxy into its own network).",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1024),
    default=4 * _MiB,
    show_default=True,
    help="Largest request body accepted.",
)
@click.option(
    "--max-article-chars",
    type=click.IntRange(min=100),
    default=200_000,
    show_default=True,
    help="Longest article text (pasted or extracted from a page) compared.",
)
@click.option(
    "--max-fetch-bytes",
    type=click.IntRange(min=1024),
    default=4 * _MiB,
    show_default=True,
    help="Largest web page fetched for a URL.",
)
@click.option(
    "--fetch-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds allowed to fetch one URL.",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds a request may take (waiting for a worker included) before a 504; "
    "the worker doing it is stopped and replaced.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes doing comparisons and searches (default: number of CPUs, "
    "at most 8); writes to the index have one more of their own.",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(min=0),
    default=32,
    show_default=True,
    help="Requests that may wait for a worker; past that the answer is 503.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=128,
    show_default=True,
    help="Open connections; past that the oldest idle one is closed to make room, "
    "and only when all are busy is the answer 503.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds a connection may stay idle, or take to send its request head or its "
    "body (a deadline for each whole, not per read), before it is closed.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="A host name clients reach the server by (repeatable; '*' for any). "
    "Default: localhost and loopback addresses when listening on loopback, any otherwise.",
)
@click.option("-q", "--quiet", is_flag=True, help="No access log (one line per request) on stderr.")
def serve(
    index_path: Path | None,
    host: str,
    port: int,
    token: str | None,
    allow_private_urls: bool,
    max_body_bytes: int,
    max_article_chars: int,
    max_fetch_bytes: int,
    fetch_timeout: float,
    request_timeout: float,
    workers: int | None,
    queue_size: int,
    max_connections: int,
    idle_timeout: float,
    allowed_hosts: tuple[str, ...],
    quiet: bool,
) -> None:
    """Serve the HTTP API and the web page.

    The API is described at /openapi.json and browsable at /docs; the page
    at / compares two articles, finds the sources of one, and browses
    stories. Needs the [serve] extra (pip install 'retold[serve]').

    \b
    Examples:
      retold serve --index news-index
      RETOLD_TOKEN=s3cret retold serve --index news-index --host 0.0.0.0 --port 8080
    """
    from retold.errors import RetoldError
    from retold.service import Settings, missing_extra
    from retold.service.settings import LOOPBACK_NAMES, is_loopback

    hint = missing_extra()
    if hint is not None:
        click.echo(f"retold: error: {hint}", err=True)
        sys.exit(1)
    from retold.service.app import serve as run_server

    host = host.strip("[]")
    if not is_loopback(host) and not token:
        click.echo(
            f"retold serve: warning: listening on {host} without --token; anyone who can "
            "reach it can add and remove documents",
            err=True,
        )
    settings = Settings(
        index_path=index_path,
        token=token or None,
        allow_private_urls=allow_private_urls,
        max_body_bytes=max_body_bytes,
        max_article_chars=max_article_chars,
        max_fetch_bytes=max_fetch_bytes,
        fetch_timeout=fetch_timeout,
        request_timeout=request_timeout,
        workers=workers or max(1, min(os.cpu_count() or 1, 8)),
        queue_size=queue_size,
        max_connections=max_connections,
        socket_timeout=idle_timeout,
        allowed_hosts=(
            tuple(h.strip("[]").lower().rstrip(".") for h in allowed_hosts)
            + (LOOPBACK_NAMES if is_loopback(host) else ())
            if allowed_hosts
            else None
        ),
    )
    try:
        run_server(settings, host, port, access_log=not quiet)
    except OSError as exc:
        # typically the port is taken or the address is not on this machine
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        click.echo(f"retold: error: cannot listen on {where}: {exc.strerror}", err=True)
        sys.exit(1)
    except RetoldError as exc:
        click.echo(f"retold: error: {exc}", err=True)
        sys.exit(1)
