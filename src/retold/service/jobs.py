"""The CPU-bound work of ``retold serve``, run inside worker processes.

Each function here runs in a worker (see :mod:`retold.service.pool`), takes
plain data and returns plain data (JSON as bytes where the answer is JSON, so
the event loop never serialises a large report). Reading an article (fetching
a URL, decoding, extracting HTML) happens here too: a request's whole cost is
inside the worker that a timeout stops.

Index access: a reading worker keeps one read-only :class:`~retold.index.Index`
and opens it again when the index directory has been replaced (``retold index
compact`` swaps it); the writing worker opens the index for each write and
closes it after, so the writer lock is held only while writing and command-line
writes can take their turn.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retold.errors import EmptyInputError, InputError, InputTooLargeError

if TYPE_CHECKING:
    from retold.index import Index
    from retold.types import Document

__all__ = ["configure", "dumps"]

MiB = 1024 * 1024

_CONFIG: dict[str, Any] = {}
_READER: tuple[tuple[int, int], Index] | None = None


def configure(config: dict[str, Any]) -> None:
    """Set this worker's limits (called once, when the worker starts)."""
    _CONFIG.clear()
    _CONFIG.update(config)
    from retold.service.vectors import share

    share(config.get("vector_cache"))


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; text with unpaired surrogates is escaped rather than failing."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":")).encode("ascii")


# --- articles -----------------------------------------------------------------


def read(art: dict[str, Any]) -> Document:
    """The Document for an article of a request: fetched (safely) or read from its text."""
    from retold.ingest import read_bytes, read_url

    label = art["label"]
    if art.get("url") is not None:
        doc = read_url(
            art["url"],
            timeout=_CONFIG["fetch_timeout"],
            max_bytes=_CONFIG["max_fetch_bytes"],
            allow_private=_CONFIG["allow_private_urls"],
        )
    else:
        text = art["text"]
        if not text.strip():
            raise EmptyInputError(f"{label}: is empty; give the article text or a URL")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            # JSON allows lone surrogates ("\ud800"), which no article holds
            raise InputError(f"{label}: contains invalid Unicode (an unpaired surrogate)") from None
        doc = read_bytes(data, name=label, kind=art["kind"], max_bytes=_CONFIG["max_body_bytes"])
    limit = _CONFIG["max_article_chars"]
    if len(doc.text) > limit:
        raise InputTooLargeError(
            f"{label}: the article is {len(doc.text):,} characters, over this "
            f"server's limit of {limit:,} (--max-article-chars)"
        )
    changes = {k: art[k] for k in ("title", "id", "byline") if art.get(k) is not None}
    return replace(doc, **changes) if changes else doc


def _query_meta(doc: Document) -> dict[str, Any]:
    return {**doc.meta(), "chars": len(doc.text)}


# --- the index ------------------------------------------------------------------


def _index_path() -> Path:
    path = _CONFIG.get("index_path")
    assert path is not None, "routes that need an index check for one first"
    return Path(path)


def reader() -> Index:
    """This worker's reading Index, opened again if the directory was swapped."""
    global _READER
    from retold.index import Index, VectorParams

    path = _index_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        if _READER is not None:
            return _READER[1]  # mid-swap: the open files are still whole
        st = None  # opening the index finishes an interrupted swap
    if st is not None and _READER is not None and _READER[0] == (st.st_dev, st.st_ino):
        return _READER[1]
    if _READER is not None:
        _READER[1].close()
        _READER = None
    budget = max(64 * MiB, (512 * MiB) // max(1, int(_CONFIG["workers"])))
    ix = Index(path, create=False, vector_params=VectorParams(memory_limit=budget))
    st = path.stat()
    _READER = ((st.st_dev, st.st_ino), ix)
    return ix


def open_index() -> None:
    """Open (creating if needed) the index once, so a bad ``--index`` fails at start."""
    from retold.index import Index

    Index(_index_path()).close()


# --- the jobs -------------------------------------------------------------------


def compare(a: dict[str, Any], b: dict[str, Any], include_text: bool, fmt: str) -> bytes:
    from retold.comparison import compare_prepared, prepare

    report = compare_prepared(prepare(read(a)), prepare(read(b)))
    if fmt == "html":
        from retold.report import render_html

        return render_html(report).encode("utf-8")
    return dumps(report.to_dict(include_text=include_text))


def search(article: dict[str, Any], k: int) -> bytes:
    doc = read(article)
    hits = reader().search(doc, k)
    return dumps({"query": _query_meta(doc), "results": [h.to_dict() for h in hits]})


def add(articles: list[dict[str, Any]]) -> bytes:
    from retold.index import Index
    from retold.index.docwork import default_id

    docs = [read(a) for a in articles]
    ids = [default_id(d) for d in docs]
    with Index(_index_path()) as ix:
        summary = ix.add(docs)
    return dumps({"ids": ids, **summary.to_dict()})


def remove(doc_id: str) -> bool:
    from retold.index import Index

    with Index(_index_path()) as ix:
        return bool(ix.remove(doc_id))


def get_document(doc_id: str) -> bytes | None:
    doc = reader().get(doc_id)
    return None if doc is None else dumps({**doc.meta(), "text": doc.text})


def index_stats() -> bytes:
    stats = reader().stats()
    stats.pop("path", None)  # the server's file layout is nobody's business
    return dumps(stats)


def duplicates() -> bytes:
    return dumps({"duplicates": reader().duplicates()})


def stories() -> bytes:
    """The stories of what is linked already; linking itself is ``retold stories``.

    Linking costs a search per new article (about 27 minutes at 100k), so an
    HTTP request never starts it: the answer says how many articles wait.
    """
    from retold.stories import StoryBook

    with StoryBook(reader()) as book:
        pending = len(book.pending())
        out: dict[str, Any] = {
            "stories": [s.to_dict() for s in book.stories()],
            "unlinked": pending,
        }
    if pending:
        out["note"] = (
            f"{pending} indexed article(s) are not linked into stories yet; "
            "run: retold stories --index DIR"
        )
    return dumps(out)


def story(story_id: str) -> bytes | None:
    from retold.stories import StoryBook

    with StoryBook(reader()) as book:
        s = book.story(story_id)
    return None if s is None else dumps(s.to_dict())
