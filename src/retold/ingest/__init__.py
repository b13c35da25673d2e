"""Read an article from bytes, a string, a file, stdin or a URL into a :class:`Document`.

Plain text is kept as decoded, except that mojibake (UTF-8 once read with
another codec, "NicolÃ¡s") is repaired and the repair noted on the document;
HTML is reduced to its main text, repaired the same way. A :class:`Document`
built by a program is taken as it is. Every
problem with the input raises a :class:`~retold.errors.RetoldError` whose
message names the input and the fix. Importing this package is cheap: the HTML
extractor and the HTTP client are imported when first used.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import Literal

from retold.errors import EmptyInputError, InputError, UsageError
from retold.ingest.decode import (
    DEFAULT_MAX_BYTES,
    check_text,
    decode,
    too_large,
)
from retold.text import URL_SCHEME_RE
from retold.types import Document

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Kind",
    "load",
    "read_bytes",
    "read_path",
    "read_text",
    "read_url",
]

Kind = Literal["auto", "text", "html"]

_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
# "example.com/news/story" or "www.example.com": a web address missing its scheme
_BARE_HOST = re.compile(
    r"^(?:www\.)?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.([A-Za-z]{2,})(?:[:/?#]|$)"
)
_FILE_EXTENSIONS = frozenset(
    {"html", "htm", "xhtml", "shtml", "txt", "text", "md", "rst", "json", "jsonl", "xml"}
    | {"csv", "tsv", "pdf", "doc", "docx", "odt", "rtf", "log", "gz", "zip"}
)


def _check_kind(kind: str) -> None:
    if kind not in ("auto", "text", "html"):
        raise UsageError(f"kind must be 'auto', 'text' or 'html', not {kind!r}")


def _from_bytes(
    data: bytes, *, name: str, kind: str, url: str | None, max_bytes: int, source: str
) -> Document:
    if len(data) > max_bytes:
        raise too_large(name, max_bytes, len(data))
    text, encoding = decode(data, name=name)
    from retold.ingest.html import to_document

    return to_document(text, name=name, kind=kind, url=url, source=source, encoding=encoding)


def read_bytes(
    data: bytes,
    *,
    name: str = "<bytes>",
    kind: Kind = "auto",
    url: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Document:
    """Decode ``data`` and read it as text or HTML (sniffed when ``kind="auto"``).

    ``name`` labels the input in error messages; ``url`` is recorded and helps
    the HTML extractor resolve metadata.
    """
    _check_kind(kind)
    return _from_bytes(data, name=name, kind=kind, url=url, max_bytes=max_bytes, source="text")


def read_text(text: str, *, kind: Kind = "auto", url: str | None = None) -> Document:
    """Read an already-decoded string; HTML is sniffed when ``kind="auto"``."""
    _check_kind(kind)
    if not text.strip():
        raise EmptyInputError("the text is empty; give the article text")
    check_text(text, name="the text", hint="give the article text")
    from retold.ingest.html import to_document

    return to_document(text, name="<text>", kind=kind, url=url, source="text", encoding=None)


def _read_stdin(*, kind: str, max_bytes: int) -> Document:
    try:
        if sys.stdin is None or sys.stdin.closed:
            raise ValueError("it is closed")
        data = sys.stdin.buffer.read(max_bytes + 1)
    except (OSError, ValueError) as exc:  # started with stdin closed (<&-), or unreadable
        raise InputError(
            f"<stdin>: cannot be read ({exc}); pipe the article in or give a file"
        ) from None
    if len(data) > max_bytes:
        raise too_large("<stdin>", max_bytes)  # its real size is unknown
    return _from_bytes(
        data, name="<stdin>", kind=kind, url=None, max_bytes=max_bytes, source="stdin"
    )


def read_path(
    path: str | os.PathLike[str],
    *,
    kind: Kind = "auto",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Document:
    """Read a file (``"-"`` is standard input); ``.html``/``.htm`` files are HTML.

    At most ``max_bytes + 1`` bytes are read, so a huge file is refused without
    being loaded.
    """
    _check_kind(kind)
    if os.fspath(path) == "-":
        return _read_stdin(kind=kind, max_bytes=max_bytes)
    name = os.fspath(path)
    if not name.isprintable():
        name = ascii(name)  # messages are one line
    p = Path(path)
    try:
        st = p.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{name}: no such file; check the path") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name} is a directory; give the path of one article file")
    if stat.S_ISREG(st.st_mode) and st.st_size > max_bytes:
        raise too_large(name, max_bytes, st.st_size)
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except PermissionError:
        raise InputError(f"{name}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        # the file grew since stat(), or is a pipe or device with no size
        raise too_large(name, max_bytes, st.st_size if stat.S_ISREG(st.st_mode) else None)
    if kind == "auto" and p.suffix.lower() in _HTML_SUFFIXES:
        kind = "html"
    return _from_bytes(data, name=name, kind=kind, url=None, max_bytes=max_bytes, source="text")


def read_url(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private: bool = True,
) -> Document:
    """Fetch an http(s) URL and read the page (see :func:`retold.ingest.fetch.fetch`).

    With ``allow_private=False``, hosts resolving to loopback, private,
    link-local, reserved or multicast addresses are refused before connecting.
    """
    from retold.ingest.fetch import fetch

    return fetch(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)


def load(
    arg: str,
    *,
    kind: Kind = "auto",
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 10.0,
    allow_private: bool = True,
) -> Document:
    """Read a command-line argument: ``-`` is stdin, ``scheme://...`` a URL, else a path.

    ``kind`` applies to files and stdin; a URL's Content-Type decides for pages.
    """
    _check_kind(kind)
    if arg == "-":
        return _read_stdin(kind=kind, max_bytes=max_bytes)
    if URL_SCHEME_RE.match(arg):
        # other schemes go to read_url too, which refuses them with a clear message
        return read_url(arg, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    if not os.path.lexists(arg):
        m = _BARE_HOST.match(arg)
        if m and m.group(1).lower() not in _FILE_EXTENSIONS:
            raise InputError(
                f"{arg}: no such file; if it is a web address, add the scheme: https://{arg}"
            )
        raise InputError(f"{arg}: no such file; check the path")
    return read_path(arg, kind=kind, max_bytes=max_bytes)
