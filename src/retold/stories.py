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


def _weight(ln: Link) -> float:
    # how much the two share: coverage both ways, tie-broken by similarity
    return ln.a_in_b + ln.b_in_a + 0.01 * ln.similarity


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
            root = max(comp, key=lambda x: (sum(_weight(ln) for ln in reuse[x].values()), x))
        tree = {root}
        left = set(comp) - tree
        while left:
            best: tuple[float, str, str] | None = None
            fallback: tuple[float, str, str] | None = None
            for u in tree:
                for v, ln in reuse[u].items():
                    if v not in left:
                        continue
                    cand = (_weight(ln), u, v)
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
            covered = ln.b_in_a if ln.b == v else ln.a_in_b
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
