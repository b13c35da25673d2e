"""Stories: group articles about one event, and draw who copied whom.

The pure core works on verified links between articles (what the pair engine
said about two of them) and needs nothing else, so the embedded index and a
Spark job share it:

- :func:`cluster` puts articles into stories: connected components over links
  that say "same story or closer" (union-find, linear in the links);
- :func:`derive` draws the derivation graph inside a story: among articles
  joined by reuse links (duplicate, near-duplicate, rewrite) it grows a
  maximum-weight spanning tree from the most likely original. Publication
  times, where both are known, forbid an edge from a later article to an
  earlier one; where they are not, the original is the article the others
  share most with (a hub: siblings rewritten from one source resemble it more
  than each other), and a rewrite of a rewrite hangs under the rewrite it is
  closest to. Articles linked only as "same-story" are independent reporting:
  in the story, with no derivation edge.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from retold.types import Verdict

__all__ = [
    "REUSE",
    "Article",
    "Edge",
    "Link",
    "Story",
    "build_stories",
    "cluster",
    "derive",
]

#: Verdicts that mean one article was made from the other.
REUSE: frozenset[str] = frozenset({"duplicate", "near-duplicate", "rewrite"})


@dataclass(frozen=True, slots=True)
class Article:
    """What stories need to know about an article besides its links."""

    id: str
    title: str | None = None
    #: ISO 8601 publication time, when known (compared as strings after
    #: normalisation by the caller: same format, UTC)
    published: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """The pair engine's verdict on two articles (undirected)."""

    a: str
    b: str
    verdict: Verdict
    similarity: float
    #: share of a's body aligned to b, and of b's body aligned to a
    a_in_b: float = 0.0
    b_in_a: float = 0.0


@dataclass(frozen=True, slots=True)
class Edge:
    """A derivation: ``target`` was made from ``source``."""

    source: str
    target: str
    verdict: Verdict
    #: share of the target's body that comes from the source
    coverage: float
    #: how the direction was decided: "published" or "text"
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "verdict": self.verdict,
            "coverage": round(self.coverage, 4),
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class Story:
    """Articles about one event, and the derivation edges between them."""

    id: str
    label: str
    articles: list[str]
    edges: list[Edge] = field(default_factory=list)
    first_published: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "articles": list(self.articles),
            "edges": [e.to_dict() for e in self.edges],
            "first_published": self.first_published,
        }


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        root = x
        while parent != root:
            root = parent
            parent = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller id becomes the root
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def cluster(
    ids: Iterable[str], links: Iterable[Link], min_similarity: float = 0.0
) -> list[list[str]]:
    """Connected components over links that are "same story or closer".

    ``min_similarity`` guards same-story links against chaining two events
    through a generic article; reuse links always join.
    """
    uf = _UnionFind()
    for i in ids:
        uf.find(i)
    for ln in links:
        if ln.verdict in REUSE or (ln.verdict == "same-story" and ln.similarity >= min_similarity):
            uf.union(ln.a, ln.b)
    groups: dict[str, list[str]] = defaultdict(list)
    for x in list(uf.parent):
        groups[uf.find(x)].append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))


def _covered(ln: Link, by: str) -> float:
    """Share of the other article's body that is aligned to article ``by``."""
    return ln.b_in_a if ln.a == by else ln.a_in_b


def _weight(ln: Link, src: str) -> float:
    # how much of the derived article the candidate source accounts for: a
    # source contains what its copies keep, a sibling rewrite contains less
    return _covered(ln, src) + 0.01 * ln.similarity


def derive(
    members: Sequence[str], links: Iterable[Link], articles: Mapping[str, Article]
) -> list[Edge]:
    """Derivation edges inside one story (see the module docstring)."""
    inside = set(members)
    reuse: dict[str, dict[str, Link]] = defaultdict(dict)
    for ln in links:
        if ln.verdict in REUSE and ln.a in inside and ln.b in inside and ln.a != ln.b:
            reuse[ln.a][ln.b] = ln
            reuse[ln.b][ln.a] = ln

    def published(x: str) -> str | None:
        art = articles.get(x)
        return art.published if art else None

    def allowed(src: str, dst: str) -> bool:
        ps, pd = published(src), published(dst)
        return ps is None or pd is None or ps <= pd

    edges: list[Edge] = []
    for comp in cluster(sorted(reuse), [ln for d in reuse.values() for ln in d.values()]):
        # the original: the earliest known publication, else the hub
        dated = [x for x in comp if published(x)]
        if dated:
            root = min(dated, key=lambda x: (published(x) or "", x))
        else:
            # the article that accounts for most of the others
            root = max(comp, key=lambda x: (sum(_weight(ln, x) for ln in reuse[x].values()), x))
        tree = {root}
        left = set(comp) - tree
        while left:
            best: tuple[float, str, str] | None = None
            fallback: tuple[float, str, str] | None = None
            for u in tree:
                for v, ln in reuse[u].items():
                    if v not in left:
                        continue
                    cand = (_weight(ln, u), u, v)
                    if allowed(u, v):
                        if best is None or cand > best:
                            best = cand
                    elif fallback is None or cand > fallback:
                        fallback = cand
            pick = best or fallback
            if pick is None:  # pragma: no cover - comp is connected by construction
                break
            _, u, v = pick
            ln = reuse[u][v]
            covered = _covered(ln, u)
            both_dated = published(u) is not None and published(v) is not None
            edges.append(
                Edge(
                    u,
                    v,
                    ln.verdict,
                    covered,
                    "published" if both_dated and pick is best else "text",
                )
            )
            tree.add(v)
            left.discard(v)
    return sorted(edges, key=lambda e: (e.source, e.target))


def _story_id(members: Sequence[str]) -> str:
    # stable across runs and across the order articles were added in: the
    # story's earliest member by id names it
    return "s-" + hashlib.blake2b(min(members).encode(), digest_size=6).hexdigest()


def build_stories(
    articles: Mapping[str, Article],
    links: Sequence[Link],
    *,
    min_similarity: float = 0.0,
    singletons: bool = False,
) -> list[Story]:
    """Stories of a corpus from its verified links; ``singletons`` keeps
    articles that share a story with nobody."""
    by_member: dict[str, list[Link]] = defaultdict(list)
    for ln in links:
        by_member[ln.a].append(ln)
    stories: list[Story] = []
    for members in cluster(articles, links, min_similarity):
        if len(members) < 2 and not singletons:
            continue
        story_links = [ln for m in members for ln in by_member[m]]
        dated = sorted((articles[m].published or "", m) for m in members if articles[m].published)
        first = dated[0][1] if dated else None
        edges = derive(members, story_links, articles)
        # label: the earliest article's headline, else the original's, else any
        roots = {e.source for e in edges} - {e.target for e in edges}
        labelled = [first] if first else sorted(roots) or list(members)
        titles = [articles[m].title for m in [*labelled, *members]]
        label = next((t for t in titles if t), members[0])
        stories.append(
            Story(
                id=_story_id(members),
                label=label,
                articles=list(members),
                edges=edges,
                first_published=dated[0][0] if dated else None,
            )
        )
    return stories


# --- stories of an index ------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS linked (id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    a TEXT NOT NULL, b TEXT NOT NULL, verdict TEXT NOT NULL, similarity REAL NOT NULL,
    a_in_b REAL NOT NULL, b_in_a REAL NOT NULL, PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS links_b ON links(b);
"""
_STORIES_VERSION = "1"


class StoryBook:
    """The stories of an index, kept beside it in ``stories.sqlite``.

    :meth:`update` searches the index once for each document it has not seen
    (with the document's stored vectors: nothing is encoded again) and records
    the verified links; stories are then rebuilt from the links, which is
    linear in their number. Adding documents to the index and calling
    :meth:`update` again only searches the new ones: a new article finds its
    older relatives, so old articles need no second look.
    """

    def __init__(self, index: Any, *, k: int = 10, min_similarity: float = 0.6) -> None:
        import sqlite3

        from retold.errors import UsageError

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
            row = self.db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if row is None:
                self.db.execute("INSERT INTO meta VALUES ('version', ?)", (_STORIES_VERSION,))
                self.db.commit()
            elif row[0] != _STORIES_VERSION:
                raise UsageError(
                    f"{path} was written by another version of retold; delete it to rebuild"
                )
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
        """Documents of the index not yet searched for relatives."""
        seen = {r[0] for r in self.db.execute("SELECT id FROM linked")}
        return [i for i in self.index.ids() if i not in seen]

    def update(self, progress: Any = None) -> dict[str, int]:
        """Search every pending document and record its links; returns counts."""
        import time

        todo = self.pending()
        n_links = 0
        for n, doc_id in enumerate(todo, 1):
            rows = self._links_for(doc_id)
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?, ?)", rows)
                self.db.execute(
                    "INSERT OR REPLACE INTO linked VALUES (?, ?)", (doc_id, time.time())
                )
            n_links += len(rows)
            if progress is not None:
                progress(n, len(todo))
        return {"searched": len(todo), "links": n_links}

    def _links_for(self, doc_id: str) -> list[tuple[str, str, str, float, float, float]]:
        query = self.index.prepared(doc_id)
        if query is None:  # removed since pending() listed it
            return []
        rows = []
        for hit in self.index.search(query, self.k + 1):
            if hit.id == doc_id or hit.verdict in (None, "unrelated") or hit.coverage is None:
                continue
            # the hit is A (stored), the searched document is B
            a, b = sorted((hit.id, doc_id))
            a_in_b, b_in_a = hit.coverage.a_in_b, hit.coverage.b_in_a
            if a != hit.id:
                a_in_b, b_in_a = b_in_a, a_in_b
            rows.append((a, b, hit.verdict, float(hit.similarity or 0.0), a_in_b, b_in_a))
        return rows

    def links(self) -> list[Link]:
        """Every recorded link, plus the duplicates the index set aside at add time."""
        out = [
            Link(a, b, verdict, sim, ab, ba)
            for a, b, verdict, sim, ab, ba in self.db.execute("SELECT * FROM links")
        ]
        for d in self.index.duplicates():
            verdict = "duplicate" if d["kind"] == "exact" else "near-duplicate"
            out.append(Link(d["of"], d["id"], verdict, 1.0, 1.0, 1.0))  # type: ignore[arg-type]
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


def list_stories(index: Any) -> dict[str, Any]:
    """JSON-ready list of an index's stories (brings the stories up to date first)."""
    with StoryBook(index) as book:
        book.update()
        return {"stories": [s.to_dict() for s in book.stories()]}


def get_story(index: Any, story_id: str) -> dict[str, Any] | None:
    """One story, JSON-ready, or None when there is no story with that id."""
    with StoryBook(index) as book:
        book.update()
        s = book.story(story_id)
        return None if s is None else s.to_dict()
