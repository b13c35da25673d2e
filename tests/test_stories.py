"""Stories core: clustering and derivation direction on hand-made links."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.stories import (
    Article,
    Link,
    _arborescence,
    build_stories,
    cluster,
    derive,
    direction_evidence,
    traits,
)


def link(
    a: str, b: str, verdict: str = "rewrite", sim: float = 0.8, ab: float = 0.8, ba: float = 0.8
) -> Link:
    return Link(a, b, verdict, sim, ab, ba)  # type: ignore[arg-type]


def test_cluster_joins_reuse_and_same_story_but_not_unrelated() -> None:
    links = [
        link("a", "b"),
        link("b", "c", "same-story", 0.92),
        link("c", "d", "unrelated", 0.1),
        link("e", "f", "duplicate"),
    ]
    assert cluster("abcdef", links) == [["a", "b", "c"], ["e", "f"], ["d"]]
    assert cluster("abcdef", links, min_similarity=0.95) == [["a", "b"], ["e", "f"], ["c"], ["d"]]
    # similarity is a calibrated P(same story): a merely likely link does not
    # chain two stories together
    maybe = [link("a", "b"), link("b", "c", "same-story", 0.7)]
    assert cluster("abc", maybe) == [["a", "b"], ["c"]]


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


def test_feed_dates_are_read_as_times_not_as_strings() -> None:
    """RSS writes RFC 2822 ("Thu, 08 Jan 2026 ..."): compared as strings the
    weekday decides (Friday's "Fri" sorts before Thursday's "Thu")."""
    arts = {
        "wire": Article("wire", "Storm floods town", "Thu, 08 Jan 2026 09:00:00 GMT"),
        "copy": Article("copy", None, "Fri, 09 Jan 2026 07:30:00 +0000"),
    }
    links = [link("copy", "wire", "near-duplicate", ab=0.95, ba=0.95)]
    edges = derive(list(arts), links, arts)
    assert [(e.source, e.target, e.evidence) for e in edges] == [("wire", "copy", "published")]
    story = build_stories(arts, links)[0]
    assert story.first_published == "Thu, 08 Jan 2026 09:00:00 GMT"
    assert story.label == "Storm floods town"


def test_a_dated_copy_is_not_made_the_original_of_its_undated_source() -> None:
    # c is a copy of s that lost a sentence; only c carries a time
    arts = {"s": Article("s"), "c": Article("c", published="2026-03-14T09:00:00Z")}
    links = [Link("c", "s", "near-duplicate", 0.95, 1.0, 0.93, 0.0, 1.0, 0.99, 0.96)]
    edges = [(e.source, e.target, e.evidence) for e in derive(list(arts), links, arts)]
    assert edges == [("s", "c", "text")]


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
        link("ap", "reuters", "same-story", 0.95, 0.1, 0.1),
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


def test_stories_command_end_to_end(tmp_path: Path, example_pair: tuple[str, str]) -> None:
    """A real index: the wire story, its rewrite, a later copy of the rewrite,
    and an unrelated article; then `retold stories` in every output format."""
    from retold.index import Index
    from retold.types import Document

    wire, rewrite = example_pair
    copy = rewrite.replace("Share this article", "").replace("Leave a Comment", "Comments (3)")
    other = (
        "The city council approved a new budget for public libraries on Tuesday. Librarians said "
        "the money would extend opening hours and buy new books for children. The budget passed "
        "by nine votes to four after a long debate about parking fees in the centre."
    )
    with Index(tmp_path / "ix") as ix:
        ix.add(
            [
                Document(
                    wire, id="wire", title="Storm floods Halverstad", date="2026-03-14T08:00:00Z"
                ),
                Document(rewrite, id="spin", date="2026-03-14T11:00:00Z"),
                Document(
                    copy + "\nMore on this story soon.", id="copy", date="2026-03-15T09:00:00Z"
                ),
                Document(other, id="library"),
            ]
        )
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    run = [
        str(Path(sys.executable).with_name("retold")),
        "stories",
        "--index",
        str(tmp_path / "ix"),
    ]
    res = subprocess.run([*run, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    (story,) = json.loads(res.stdout)["stories"]
    assert sorted(story["articles"]) == ["copy", "spin", "wire"]
    assert story["label"] == "Storm floods Halverstad"
    assert {(e["from"], e["to"]) for e in story["edges"]} == {("wire", "spin"), ("spin", "copy")}
    # what each copy did to its source's credits: the rewrite dropped the
    # wire's byline, the copy of the rewrite kept what the rewrite had
    credits = {(e["from"], e["to"]): e["credits"] for e in story["edges"]}
    assert credits == {
        ("wire", "spin"): ["byline dropped: spin never names ELENA MARSH"],
        ("spin", "copy"): [],
    }
    out = tmp_path / "html"
    res = subprocess.run(
        [
            *run,
            "--graphml",
            str(tmp_path / "g.graphml"),
            "--gexf",
            str(tmp_path / "g.gexf"),
            "--html",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "Storm floods Halverstad" in res.stdout
    assert "credit spin ← wire: byline dropped: spin never names ELENA MARSH" in res.stdout
    import xml.etree.ElementTree as ET

    g = ET.parse(tmp_path / "g.graphml").getroot()
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(g.findall(f".//{ns}edge")) == 2 and len(g.findall(f".//{ns}node")) == 3
    said = [d.text for d in g.iter(f"{ns}data") if d.get("key") == "credits"]
    assert said == ["byline dropped: spin never names ELENA MARSH"]
    ET.parse(tmp_path / "g.gexf")
    pages = sorted(p.name for p in out.glob("*.html"))
    assert "index.html" in pages and any(p.startswith("story-") for p in pages)
    pairs = sorted(p.name for p in (out / "pairs").glob("*.html"))
    assert pairs == ["spin--copy.html", "wire--spin.html"]
    story_page = next(out.glob("story-*.html")).read_text(encoding="utf-8")
    assert "<svg" in story_page and "pairs/wire--spin.html" in story_page
    assert "credit: byline dropped: spin never names ELENA MARSH" in story_page


def test_stories_are_incremental(tmp_path: Path, example_pair: tuple[str, str]) -> None:
    from retold.index import Index
    from retold.stories import StoryBook
    from retold.types import Document

    wire, rewrite = example_pair
    with Index(tmp_path / "ix") as ix:
        ix.add([Document(wire, id="wire")])
        with StoryBook(ix) as book:
            assert book.update()["searched"] == 1
            assert book.stories() == []
        ix.add([Document(rewrite, id="spin")])
        with StoryBook(ix) as book:
            assert book.pending() == ["spin"]
            assert book.update()["searched"] == 1  # the old article is not searched again
            (story,) = book.stories()
            assert sorted(story.articles) == ["spin", "wire"]


def test_links_another_decision_model_judged_are_relinked(
    tmp_path: Path, example_pair: tuple[str, str]
) -> None:
    from retold.decision import fingerprint
    from retold.index import Index
    from retold.stories import StoryBook
    from retold.types import Document

    wire, rewrite = example_pair
    with Index(tmp_path / "ix") as ix:
        ix.add([Document(wire, id="wire"), Document(rewrite, id="spin")])
        with StoryBook(ix) as book:
            book.update()
            (link,) = book.links()
            # as if an earlier model had judged it
            book.db.execute("UPDATE links SET similarity = 0.0, verdict = 'unrelated'")
            book.db.execute("UPDATE meta SET value = 'older' WHERE key = 'decision'")
            book.db.commit()
        with StoryBook(ix) as book:
            assert sorted(book.pending()) == ["spin", "wire"] and book.links() == []
            book.update()
            assert book.links() == [link]
            (stored,) = book.db.execute("SELECT value FROM meta WHERE key = 'decision'").fetchone()
            assert stored == fingerprint()
        with StoryBook(ix) as book:  # the same model: links kept
            assert book.pending() == [] and book.links() == [link]


def test_parallel_linking_finds_the_same_links(
    tmp_path: Path, example_pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from conftest import EXAMPLES
    from retold.index import Index
    from retold.index import book as stories_module
    from retold.stories import StoryBook
    from retold.types import Document

    wire, rewrite = example_pair
    es = (EXAMPLES / "rewrite-es.txt").read_text(encoding="utf-8")
    other = " ".join(WIRE[:1]) + " The council will meet again on Friday to review the damage."
    monkeypatch.setattr(
        stories_module, "_COMMIT_EVERY", 2
    )  # several chunks from a handful of articles
    with Index(tmp_path / "a") as ix:
        ix.add([Document(t, id=i) for i, t in (("wire", wire), ("spin", rewrite), ("es", es))])
        ix.add([Document(other, id="other"), Document(wire + "\n\nRead more.", id="copy")])
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    got = []
    for name, jobs in (("a", 1), ("b", 2)):
        with Index(tmp_path / name, create=False) as ix, StoryBook(ix) as book:
            seen: list[int] = []

            def note(n: int, total: int, seen: list[int] = seen) -> None:
                seen.append(n)

            out = book.update(progress=note, jobs=jobs)
            assert out["searched"] == 5 and seen[-1] == 5
            # each pair once, though both ends may verify it in different workers
            (recorded,) = book.db.execute("SELECT count(*) FROM links").fetchone()
            assert out["links"] == recorded > 0
            got.append(sorted(book.links(), key=lambda ln: (ln.a, ln.b)))
            assert book.pending() == []
    assert got[0] == got[1]
    assert {(ln.a, ln.b) for ln in got[0]} >= {("spin", "wire"), ("es", "wire"), ("copy", "wire")}


# --- text evidence of direction and the derivation tree -------------------------

WIRE = [
    "Floods hit Halverstad on Tuesday after 120 millimetres of rain fell overnight.",
    "Mayor Ingrid Solberg said 45 families had left their homes.",
    'She told reporters: "We have never seen the river this high in forty years."',
]
REWRITE = [
    "Heavy rain caused flooding in a northern town this week.",
    "Dozens of families had to leave their homes, the mayor said.",
]


def test_traits_collect_numbers_names_and_quotes() -> None:
    t = traits(WIRE, " ".join(WIRE))
    assert {"#120", "#45", "Nhalverstad", "Ningrid", "Nsolberg"} <= t.specifics
    assert "Qwe have never seen the river this high in forty years." not in t.specifics
    assert any(s.startswith("Qwe have never seen") for s in t.specifics)
    assert "Nfloods" not in t.specifics  # a capital at a sentence start is no name
    assert not t.credits
    copy = traits(REWRITE, "This article originally appeared in the Halverstad Post.")
    assert copy.credits


def test_traits_read_a_chinese_quote_character_by_character() -> None:
    # written without spaces, the quote would be one "word", too few to count
    t = traits(["他说“我们不会放弃这个计划，也不会离开这座城市”，然后离开了。"])
    (quote,) = (s for s in t.specifics if s.startswith("Q"))
    assert quote.split()[:4] == ["Q我", "们", "不", "会"]
    assert "#2026" in traits(["会议于2026年举行。"]).specifics


def test_direction_evidence_points_from_the_version_with_more_specifics() -> None:
    wire, rewrite = traits(WIRE, ""), traits(REWRITE, "")
    # the rewrite is mostly aligned to the wire, the wire only partly to it
    forward = direction_evidence(wire, rewrite, a_in_b=0.5, b_in_a=0.9)
    assert forward > 0.3
    assert direction_evidence(rewrite, wire, a_in_b=0.9, b_in_a=0.5) == -forward
    same = traits(WIRE, "")
    assert direction_evidence(same, same, 0.8, 0.8) == 0.0
    # a credit line: the crediting article is the copy
    credited = traits(WIRE, "First published in the Halverstad Post.")
    assert direction_evidence(same, credited, 0.9, 0.9) == 1.0


def test_text_evidence_orients_an_untimed_pair() -> None:
    arts = {x: Article(x) for x in ("x", "y")}
    # y came first by the text (a_first < 0): the edge goes y -> x
    links = [Link("x", "y", "rewrite", 0.8, 0.8, 0.8, -0.6, 0.1)]
    (edge,) = derive(list(arts), links, arts)
    assert (edge.source, edge.target, edge.evidence) == ("y", "x", "text")
    flipped = [Link("x", "y", "rewrite", 0.8, 0.8, 0.8, 0.6, 0.1)]
    assert [(e.source, e.target) for e in derive(list(arts), flipped, arts)] == [("x", "y")]


def test_copy_of_a_rewrite_hangs_under_the_rewrite_not_the_source() -> None:
    # the copy c2 of rewrite r is as fully covered by the source s as by r (a
    # paraphrase aligns everywhere) but only r shares its wording verbatim
    arts = {
        "s": Article("s", published="2026-03-01T06:00:00Z"),
        "r": Article("r"),
        "c2": Article("c2", published="2026-03-01T15:00:00Z"),
    }
    links = [
        Link("r", "s", "rewrite", 0.9, 0.95, 0.9, -0.4, 0.05),
        Link("c2", "s", "rewrite", 0.9, 1.0, 0.9, -0.4, 0.05),
        Link("c2", "r", "near-duplicate", 0.95, 1.0, 0.9, -0.1, 0.95),
    ]
    edges = {(e.source, e.target) for e in derive(list(arts), links, arts)}
    assert edges == {("s", "r"), ("r", "c2")}


def test_an_edge_carries_what_its_target_did_to_its_sources_credits() -> None:
    # the link's a is the copy here: the edge from s reads the link's b side
    arts = {"s": Article("s", published="2026-03-01"), "c": Article("c", published="2026-03-02")}
    said = ("byline dropped: B never names ANN ODE", "agency credit added: A never names AFP")
    ln = Link("c", "s", "rewrite", 0.9, 0.9, 0.8, 0.0, 0.1, None, None, (), said)
    (edge,) = derive(["c", "s"], [ln], arts)
    assert (edge.source, edge.target) == ("s", "c")
    assert edge.credits == (
        "byline dropped: c never names ANN ODE",
        "agency credit added: s never names AFP",
    )
    assert edge.to_dict()["credits"] == list(edge.credits)
    # not read (a link recorded before credits were): None, not "all kept"
    (edge,) = derive(["c", "s"], [dataclasses.replace(ln, b_credits=None)], arts)
    assert edge.credits is None and edge.to_dict()["credits"] is None


def test_a_measured_link_outweighs_the_index_placeholder_in_either_order() -> None:
    # the copy c dropped a sentence of s (all of c is in s, not all of s in c)
    # and the rewrite r was made from s; the index also set c aside as a
    # near-copy of s, a placeholder that says "equal both ways"
    arts = {x: Article(x) for x in ("s", "c", "r")}
    measured = Link("c", "s", "near-duplicate", 0.95, 1.0, 0.9, 0.0, 1.0)
    placeholder = Link("s", "c", "near-duplicate", 1.0, 1.0, 1.0, 0.0, 1.0, measured=False)
    others = [
        Link("r", "s", "rewrite", 0.95, 0.8, 0.6, -0.8, 0.0),
        Link("r", "c", "rewrite", 0.95, 0.81, 0.55, -0.8, 0.0),
    ]
    for links in ([placeholder, measured, *others], [*others, measured, placeholder]):
        edges = {(e.source, e.target) for e in derive(list(arts), links, arts)}
        assert edges == {("s", "c"), ("s", "r")}
    # alone, the placeholder still makes an edge (a tie: either way) and joins the story
    (edge,) = derive(["s", "c"], [placeholder], arts)
    assert {edge.source, edge.target} == {"s", "c"}
    assert cluster("sc", [placeholder]) == [["c", "s"]]


def test_siblings_hang_under_their_source_when_no_intermediate_is_clearly_closer() -> None:
    # k2 is about as close to k1 as to the source: both were made from s
    arts = {"s": Article("s", published="2026-03-01T05:00:00Z")} | {
        x: Article(x, published=f"2026-03-01T0{i}:00:00Z") for i, x in ((8, "k1"), (9, "k2"))
    }
    links = [
        Link("k1", "s", "rewrite", 0.8, 1.0, 0.95, 0.0, 0.0),
        Link("k2", "s", "rewrite", 0.8, 0.97, 0.95, 0.0, 0.0),
        Link("k1", "k2", "rewrite", 0.85, 1.0, 1.0, 0.0, 0.0),
    ]
    edges = {(e.source, e.target) for e in derive(list(arts), links, arts)}
    assert edges == {("s", "k1"), ("s", "k2")}


def test_a_parent_is_chosen_by_how_closely_it_matches_not_by_the_aligned_share() -> None:
    # two LLM rewrites k1, k2 of s phrase alike: k1 covers all of k2 at the
    # aligner's bar, s (paraphrased further) half of it, yet s matches k2
    # about as closely as k1 does: both were made from s
    arts = {x: Article(x) for x in ("s", "k1", "k2")}
    links = [
        Link("k1", "s", "rewrite", 0.9, 1.0, 0.9, -0.8, 0.0, 0.85, 0.8),
        Link("k2", "s", "rewrite", 0.9, 0.5, 0.9, -0.8, 0.0, 0.8, 0.8),
        Link("k1", "k2", "rewrite", 0.9, 0.9, 1.0, 0.0, 0.0, 0.82, 0.85),
    ]
    edges = {(e.source, e.target): e for e in derive(list(arts), links, arts)}
    assert set(edges) == {("s", "k1"), ("s", "k2")}
    # the edge still reports the aligned share
    assert edges[("s", "k2")].coverage == 0.5
    # without the match (links of an older run) the share decides
    unmatched = [dataclasses.replace(ln, a_match=None, b_match=None) for ln in links]
    edges_cov = {(e.source, e.target) for e in derive(list(arts), unmatched, arts)}
    assert edges_cov == {("s", "k1"), ("k1", "k2")}


def test_arborescence_resolves_cycles() -> None:
    # 1 and 2 prefer each other (a cycle); the root edge into 1 is cheaper to keep
    arcs = [(0, 1, -10.0), (0, 2, -12.0), (1, 2, 5.0), (2, 1, 6.0), (2, 3, 1.0), (1, 3, 2.0)]
    picked = _arborescence(4, arcs)
    assert {v: arcs[i][0] for v, i in picked.items()} == {1: 0, 2: 1, 3: 1}


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 5), st.floats(-2.0, 2.0)),
        min_size=1,
        max_size=20,
    )
)
@settings(max_examples=80, deadline=None)
def test_arborescence_is_the_best_tree(raw: list[tuple[int, int, float]]) -> None:
    arcs = [(0, v, -100.0) for v in range(1, 6)] + [(u, v, w) for u, v, w in raw if u != v]
    picked = _arborescence(6, arcs)
    parent = {v: arcs[i][0] for v, i in picked.items()}
    assert sorted(parent) == [1, 2, 3, 4, 5]
    for v in parent:  # a tree: every node reaches the root
        seen = set()
        while v:
            assert v not in seen
            seen.add(v)
            v = parent[v]
    best = max(
        sum(max(w for u, x, w in arcs if u == p and x == v) for v, p in enumerate(ps, 1))
        for ps in itertools.product(range(6), repeat=5)
        if all((p, v) in {(u, x) for u, x, _ in arcs} for v, p in enumerate(ps, 1))
        and _is_tree(dict(enumerate(ps, 1)))
    )
    assert sum(arcs[i][2] for i in picked.values()) >= best - 1e-9


def _is_tree(parent: dict[int, int]) -> bool:
    for v in parent:
        seen = set()
        while v:
            if v in seen:
                return False
            seen.add(v)
            v = parent[v]
    return True


@pytest.mark.parametrize("version", ["1", "4"])
def test_old_stories_files_are_relinked(
    tmp_path: Path, example_pair: tuple[str, str], version: str
) -> None:
    import sqlite3

    from retold.index import Index
    from retold.stories import StoryBook
    from retold.types import Document

    wire, rewrite = example_pair
    with Index(tmp_path / "ix") as ix:
        ix.add([Document(wire, id="wire"), Document(rewrite, id="spin")])
        db = sqlite3.connect(tmp_path / "ix" / "stories.sqlite")
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            f"INSERT INTO meta VALUES ('version', '{version}');"
            "CREATE TABLE linked (id TEXT PRIMARY KEY, at REAL NOT NULL);"
            "INSERT INTO linked VALUES ('wire', 0), ('spin', 0);"
            "CREATE TABLE links (a TEXT NOT NULL, b TEXT NOT NULL, verdict TEXT NOT NULL,"
            " similarity REAL NOT NULL, a_in_b REAL NOT NULL, b_in_a REAL NOT NULL,"
            " PRIMARY KEY (a, b));"
        )
        db.close()
        with StoryBook(ix) as book:
            assert sorted(book.pending()) == ["spin", "wire"]
            book.update()
            (link,) = book.links()
            assert link.verdict == "rewrite" and link.a_first != 0.0
            assert link.a_credits is not None and link.b_credits is not None
            (story,) = book.stories()
            assert len(story.edges) == 1
