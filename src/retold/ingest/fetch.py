"""Fetch an article over HTTP(S) with the standard library, safely.

Only http and https; every redirect hop is re-validated; a size cap applies
while streaming; and with ``allow_private=False`` hosts resolving to
non-public addresses are refused before any connection is made. The checked
addresses are the ones connected to (not a second DNS lookup), so a rebinding
DNS server cannot slip a private address past the check. urllib.request offers
no hook for that, so the connection itself is http.client, which urllib uses
underneath.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from retold.errors import FetchError, UnsafeURLError
from retold.ingest.decode import (
    DEFAULT_MAX_BYTES,
    decode,
    too_large,
)
from retold.ingest.html import to_document
from retold.types import Document

__all__ = ["MAX_REDIRECTS", "USER_AGENT", "fetch"]

MAX_REDIRECTS = 5
USER_AGENT = "retold/0.1 (news article comparison; Python http.client)"

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

_Addr = tuple[socket.AddressFamily, tuple[Any, ...]]


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def _parse(url: str, label: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"{label}: not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme:
            raise FetchError(f"{label}: not a URL; web addresses start with https:// or http://")
        raise UnsafeURLError(
            f"{label}: {scheme}:// URLs are not fetched; only http:// and https:// are"
        )
    if not parts.hostname:
        raise FetchError(f"{label}: the URL has no host name")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(f"{label}: invalid host name {parts.hostname!r}") from exc
    # keep %-escapes, escape the rest so the request line is ASCII
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _why_not_public(addr: str) -> str | None:
    """Why ``addr`` is not a public address, or None if it is."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address wrapped in IPv6 is judged as the IPv4 address
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    for flag, why in (
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_unspecified", "an unspecified"),
        ("is_private", "a private"),
        ("is_reserved", "a reserved"),
    ):
        if getattr(ip, flag):
            return why
    return None if ip.is_global else "a non-public"


def _resolve(target: _Target, *, url: str, allow_private: bool) -> list[_Addr]:
    try:
        infos = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except socket.gaierror as exc:
        raise FetchError(f"{url}: could not resolve host {target.host} ({exc.strerror})") from exc
    except UnicodeError as exc:
        raise FetchError(f"{url}: invalid host name {target.host!r}") from exc
    addrs: list[_Addr] = [(family, sockaddr) for family, _, _, _, sockaddr in infos]
    if not addrs:
        raise FetchError(f"{url}: could not resolve host {target.host}")
    if not allow_private:
        for _, sockaddr in addrs:
            why = _why_not_public(str(sockaddr[0]))
            if why is not None:
                raise UnsafeURLError(
                    f"{url}: {target.host} resolves to {sockaddr[0]}, {why} address, and "
                    "fetching private addresses is turned off; pass allow_private=True to allow it"
                )
    return addrs


def _connect(addrs: list[_Addr], timeout: float | None) -> socket.socket:
    """Connect to the first of the already-checked addresses that answers."""
    error: OSError | None = None
    for family, sockaddr in addrs:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    assert error is not None  # addrs is never empty
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addrs: list[_Addr], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addrs = addrs

    def connect(self) -> None:
        self.sock = _connect(self._addrs, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, addrs: list[_Addr], timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._addrs = addrs

    def connect(self) -> None:
        sock = _connect(self._addrs, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _remaining(deadline: float, url: str, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"{url}: timed out after {timeout:g} s; try again or raise the timeout")
    return left


def _read_body(
    resp: http.client.HTTPResponse,
    sock: socket.socket | None,
    *,
    url: str,
    max_bytes: int,
    deadline: float,
    timeout: float,
) -> bytes:
    """Read the body, stopping as soon as it is over ``max_bytes`` (decompressed)."""
    length = resp.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise too_large(url, max_bytes, int(length))
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    inflater = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
    elif encoding not in ("identity", ""):
        raise FetchError(f"{url}: the server sent {encoding}-compressed content retold cannot read")
    chunks: list[bytes] = []
    total = 0
    while True:
        left = _remaining(deadline, url, timeout)
        if sock is not None:
            sock.settimeout(left)
        chunk = resp.read1(_CHUNK)
        if not chunk:
            break
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, max_bytes + 1 - total)
            except zlib.error as exc:
                raise FetchError(f"{url}: the server sent corrupt {encoding} data") from exc
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise too_large(url, max_bytes)
    return b"".join(chunks)


def _document(body: bytes, media_type: str | None, charset: str | None, url: str) -> Document:
    text, encoding = decode(body, name=url, declared=charset)
    # the server's media type decides, as a browser's would; without one, the text
    kind = "auto" if media_type is None else "html" if media_type in _HTML_TYPES else "text"
    return to_document(text, name=url, kind=kind, url=url, source="url", encoding=encoding)


def _media_type(resp: http.client.HTTPResponse, label: str) -> str | None:
    """The response's media type (None without a Content-Type); FetchError for a failed
    status or for something that is not an article."""
    if not 200 <= resp.status < 300:
        raise FetchError(f"{label}: the server answered HTTP {resp.status} {resp.reason}".rstrip())
    if not resp.getheader("Content-Type"):
        return None
    media_type = resp.headers.get_content_type()
    if media_type not in _HTML_TYPES | _TEXT_TYPES:
        raise FetchError(
            f"{label} returned {media_type}, not an article; retold reads HTML or plain-text pages"
        )
    return media_type


def _fetch_error(
    exc: Exception, label: str, target: _Target, timeout: float, *, answered: bool
) -> FetchError:
    """The one-line error for a failure talking to the server (checked most specific first:
    TLS errors and timeouts are OSErrors, a dropped connection is also an HTTPException)."""
    host = target.host
    if isinstance(exc, TimeoutError):
        return FetchError(f"{label}: timed out after {timeout:g} s; try again or raise the timeout")
    if isinstance(exc, ssl.SSLError):
        return FetchError(f"{label}: TLS error talking to {host} ({exc.reason})")
    if isinstance(exc, http.client.RemoteDisconnected):
        return FetchError(f"{label}: {host} closed the connection without answering")
    if isinstance(exc, http.client.HTTPException):
        return FetchError(f"{label}: {host} sent a malformed HTTP response ({type(exc).__name__})")
    if isinstance(exc, OSError):
        what = "lost the connection to" if answered else "could not connect to"
        return FetchError(f"{label}: {what} {host}:{target.port} ({exc.strerror or exc})")
    # http.client refusing a URL with control characters
    return FetchError(f"{label}: not a valid URL ({exc})")


def fetch(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private: bool = True,
) -> Document:
    """Fetch ``url`` and read it as an article; ``timeout`` covers the whole fetch.

    Raises UnsafeURLError (scheme or address refused), FetchError (network,
    status, content type), InputTooLargeError and the decoding/extraction errors.
    """
    # messages are one line, whatever the URL holds
    label = url if url.isprintable() else ascii(url)
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        target = _parse(current, label if current == url else current)
        addrs = _resolve(target, url=label, allow_private=allow_private)
        left = _remaining(deadline, label, timeout)
        conn: http.client.HTTPConnection
        if target.scheme == "https":
            conn = _PinnedHTTPS(target.host, target.port, addrs, left)
        else:
            conn = _PinnedHTTP(target.host, target.port, addrs, left)
        resp: http.client.HTTPResponse | None = None
        try:
            conn.request(
                "GET",
                target.path,
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8",
                    "Accept-Encoding": "gzip, identity",
                },
            )
            # held on to: getresponse() drops conn.sock when the server will close
            sock = conn.sock
            if sock is not None:
                sock.settimeout(_remaining(deadline, label, timeout))
            resp = conn.getresponse()
            if resp.status in _REDIRECTS:
                location = resp.getheader("Location")
                if not location:
                    raise FetchError(f"{label}: HTTP {resp.status} redirect without a Location")
                current = urljoin(current, location.strip())
                continue
            media_type = _media_type(resp, label)
            charset = resp.headers.get_content_charset() if media_type else None
            body = _read_body(
                resp, sock, url=label, max_bytes=max_bytes, deadline=deadline, timeout=timeout
            )
        except (TimeoutError, OSError, http.client.HTTPException, ValueError) as exc:
            raise _fetch_error(exc, label, target, timeout, answered=resp is not None) from exc
        finally:
            if resp is not None:
                resp.close()
            conn.close()
        return _document(body, media_type, charset, current)
    raise FetchError(f"{label}: more than {MAX_REDIRECTS} redirects; give the final URL instead")
