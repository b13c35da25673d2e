"""Inputs of ``retold index add``: files, directories, JSON lines and WARC archives.

Readers only find documents and their metadata; reading and extracting the
text is per-document work done later, in parallel (:func:`~retold.index.docwork.load_raw`).
Every problem with one record — a line that is not JSON, a broken WARC record —
becomes a :class:`~retold.index.docwork.Rejected` item and reading goes on.

The WARC reader is small and written here: it streams plain or gzipped files,
resynchronises on the next record after a damaged one (bad length, truncated
or corrupt gzip member), and keeps HTML responses (2xx) and HTML resources.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from retold.index.docwork import RawDoc, Rejected

__all__ = ["SUPPORTED", "iter_inputs", "read_jsonl", "read_warc"]

Item = RawDoc | Rejected

_TEXT = (".txt", ".text", ".md")
_HTML = (".html", ".htm", ".xhtml", ".shtml")
_JSONL = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_WARC = (".warc", ".warc.gz")
SUPPORTED = _TEXT + _HTML + _JSONL + _WARC
_META = ("title", "url", "published", "source")


def iter_inputs(paths: Iterable[str]) -> Iterator[Item]:
    """Everything to index under ``paths`` (files, directories, ``-`` = JSON lines on stdin)."""
    for arg in paths:
        if arg == "-":
            yield from read_jsonl(sys.stdin.buffer, name="<stdin>")
            continue
        p = Path(arg)
        if not p.exists():
            yield Rejected(arg, "no such file or directory")
        elif p.is_dir():
            yield from _walk(p)
        else:
            yield from _read_file(p, explicit=True)


def _walk(root: Path) -> Iterator[Item]:
    """Files under ``root`` in a stable order; hidden files and directories are skipped."""
    unreadable: list[OSError] = []  # os.walk reports a directory it cannot list here
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append):
        while unreadable:
            exc = unreadable.pop(0)
            yield Rejected(str(exc.filename or dirpath), f"cannot list it: {exc.strerror or exc}")
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if not f.startswith("."):
                yield from _read_file(Path(dirpath) / f, explicit=False)
    for exc in unreadable:  # the last directory, or the root itself
        yield Rejected(str(exc.filename or root), f"cannot list it: {exc.strerror or exc}")


def _read_file(p: Path, *, explicit: bool) -> Iterator[Item]:
    name = p.name.lower()
    if name.endswith(_JSONL):
        yield from _open_jsonl(p)
    elif name.endswith(_WARC):
        yield from read_warc(p)
    elif name.endswith(_TEXT + _HTML) or explicit:
        # a file named on the command line is read whatever its name (sniffed)
        yield RawDoc(id=str(p.resolve()), origin=str(p), kind="path", data=str(p))
    else:
        yield Rejected(str(p), f"not a supported file type (supported: {' '.join(SUPPORTED)})")


# --- JSON lines -------------------------------------------------------------


def _open_jsonl(p: Path) -> Iterator[Item]:
    opener: Any = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rb") as fh:
            yield from read_jsonl(fh, name=str(p), id_prefix=str(p.resolve()))
    except (OSError, EOFError, zlib.error) as exc:
        # an unreadable file, or a gzip stream that breaks off: keep what was read
        yield Rejected(str(p), f"reading stopped: {getattr(exc, 'strerror', None) or exc}")


def read_jsonl(fh: IO[bytes], *, name: str, id_prefix: str | None = None) -> Iterator[Item]:
    """Documents from JSON lines: ``{"id", "text"}`` or ``{"id", "html"}``, plus
    optional ``title``, ``url``, ``published`` and ``source`` (the publisher).

    A line without an id gets ``<file>:<line>`` (stable, so re-adding is idempotent).
    """
    for no, raw in enumerate(fh, 1):
        where = f"{name}:{no}"
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8-sig" if no == 1 else "utf-8")
        except UnicodeDecodeError:
            yield Rejected(where, "not UTF-8")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(where, f"not JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            yield Rejected(where, 'expected an object like {"id": ..., "text": ...}')
            continue
        text, html = obj.get("text"), obj.get("html")
        if not isinstance(text, str) and not isinstance(html, str):
            yield Rejected(where, 'no "text" or "html" string')
            continue
        doc_id = obj.get("id")
        if isinstance(doc_id, (int, float)) and not isinstance(doc_id, bool):
            doc_id = str(doc_id)
        if doc_id is not None and not (isinstance(doc_id, str) and doc_id):
            yield Rejected(where, '"id" must be a non-empty string or a number')
            continue
        meta = {k: obj[k] if isinstance(obj.get(k), str) else None for k in _META}
        yield RawDoc(
            id=doc_id or f"{id_prefix or name}:{no}",
            origin=where,
            kind="text" if isinstance(text, str) else "html",
            data=text if isinstance(text, str) else str(html),
            url=meta["url"],
            title=meta["title"],
            published=meta["published"],
            publisher=meta["source"],
        )


# --- WARC -------------------------------------------------------------------

_GZIP_MAGIC = b"\x1f\x8b\x08"
_READ = 1 << 20
_BROKEN = object()  # marks a corrupt gzip member in the byte stream
_MAX_RECORD = 256 << 20  # a larger Content-Length is taken as damage, not read


def _byte_stream(fh: IO[bytes]) -> Iterator[bytes | object]:
    """The decompressed bytes of a plain or gzipped (multi-member) file.

    A corrupt or truncated gzip member yields ``_BROKEN`` and decoding restarts
    at the next gzip header, so one damaged record does not end the file.
    """
    pending = fh.read(_READ)
    if not pending.startswith(_GZIP_MAGIC):
        while pending:
            yield pending
            pending = fh.read(_READ)
        return
    d = zlib.decompressobj(31)
    fed = False  # has the current member received any input?
    while True:
        if not pending:
            pending = fh.read(_READ)
            if not pending:
                if fed and not d.eof:
                    yield _BROKEN  # the file ends inside a member
                return
        try:
            out = d.decompress(pending)
        except zlib.error:
            yield _BROKEN
            pending = _resync(fh, pending[1:])
            d, fed = zlib.decompressobj(31), False
            continue
        fed = True
        if out:
            yield out
        if d.eof:
            pending = d.unused_data
            d, fed = zlib.decompressobj(31), False
        else:
            pending = b""


def _resync(fh: IO[bytes], data: bytes) -> bytes:
    """Skip to the next gzip member header."""
    while True:
        i = data.find(_GZIP_MAGIC)
        if i >= 0:
            return data[i:]
        more = fh.read(_READ)
        if not more:
            return b""
        data = data[-2:] + more


def _headers(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in block.split(b"\n")[1:]:
        k, sep, v = line.decode("latin-1").partition(":")
        if sep:
            out[k.strip().lower()] = v.strip()
    return out


class _BrokenError(Exception):
    """Raised inside the parser when the byte stream reports a corrupt member."""


class _Buffer:
    """Bytes of the stream not yet parsed; grows on demand."""

    def __init__(self, stream: Iterator[bytes | object]) -> None:
        self.stream = stream
        self.buf = bytearray()
        self.eof = False

    def fill(self) -> bool:
        for chunk in self.stream:
            if chunk is _BROKEN:
                # the record being read is damaged: drop what was read of it
                self.buf.clear()
                raise _BrokenError
            assert isinstance(chunk, bytes)
            self.buf += chunk
            return True
        self.eof = True
        return False

    def find(self, what: bytes, start: int) -> int:
        """Position of ``what`` at or after ``start``, reading more as needed (-1: none)."""
        while True:
            i = self.buf.find(what, start)
            if i >= 0 or not self.fill():
                return i

    def need(self, n: int) -> bool:
        """Make at least ``n`` bytes available; False if the stream ends first."""
        while len(self.buf) < n:
            if not self.fill():
                return False
        return True


def _next_record_start(b: _Buffer, start: int) -> int:
    """Where the next ``WARC/1.x`` header line starts (or the end of the data)."""
    while True:
        i = b.find(b"WARC/1.", start)
        if i < 0:
            return len(b.buf)
        if i == 0 or b.buf[i - 1 : i] == b"\n":
            return i
        start = i + 1


def _records(stream: Iterator[bytes | object]) -> Iterator[tuple[dict[str, str], bytes] | str]:
    """WARC records ``(headers, block)`` from a byte stream; an error message for a
    damaged record, after which parsing resumes at the next ``WARC/`` line."""
    b = _Buffer(stream)
    while True:
        try:
            # parsed records are deleted from the buffer: it always starts at a record
            if not b.need(1):
                return
            b.need(5)
            if not b.buf.startswith(b"WARC/"):
                lead = len(b.buf) - len(b.buf.lstrip())
                if lead:  # stray blank lines between records
                    del b.buf[:lead]
                    continue
                yield "not a WARC record here (damaged data skipped)"
                del b.buf[: _next_record_start(b, 1)]
                continue
            end = b.find(b"\r\n\r\n", 0)
            if end < 0:
                yield "truncated record header"
                return
            head = _headers(bytes(b.buf[:end]))
            try:
                length = int(head.get("content-length", ""))
                if length < 0:
                    raise ValueError
            except ValueError:
                yield "record without a valid Content-Length"
                del b.buf[: _next_record_start(b, end)]
                continue
            if length > _MAX_RECORD:
                yield f"record of {length} bytes is beyond any web page; skipped"
                del b.buf[: _next_record_start(b, end)]
                continue
            body_end = end + 4 + length
            if not b.need(body_end):
                # the file ends first: a wrong length if another record follows
                nxt = _next_record_start(b, end)
                if nxt < len(b.buf):
                    yield "record length does not match its Content-Length"
                    del b.buf[:nxt]
                    continue
                yield "truncated record (the file ends inside it)"
                return
            b.need(body_end + 4)
            if b.buf[body_end : body_end + 4] != b"\r\n\r\n":
                yield "record length does not match its Content-Length"
                del b.buf[: _next_record_start(b, end)]
                continue
            yield head, bytes(b.buf[end + 4 : body_end])
            del b.buf[: body_end + 4]
        except _BrokenError:
            yield "corrupt compressed data"


def _split_http(block: bytes) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) of an HTTP response block, or None if it is not one."""
    end = block.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = block.find(b"\n\n"), 2
    if end < 0 or not block.startswith(b"HTTP/"):
        return None
    head = block[:end]
    try:
        status = int(head.split(b"\n", 1)[0].split()[1])
    except (IndexError, ValueError):
        return None
    return status, _headers(head.replace(b"\r\n", b"\n")), block[end + sep :]


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        nl = body.find(b"\r\n", pos)
        if nl < 0:
            raise ValueError("bad chunked encoding")
        size = int(body[pos:nl].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        out += body[nl + 2 : nl + 2 + size]
        pos = nl + 2 + size + 2


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset":
            return v.strip().strip("\"'") or None
    return None


def _is_html(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


def read_warc(path: Path) -> Iterator[Item]:
    """HTML pages from a WARC file: 2xx ``response`` records and ``resource`` records.

    Other records (requests, metadata, redirects, images) are passed over
    silently; damaged ones are reported as :class:`Rejected`.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115  (closed below; the generator streams it)
    except OSError as exc:
        yield Rejected(str(path), f"cannot read it ({exc.strerror or exc})")
        return
    with fh:
        n = 0
        try:
            for rec in _records(_byte_stream(fh)):
                n += 1
                where = f"{path}#{n}"
                if isinstance(rec, str):
                    yield Rejected(where, f"WARC: {rec}")
                    continue
                item = _warc_item(rec[0], rec[1], where)
                if item is not None:
                    yield item
        except OSError as exc:
            yield Rejected(str(path), f"reading stopped: {exc}")


def _warc_item(head: dict[str, str], block: bytes, where: str) -> Item | None:
    kind = head.get("warc-type", "").lower()
    uri = head.get("warc-target-uri", "").strip("<>") or None
    doc_id = uri or head.get("warc-record-id") or where
    if kind == "resource":
        ctype = head.get("content-type", "")
        if not _is_html(ctype):
            return None
        return RawDoc(
            id=doc_id, origin=where, kind="html", data=block, url=uri, charset=_charset(ctype)
        )
    if kind != "response" or not head.get("content-type", "").startswith("application/http"):
        return None
    parsed = _split_http(block)
    if parsed is None:
        return Rejected(where, "WARC: response record without an HTTP response in it")
    status, hdrs, body = parsed
    ctype = hdrs.get("content-type", "")
    if not 200 <= status < 300 or not _is_html(ctype):
        return None
    try:
        if "chunked" in hdrs.get("transfer-encoding", "").lower():
            body = _dechunk(body)
        enc = hdrs.get("content-encoding", "").lower().strip()
        if enc in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif enc == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -15)
        elif enc not in ("", "identity"):
            return Rejected(where, f"WARC: unsupported Content-Encoding {enc!r}")
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        return Rejected(where, f"WARC: cannot decode the HTTP body ({exc})")
    return RawDoc(id=doc_id, origin=where, kind="html", data=body, url=uri, charset=_charset(ctype))
