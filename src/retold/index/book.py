"""The stories of an index, kept beside it in ``stories.sqlite``.

:class:`StoryBook` records the verified links between the index's documents
(a cache: it can be deleted and rebuilt) and builds stories from them with the
pure core of :mod:`retold.stories`. Links follow the index: a removed
document's links are dropped on the next :meth:`StoryBook.update`, and are
never returned meanwhile; a document removed and added again under the same
id is linked again.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from retold.comparison import Prepared, compare_prepared, credit_changes, within_pair_limit
from retold.decision import fingerprint
from retold.errors import RetoldError, UsageError
from retold.index import Index
from retold.index.search import Hit
from retold.stories import (
    JOIN_SIMILARITY,
    Article,
    Link,
    Story,
    Traits,
    build_stories,
    direction_evidence,
    dump_credits,
    load_credits,
    traits,
)
from retold.types import REUSE, Verdict

__all__ = [
    "LinkRow",
    "StoryBook",
    "get_story",
    "link_pair",
    "list_stories",
    "prepared_traits",
    "worth_verifying",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS linked (id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    a TEXT NOT NULL, b TEXT NOT NULL, verdict TEXT NOT NULL, similarity REAL NOT NULL,
    a_in_b REAL NOT NULL, b_in_a REAL NOT NULL, a_first REAL NOT NULL, verbatim REAL NOT NULL,
    a_match REAL NOT NULL, b_match REAL NOT NULL, a_credits TEXT, b_credits TEXT,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS links_b ON links(b);
"""
#: 2: links carry the text evidence of direction (a_first) and verbatim share;
#: 3: similarity is the calibrated P(same story), a_first the learned direction;
#: 4: how closely each body is matched in the other (a_match, b_match);
#: 5: what each end did to the other's credits (a_credits, b_credits)
_STORIES_VERSION = "5"
#: versions whose links are relinked from scratch on opening (links are a cache)
_RELINK_VERSIONS = frozenset({"1", "2", "3", "4"})

#: a verified link: a, b, verdict, similarity, a_in_b, b_in_a, a_first,
#: verbatim, a_match, b_match, a_credits, b_credits (the fields of
#: :class:`retold.stories.Link`, the credits as :func:`retold.stories.dump_credits` stores them)
LinkRow = tuple[
    str, str, str, float, float, float, float, float, float, float, str | None, str | None
]
_LinkRow = LinkRow

#: candidates worth verifying as "same story or closer" (calibrated on
#: benchmarks/bench_stories.py, see _Linker.links_for): the document
#: channel is the cosine of mean sentence vectors, the very "topic" the pair
#: engine needs at 0.55 for a same-story verdict; the sentence and MinHash
#: channels catch partial copies on another topic (coverage >= 0.2)
_MIN_TOPIC = 0.5
_MIN_SENTENCES = 0.05
_MIN_JACCARD = 0.05
#: prepared documents kept in memory while linking: relatives are usually
#: added close together, so a small cache serves most verifications
_CACHE = 512
#: documents linked per database commit
_COMMIT_EVERY = 32


class StoryBook:
    """The stories of an index, kept beside it in ``stories.sqlite``.

    :meth:`update` searches the index once for each document it has not seen
    (with the document's stored vectors: nothing is encoded again) and records
    the verified links; stories are then rebuilt from the links, which is
    linear in their number. Adding documents to the index and calling
    :meth:`update` again only searches the new ones: a new article finds its
    older relatives, so old articles need no second look.
    """

    def __init__(
        self, index: Index, *, k: int = 10, min_similarity: float = JOIN_SIMILARITY
    ) -> None:
        if k < 1:
            raise UsageError("k must be at least 1")
        self.index = index
        self.k = k
        self.min_similarity = min_similarity
        path = index.path / "stories.sqlite"
        try:
            self.db = sqlite3.connect(path, timeout=60.0, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            version = meta.get("version", _STORIES_VERSION)
            if version != _STORIES_VERSION and version not in _RELINK_VERSIONS:
                raise UsageError(
                    f"{path} was written by another version of retold; delete it to rebuild"
                )
            if meta.get("decision") != fingerprint():
                # links of an older version lack fields, and another decision
                # model's verdicts would mix two judgements: forget them, relink
                self.db.executescript(
                    "DROP TABLE links; DROP TABLE linked;" + _SCHEMA.split(";", 1)[1]
                )
                self.db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [("version", _STORIES_VERSION), ("decision", fingerprint())],
                )
                self.db.commit()
        except sqlite3.DatabaseError as exc:
            raise UsageError(
                f"{path} is not a retold stories file ({exc}); delete it to rebuild"
            ) from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> StoryBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pending(self) -> list[str]:
        """Documents of the index not yet searched for relatives (or added again
        since they were)."""
        linked = dict(self.db.execute("SELECT id, at FROM linked").fetchall())
        added = self.index.added_times()
        return [i for i, t in added.items() if i not in linked or linked[i] < t]

    def update(
        self, progress: Callable[[int, int], object] | None = None, *, jobs: int = 1
    ) -> dict[str, int]:
        """Forget the links of documents the index no longer holds, then search
        every pending document and record its links; returns counts.

        ``jobs`` > 1 links in that many processes (each with its own reader of
        the index); this process writes what they find.
        """
        self._forget_gone()
        todo = self.pending()
        # a document added again since it was linked: its old links go first
        self._forget(set(todo) & {i for (i,) in self.db.execute("SELECT id FROM linked")})
        (before,) = self.db.execute("SELECT count(*) FROM links").fetchone()
        # commit in batches (each commit syncs the file): a document and its
        # links are always committed together
        chunks = [todo[i : i + _COMMIT_EVERY] for i in range(0, len(todo), _COMMIT_EVERY)]
        done = 0
        for ids, rows in self._linked(chunks, jobs):
            with self.db:
                for doc_id, doc_rows in zip(ids, rows, strict=True):
                    self.db.executemany(
                        f"INSERT OR REPLACE INTO links VALUES ({', '.join('?' * 12)})", doc_rows
                    )
                    self.db.execute(
                        "INSERT OR REPLACE INTO linked VALUES (?, ?)", (doc_id, time.time())
                    )
            done += len(ids)
            if progress is not None:
                progress(done, len(todo))
        # counted in the table: parallel workers may each record one pair
        (after,) = self.db.execute("SELECT count(*) FROM links").fetchone()
        return {"searched": len(todo), "links": after - before}

    def _forget_gone(self) -> None:
        """Drop the links and linked marks of documents no longer in the index."""
        live = set(self.index.ids())
        known = self.db.execute(
            "SELECT id FROM linked UNION SELECT a FROM links UNION SELECT b FROM links"
        ).fetchall()
        gone = [i for (i,) in known if i not in live]
        self._forget(set(gone))

    def _forget(self, ids: set[str]) -> None:
        if not ids:
            return
        with self.db:
            for i in sorted(ids):
                self.db.execute("DELETE FROM links WHERE a = ? OR b = ?", (i, i))
                self.db.execute("DELETE FROM linked WHERE id = ?", (i,))

    def _linked(
        self, chunks: list[list[str]], jobs: int
    ) -> Iterator[tuple[list[str], list[list[_LinkRow]]]]:
        if jobs <= 1 or len(chunks) < 2 or "fork" not in mp.get_all_start_methods():
            linker = _Linker(self.index, self.k)
            for ids in chunks:
                yield ids, linker.links_for(ids)
            return
        # workers open their own reader (a SQLite connection must not cross a
        # fork); contiguous chunks keep relatives, added together, in one cache
        with mp.get_context("fork").Pool(
            jobs, initializer=_init_worker, initargs=(str(self.index.path), self.k)
        ) as pool:
            yield from zip(chunks, pool.imap(_link_chunk, chunks), strict=True)

    def links(self) -> list[Link]:
        """Every recorded link between documents the index holds, plus the
        duplicates the index set aside at add time."""
        live = set(self.index.ids())
        out = [
            _link_of(row)
            for row in self.db.execute(
                "SELECT a, b, verdict, similarity, a_in_b, b_in_a, a_first, verbatim, a_match,"
                " b_match, a_credits, b_credits FROM links"
            )
            # a document removed since the last update is no longer in any story
            if row[0] in live and row[1] in live
        ]
        for d in self.index.duplicates():
            exact = d["kind"] == "exact"
            # an exact copy keeps every credit; a near one found at add time was not read
            kept = () if exact else None
            verdict: Verdict = "duplicate" if exact else "near-duplicate"
            coverage = {"similarity": 1.0, "a_in_b": 1.0, "b_in_a": 1.0, "verbatim": 1.0}
            out.append(
                Link(
                    d["of"],
                    d["id"],
                    verdict,
                    **coverage,
                    a_credits=kept,
                    b_credits=kept,
                    measured=False,
                )
            )
        return out

    def articles(self) -> dict[str, Article]:
        arts: dict[str, Article] = {}
        for doc_id in self.index.ids():
            row = self.index.store.doc_by_id(doc_id)
            if row is not None:
                arts[doc_id] = Article(doc_id, row.title, row.published, row.url)
        for d in self.index.duplicates():
            arts.setdefault(d["id"], Article(d["id"]))
        return arts

    def stories(self, *, singletons: bool = False) -> list[Story]:
        """All stories (of two articles or more unless ``singletons``)."""
        return build_stories(
            self.articles(), self.links(), min_similarity=self.min_similarity, singletons=singletons
        )

    def story(self, story_id: str) -> Story | None:
        return next((s for s in self.stories(singletons=True) if s.id == story_id), None)


class _Linker:
    """Finds the verified links of stored documents to their relatives."""

    def __init__(self, index: Index, k: int) -> None:
        self.index = index
        self.k = k
        self._prepared: OrderedDict[str, tuple[Prepared, Traits]] = OrderedDict()
        #: pairs verified already whose other end is still to search
        self._done: set[tuple[str, str]] = set()

    def _get(self, doc_id: str) -> tuple[Prepared, Traits] | None:
        """A stored document ready for the pair engine, and its traits (cached)."""
        got = self._prepared.get(doc_id)
        if got is not None:
            self._prepared.move_to_end(doc_id)
            return got
        p = self.index.prepared(doc_id)
        if p is None:
            return None
        got = (p, prepared_traits(p))
        self._prepared[doc_id] = got
        if len(self._prepared) > _CACHE:
            self._prepared.popitem(last=False)
        return got

    def links_for(self, ids: Sequence[str]) -> list[list[_LinkRow]]:
        """Links of stored documents to their stored relatives, one list per id.

        The documents are searched together (one vector search for the batch)
        and the candidates proposed without verification; only those whose
        channel scores could make them "same story or closer" (see
        ``_MIN_TOPIC``) go to the pair engine: on the benchmark corpus this
        skips about a third of the top candidates and loses no link that
        joins a story or draws an edge. A pair verified earlier in the same
        update (both ends proposed each other) is not verified again.
        """
        got = [self._get(i) for i in ids]
        live = [(i, g) for i, g in zip(ids, got, strict=True) if g is not None]
        found = self.index.search_prepared([g[0] for _, g in live], self.k + 1, verify=False)
        hits = {i: h for (i, _), h in zip(live, found, strict=True)}
        out: list[list[_LinkRow]] = []
        for doc_id, g in zip(ids, got, strict=True):
            h = hits.get(doc_id)
            # removed since pending() listed it, or nothing left to search with
            out.append(
                []
                if g is None or h is None or isinstance(h, RetoldError)
                else self._verified(doc_id, g, h)
            )
        return out

    def _verified(
        self, doc_id: str, got: tuple[Prepared, Traits], hits: list[Hit]
    ) -> list[_LinkRow]:
        rows: list[_LinkRow] = []
        for hit in hits:
            if hit.id == doc_id or not worth_verifying(hit.channels):
                continue
            a, b = sorted((hit.id, doc_id))
            if (a, b) in self._done:
                self._done.discard((a, b))  # each pair comes up twice at most
                continue
            cand = self._get(hit.id)
            if cand is None:
                continue
            self._done.add((a, b))
            first, second = (cand, got) if a == hit.id else (got, cand)
            row = link_pair(*first, *second)
            if row is not None:
                rows.append(row)
        return rows


def prepared_traits(p: Prepared) -> Traits:
    """The :class:`Traits` of a prepared document (its body sentences and text)."""
    return traits([s.text for s in p.body], p.doc.text)


def worth_verifying(channels: dict[str, float]) -> bool:
    """Could a candidate with these search channel scores be "same story or
    closer"? (the filter before the pair engine; see ``_MIN_TOPIC``)"""
    return (
        channels.get("document", 0.0) >= _MIN_TOPIC
        or channels.get("sentences", 0.0) >= _MIN_SENTENCES
        or channels.get("jaccard", 0.0) >= _MIN_JACCARD
    )


def link_pair(pa: Prepared, ta: Traits, pb: Prepared, tb: Traits) -> LinkRow | None:
    """The verified link of a pair of prepared documents and their traits, or None
    when the pair engine finds them unrelated.

    ``pa`` must be the one with the smaller id: the engine is not exactly
    symmetric, and a link must not depend on which end found it (the
    stories' linker and the Spark job both call this, so a link is the same
    whichever path made it).
    """
    a, b = pa.doc.id or "", pb.doc.id or ""
    # a pair too long to score whole is linked on its leading sentences
    rep = compare_prepared(*within_pair_limit(pa, pb), with_changes=False)
    if rep.verdict == "unrelated":
        return None
    a_in_b, b_in_a = rep.coverage.a_in_b, rep.coverage.b_in_a
    f = rep.features
    # only a copy owes its source a credit (as in compare); which end is the
    # source is decided later, in the story, so both ways are read
    a_credits = b_credits = None
    if rep.verdict in REUSE:
        a_credits = dump_credits([c.detail for c in credit_changes(pa, pb)])
        b_credits = dump_credits([c.detail for c in credit_changes(pb, pa)])
    return (
        a,
        b,
        rep.verdict,
        float(rep.similarity),
        a_in_b,
        b_in_a,
        direction_evidence(ta, tb, a_in_b, b_in_a, rep.probabilities.get("a_is_source")),
        f.get("verbatim_share", 0.0) + f.get("near_verbatim_share", 0.0),
        f.get("a_best", a_in_b),
        f.get("b_best", b_in_a),
        a_credits,
        b_credits,
    )


def _link_of(row: LinkRow) -> Link:
    """A recorded link row as the stories core reads it."""
    a, b, verdict, sim, a_in_b, b_in_a, a_first, verbatim, a_match, b_match, ac, bc = row
    return Link(
        a,
        b,
        verdict,  # type: ignore[arg-type]  # written from a Verdict
        sim,
        a_in_b,
        b_in_a,
        a_first,
        verbatim,
        a_match,
        b_match,
        load_credits(ac),
        load_credits(bc),
    )


_WORKER: _Linker | None = None


def _init_worker(path: str, k: int) -> None:
    global _WORKER
    _WORKER = _Linker(Index(path, create=False), k)


def _link_chunk(ids: list[str]) -> list[list[_LinkRow]]:
    assert _WORKER is not None
    return _WORKER.links_for(ids)


def list_stories(index: Index) -> dict[str, Any]:
    """JSON-ready list of an index's stories (brings the stories up to date first)."""
    with StoryBook(index) as book:
        book.update()
        return {"stories": [s.to_dict() for s in book.stories()]}


def get_story(index: Index, story_id: str) -> dict[str, Any] | None:
    """One story, JSON-ready, or None when there is no story with that id."""
    with StoryBook(index) as book:
        book.update()
        s = book.story(story_id)
        return None if s is None else s.to_dict()
