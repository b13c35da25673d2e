"""What a reader of many documents yields: a document to read, or a rejection.

Readers (:mod:`retold.ingest.readers`, :mod:`retold.ingest.warc`) only find
documents and their metadata; reading and extracting the text is per-document
work done later, in parallel (:func:`retold.index.docwork.load_raw`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Item", "RawDoc", "Rejected", "surrogate_at"]


@dataclass(frozen=True, slots=True)
class RawDoc:
    """An input found by a reader but not read yet (cheap to send to a worker).

    ``kind`` is ``"text"`` or ``"html"`` (``data`` holds the string or the bytes)
    or ``"path"`` (``data`` is a file to read, sniffed as text or HTML).
    """

    id: str
    origin: str
    kind: str
    data: str | bytes
    url: str | None = None
    title: str | None = None
    published: str | None = None
    publisher: str | None = None
    #: who wrote it, as the record says (its "byline", "author" or "authors")
    byline: str | None = None
    #: a charset declared outside the bytes (an HTTP Content-Type)
    charset: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that could not be indexed, and why (one line)."""

    origin: str
    reason: str


Item = RawDoc | Rejected

_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_at(text: str) -> int:
    """Index of the first lone surrogate in ``text`` (-1: none).

    JSON's ``\\ud800`` escapes and undecodable file names give Python strings
    that cannot be written as UTF-8 (to a database, a report, a pipe); they are
    refused where they come in, not where they break a write much later.
    """
    m = _SURROGATE.search(text)
    return m.start() if m else -1
