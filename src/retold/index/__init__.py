"""An embedded, incremental index of articles, searched for the sources of a rewrite.

>>> from retold.index import Index
>>> with Index("news-index") as ix:                       # doctest: +SKIP
...     ix.add(docs)                                      # Documents, or readers' items
...     hits = ix.search(rewrite_text, k=5)
...     hits[0].id, hits[0].verdict, hits[0].coverage.b_in_a
('wire-123', 'rewrite', 0.83)

One directory holds it all::

    index.db        SQLite (WAL): documents, metadata, LSH buckets, lexical index
    sent.f16        every body sentence vector, float16, append-only
    sent_doc.i32    the document row of each sentence vector
    doc.f16         one mean vector per document
    minhash.u32     one MinHash signature per document
    *-ivf-N.faiss   IVF accelerators over the first N rows (derived; optional)
    writer.lock     one writer at a time (per batch or operation); readers never wait
    stories.sqlite  the links between documents (:mod:`retold.index.book`)

Adding is incremental: documents already present (same id, or same content)
are skipped, nothing stored is recomputed, and a crash leaves every committed
batch intact (the vector files' committed lengths are recorded in SQLite in the
batch's own transaction).
"""

from __future__ import annotations

from retold.index.adding import NEAR_DUPLICATE, AddSummary, Item
from retold.index.core import default_index_path, encoder_named
from retold.index.docwork import RawDoc, Rejected
from retold.index.maintenance import Maintenance
from retold.index.querying import Searching
from retold.index.search import Hit, SearchParams
from retold.index.sketch import SketchParams
from retold.index.vectors import VectorParams

__all__ = [
    "NEAR_DUPLICATE",
    "AddSummary",
    "Hit",
    "Index",
    "Item",
    "RawDoc",
    "Rejected",
    "SearchParams",
    "SketchParams",
    "VectorParams",
    "default_index_path",
    "encoder_named",
]


class Index(Maintenance, Searching):
    """An index directory; see the module documentation.

    ``encoder`` is needed only to create an index with something other than the
    default multilingual encoder; an existing index uses the one it was built
    with. Readers and one writer may use the same directory at once (different
    processes, or different Index objects): :meth:`add` takes the writer lock
    for each batch it commits, :meth:`remove` and :meth:`compact` for their
    duration, and a writer waits up to ``lock_timeout`` seconds for it, then
    gets an :class:`~retold.errors.IndexBusyError`. Every operation first follows a
    directory that another process compacted (see
    :mod:`retold.index.maintenance`), so a long-lived Index (a server's) never
    writes to, or reads from, a replaced index. An Index object belongs to the
    thread that made it.

    The methods live by responsibility: adding and removing in
    :mod:`retold.index.adding`, searching and lookups in
    :mod:`retold.index.querying`, compaction and statistics in
    :mod:`retold.index.maintenance`, opening, settings and the lock in
    :mod:`retold.index.core`.
    """
