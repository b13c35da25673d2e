"""Loose pairs: rewrite sentences and the source sentences they were made from, for changes only.

The aligner leaves unaligned a rewrite sentence that folds two source
sentences into one in other words (its best cosine with any one of them is
often under 0.6), and an aligned sentence may take a name or a figure from
a source sentence other than the one it is aligned with; no change there
would be looked for. :func:`loose_pairs` pairs each such B sentence with the
A sentence, or two adjacent ones, it shares the most rare anchors with
(numbers, names, rare words, weighted by rarity), when it shares enough of
them at a cosine not far off, or one of them at a high cosine; up to
:data:`MAX_SOURCES` of them, each on the anchors the ones before left
unexplained. :func:`retold.changes.find_changes` reads only two-sided
changes from these pairs. Verdict and alignments never see them.

:func:`retold.comparison.compare_prepared` asks for them only when B is a copy
or rewrite of A: between two reports of one story no sentence was made from
another, and such pairs invented changes (40 on 120 SemEval pairs). Across
languages the anchors are mostly figures and names (a translation's edited
figures found 0.714 -> 0.730 in benchmarks/bench_changes_languages.py, no
more flags).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from retold.changes._tokens import _stem
from retold.evidence import _weight
from retold.text import STOP_WORDS, fold
from retold.types import Alignment, Sentence, Span

__all__ = ["loose_pairs"]

_WORD = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+")
#: a word at least this heavy (6 - Zipf: "Maduro", "ceasefire"; any number of
#: three digits or more) is an anchor
MIN_ANCHOR = 2.0
#: the weight of a name's word, however common ("Prison Service", "Gary"),
#: and of a number under 100 ("2", "10" turn up anywhere)
NAME_WEIGHT = 2.5
SMALL_NUMBER = 2.0
#: a pair on anchors: this many shared, this much weight shared, this share of
#: the B sentence's anchor weight, at this cosine
MIN_SHARED = 2
MIN_SCORE = 5.0
MIN_SHARE = 0.2
MIN_COSINE = 0.3
#: ... or one shared anchor at this cosine
SOLO_COSINE = 0.5
#: sources a B sentence may be paired with
MAX_SOURCES = 3

# Measured on benchmarks/bench_changes.py (2026-12-07), rewrite edits found:
# name 0.661 -> 0.787, number 0.925 -> 0.952, date 0.900 -> 0.970; on the 200
# clean rewrites 6 more flags (quotes reworded or unquoted), all real by eye.


def _anchors(text: str, lang: str) -> dict[str, float]:
    """The sentence's anchors, by stem (numbers as written), with their weights."""
    out: dict[str, float] = {}
    for m in _WORD.finditer(text):
        key, weight, as_name = _word(m.group(), lang)
        if as_name > weight and not _opens(text, m.start()):
            weight = as_name
        if weight >= MIN_ANCHOR and weight > out.get(key, 0.0):
            out[key] = weight
    return out


@lru_cache(maxsize=1 << 16)
def _word(word: str, lang: str) -> tuple[str, float, float]:
    """A word's key, its weight, and its weight where its capital marks a name."""
    w = fold(word)
    if w[0].isdigit():
        return w, SMALL_NUMBER if len(w) < 3 else _weight(w, lang), 0.0
    weight = _weight(w, lang)
    named = NAME_WEIGHT if word[0].isupper() and w not in STOP_WORDS else 0.0
    return _stem(w), weight, named


def _opens(text: str, at: int) -> bool:
    """The word at ``at`` opens a sentence or a quote, where a capital says nothing."""
    before = text[max(0, at - 8) : at].rstrip()
    return not before or before[-1] in ".!?:;\"“‘'([-–—"


def _unit(v: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.asarray(v / np.where(n > 0, n, 1.0), dtype=np.float32)


def loose_pairs(
    body_a: Sequence[Sentence],
    body_b: Sequence[Sentence],
    vectors_a: npt.NDArray[np.float32],
    vectors_b: npt.NDArray[np.float32],
    alignments: Sequence[Alignment],
    lang: str,
    lang_b: str | None = None,
) -> list[tuple[Span, Span]]:
    """``(a_span, b_span)`` pairs, each a B sentence and the A sentence or two
    adjacent ones it was plausibly made from, for B's sentences no alignment
    holds and those holding anchors their alignment does not account for.
    ``vectors_*`` are the body sentences' vectors, one row each; the texts
    are in ``lang`` (B's in ``lang_b`` when it is given)."""
    if (
        not body_a
        or not body_b
        or vectors_a.shape[1] == 0
        or vectors_a.shape[1] != vectors_b.shape[1]
    ):
        return []
    at_a = {s.index: i for i, s in enumerate(body_a)}
    aligned_to: dict[int, set[int]] = {}
    for al in alignments:
        for j in al.b_sentences:
            aligned_to.setdefault(j, set()).update(at_a[i] for i in al.a_sentences if i in at_a)
    anchors_a = [_anchors(s.text, lang) for s in body_a]
    holding: dict[str, list[int]] = {}
    for i, anchors in enumerate(anchors_a):
        for w in anchors:
            holding.setdefault(w, []).append(i)
    # A's sentences and windows of two, as unit vectors: rows 0..n-1, then n + i for (i, i + 1)
    ua = _unit(vectors_a)
    ua = np.concatenate([ua, _unit(ua[:-1] + ua[1:])]) if len(ua) > 1 else ua
    n = len(body_a)
    out: list[tuple[Span, Span]] = []
    for k, sb in enumerate(body_b):
        anchors_b = _anchors(sb.text, lang_b or lang)
        total = sum(anchors_b.values())
        mine = set(aligned_to.get(sb.index, ()))
        # what B's aligned passage already accounts for
        left = {
            w: v for w, v in anchors_b.items() if not any(i in mine for i in holding.get(w, ()))
        }
        if not left or (mine and sum(left.values()) < MIN_SCORE):
            continue
        vb = _unit(vectors_b[k])
        for _ in range(MAX_SOURCES):
            near = {i for w in left for i in holding.get(w, ())} - mine
            cands = {(i, i + 1) for i in near}
            cands |= {(i, i + 2) for i in near if i + 1 < n} | {(i - 1, i + 1) for i in near if i}
            best: tuple[float, float, tuple[int, int]] | None = None
            for i0, i1 in cands:
                if mine & {i0, i1 - 1}:
                    continue
                shared = [left.keys() & anchors_a[i].keys() for i in range(i0, i1)]
                if not all(shared):
                    continue  # a window one of whose sentences adds nothing is the other alone
                keys = set().union(*shared)
                score = sum(left[w] for w in keys)
                c = float(ua[i0 if i1 == i0 + 1 else n + i0] @ vb)
                strong = (
                    len(keys) >= MIN_SHARED
                    and score >= MIN_SCORE
                    and score >= MIN_SHARE * total
                    and c >= MIN_COSINE
                )
                if (strong or c >= SOLO_COSINE) and (best is None or (score, c) > best[:2]):
                    best = (score, c, (i0, i1))
            if best is None:
                break
            i0, i1 = best[2]
            out.append(((body_a[i0].start, body_a[i1 - 1].end), (sb.start, sb.end)))
            mine |= set(range(i0, i1))
            left = {
                w: v for w, v in left.items() if not any(w in anchors_a[i] for i in range(i0, i1))
            }
            if not left:
                break
    return out
