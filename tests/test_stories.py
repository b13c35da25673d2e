"""Stories core: clustering and derivation direction on hand-made links."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from retold.stories import Article, Link, build_stories, cluster, derive


def link(
    a: str, b: str, verdict: str = "rewrite", sim: float = 0.8, ab: float = 0.8, ba: float = 0.8
) -> Link:
    return Link(a, b, verdict, sim, ab, ba)  # type: ignore[arg-type]


def test_cluster_joins_reuse_and_same_story_but_not_unrelated() -> None:
    links = [
        link("a", "b"),
        link("b", "c", "same-story", 0.7),
        link("c", "d", "unrelated", 0.1),
        link("e", "f", "duplicate"),
    ]
    assert cluster("abcdef", links) == [["a", "b", "c"], ["e", "f"], ["d"]]
    assert cluster("abcdef", links, min_similarity=0.75) == [["a", "b"], ["e", "f"], ["c"], ["d"]]


def test_direction_from_publication_times() -> None:
    arts = {
        "wire": Article("wire", "Storm floods town", "2026-03-14T08:00:00Z"),
        "copy": Article("copy", None, "2026-03-14T09:00:00Z"),
        "spin": Article("spin", None, "2026-03-14T12:00:00Z"),
    }
    links = [
        link("copy", "wire", "near-duplicate", ab=0.95, ba=0.95),
        link("spin", "wire", ab=0.7, ba=0.8),
        link("spin", "copy", ab=0.6, ba=0.6),
    ]
    edges = derive(list(arts), links, arts)
    assert {(e.source, e.target) for e in edges} == {("wire", "copy"), ("wire", "spin")}
    assert all(e.evidence == "published" for e in edges)


def test_rewrite_of_a_rewrite_hangs_under_its_parent_without_times() -> None:
    # the source was rewritten three times (a hub); r2 was made from r1
    arts = {x: Article(x) for x in ("src", "r1", "r2", "r3", "r4")}
    links = [
        link("src", "r1", ab=0.8, ba=0.8),
        link("src", "r3", ab=0.75, ba=0.8),
        link("src", "r4", ab=0.7, ba=0.7),
        link("src", "r2", ab=0.5, ba=0.55),
        link("r1", "r2", ab=0.9, ba=0.9),
        link("r1", "r3", ab=0.4, ba=0.45),
        link("r3", "r4", ab=0.4, ba=0.4),
    ]
    edges = {(e.source, e.target) for e in derive(list(arts), links, arts)}
    assert edges == {("src", "r1"), ("r1", "r2"), ("src", "r3"), ("src", "r4")}


def test_independent_reports_share_a_story_without_edges() -> None:
    arts = {
        "ap": Article("ap", "Quake hits coast", "2026-01-01T00:00:00Z"),
        "reuters": Article("reuters", "Strong quake strikes", "2026-01-01T00:10:00Z"),
        "blog": Article("blog", None, "2026-01-01T05:00:00Z"),
    }
    links = [
        link("ap", "reuters", "same-story", 0.7, 0.1, 0.1),
        link("ap", "blog", "rewrite", 0.8, 0.7, 0.9),
    ]
    (story,) = build_stories(arts, links)
    assert sorted(story.articles) == ["ap", "blog", "reuters"]
    assert [(e.source, e.target) for e in story.edges] == [("ap", "blog")]
    assert story.label == "Quake hits coast"
    d = story.to_dict()
    assert d["edges"][0]["from"] == "ap" and d["edges"][0]["to"] == "blog"


def test_story_ids_do_not_depend_on_order() -> None:
    arts = {x: Article(x) for x in "abc"}
    links = [link("a", "b"), link("b", "c")]
    one = build_stories(arts, links)
    two = build_stories(dict(reversed(list(arts.items()))), list(reversed(links)))
    assert [s.id for s in one] == [s.id for s in two]


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.floats(0.1, 1.0)), max_size=20))
@settings(max_examples=60, deadline=None)
def test_derivation_is_a_forest_respecting_time(raw: list[tuple[int, int, float]]) -> None:
    ids = [f"n{i}" for i in range(8)]
    arts = {x: Article(x, published=f"2026-01-0{1 + i % 3}") for i, x in enumerate(ids)}
    links = [link(ids[a], ids[b], ab=w, ba=w) for a, b, w in raw if a != b]
    for members in cluster(ids, links):
        edges = derive(members, links, arts)
        targets = [e.target for e in edges]
        assert len(targets) == len(set(targets))  # at most one parent each
        for e in edges:
            if e.evidence == "published":
                assert arts[e.source].published <= arts[e.target].published  # type: ignore[operator]
        # no cycles: following parents always ends
        parent = {e.target: e.source for e in edges}
        for x in members:
            seen = set()
            while x in parent:
                assert x not in seen
                seen.add(x)
                x = parent[x]


def test_cluster_is_linear_enough() -> None:
    ids = [str(i) for i in range(20000)]
    links = [link(a, b) for a, b in itertools.pairwise(ids)]
    assert len(cluster(ids, links)[0]) == 20000
