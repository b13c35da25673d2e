"""Adding to an index (and removing from it): documents prepared in worker
processes, committed in batches of one transaction each.

A batch's rows, LSH buckets, lexical terms and the vector files' new committed
lengths are one SQLite transaction, and the vector rows reach the disk before
it commits: a crash loses at most the batch in flight, never a committed one.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from retold.embed import Encoder
from retold.errors import UsageError
from retold.index.core import IndexCore, ivf_state
from retold.index.docwork import (
    DocRecord,
    Duplicate,
    RawDoc,
    Rejected,
    SentenceCache,
    default_id,
    make_records,
)
from retold.index.sketch import SketchParams, band_keys, jaccard_estimate
from retold.index.store import KnownHashes
from retold.types import Document

__all__ = ["NEAR_DUPLICATE", "AddSummary", "Adding", "Item"]

#: MinHash Jaccard at or above which a new document is reported as a near duplicate
NEAR_DUPLICATE = 0.9

Item = Document | RawDoc | Rejected


@dataclass(slots=True)
class AddSummary:
    """What one :meth:`Index.add` did."""

    added: int = 0
    #: same id already in the index (or already reported as a duplicate): skipped
    skipped: int = 0
    #: same content as a document already in the index under another id: not added
    duplicates: int = 0
    #: added, but a MinHash Jaccard >= 0.9 with a document already there
    near_duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def seen(self) -> int:
        return self.added + self.skipped + self.duplicates + len(self.rejected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "rejected": [{"input": r.origin, "reason": r.reason} for r in self.rejected],
            "seconds": round(self.seconds, 3),
        }


_State = tuple[Encoder, SketchParams, KnownHashes, int | None]

# A forked worker's state, handed to it at fork time (an encoder with a loaded
# model is not picklable, and loading it per task would dominate). Each pool
# passes its own (an initializer argument, not pickled under fork), so adds in
# several threads of one process never share it.
_WORKER: _State | None = None


def _set_worker(state: _State) -> None:
    global _WORKER
    _WORKER = state


def _work(items: list[RawDoc | Document]) -> list[DocRecord | Rejected | Duplicate]:
    assert _WORKER is not None
    enc, params, known, max_bytes = _WORKER
    return make_records(items, enc, params, known, max_bytes)


class Adding(IndexCore):
    """:meth:`add` and :meth:`remove` of :class:`~retold.index.Index`."""

    def add(
        self,
        items: Item | Iterable[Item],
        *,
        jobs: int = 1,
        batch_size: int = 256,
        progress: Callable[[AddSummary], None] | None = None,
        max_bytes: int | None = None,
    ) -> AddSummary:
        """Add documents (or readers' items); returns what was added, skipped, rejected.

        ``jobs`` worker processes prepare and encode documents in parallel; each
        batch of ``batch_size`` is committed in one transaction, after which
        ``progress`` is called. Adding never changes documents already present.
        Files and HTML inputs over ``max_bytes`` are rejected (None: the
        default cap of :func:`retold.read`). The writer lock is taken for each
        batch's commit, so other writers take turns with a long add.
        """
        started = time.monotonic()
        if isinstance(items, (str, bytes)):
            raise UsageError(
                "add() takes Documents (or readers' items), not a string; "
                "use Document(text) for a text or add_paths() for files"
            )
        if isinstance(items, (Document, RawDoc, Rejected)):
            items = [items]
        summary = AddSummary()
        with self._writing():
            self._init_meta()
        self._run(self._waves(items, batch_size, summary), jobs, summary, progress, max_bytes)
        summary.seconds = time.monotonic() - started
        return summary

    def _waves(
        self, items: Iterable[Item], batch_size: int, summary: AddSummary
    ) -> Iterator[list[RawDoc | Document]]:
        """The new items in batches (rejected inputs counted on the way)."""
        seen: set[str] = set()
        wave: list[RawDoc | Document] = []
        for n, it in enumerate(items):
            if isinstance(it, Rejected):
                summary.rejected.append(it)
                continue
            if not isinstance(it, (Document, RawDoc)):
                raise UsageError(
                    f"add() takes Documents (or readers' items); item {n} is a "
                    f"{type(it).__name__}: use Document(text) for a text or "
                    "add_paths() for files"
                )
            wave.append(it)
            if len(wave) >= batch_size:
                yield self._new_only(wave, seen, summary)
                wave = []
        if wave:
            yield self._new_only(wave, seen, summary)

    def _run(
        self,
        waves: Iterator[list[RawDoc | Document]],
        jobs: int,
        summary: AddSummary,
        progress: Callable[[AddSummary], None] | None,
        max_bytes: int | None,
    ) -> None:
        """Prepare each wave (in forked workers when ``jobs`` > 1) and commit it."""
        known = KnownHashes(self.store.path)
        # each distinct sentence of the add is encoded once
        state: _State = (SentenceCache(self.encoder), self.sketch, known, max_bytes)
        pool = None
        parallel = jobs > 1 and "fork" in mp.get_all_start_methods()
        try:
            pending: Any = None
            for wave in waves:
                if parallel and pool is None and wave:
                    # load the model here, once, when there is work for it: the
                    # forked workers share its weights instead of loading their own
                    self.encoder.encode(["warm up"])
                    pool = mp.get_context("fork").Pool(
                        jobs, initializer=_set_worker, initargs=(state,)
                    )
                chunks = [wave[i : i + 16] for i in range(0, len(wave), 16)]
                if pool is None:
                    recs = [r for c in chunks for r in make_records(c, *state)]
                    self._commit(recs, summary, progress)
                    continue
                # double buffering: workers prepare this wave while the last one commits
                fut = pool.map_async(_work, chunks)
                if pending is not None:
                    self._commit([r for c in pending.get() for r in c], summary, progress)
                pending = fut
            if pending is not None:
                self._commit([r for c in pending.get() for r in c], summary, progress)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            known.close()

    def add_paths(self, paths: Iterable[str], **kw: Any) -> AddSummary:
        """Add files, directories, JSON lines and WARC files (see :mod:`retold.ingest.readers`);
        ``kw`` as for :meth:`add`."""
        from retold.ingest.readers import iter_inputs

        return self.add(iter_inputs(paths), **kw)

    def _new_only(
        self, wave: list[RawDoc | Document], seen: set[str], summary: AddSummary
    ) -> list[RawDoc | Document]:
        """Drop items whose id is already indexed (or earlier in this run), before any work."""
        ids = [it.id if isinstance(it, RawDoc) else default_id(it) for it in wave]
        # an id seen before as an exact duplicate is skipped too: re-adding is idempotent
        present = self.store.live_ids(ids) | self.store.exact_dup_ids(ids)
        out: list[RawDoc | Document] = []
        for it, i in zip(wave, ids, strict=True):
            if i in present or i in seen:
                summary.skipped += 1
                continue
            seen.add(i)
            out.append(it if isinstance(it, RawDoc) or it.id else replace(it, id=i))
        return out

    def _commit(
        self,
        results: Sequence[DocRecord | Rejected | Duplicate],
        summary: AddSummary,
        progress: Callable[[AddSummary], None] | None,
    ) -> None:
        recs: list[DocRecord | Duplicate] = []
        for r in results:
            if isinstance(r, Rejected):
                summary.rejected.append(r)
            else:
                recs.append(r)
        if recs:
            # the lock for this batch only: other writers (a server) take turns
            # with a long add, and a compaction between two batches is followed
            with self._writing():
                try:
                    self._commit_records(recs, summary)
                except BaseException:
                    # the transaction rolled back: cut the files back to the committed rows
                    self._cut_uncommitted()
                    raise
                # keep the exact tail small for readers during a long add
                self._maintain()
        if progress is not None:
            progress(summary)

    def _commit_records(self, recs: list[DocRecord | Duplicate], summary: AddSummary) -> None:
        """One transaction: the batch's rows, LSH buckets and terms, and the vector
        files' new committed lengths. Every statement covers the whole batch."""
        st = self.store
        with st.write():
            # another writer may have added some of these ids since they were
            # found new (the lock is taken per batch): those are skipped now
            ids = [r.id for r in recs]
            taken = st.live_ids(ids) | st.exact_dup_ids(ids)
            if taken:
                summary.skipped += sum(r.id in taken for r in recs)
                recs = [r for r in recs if r.id not in taken]
            meta = st.meta()
            n_docs0 = int(meta["n_docs"])
            by_hash = st.ids_by_hash([r.hash for r in recs])
            finder = _NearFinder(
                self, n_docs0, [r.band_keys for r in recs if isinstance(r, DocRecord)]
            )
            batch = _Batch(n_docs0, int(meta["n_sents"]))
            for rec in recs:
                of = by_hash.get(rec.hash)
                if of is not None:
                    st.insert_dup(rec.id, of, "exact", 1.0, rec.origin)
                    summary.duplicates += 1
                elif isinstance(rec, Duplicate):
                    # not expected (adds are exclusive), but never lose an input quietly
                    reason = "its text matched an indexed document that is gone; add it again"
                    summary.rejected.append(Rejected(rec.origin, reason))
                else:
                    by_hash[rec.hash] = rec.id
                    best = finder.nearest(rec)
                    if best is not None and best[1] >= NEAR_DUPLICATE:
                        st.insert_dup(rec.id, best[0], "near", best[1], rec.origin)
                        summary.near_duplicates += 1
                    finder.added(rec, batch.add(rec))
            if batch.doc_rows:
                self._write_batch(batch)
        summary.added += len(batch.doc_rows)

    def _write_batch(self, batch: _Batch) -> None:
        """Inside the batch's transaction: its rows, then its vectors (synced to disk
        before the transaction that makes them visible commits)."""
        st = self.store
        st.insert_docs(batch.doc_rows)
        st.insert_lsh(batch.lsh)
        st.insert_terms(batch.bodies, batch.df)
        self.sents.data.append(np.vstack(batch.sent_vecs))
        self.sent_doc.append(np.vstack(batch.sent_docs))
        self.docs.data.append(np.vstack(batch.doc_vecs))
        self.sigs.append(np.vstack(batch.sigs))
        for f in (self.sents.data, self.sent_doc, self.docs.data, self.sigs):
            f.sync()
        st.set_meta({"n_docs": batch.n_docs, "n_sents": batch.n_sents})

    def _maintain(self) -> None:
        """Build or extend the IVF accelerators as rows arrive (readers keep using the
        files of the state they read until they next look)."""
        meta = self.store.meta()
        for vs, n_key in ((self.sents, "n_sents"), (self.docs, "n_docs")):
            state = ivf_state(meta, vs.name)
            new = vs.maintain(int(meta[n_key]), state)
            if new != state:
                with self.store.write():
                    self.store.set_meta({f"ivf.{vs.name}": new.to_json()})
                vs.cleanup(new.files | state.files)

    def remove(self, doc_id: str) -> bool:
        """Remove a document by id; False if there is no such document."""
        with self._writing(), self.store.write():
            doc = self.store.mark_removed(doc_id)
            if doc is None:
                return False
            n_docs = int(self.store.meta()["n_docs"])
            sig = np.asarray(self.sigs.view(n_docs)[doc.row])
            self.store.delete_lsh(doc.row, band_keys(sig, self.sketch).tolist())
        return True


class _NearFinder:
    """Nearest earlier document by MinHash among LSH candidates, for one batch:
    stored documents (one bucket lookup for the whole batch) and the batch so far."""

    def __init__(self, ix: IndexCore, n_docs: int, keys: list[np.ndarray[Any, Any]]) -> None:
        all_keys = sorted({int(k) for ks in keys for k in ks.tolist()})
        self.buckets = {
            k: [r for r in rows if r < n_docs] for k, rows in ix.store.lsh_lookup(all_keys).items()
        }
        cand = sorted({r for rows in self.buckets.values() for r in rows})
        docs = ix.store.docs(cand)
        self.ids = {r: d.id for r, d in docs.items() if not d.removed}
        self.sigs = ix.sigs.view(n_docs)
        self.batch_sigs: list[np.ndarray[Any, Any]] = []
        self.batch_ids: list[str] = []
        self.batch_buckets: dict[int, list[int]] = {}

    def nearest(self, rec: DocRecord) -> tuple[str, float] | None:
        keys = rec.band_keys.tolist()
        best: tuple[str, float] | None = None
        rows = sorted({r for k in keys for r in self.buckets.get(k, ()) if r in self.ids})
        if rows:
            est = jaccard_estimate(rec.signature, np.asarray(self.sigs[rows]))
            i = int(np.argmax(est))
            best = (self.ids[rows[i]], float(est[i]))
        mine = sorted({j for k in keys for j in self.batch_buckets.get(k, ())})
        if mine:
            est = jaccard_estimate(rec.signature, np.vstack([self.batch_sigs[j] for j in mine]))
            i = int(np.argmax(est))
            if best is None or est[i] > best[1]:
                best = (self.batch_ids[mine[i]], float(est[i]))
        return best

    def added(self, rec: DocRecord, keys: list[int]) -> None:
        for k in keys:
            self.batch_buckets.setdefault(k, []).append(len(self.batch_ids))
        self.batch_sigs.append(rec.signature)
        self.batch_ids.append(rec.id)


def _compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


class _Batch:
    """The rows one commit writes, gathered document by document."""

    def __init__(self, n_docs: int, n_sents: int) -> None:
        self.n_docs = n_docs
        self.n_sents = n_sents
        self.doc_rows: list[tuple[Any, ...]] = []
        self.lsh: list[tuple[int, int]] = []
        self.bodies: list[tuple[int, str]] = []
        self.df: dict[str, int] = {}
        self.sigs: list[np.ndarray[Any, Any]] = []
        self.sent_vecs: list[np.ndarray[Any, Any]] = []
        self.sent_docs: list[np.ndarray[Any, Any]] = []
        self.doc_vecs: list[np.ndarray[Any, Any]] = []

    def add(self, rec: DocRecord) -> list[int]:
        """Take a new document at the next row; returns its band keys."""
        row = self.n_docs
        m = rec.meta
        self.doc_rows.append(
            (
                row,
                rec.id,
                rec.hash,
                *(m.get(f) for f in ("title", "url", "published", "publisher")),
                *(m.get(f) for f in ("language", "origin")),
                rec.chars,
                self.n_sents,
                len(rec.vectors),
                rec.ztext or _compress(rec.text),
                rec.body_sig or None,
                rec.head.tobytes() if rec.head is not None else None,
                m.get("byline"),
            )
        )
        keys: list[int] = rec.band_keys.tolist()
        self.lsh.extend((k, row) for k in keys)
        self.bodies.append((row, rec.terms_body))
        for t in rec.terms:
            self.df[t] = self.df.get(t, 0) + 1
        self.sigs.append(rec.signature)
        self.sent_vecs.append(rec.vectors)
        self.sent_docs.append(np.full((len(rec.vectors), 1), row, dtype=np.int32))
        self.doc_vecs.append(rec.doc_vector[None, :])
        self.n_docs += 1
        self.n_sents += len(rec.vectors)
        return keys
