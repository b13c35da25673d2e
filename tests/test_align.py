"""Alignment: scoring against its oracle, matching invariants, and the AP pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold import _reference, align
from retold.align import AlignParams, align_core, features, in_order, label, pair_scores
from retold.comparison import prepare
from retold.embed import HashingEncoder
from retold.types import Document

WORDS = [
    "river",
    "flood",
    "town",
    "mayor",
    "power",
    "storm",
    "rescue",
    "water",
    "bridge",
    "school",
    "rain",
    "snow",
]


@given(
    st.lists(st.lists(st.sampled_from(WORDS), max_size=8), max_size=6),
    st.lists(st.lists(st.sampled_from(WORDS), max_size=8), max_size=6),
)
@settings(max_examples=60, deadline=None)
def test_pair_scores_match_the_reference(a: list[list[str]], b: list[list[str]]) -> None:
    enc = HashingEncoder(64)
    ta, tb = [" ".join(x) for x in a], [" ".join(x) for x in b]
    fa, fb = [features(t) for t in ta], [features(t) for t in tb]
    ea, eb = enc.encode(ta), enc.encode(tb)
    fast = pair_scores(fa, fb, ea, eb)
    slow = _reference.pair_scores(fa, fb, ea, eb)
    for x, y in zip(fast, slow, strict=True):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, atol=1e-5)


def test_pair_scores_in_stem_blocks_match_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long texts count shared stems a block of stems at a time; the blocks
    must add up to the one-block answer."""
    rng = np.random.default_rng(7)
    ta = [" ".join(rng.choice(WORDS, 6)) for _ in range(30)]
    tb = [" ".join(rng.choice(WORDS, 5)) for _ in range(20)]
    enc = HashingEncoder(64)
    fa, fb = [features(t) for t in ta], [features(t) for t in tb]
    ea, eb = enc.encode(ta), enc.encode(tb)
    monkeypatch.setattr(align, "_BLOCK_CELLS", 64)  # 2 stems a block against 30 sentences
    for x, y in zip(
        pair_scores(fa, fb, ea, eb), _reference.pair_scores(fa, fb, ea, eb), strict=True
    ):
        np.testing.assert_allclose(x, y, atol=1e-5)


@given(st.integers(0, 9), st.integers(0, 9), st.integers(0, 2**32 - 1))
@settings(max_examples=80, deadline=None)
def test_groups_are_disjoint_contiguous_and_above_threshold(n: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    score = rng.random((n, m)).astype(np.float32)
    cont = rng.random((n, m)).astype(np.float32)
    p = AlignParams()
    groups = align_core(score, cont, p)
    seen_a: set[int] = set()
    seen_b: set[int] = set()
    for ga, gb, s in groups:
        assert not seen_a & set(ga) and not seen_b & set(gb)
        seen_a |= set(ga)
        seen_b |= set(gb)
        assert ga == list(range(ga[0], ga[-1] + 1))
        assert gb == list(range(gb[0], gb[-1] + 1))
        assert s >= min(p.extend, p.relaxed_seed)


@given(
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(1, 12),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=150, deadline=None)
def test_alignment_matches_the_reference(
    n: int, m: int, levels: int, diagonal: bool, seed: int
) -> None:
    """The lazy seeding and frontier growth pick exactly the groups a full sort
    and full rescans pick, ties included (few score levels make many ties)."""
    rng = np.random.default_rng(seed)
    score = (rng.integers(0, levels + 1, (n, m)) / levels).astype(np.float32)
    if diagonal:  # long runs for growth to follow from a few seeds, as in a light rewrite
        score *= 0.5
        k = min(n, m)
        score[np.arange(k), np.arange(k)] = rng.uniform(0.45, 0.7, k).astype(np.float32)
    cont = rng.random((n, m)).astype(np.float32)
    wa, wb = rng.random(n) + 0.1, rng.random(m) + 0.1
    p = AlignParams()
    assert align_core(score, cont, p, wa, wb) == _reference.align_core(score, cont, p, wa, wb)


def test_identical_long_texts_pair_each_sentence_with_itself() -> None:
    score = np.ones((600, 600), dtype=np.float32)
    groups = align_core(score, np.ones_like(score))
    assert [(g[0], g[1]) for g in groups] == [([i], [i]) for i in range(600)]


def test_reordered_sentences_are_found() -> None:
    score = np.full((3, 3), 0.1, dtype=np.float32)
    score[0, 2] = score[1, 0] = score[2, 1] = 0.9
    groups = align_core(score, np.zeros_like(score))
    assert {(g[0][0], g[1][0]) for g in groups} == {(0, 2), (1, 0), (2, 1)}


@given(st.permutations(list(range(9))), st.lists(st.integers(1, 5), min_size=9, max_size=9))
@settings(max_examples=200, deadline=None)
def test_in_order_keeps_the_heaviest_common_order(b_keys: list[int], weights: list[int]) -> None:
    import itertools

    kept = in_order(b_keys, [float(w) for w in weights])
    chosen = [b for b, k in zip(b_keys, kept, strict=True) if k]
    assert chosen == sorted(chosen)
    # no subsequence in B's order outweighs it (all 2**9 subsets, by brute force)
    best = max(
        sum(weights[i] for i in sub)
        for r in range(len(b_keys) + 1)
        for sub in itertools.combinations(range(len(b_keys)), r)
        if [b_keys[i] for i in sub] == sorted(b_keys[i] for i in sub)
    )
    assert sum(w for w, k in zip(weights, kept, strict=True) if k) == best


def test_in_order_edge_cases() -> None:
    assert in_order([], []) == []
    assert in_order([7], [1.0]) == [True]
    assert in_order([0, 1, 2], [1.0, 1.0, 1.0]) == [True, True, True]
    # one long passage moved to the front: it, not the two short ones, stays
    assert in_order([2, 0, 1], [10.0, 1.0, 1.0]) == [True, False, False]


def test_a_paragraph_moved_to_the_end_is_marked_moved() -> None:
    from retold.align import align

    paragraphs = [
        "The river rose two meters overnight in the town of Ashford.",
        "Mayor Lena Brooks ordered the bridge closed at dawn.",
        "Rescue crews moved forty families from the school by boat.",
        "Forecasters expect more rain on Friday and snow by Sunday.",
        "The power company said 3,000 homes were still without electricity.",
    ]
    a_text = "\n\n".join(paragraphs)
    b_text = "\n\n".join([*paragraphs[:1], *paragraphs[2:], paragraphs[1]])
    enc = HashingEncoder()
    pa, pb = prepare(Document(a_text), enc), prepare(Document(b_text), enc)
    als = align(pa.body, pb.body, pa.vectors, pb.vectors, AlignParams(), pa.features, pb.features)
    assert len(als) == 5
    moved = [a_text[al.a[0] : al.a[1]] for al in als if al.moved]
    assert moved == [paragraphs[1]]


def test_nothing_is_forced_into_a_pair() -> None:
    score = np.full((4, 5), 0.3, dtype=np.float32)
    assert align_core(score, np.zeros_like(score)) == []


def test_labels() -> None:
    p = AlignParams()
    a = ["the", "mayor", "said", "the", "river", "rose", "two", "meters", "on", "friday"]
    assert label(a, a, p) == "verbatim"
    assert label(a, [*a[:-1], "thursday"], p) == "near-verbatim"
    assert (
        label(a, ["officials", "reported", "a", "two", "meter", "rise", "of", "the", "river"], p)
        == "paraphrase"
    )


@pytest.mark.slow
def test_ap_pair_alignment(ap_pair: tuple[str, str]) -> None:
    """Every shared passage aligned; none of the rewrite's new material."""
    pa, pb = prepare(Document(ap_pair[0])), prepare(Document(ap_pair[1]))
    from retold.align import align

    als = align(pa.body, pb.body, pa.vectors, pb.vectors, AlignParams(), pa.features, pb.features)
    text_b = pb.doc.text
    aligned_b = " ".join(text_b[al.b[0] : al.b[1]] for al in als)
    for new in (
        "Fox News",
        "Pilieri",
        "Márquez",
        "Machado",
        "stolen years",
        "Washington next week",
    ):
        assert new not in aligned_b, new
    aligned_a = {i for al in als for i in al.a_sentences}
    assert len(aligned_a) >= 0.9 * len(pa.body)
    kinds = {al.kind for al in als}
    assert kinds == {"paraphrase", "near-verbatim"}
    # a sentence split in two by the rewrite is one alignment
    assert any(len(al.b_sentences) == 2 for al in als)
