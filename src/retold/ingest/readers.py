"""Inputs of ``retold index add``: files, directories, JSON lines and WARC archives.

Readers only find documents and their metadata (:class:`RawDoc`); reading and
extracting the text is per-document work done later, in parallel. Every
problem with one record (a line that is not JSON, an id that is not valid
Unicode, a broken WARC record, an unreadable directory) becomes a
:class:`Rejected` item with a one-line reason, and reading goes on. Memory is
bounded per record: a JSON line is read up to :data:`MAX_LINE_BYTES` and a
document's text up to the size cap, whatever the file or its compression holds.
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

from retold.ingest.decode import DEFAULT_MAX_BYTES, human_size
from retold.ingest.records import Item, RawDoc, Rejected, surrogate_at
from retold.ingest.warc import read_warc

__all__ = [
    "MAX_LINE_BYTES",
    "SUPPORTED",
    "capped_lines",
    "iter_inputs",
    "read_file",
    "read_jsonl",
    "read_warc",
]

_TEXT = (".txt", ".text", ".md")
_HTML = (".html", ".htm", ".xhtml", ".shtml")
_JSONL = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_WARC = (".warc", ".warc.gz")
SUPPORTED = _TEXT + _HTML + _JSONL + _WARC
_META = ("title", "url", "published", "source")
#: a record's byline, under the names news crawlers give it (news-please: a list of "authors")
_BYLINE = ("byline", "author", "authors")
#: The longest JSON line read: a text at the size cap, with room for JSON's
#: escapes. A longer line is skipped as it streams past, never held whole.
MAX_LINE_BYTES = 4 * DEFAULT_MAX_BYTES
_CHUNK = 1 << 20


def _shown(path: str) -> str:
    """A path as it can be printed on one line (undecodable bytes escaped)."""
    return path if path.isprintable() and surrogate_at(path) < 0 else ascii(path)


def iter_inputs(paths: Iterable[str]) -> Iterator[Item]:
    """Everything to index under ``paths`` (files, directories, ``-`` = JSON lines on stdin)."""
    for arg in paths:
        if arg == "-":
            yield from _read_stdin()
            continue
        p = Path(arg)
        if not p.exists():
            yield Rejected(_shown(arg), "no such file or directory")
        elif p.is_dir():
            yield from _walk(p)
        else:
            yield from read_file(p, explicit=True)


def _read_stdin() -> Iterator[Item]:
    stdin = sys.stdin
    try:
        if stdin is None or stdin.closed:
            raise ValueError("closed")
        fh = stdin.buffer
        yield from read_jsonl(fh, name="<stdin>")
    except (OSError, ValueError) as exc:
        # "-" with stdin closed (``<&-``) or not readable
        yield Rejected("<stdin>", f"standard input cannot be read ({exc})")


def _walk(root: Path) -> Iterator[Item]:
    """Files under ``root`` in a stable order; hidden files and directories are
    skipped, and a directory that cannot be listed is reported."""
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
        yield from _walk_errors(errors)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if not f.startswith("."):
                yield from read_file(Path(dirpath) / f, explicit=False)
    yield from _walk_errors(errors)


def _walk_errors(errors: list[OSError]) -> Iterator[Item]:
    for exc in errors:
        where = _shown(str(exc.filename or "?"))
        yield Rejected(where, f"directory skipped: {exc.strerror or exc}")
    errors.clear()


def read_file(p: Path, *, explicit: bool = True) -> Iterator[Item]:
    """The items of one file, as :func:`iter_inputs` reads it: each record of a
    JSON lines or WARC file, or the file itself (text or HTML). ``explicit``: the
    file was named by the user, so it is read whatever its name (a file found
    walking a directory must have a supported extension). Used by the Spark
    job to read one file per task exactly as ``retold index add`` does."""
    name = p.name.lower()
    if surrogate_at(str(p)) >= 0:
        # os.fsdecode keeps undecodable bytes as lone surrogates: such a name
        # cannot be stored as an id or printed
        yield Rejected(_shown(str(p)), "the file name is not valid UTF-8; rename the file")
    elif name.endswith(_JSONL):
        yield from _open_jsonl(p)
    elif name.endswith(_WARC):
        yield from read_warc(p)
    elif name.endswith(_TEXT + _HTML) or explicit:
        # a file named on the command line is read whatever its name (sniffed)
        yield RawDoc(id=str(p.resolve()), origin=str(p), kind="path", data=str(p))
    else:
        yield Rejected(str(p), f"not a supported file type (supported: {' '.join(SUPPORTED)})")


#: the old private name, kept for code written against it
_read_file = read_file


# --- JSON lines -------------------------------------------------------------


def _open_jsonl(p: Path) -> Iterator[Item]:
    opener: Any = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rb") as fh:
            yield from read_jsonl(fh, name=str(p), id_prefix=str(p.resolve()))
    except (OSError, EOFError, zlib.error) as exc:
        # an unreadable file, or a gzip stream that breaks off: keep what was read
        yield Rejected(str(p), f"reading stopped: {getattr(exc, 'strerror', None) or exc}")


def capped_lines(fh: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, line)``; ``None`` for a line over ``limit`` bytes, which is
    read past in chunks and never held (a gzip bomb of one endless line costs
    time, not memory)."""
    read = getattr(fh, "read1", fh.read)  # what is there, so a pipe is not held up
    no = 0
    line = bytearray()
    skipping = False
    while chunk := read(_CHUNK):
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            no += 1
            if skipping or len(line) + nl - start > limit:
                yield no, None
            else:
                line += chunk[start : nl + 1]
                yield no, bytes(line)
            line.clear()
            skipping = False
            start = nl + 1
        if not skipping:
            line += chunk[start:]
            if len(line) > limit:
                line.clear()
                skipping = True
    if skipping or line:
        yield no + 1, None if skipping else bytes(line)


def read_jsonl(
    fh: IO[bytes],
    *,
    name: str,
    id_prefix: str | None = None,
    max_line: int = MAX_LINE_BYTES,
) -> Iterator[Item]:
    """Documents from JSON lines: ``{"id", "text"}`` or ``{"id", "html"}``, plus
    optional ``title``, ``url``, ``published`` and ``source`` (the publisher).

    A line without an id gets ``<file>:<line>`` (stable, so re-adding is
    idempotent). A line over ``max_line`` bytes is rejected unread.
    """
    for no, raw in capped_lines(fh, max_line):
        where = f"{name}:{no}"
        if raw is None:
            yield Rejected(where, f"line longer than {human_size(max_line)}; skipped")
        elif raw.strip():
            yield _jsonl_item(raw, no, where, id_prefix or name)


def _parse_line(raw: bytes, no: int) -> dict[str, Any] | str:
    """The object on a line, or why there is none."""
    try:
        line = raw.decode("utf-8-sig" if no == 1 else "utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg})"
    except ValueError as exc:  # an integer past Python's digit limit
        return f"not usable JSON ({exc})"
    except RecursionError:
        return "not usable JSON (nested too deeply)"
    if not isinstance(obj, dict):
        return 'expected an object like {"id": ..., "text": ...}'
    return obj


def _bad_strings(obj: dict[str, Any]) -> str | None:
    """Why the record's strings cannot be stored (a lone surrogate), or None."""
    for key in ("id", "text", "html", *_META, *_BYLINE):
        v = obj.get(key)
        if isinstance(v, str):
            at = surrogate_at(v)
            if at >= 0:
                return (
                    f'"{key}" holds a lone surrogate ({ascii(v[at])[1:-1]} at character {at}), '
                    "which is not valid Unicode; fix the producer's encoding"
                )
    return None


def _jsonl_item(raw: bytes, no: int, where: str, prefix: str) -> Item:
    obj = _parse_line(raw, no)
    if isinstance(obj, str):
        return Rejected(where, obj)
    text, html = obj.get("text"), obj.get("html")
    if not isinstance(text, str) and not isinstance(html, str):
        return Rejected(where, 'no "text" or "html" string')
    doc_id = obj.get("id")
    if isinstance(doc_id, (int, float)) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if doc_id is not None and not (isinstance(doc_id, str) and doc_id):
        return Rejected(where, '"id" must be a non-empty string or a number')
    bad = _bad_strings(obj)
    if bad is not None:
        return Rejected(where, bad)
    data = text if isinstance(text, str) else str(html)
    meta = {k: obj[k] if isinstance(obj.get(k), str) else None for k in _META}
    return RawDoc(
        id=doc_id or f"{prefix}:{no}",
        origin=where,
        kind="text" if isinstance(text, str) else "html",
        data=data,
        url=meta["url"],
        title=meta["title"],
        published=meta["published"],
        publisher=meta["source"],
        byline=_byline(obj),
    )


def _byline(obj: dict[str, Any]) -> str | None:
    """The record's byline: a string, or a list of names joined as a byline."""
    for key in _BYLINE:
        v = obj.get(key)
        if isinstance(v, list):
            names = (x.strip() for x in v if isinstance(x, str) and surrogate_at(x) < 0)
            v = ", ".join(x for x in names if x)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None
