"""The limits and switches of one ``retold serve``, and host-name helpers.

Standard library only: the command line imports this before it knows whether
the ``[serve]`` extra is installed.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LOOPBACK_NAMES", "MiB", "Settings", "host_name", "is_loopback"]

MiB = 1024 * 1024

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


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
    #: how long a request may take in all (waiting for a worker included) before a 504;
    #: the worker doing it is then stopped and replaced
    request_timeout: float = 60.0
    workers: int = field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 8)))
    #: requests allowed to wait for a worker before the server answers 503
    queue_size: int = 32
    #: open connections; past it the oldest connection with no request in
    #: progress is closed to make room, and only when every one is busy is a
    #: newcomer refused with 503
    max_connections: int = 128
    #: seconds a connection may sit idle, take to send its request head, or to
    #: send its body (each a deadline for the whole, not per read)
    socket_timeout: float = 15.0
    max_results: int = 100
    max_documents: int = 100
    #: names the Host header may carry (any port); None: the loopback names when
    #: the server listens on loopback (so a web page whose domain was rebound to
    #: 127.0.0.1 cannot drive it from a browser), anything otherwise; "*" allows all
    allowed_hosts: tuple[str, ...] | None = None


def host_name(header: str) -> str:
    """The name in a Host header, without port, brackets or a trailing dot."""
    h = header.strip().lower()
    if h.startswith("["):
        h = h[1 : h.find("]")] if "]" in h else h[1:]
    elif h.count(":") == 1:
        h = h.split(":")[0]
    return h.rstrip(".")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (brackets allowed)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
