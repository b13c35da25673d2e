"""Searching an index, and reading what it holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from retold.comparison import Prepared, compare_prepared, no_text_left
from retold.errors import InputError, RetoldError, UsageError
from retold.index.core import IndexCore, as_document, ivf_state
from retold.index.docwork import DocRecord, prepare_many, record
from retold.index.search import (
    Hit,
    SearchParams,
    View,
    candidate_prepared,
    candidates_batch,
    unverified,
    verify_candidates,
)
from retold.index.store import DocRow
from retold.types import Document, Report

__all__ = ["Searching"]

_T = TypeVar("_T")


#: (the index state it holds for, document frequencies, prepared documents)
_Kept = tuple[
    tuple[Any, int, int, tuple[int, ...]],
    dict[str, int],
    dict[int, tuple[DocRow, Prepared, Counter[str]]],
]
#: document frequencies a reader keeps from one search to the next at most
#: (about 10 MB): a long-lived reader of an unchanged index would otherwise
#: gather its whole vocabulary
KEEP_TERMS = 100_000


class Searching(IndexCore):
    """Search and lookup methods of :class:`~retold.index.Index`. Each first
    follows a directory another process swapped in (see :class:`IndexCore`)."""

    #: what the last view read and prepared (document frequencies, verified
    #: stored documents), with the state of the index it is valid for
    _kept: _Kept | None = None

    def _view(self) -> View:
        """Snapshot state; call inside ``store.snapshot()``.

        An index whose database file, documents, sentences and removals are
        as at the last view has the same rows with the same texts (rows are
        only appended; compaction makes another file), so the new view takes
        over what the last one read and prepared: one search after another,
        as a server answers them, then prepares a popular story once.
        """
        meta = self.store.meta()
        self._load_settings(meta)
        n_docs, n_sents = int(meta["n_docs"]), int(meta["n_sents"])
        removed = np.zeros(n_docs, dtype=bool)
        rem = self.store.removed_rows()
        if rem:
            removed[[r for r in rem if r < n_docs]] = True
        state = (self.store.identity, n_docs, n_sents, tuple(rem))
        kept = self._kept
        if kept is None or kept[0] != state:
            kept = (state, {}, {})
        elif len(kept[1]) > KEEP_TERMS:
            kept = (state, {}, kept[2])
        self._kept = kept
        return View(
            store=self.store,
            sents=self.sents,
            docs=self.docs,
            sent_doc=self.sent_doc.scattered(n_sents)[:, 0] if n_sents else np.zeros(0, np.int32),
            signatures=self.sigs.scattered(n_docs),
            n_docs=n_docs,
            n_sents=n_sents,
            sent_state=ivf_state(meta, "sent"),
            doc_state=ivf_state(meta, "doc"),
            removed=removed,
            df=kept[1],
            prepared=kept[2],
        )

    def prepare(self, query: Document | str) -> Prepared:
        """Prepare a query with the index's encoder (strings are article text or HTML)."""
        doc = as_document(query)
        p = prepare_many([doc], self.encoder)[0]
        if isinstance(p, RetoldError):
            raise p
        return p

    def search(
        self,
        query: Document | str | Prepared,
        k: int = 10,
        *,
        params: SearchParams | None = None,
        verify: bool = True,
        reports: bool = False,
    ) -> list[Hit]:
        """The ``k`` stored documents most likely to be a source of ``query``.

        With ``verify`` (the default) the best candidates are compared with the
        query by the pair engine and ranked by verdict, then by how much of the
        query they account for; ``reports`` keeps each pair report on its hit.
        """
        if k < 1:
            raise UsageError("k must be at least 1")
        self._fresh()
        if isinstance(query, Prepared):
            qp = query
        else:
            meta = self.store.meta()
            if meta["n_docs"] == "0":
                return []  # nothing to find: no need to load the encoder
            # the index's settings (its encoder) before preparing the query with them
            self._load_settings(meta)
            qp = self.prepare(query)
        got = self.search_prepared([qp], k, params=params, verify=verify, reports=reports)[0]
        if isinstance(got, RetoldError):
            raise got
        return got

    def search_prepared(
        self,
        queries: Sequence[Prepared],
        k: int = 10,
        *,
        params: SearchParams | None = None,
        verify: bool = True,
        reports: bool = False,
    ) -> list[list[Hit] | RetoldError]:
        """:meth:`search` for prepared queries, with one vector search for all of
        them (much cheaper per query than one at a time); an error (a query with
        no article text) comes back in place of its results."""
        if k < 1:
            raise UsageError("k must be at least 1")
        return self._steady(lambda: self._search_prepared(queries, k, params, verify, reports))

    def _steady(self, op: Callable[[], _T]) -> _T:
        """``op()`` on the index now at ``path``, done again if another process
        swapped a compacted directory in while it ran (its files would no longer
        match the database this object read)."""
        for _ in range(2):
            self._fresh()
            try:
                out = op()
            except InputError:
                if self.store.replaced():
                    continue
                raise
            if not self.store.replaced():
                return out
        self._fresh()  # compacted twice meanwhile: a last try, whatever comes next
        return op()

    def _search_prepared(
        self,
        queries: Sequence[Prepared],
        k: int,
        params: SearchParams | None,
        verify: bool,
        reports: bool,
    ) -> list[list[Hit] | RetoldError]:
        meta = self.store.meta()
        if meta["n_docs"] == "0":
            return [[] for _ in queries]  # nothing to find (and no encoder to load)
        self._load_settings(meta)
        p = params or SearchParams()
        out: list[list[Hit] | RetoldError] = []
        todo: list[tuple[int, Prepared, DocRecord, npt.NDArray[np.float64]]] = []
        for qp in queries:
            if not qp.body:
                out.append(InputError(f"the query has {no_text_left(qp)}"))
                continue
            q = record(
                qp,
                doc_id="<query>",
                origin="<query>",
                publisher=None,
                params=self.sketch,
                compress=False,
            )
            lengths = np.array([s.end - s.start for s in qp.body], dtype=np.float64)
            todo.append((len(out), qp, q, lengths / lengths.sum()))
            out.append([])
        if not todo:
            return out
        with self.store.snapshot():
            view = self._view()
            batch = candidates_batch(view, [t[2] for t in todo], [t[3] for t in todo], p)
            for (at, qp, _q, _w), cands in zip(todo, batch, strict=True):
                out[at] = (
                    verify_candidates(view, cands, qp, k, p, self.encoder, keep_reports=reports)
                    if verify
                    else unverified(view, cands, k)
                )
        return out

    def search_many(
        self, queries: Iterable[Document | str], k: int = 10, **kw: Any
    ) -> Iterator[list[Hit] | RetoldError]:
        """:meth:`search` for many queries, encoding and searching them in
        batches; an error (bad query) is yielded in place of its results."""
        batch: list[Document | RetoldError] = []

        def flush() -> Iterator[list[Hit] | RetoldError]:
            self._fresh()
            self._load_settings(self.store.meta())  # encode with the index's encoder
            docs = [d for d in batch if isinstance(d, Document)]
            prepped = prepare_many(docs, self.encoder)
            ok = [p for p in prepped if not isinstance(p, RetoldError)]
            try:
                found = iter(self.search_prepared(ok, k, **kw))
            except RetoldError as exc:
                found = iter([exc] * len(ok))
            it = iter(prepped)
            for d in batch:
                if isinstance(d, RetoldError):
                    yield d
                    continue
                p = next(it)
                yield p if isinstance(p, RetoldError) else next(found)

        for qd in queries:
            try:
                batch.append(as_document(qd))
            except RetoldError as exc:
                batch.append(exc)
            if len(batch) >= 32:
                yield from flush()
                batch = []
        yield from flush()

    def explain(self, query: Document | str | Prepared, doc_id: str) -> Report:
        """The full pair report (changes included) of stored document ``doc_id`` (A)
        against the query (B)."""
        self._fresh()
        qp = query if isinstance(query, Prepared) else self.prepare(query)
        cand = self.prepared(doc_id)
        if cand is None:
            raise UsageError(f"no document with id {doc_id!r} in the index at {self.path}")
        return compare_prepared(cand, qp, with_changes=True)

    def prepared(self, doc_id: str) -> Prepared | None:
        """A stored document ready for the pair engine (from its stored vectors: no
        encoding), or None if there is no such document."""

        def op() -> Prepared | None:
            with self.store.snapshot():
                view = self._view()
                d = self.store.doc_by_id(doc_id)
                if d is None:
                    return None
                text = self.store.texts([d.row])[d.row]
                return candidate_prepared(view, d, text, self.encoder)

        return self._steady(op)

    def get(self, doc_id: str) -> Document | None:
        """A stored document (text and metadata), or None."""
        self._fresh()
        d = self.store.doc_by_id(doc_id)
        if d is None:
            return None
        return Document(
            text=self.store.texts([d.row])[d.row],
            title=d.title,
            url=d.url,
            date=d.published,
            language=d.language,
            id=d.id,
        )

    def duplicates(self) -> list[dict[str, Any]]:
        """Exact and near-exact duplicates found when documents were added."""
        self._fresh()
        return [
            {
                "id": d.id,
                "of": d.of_id,
                "kind": d.kind,
                "jaccard": round(d.jaccard, 4),
                "input": d.origin,
            }
            for d in self.store.dups()
        ]

    def ids(self) -> list[str]:
        """Ids of the documents in the index, in the order they were added."""
        self._fresh()
        return self.store.live_id_list()

    def added_times(self) -> dict[str, float]:
        """When each document was added (a time.time() value), by id, in order."""
        self._fresh()
        return self.store.live_added()

    def __contains__(self, doc_id: object) -> bool:
        self._fresh()
        return isinstance(doc_id, str) and self.store.doc_by_id(doc_id) is not None

    def __len__(self) -> int:
        self._fresh()
        return self.store.count_docs()[0]
