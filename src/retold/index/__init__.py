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
    writer.lock     one writer at a time; readers never wait

Adding is incremental: documents already present (same id, or same content)
are skipped, nothing stored is recomputed, and a crash leaves every committed
batch intact (the vector files' committed lengths are recorded in SQLite in the
batch's own transaction).
"""

from __future__ import annotations

import errno
import multiprocessing as mp
import os
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from retold.comparison import Prepared, compare_prepared
from retold.embed import Encoder, HashingEncoder, Vectors, default_encoder
from retold.errors import InputError, RetoldError, UsageError
from retold.index.docwork import (
    DocRecord,
    Duplicate,
    RawDoc,
    Rejected,
    SentenceCache,
    default_id,
    make_records,
    prepare_many,
    record,
    stored_prepared,
)
from retold.index.search import (
    Hit,
    SearchParams,
    View,
    candidate_prepared,
    candidates_batch,
    unverified,
    verify_candidates,
)
from retold.index.sketch import SketchParams, band_keys, jaccard_estimate
from retold.index.store import SCHEMA_VERSION, KnownHashes, Store
from retold.index.vectors import IVFState, RowFile, VectorParams, VectorSet, faiss_available
from retold.types import Document, Report

__all__ = [
    "AddSummary",
    "Hit",
    "Index",
    "RawDoc",
    "Rejected",
    "SearchParams",
    "SketchParams",
    "VectorParams",
    "default_index_path",
]

#: MinHash Jaccard at or above which a new document is reported as a near duplicate
NEAR_DUPLICATE = 0.9

Item = Document | RawDoc | Rejected


def default_index_path() -> Path:
    """``$XDG_DATA_HOME/retold/index`` (``~/.local/share/retold/index`` by default)."""
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "retold" / "index"


def encoder_named(name: str, dim: int) -> Encoder:
    """The encoder an index was built with, from the name stored in it."""
    if name == HashingEncoder.name:
        return HashingEncoder(dim)
    enc = default_encoder()
    if name == enc.name and dim == enc.dim:
        return enc
    raise UsageError(
        f"the index was built with the encoder {name!r} ({dim} dimensions), which this "
        "version of retold does not provide; pass that encoder to Index(..., encoder=...)"
    )


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


# Worker state, inherited through fork (an encoder with a loaded model is not
# picklable and loading it per task would dominate).
_WORKER: tuple[Encoder, SketchParams, KnownHashes] | None = None


def _work(items: list[RawDoc | Document]) -> list[DocRecord | Rejected | Duplicate]:
    assert _WORKER is not None
    return make_records(items, *_WORKER)


class Index:
    """An index directory; see the module documentation.

    ``encoder`` is needed only to create an index with something other than the
    default multilingual encoder; an existing index uses the one it was built
    with. Readers and one writer may use the same directory at once (different
    processes, or different Index objects); a second writer waits up to
    ``lock_timeout`` seconds, then gets a :class:`UsageError`. An Index object
    belongs to the thread that made it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        encoder: Encoder | None = None,
        create: bool = True,
        sketch: SketchParams | None = None,
        vector_params: VectorParams | None = None,
        lock_timeout: float = 60.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_index_path()
        _finish_compaction(self.path)
        self.store = Store(self.path, create=create)
        self.lock_timeout = lock_timeout
        self._lock: IO[str] | None = None
        self._vparams = vector_params or VectorParams()
        self._encoder = encoder
        self._encoder_given = encoder is not None
        self._encoder_name: str | None = None
        self.sketch = sketch or SketchParams()
        self.dim = encoder.dim if encoder else default_encoder().dim
        try:
            self._load_settings(self.store.meta())
        except UsageError:
            self.store.close()
            raise
        self._open_files()

    def _load_settings(self, meta: dict[str, str]) -> None:
        """Adopt the encoder and sketch settings recorded in the index, if any yet."""
        if "encoder" not in meta or self._encoder_name == meta["encoder"]:
            return
        dim = int(meta["dim"])
        enc = self._encoder
        if not self._encoder_given:
            self._encoder = enc = None  # a default picked before the index had settings
        if enc is not None and (enc.name, enc.dim) != (meta["encoder"], dim):
            raise UsageError(
                f"the index at {self.path} was built with the encoder {meta['encoder']!r} "
                f"({dim} dimensions), not {enc.name!r} ({enc.dim}); "
                "an index is searched with the encoder that built it"
            )
        self._encoder_name = meta["encoder"]
        self.sketch = SketchParams(
            shingle=int(meta["shingle"]),
            num_perm=int(meta["num_perm"]),
            bands=int(meta["bands"]),
            seed=int(meta["seed"]),
        )
        if dim != self.dim or hasattr(self, "sents"):
            # another process created the settings after this object opened the index
            self.dim = dim
            if hasattr(self, "sents"):
                self._close_files()
                self._open_files()

    def _open_files(self) -> None:
        self.sents = VectorSet(self.path, "sent", self.dim, self._vparams)
        self.docs = VectorSet(self.path, "doc", self.dim, self._vparams)
        self.sent_doc = RowFile(self.path / "sent_doc.i32", np.int32, 1)
        self.sigs = RowFile(self.path / "minhash.u32", np.uint32, self.sketch.num_perm)

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = (
                encoder_named(self._encoder_name, self.dim)
                if self._encoder_name
                else default_encoder()
            )
        return self._encoder

    # --- lifecycle ---------------------------------------------------------

    def _close_files(self) -> None:
        for f in (self.sents, self.docs):
            f.close()
        self.sent_doc.close()
        self.sigs.close()

    def close(self) -> None:
        self._close_files()
        self.store.close()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _writer(self) -> None:
        """Become the one writer: take the lock, then cut off any rows a crashed
        writer appended but never committed."""
        if self._lock is not None:
            return
        import fcntl

        fh = open(self.path / "writer.lock", "a+")  # noqa: SIM115  (held until close)
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    fh.close()
                    raise UsageError(
                        f"another process is adding to the index at {self.path}; "
                        "wait for it to finish"
                    ) from None
                time.sleep(0.1)
        self._lock = fh
        meta = self.store.meta()
        n_docs, n_sents = int(meta["n_docs"]), int(meta["n_sents"])
        self.sents.data.truncate(n_sents)
        self.sent_doc.truncate(n_sents)
        self.docs.data.truncate(n_docs)
        self.sigs.truncate(n_docs)
        for f in self.path.glob("*.faiss.tmp"):
            f.unlink(missing_ok=True)

    def _init_meta(self) -> None:
        meta = self.store.meta()
        if "encoder" in meta:
            self._load_settings(meta)
            return
        enc = self.encoder
        with self.store.write():
            self.store.set_meta(
                {
                    "encoder": enc.name,
                    "dim": enc.dim,
                    "shingle": self.sketch.shingle,
                    "num_perm": self.sketch.num_perm,
                    "bands": self.sketch.bands,
                    "seed": self.sketch.seed,
                    "retold_version": _version(),
                }
            )
        self._encoder_name = enc.name

    # --- adding ---------------------------------------------------------

    def add(
        self,
        items: Item | Iterable[Item],
        *,
        jobs: int = 1,
        batch_size: int = 256,
        progress: Callable[[AddSummary], None] | None = None,
    ) -> AddSummary:
        """Add documents (or readers' items); returns what was added, skipped, rejected.

        ``jobs`` worker processes prepare and encode documents in parallel; each
        batch of ``batch_size`` is committed in one transaction, after which
        ``progress`` is called. Adding never changes documents already present.
        """
        started = time.monotonic()
        if isinstance(items, (str, bytes)):
            raise UsageError(
                "add() takes Documents (or readers' items), not a string; "
                "use Document(text) for a text or add_paths() for files"
            )
        if isinstance(items, (Document, RawDoc, Rejected)):
            items = [items]
        self._writer()
        self._init_meta()
        summary = AddSummary()
        seen: set[str] = set()

        def waves() -> Iterator[list[RawDoc | Document]]:
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

        global _WORKER
        known = KnownHashes(self.store.path)
        _WORKER = (SentenceCache(self.encoder), self.sketch, known)  # one encoding per sentence
        pool = None
        parallel = jobs > 1 and "fork" in mp.get_all_start_methods()
        try:
            pending: Any = None
            for wave in waves():
                if parallel and pool is None and wave:
                    # load the model here, once, when there is work for it: the
                    # forked workers share its weights instead of loading their own
                    self.encoder.encode(["warm up"])
                    pool = mp.get_context("fork").Pool(jobs)
                chunks = [wave[i : i + 16] for i in range(0, len(wave), 16)]
                if pool is None:
                    self._commit([r for c in chunks for r in _work(c)], summary, progress)
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
            _WORKER = None
        summary.seconds = time.monotonic() - started
        return summary

    def add_paths(self, paths: Iterable[str], **kw: Any) -> AddSummary:
        """Add files, directories, JSON lines and WARC files (see :mod:`retold.index.readers`)."""
        from retold.index.readers import iter_inputs

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
            try:
                self._commit_records(recs, summary)
            except BaseException:
                # the transaction rolled back: cut the files back to the committed rows
                self._lock_recover()
                raise
            # keep the exact tail small for readers during a long add
            self._maintain()
        if progress is not None:
            progress(summary)

    def _lock_recover(self) -> None:
        meta = self.store.meta()
        for f in (self.sents.data, self.sent_doc):
            f.truncate(int(meta["n_sents"]))
        for f in (self.docs.data, self.sigs):
            f.truncate(int(meta["n_docs"]))

    def _commit_records(self, recs: list[DocRecord | Duplicate], summary: AddSummary) -> None:
        """One transaction: the batch's rows, LSH buckets and terms, and the vector
        files' new committed lengths. Every statement covers the whole batch."""
        st = self.store
        added = dups = near = 0
        with st.write():
            meta = st.meta()
            n_docs0, n_sents0 = int(meta["n_docs"]), int(meta["n_sents"])
            n_docs, n_sents = n_docs0, n_sents0
            by_hash = st.ids_by_hash([r.hash for r in recs])
            finder = _NearFinder(
                self, n_docs0, [r.band_keys for r in recs if isinstance(r, DocRecord)]
            )
            doc_rows: list[tuple[Any, ...]] = []
            lsh: list[tuple[int, int]] = []
            bodies: list[tuple[int, str]] = []
            df: dict[str, int] = {}
            sigs, sent_vecs, sent_docs, doc_vecs = [], [], [], []
            for rec in recs:
                of = by_hash.get(rec.hash)
                if of is not None:
                    st.insert_dup(rec.id, of, "exact", 1.0, rec.origin)
                    dups += 1
                    continue
                if isinstance(rec, Duplicate):
                    # not expected (adds are exclusive), but never lose an input quietly
                    reason = "its text matched an indexed document that is gone; add it again"
                    summary.rejected.append(Rejected(rec.origin, reason))
                    continue
                by_hash[rec.hash] = rec.id
                best = finder.nearest(rec)
                if best is not None and best[1] >= NEAR_DUPLICATE:
                    st.insert_dup(rec.id, best[0], "near", best[1], rec.origin)
                    near += 1
                row = n_docs
                m = rec.meta
                doc_rows.append(
                    (
                        row,
                        rec.id,
                        rec.hash,
                        *(m.get(f) for f in ("title", "url", "published", "publisher")),
                        *(m.get(f) for f in ("language", "origin")),
                        rec.chars,
                        n_sents,
                        len(rec.vectors),
                        rec.ztext or _compress(rec.text),
                    )
                )
                keys = rec.band_keys.tolist()
                lsh.extend((k, row) for k in keys)
                bodies.append((row, rec.terms_body))
                for t in rec.terms:
                    df[t] = df.get(t, 0) + 1
                finder.added(rec, keys)
                sigs.append(rec.signature)
                sent_vecs.append(rec.vectors)
                sent_docs.append(np.full((len(rec.vectors), 1), row, dtype=np.int32))
                doc_vecs.append(rec.doc_vector[None, :])
                n_docs += 1
                n_sents += len(rec.vectors)
                added += 1
            if added:
                st.insert_docs(doc_rows)
                st.insert_lsh(lsh)
                st.insert_terms(bodies, df)
                # rows reach the disk before the transaction that makes them visible
                self.sents.data.append(np.vstack(sent_vecs))
                self.sent_doc.append(np.vstack(sent_docs))
                self.docs.data.append(np.vstack(doc_vecs))
                self.sigs.append(np.vstack(sigs))
                for f in (self.sents.data, self.sent_doc, self.docs.data, self.sigs):
                    f.sync()
                st.set_meta({"n_docs": n_docs, "n_sents": n_sents})
        summary.added += added
        summary.duplicates += dups
        summary.near_duplicates += near

    def _maintain(self) -> None:
        """Build or extend the IVF accelerators as rows arrive (readers keep using the
        files of the state they read until they next look)."""
        meta = self.store.meta()
        for vs, n_key in ((self.sents, "n_sents"), (self.docs, "n_docs")):
            state = _ivf_state(meta, vs.name)
            new = vs.maintain(int(meta[n_key]), state)
            if new != state:
                with self.store.write():
                    self.store.set_meta({f"ivf.{vs.name}": new.to_json()})
                vs.cleanup(new.files | state.files)

    def remove(self, doc_id: str) -> bool:
        """Remove a document by id; False if there is no such document."""
        self._writer()
        with self.store.write():
            doc = self.store.mark_removed(doc_id)
            if doc is None:
                return False
            n_docs = int(self.store.meta()["n_docs"])
            sig = np.asarray(self.sigs.view(n_docs)[doc.row])
            self.store.delete_lsh(doc.row, band_keys(sig, self.sketch).tolist())
        return True

    def compact(self, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        """Rewrite the index without its removed documents and swap it in place.

        :meth:`remove` only marks a document: its vectors, full-text entry and
        file rows stay (search filters them out). Compacting drops them and
        rebuilds the vector accelerators. Stored sentence vectors are reused,
        so nothing is encoded again; ids, metadata, add times, recorded
        duplicates and a ``stories.sqlite`` beside the index are kept.
        Readers that have the index open go on reading the old files until
        they reopen it. ``progress(done, total)`` follows the copy.
        """
        import shutil

        self._writer()
        with self.store.snapshot():
            meta = self.store.meta()
            live, removed = self.store.count_docs()
            rows = self.store.live_rows()
            dups = self.store.dups()
        if "encoder" not in meta:  # nothing was ever added
            return {"documents": 0, "removed": 0, "bytes_before": 0, "bytes_after": 0}
        n_sents = int(meta["n_sents"])
        before = self.stats()["total_bytes"]
        tmp = self.path.with_name(self.path.name + ".compacting")
        old = self.path.with_name(self.path.name + ".old")
        for leftover in (tmp, old):
            shutil.rmtree(leftover, ignore_errors=True)
        kept: list[tuple[str, float]] = []
        with Index(
            tmp,
            encoder=_Named(str(meta["encoder"]), self.dim),
            sketch=self.sketch,
            vector_params=self._vparams,
        ) as new:
            new._writer()
            new._init_meta()
            summary = AddSummary()
            for i in range(0, len(rows), 256):
                part = rows[i : i + 256]
                with self.store.snapshot():
                    docs = self.store.docs(part)
                    texts = self.store.texts(part)
                recs: list[DocRecord | Rejected] = []
                for r in part:
                    d = docs[r]
                    vecs = self.sents.rows(n_sents, d.sent_start, d.sent_start + d.n_sents)
                    doc = Document(
                        texts[r],
                        title=d.title,
                        url=d.url,
                        date=d.published,
                        language=d.language,
                        id=d.id,
                    )
                    p = stored_prepared(doc, vecs, self.encoder)
                    recs.append(
                        record(
                            p,
                            doc_id=d.id,
                            origin=d.origin or d.id,
                            publisher=d.publisher,
                            params=self.sketch,
                        )
                    )
                    kept.append((d.id, d.added))
                new._commit(recs, summary, None)
                if progress is not None:
                    progress(min(i + 256, len(rows)), len(rows))
            with new.store.write():
                new.store.conn.executemany(
                    "UPDATE docs SET added = ? WHERE id = ?", [(t, i) for i, t in kept]
                )
                # near duplicates among the kept documents were found again on the way
                for dup in dups:
                    if dup.kind != "near":
                        new.store.insert_dup(dup.id, dup.of_id, dup.kind, dup.jaccard, dup.origin)
        for f in self.path.glob("stories.sqlite*"):
            f.replace(tmp / f.name)
        self._close_files()
        self.store.close()
        # two renames: a crash in between leaves both directories, never neither
        self.path.replace(old)
        tmp.replace(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self.store = Store(self.path, create=False)
        self._open_files()
        if self._lock is not None:
            self._lock.close()  # it locked the old directory's file
            self._lock = None
        self._writer()
        return {
            "documents": live,
            "removed": removed,
            "bytes_before": before,
            "bytes_after": self.stats()["total_bytes"],
        }

    # --- searching ---------------------------------------------------------

    def _view(self) -> View:
        """Snapshot state; call inside ``store.snapshot()``."""
        meta = self.store.meta()
        self._load_settings(meta)
        n_docs, n_sents = int(meta["n_docs"]), int(meta["n_sents"])
        removed = np.zeros(n_docs, dtype=bool)
        rem = self.store.removed_rows()
        if rem:
            removed[[r for r in rem if r < n_docs]] = True
        return View(
            store=self.store,
            sents=self.sents,
            docs=self.docs,
            sent_doc=self.sent_doc.scattered(n_sents)[:, 0] if n_sents else np.zeros(0, np.int32),
            signatures=self.sigs.scattered(n_docs),
            n_docs=n_docs,
            n_sents=n_sents,
            sent_state=_ivf_state(meta, "sent"),
            doc_state=_ivf_state(meta, "doc"),
            removed=removed,
        )

    def prepare(self, query: Document | str) -> Prepared:
        """Prepare a query with the index's encoder (strings are article text or HTML)."""
        doc = _as_document(query)
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
        meta = self.store.meta()
        if meta["n_docs"] == "0":
            return [[] for _ in queries]  # nothing to find (and no encoder to load)
        self._load_settings(meta)
        p = params or SearchParams()
        out: list[list[Hit] | RetoldError] = []
        todo: list[tuple[int, Prepared, DocRecord, npt.NDArray[np.float64]]] = []
        for qp in queries:
            if not qp.body:
                out.append(
                    InputError("the query has no article text left after setting boilerplate aside")
                )
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
                batch.append(_as_document(qd))
            except RetoldError as exc:
                batch.append(exc)
            if len(batch) >= 32:
                yield from flush()
                batch = []
        yield from flush()

    def explain(self, query: Document | str | Prepared, doc_id: str) -> Report:
        """The full pair report (changes included) of stored document ``doc_id`` (A)
        against the query (B)."""
        qp = query if isinstance(query, Prepared) else self.prepare(query)
        with self.store.snapshot():
            view = self._view()
            d = self.store.doc_by_id(doc_id)
            if d is None:
                raise UsageError(f"no document with id {doc_id!r} in the index at {self.path}")
            text = self.store.texts([d.row])[d.row]
            cand = candidate_prepared(view, d, text, self.encoder)
        return compare_prepared(cand, qp, with_changes=True)

    def prepared(self, doc_id: str) -> Prepared | None:
        """A stored document ready for the pair engine (from its stored vectors: no
        encoding), or None if there is no such document."""
        with self.store.snapshot():
            view = self._view()
            d = self.store.doc_by_id(doc_id)
            if d is None:
                return None
            text = self.store.texts([d.row])[d.row]
            return candidate_prepared(view, d, text, self.encoder)

    def get(self, doc_id: str) -> Document | None:
        """A stored document (text and metadata), or None."""
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

    # --- reporting ---------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts, settings and disk use."""
        meta = self.store.meta()
        live, removed = self.store.count_docs()
        files = {
            f.name: f.stat().st_size
            for f in sorted(self.path.iterdir())
            if f.is_file() and f.name != "writer.lock"
        }
        return {
            "path": str(self.path),
            "documents": live,
            "removed": removed,
            "sentences": int(meta["n_sents"]),
            "duplicates": self.store.count_dups(),
            "encoder": meta.get("encoder", self._encoder_name),
            "dim": self.dim,
            "schema_version": SCHEMA_VERSION,
            "sketch": {
                "shingle": self.sketch.shingle,
                "num_perm": self.sketch.num_perm,
                "bands": self.sketch.bands,
            },
            "ivf": {
                name: {"rows": st.rows, "segments": len(st.segments)}
                for name, st in (
                    ("sentences", _ivf_state(meta, "sent")),
                    ("documents", _ivf_state(meta, "doc")),
                )
            },
            "faiss": faiss_available(),
            "disk_bytes": files,
            "total_bytes": sum(files.values()),
        }

    def duplicates(self) -> list[dict[str, Any]]:
        """Exact and near-exact duplicates found when documents were added."""
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
        return self.store.live_id_list()

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.store.doc_by_id(doc_id) is not None

    def __len__(self) -> int:
        return self.store.count_docs()[0]


class _NearFinder:
    """Nearest earlier document by MinHash among LSH candidates, for one batch:
    stored documents (one bucket lookup for the whole batch) and the batch so far."""

    def __init__(self, ix: Index, n_docs: int, keys: list[np.ndarray[Any, Any]]) -> None:
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


class _Named:
    """The encoder an index records, for copying it: stored vectors are reused,
    so encoding anything would be a bug."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        raise RetoldError("internal error: compaction must not encode sentences")


def _finish_compaction(path: Path) -> None:
    """Complete a swap that :meth:`Index.compact` started but did not finish."""
    done = path.with_name(path.name + ".compacting")
    if not path.exists() and path.with_name(path.name + ".old").exists() and done.exists():
        done.replace(path)


def _compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def _ivf_state(meta: dict[str, str], name: str) -> IVFState:
    return IVFState.from_json(meta.get(f"ivf.{name}"))


def _as_document(x: Document | str) -> Document:
    if isinstance(x, Document):
        return x
    from retold.ingest import read_text

    return read_text(x)


def _version() -> str:
    from retold import __version__

    return __version__
