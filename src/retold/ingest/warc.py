"""HTML pages from WARC archives, streamed with bounded memory.

The reader is small and written here: it streams plain or gzipped files,
resynchronises on the next record after a damaged one (bad length, truncated
or corrupt gzip member, data that is not a record), and keeps HTML responses
(2xx) and HTML resources. Memory is bounded whatever the file holds:
decompression is streamed in steps of at most :data:`_STEP` bytes, a record
header may be at most :data:`MAX_HEADER` bytes, a record over
:data:`MAX_RECORD` bytes is skipped as it streams past, and an HTTP body's own
compression is inflated up to the size cap only (a gzip bomb is rejected).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from retold.ingest.decode import DEFAULT_MAX_BYTES, human_size
from retold.ingest.records import Item, RawDoc, Rejected

__all__ = ["MAX_HEADER", "MAX_RECORD", "read_warc"]

_GZIP_MAGIC = b"\x1f\x8b\x08"
_STEP = 1 << 20  # bytes read, and bytes inflated, per step
_BROKEN = object()  # marks a corrupt gzip member in the byte stream
#: The largest record kept: a page at the size cap plus its HTTP framing.
MAX_RECORD = 2 * DEFAULT_MAX_BYTES
#: A larger Content-Length is taken as damage (resynchronise), not skipped over.
_PLAUSIBLE = 1 << 30
#: The longest WARC record header.
MAX_HEADER = 64 << 10
_MARK = b"WARC/1."
_SPACE = re.compile(rb"[ \t\r\n\f\v]*")


def _byte_stream(fh: IO[bytes]) -> Iterator[bytes | object]:
    """The decompressed bytes of a plain or gzipped (multi-member) file, in
    pieces of at most ``_STEP`` bytes.

    A corrupt or truncated gzip member yields ``_BROKEN`` and decoding restarts
    at the next gzip header, so one damaged record does not end the file.
    """
    pending = fh.read(_STEP)
    if not pending.startswith(_GZIP_MAGIC):
        while pending:
            yield pending
            pending = fh.read(_STEP)
        return
    d = zlib.decompressobj(31)
    fed = False  # has the current member received any input?
    while True:
        if not pending:
            pending = fh.read(_STEP)
            if not pending:
                if fed and not d.eof:
                    yield _BROKEN  # the file ends inside a member
                return
        try:
            # bounded output: 1 MB of a gzip bomb would inflate to 1 GB at once
            out = d.decompress(pending, _STEP)
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
            pending = d.unconsumed_tail


def _resync(fh: IO[bytes], data: bytes) -> bytes:
    """Skip to the next gzip member header."""
    while True:
        i = data.find(_GZIP_MAGIC)
        if i >= 0:
            return data[i:]
        more = fh.read(_STEP)
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
    """Bytes of the stream not yet parsed; grows on demand, up to what a caller asks."""

    def __init__(self, stream: Iterator[bytes | object]) -> None:
        self.stream = stream
        self.buf = bytearray()

    def fill(self) -> bool:
        for chunk in self.stream:
            if chunk is _BROKEN:
                # the record being read is damaged: drop what was read of it
                self.buf.clear()
                raise _BrokenError
            assert isinstance(chunk, bytes)
            self.buf += chunk
            return True
        return False

    def need(self, n: int) -> bool:
        """Make at least ``n`` bytes available; False if the stream ends first."""
        while len(self.buf) < n:
            if not self.fill():
                return False
        return True

    def find(self, what: bytes, limit: int) -> int:
        """Position of ``what`` within the first ``limit`` bytes (-1: not there)."""
        start = 0
        while True:
            i = self.buf.find(what, start, limit)
            if i >= 0 or len(self.buf) >= limit:
                return i
            start = max(0, len(self.buf) - len(what) + 1)
            if not self.fill():
                return -1

    def skip(self, n: int) -> bool:
        """Drop ``n`` bytes, reading past them without keeping them."""
        while len(self.buf) < n:
            n -= len(self.buf)
            self.buf.clear()
            if not self.fill():
                return False
        del self.buf[:n]
        return True

    def skip_to_record(self) -> None:
        """Drop bytes up to the next ``WARC/1.x`` line after the first byte, or
        all of them; at most one read's worth is held while looking."""
        start = 1
        while True:
            i = self.buf.find(_MARK, start)
            while i > 0 and self.buf[i - 1] != 0x0A:
                i = self.buf.find(_MARK, i + 1)
            if i > 0:
                del self.buf[:i]
                return
            # keep a tail that may hold the start of a marker split by a read
            cut = max(0, len(self.buf) - len(_MARK))
            del self.buf[:cut]
            start = 1
            if not self.fill():
                self.buf.clear()
                return


def _header(b: _Buffer) -> tuple[dict[str, str], int, int] | str:
    """``(headers, header end, Content-Length)`` of the record at the buffer's
    start, or why it cannot be read (the caller resynchronises)."""
    end = b.find(b"\r\n\r\n", MAX_HEADER)
    if end < 0:
        if len(b.buf) >= MAX_HEADER:
            return f"record header longer than {human_size(MAX_HEADER)}"
        return "truncated record header"
    head = _headers(bytes(b.buf[:end]))
    raw = head.get("content-length", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        return "record without a valid Content-Length"
    return head, end, int(raw)


def _record(b: _Buffer) -> tuple[dict[str, str], bytes] | str | None:
    """The next record, an error message (the stream is then at the next record),
    or None at the end."""
    while True:
        if not b.need(1):
            return None
        b.need(len(_MARK))
        lead = _SPACE.match(b.buf).end()  # type: ignore[union-attr]  # \s* always matches
        if not lead:
            break
        del b.buf[:lead]  # stray blank lines between records
    if not b.buf.startswith(b"WARC/"):
        b.skip_to_record()
        return "not a WARC record here (damaged data skipped)"
    got = _header(b)
    if isinstance(got, str):
        b.skip_to_record()
        return got
    head, end, length = got
    if length > _PLAUSIBLE:
        b.skip_to_record()
        return f"record of {length:,} bytes is beyond any web page (damaged header?)"
    if length > MAX_RECORD:
        b.skip(end + 4 + length)
        return f"record of {human_size(length)} is over the {human_size(MAX_RECORD)} limit; skipped"
    body_end = end + 4 + length
    if not b.need(body_end + 4) and len(b.buf) < body_end:
        # the stream ends first: a wrong length if another record follows
        b.skip_to_record()
        if b.buf:
            return "record length does not match its Content-Length"
        return "truncated record (the file ends inside it)"
    if b.buf[body_end : body_end + 4] != b"\r\n\r\n":
        b.skip_to_record()
        return "record length does not match its Content-Length"
    block = bytes(b.buf[end + 4 : body_end])
    del b.buf[: body_end + 4]
    return head, block


def _records(stream: Iterator[bytes | object]) -> Iterator[tuple[dict[str, str], bytes] | str]:
    """WARC records ``(headers, block)`` from a byte stream; an error message for a
    damaged record, after which parsing resumes at the next ``WARC/`` line."""
    b = _Buffer(stream)
    while True:
        try:
            # parsed records are deleted from the buffer: it always starts at one
            rec = _record(b)
        except _BrokenError:
            rec = "corrupt compressed data"
        if rec is None:
            return
        yield rec


def _split_http(block: bytes) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) of an HTTP response block, or None if it is not one."""
    end = block.find(b"\r\n\r\n", 0, MAX_HEADER)
    sep = 4
    if end < 0:
        end, sep = block.find(b"\n\n", 0, MAX_HEADER), 2
    if end < 0 or not block.startswith(b"HTTP/"):
        return None
    head = block[:end]
    status_line = head.split(b"\n", 1)[0].split()
    if len(status_line) < 2 or not (status_line[1].isdigit() and len(status_line[1]) == 3):
        return None
    return int(status_line[1]), _headers(head.replace(b"\r\n", b"\n")), block[end + sep :]


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        nl = body.find(b"\r\n", pos)
        if nl < 0:
            raise ValueError("bad chunked encoding")
        size_field = body[pos:nl].split(b";")[0].strip() or b"0"
        if len(size_field) > 16:
            raise ValueError("bad chunked encoding")
        size = int(size_field, 16)
        if size == 0:
            return bytes(out)
        out += body[nl + 2 : nl + 2 + size]
        pos = nl + 2 + size + 2


def _inflate(body: bytes, wbits: int, cap: int) -> bytes:
    """Decompress ``body`` (every gzip member of it), but never more than
    ``cap + 1`` bytes: more is a bomb or a page over the cap, not read."""
    out = bytearray()
    data = body
    while True:
        d = zlib.decompressobj(wbits)
        out += d.decompress(data, cap + 1 - len(out))
        if len(out) > cap:
            raise ValueError(f"it inflates to over the {human_size(cap)} size cap")
        if not d.eof:
            raise ValueError("truncated compressed data")
        data = d.unused_data
        if wbits != 31 or not data.startswith(_GZIP_MAGIC):
            return bytes(out)  # trailing padding after the last member is ignored


def _decode_body(hdrs: dict[str, str], body: bytes) -> bytes | str:
    """The HTTP body without its transfer and content encodings, or why not."""
    try:
        if "chunked" in hdrs.get("transfer-encoding", "").lower():
            body = _dechunk(body)
        enc = hdrs.get("content-encoding", "").lower().strip()
        if enc in ("gzip", "x-gzip"):
            return _inflate(body, 31, DEFAULT_MAX_BYTES)
        if enc == "deflate":
            try:
                return _inflate(body, 15, DEFAULT_MAX_BYTES)
            except zlib.error:
                return _inflate(body, -15, DEFAULT_MAX_BYTES)
        if enc not in ("", "identity"):
            return f"unsupported Content-Encoding {enc[:40]!r}"
    except (ValueError, zlib.error) as exc:
        return f"cannot decode the HTTP body ({exc})"
    return body


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset":
            return v.strip().strip("\"'")[:40] or None
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
    decoded = _decode_body(hdrs, body)
    if isinstance(decoded, str):
        return Rejected(where, f"WARC: {decoded}")
    return RawDoc(
        id=doc_id, origin=where, kind="html", data=decoded, url=uri, charset=_charset(ctype)
    )
