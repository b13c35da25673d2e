"""Sentence alignment between two articles, reordering and merges included.

The pure core (:func:`align_core`) works on arrays: sentence vectors and
lexical features in, index groups out, so the index and a Spark job can call it
on data they already hold. :func:`align` wraps it for segmented documents.

How a pair of sentences is scored: a blend of the encoder's cosine (meaning,
across languages) and lexical evidence (shared content-word stems, and how much
of the shorter sentence the longer one contains, which catches a sentence cut
down by a rewrite). Pairs are then accepted in three passes:

1. *seeds*: pairs whose score is high on its own, best first, one partner each;
2. *runs*: weaker pairs next to an accepted pair on the diagonal, since
   rewrites keep most passages in their order and a neighbour's support is
   the best evidence a borderline pair has;
3. *merges*: an unpaired sentence joins its neighbour's alignment when it is
   lexically contained in the partner (one sentence split into two, or two
   fused into one).

Anything left is added (only in B) or dropped (only in A); nothing is forced
into a pair.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel

from retold.text import STOP_WORDS, tokens
from retold.types import AlignKind, Alignment, Sentence

__all__ = [
    "AlignParams",
    "Features",
    "align",
    "align_core",
    "features",
    "label",
    "pair_scores",
]

Matrix = npt.NDArray[np.float32]

_ACRONYM_RE = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_STEM = 6


@dataclass(frozen=True, slots=True)
class Features:
    """Lexical features of one sentence."""

    tokens: tuple[str, ...]
    content: frozenset[str]


def features(text: str) -> Features:
    """Folded tokens and content-word stems ("U.S." and "US" agree)."""
    toks = tuple(tokens(_ACRONYM_RE.sub(lambda m: m.group(0).replace(".", ""), text)))
    content = frozenset(
        t[:_STEM] for t in toks if t not in STOP_WORDS and (len(t) > 2 or t.isdigit())
    )
    return Features(toks, content)


@dataclass(frozen=True, slots=True)
class AlignParams:
    """Thresholds of the aligner; defaults tuned on the shared development data."""

    w_cos: float = 0.6
    seed: float = 0.62
    extend: float = 0.47
    merge: float = 0.45
    merge_containment: float = 0.35
    margin: float = 0.03
    relax_when: float = 0.4
    plausible: float = 0.45
    relaxed_seed: float = 0.5
    near_verbatim: float = 0.8
    verbatim: float = 0.97


def pair_scores(
    fa: Sequence[Features], fb: Sequence[Features], ea: Matrix, eb: Matrix, w_cos: float = 0.6
) -> tuple[Matrix, Matrix, Matrix]:
    """Score matrix, cosine matrix and containment matrix (n_a x n_b).

    Shared-stem counts come from one product of binary sentence-by-stem
    matrices; :func:`retold._reference.pair_scores` is the plain-loop oracle.
    """
    n, m = len(fa), len(fb)
    if not (n and m):
        return _zeros(n, m), _zeros(n, m), _zeros(n, m)
    cos = (ea @ eb.T).astype(np.float32)
    vocab: dict[str, int] = {}
    rows_a = [[vocab.setdefault(t, len(vocab)) for t in f.content] for f in fa]
    rows_b = [[vocab.setdefault(t, len(vocab)) for t in f.content] for f in fb]
    xa = np.zeros((n, len(vocab)), dtype=np.float32)
    xb = np.zeros((m, len(vocab)), dtype=np.float32)
    for r, cols in enumerate(rows_a):
        xa[r, cols] = 1.0
    for r, cols in enumerate(rows_b):
        xb[r, cols] = 1.0
    inter = xa @ xb.T
    la = xa.sum(axis=1)[:, None]
    lb = xb.sum(axis=1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        dice = np.where(inter > 0, 2.0 * inter / (la + lb), 0.0)
        cont = np.where(inter > 0, inter / np.minimum(la, lb), 0.0)
    # Containment is discounted: a short sentence is easily contained by chance.
    lex = np.maximum(dice, 0.8 * cont)
    score = w_cos * cos + (1.0 - w_cos) * lex
    return score.astype(np.float32), cos, cont.astype(np.float32)


def _zeros(n: int, m: int) -> Matrix:
    return np.zeros((n, m), dtype=np.float32)


class _Matcher:
    """Mutable state of one alignment: groups and which sentence is in which."""

    def __init__(self, score: Matrix, cont: Matrix, params: AlignParams) -> None:
        self.score, self.cont, self.p = score, cont, params
        self.n, self.m = score.shape
        self.group_of_a: dict[int, int] = {}
        self.group_of_b: dict[int, int] = {}
        self.groups: list[tuple[list[int], list[int], float]] = []
        self.row_best = score.max(axis=1) if self.m else np.zeros(self.n, dtype=np.float32)
        self.col_best = score.max(axis=0) if self.n else np.zeros(self.m, dtype=np.float32)

    def free(self, i: int, j: int) -> bool:
        return i not in self.group_of_a and j not in self.group_of_b

    def accept(self, i: int, j: int) -> None:
        gid = len(self.groups)
        self.groups.append(([i], [j], float(self.score[i, j])))
        self.group_of_a[i] = gid
        self.group_of_b[j] = gid

    def seed(self, threshold: float) -> None:
        """Accept every free pair at or above ``threshold``, best first."""
        if not (self.n and self.m):
            return
        flat = np.flatnonzero(self.score >= threshold)
        order = flat[np.argsort(-self.score.ravel()[flat], kind="stable")]
        for k in order:
            i, j = divmod(int(k), self.m)
            if self.free(i, j):
                self.accept(i, j)

    def grow(self) -> None:
        """Extend accepted pairs along the diagonal while neighbours qualify.

        A neighbour is only taken when neither of its sentences has a clearly
        better partner elsewhere (``margin``), so a run cannot drag a sentence
        away from its real counterpart.
        """
        p = self.p
        changed = True
        while changed:
            changed = False
            cands: list[tuple[float, int, int]] = []
            for i, gid in list(self.group_of_a.items()):
                for j in self.groups[gid][1]:
                    for d in (-1, 1):
                        ii, jj = i + d, j + d
                        if not (0 <= ii < self.n and 0 <= jj < self.m and self.free(ii, jj)):
                            continue
                        s = float(self.score[ii, jj])
                        if (
                            s >= p.extend
                            and s >= self.row_best[ii] - p.margin
                            and s >= self.col_best[jj] - p.margin
                        ):
                            cands.append((s, ii, jj))
            for _s, ii, jj in sorted(cands, reverse=True):
                if self.free(ii, jj):
                    self.accept(ii, jj)
                    changed = True

    def merge(self) -> None:
        """Join an unpaired sentence to its neighbour's group when the partner
        contains it (one sentence split in two, or two fused into one)."""
        p = self.p
        for side in ("a", "b"):
            size = self.n if side == "a" else self.m
            owner = self.group_of_a if side == "a" else self.group_of_b
            for x in range(size):
                if x in owner:
                    continue
                best: tuple[float, int] | None = None
                for nb in (x - 1, x + 1):
                    gid = owner.get(nb)
                    if gid is None:
                        continue
                    ga, gb, _ = self.groups[gid]
                    for q in gb if side == "a" else ga:
                        i, j = (x, q) if side == "a" else (q, x)
                        s, c = float(self.score[i, j]), float(self.cont[i, j])
                        if (
                            s >= p.merge
                            and c >= p.merge_containment
                            and (best is None or s > best[0])
                        ):
                            best = (s, gid)
                if best is None:
                    continue
                gid = best[1]
                ga, gb, gs = self.groups[gid]
                if side == "a":
                    self.groups[gid] = (sorted([*ga, x]), gb, gs)
                else:
                    self.groups[gid] = (ga, sorted([*gb, x]), gs)
                owner[x] = gid

    def evidence(self, wa: npt.NDArray[np.float64], wb: npt.NDArray[np.float64]) -> float:
        """How much of the texts looks shared: the larger weighted share of
        sentences that are aligned, or that have a plausible partner at all."""
        if not (self.n and self.m):
            return 0.0
        t = self.p.plausible
        ha = self.row_best >= t
        hb = self.col_best >= t
        for i in self.group_of_a:
            ha[i] = True
        for j in self.group_of_b:
            hb[j] = True
        return float(max((wa * ha).sum() / (wa.sum() or 1.0), (wb * hb).sum() / (wb.sum() or 1.0)))


def align_core(
    score: Matrix,
    cont: Matrix,
    params: AlignParams = AlignParams(),
    wa: npt.NDArray[np.float64] | None = None,
    wb: npt.NDArray[np.float64] | None = None,
) -> list[tuple[list[int], list[int], float]]:
    """Groups of (A indices, B indices, score) from a score matrix; see module doc.

    ``wa``/``wb`` weigh sentences (by length) when deciding whether the first
    pass found enough reuse to justify the relaxed second pass.
    """
    n, m = score.shape
    wa = np.ones(n) if wa is None else wa
    wb = np.ones(m) if wb is None else wb
    mt = _Matcher(score, cont, params)
    mt.seed(params.seed)
    mt.grow()
    mt.merge()
    # Once a good share of the two texts is shown to be shared, a borderline
    # pair is far more likely to be reuse than coincidence: a heavy rewrite or a
    # summary rarely keeps any one sentence close enough to pass the strict seed.
    if mt.evidence(wa, wb) >= params.relax_when:
        mt.seed(params.relaxed_seed)
        mt.grow()
        mt.merge()
    return sorted(mt.groups, key=lambda g: (g[0][0], g[1][0]))


def label(a_tokens: Sequence[str], b_tokens: Sequence[str], params: AlignParams) -> AlignKind:
    """verbatim / near-verbatim / paraphrase from the token-level edit similarity."""
    if list(a_tokens) == list(b_tokens):
        return "verbatim"
    # the share of tokens in a longest common subsequence (RapidFuzz; difflib's ratio is a
    # greedy approximation of it and many times slower)
    ratio = Indel.normalized_similarity(list(a_tokens), list(b_tokens))
    if ratio >= params.verbatim:
        return "verbatim"
    if ratio >= params.near_verbatim:
        return "near-verbatim"
    return "paraphrase"


def align(
    a: Sequence[Sentence],
    b: Sequence[Sentence],
    ea: Matrix,
    eb: Matrix,
    params: AlignParams = AlignParams(),
    fa: Sequence[Features] | None = None,
    fb: Sequence[Features] | None = None,
) -> list[Alignment]:
    """Align body sentences of two documents; vectors are rows of ``ea``/``eb``."""
    fa = fa if fa is not None else [features(s.text) for s in a]
    fb = fb if fb is not None else [features(s.text) for s in b]
    score, _cos, cont = pair_scores(fa, fb, ea, eb, params.w_cos)
    out: list[Alignment] = []
    wa = np.array([s.end - s.start for s in a], dtype=np.float64)
    wb = np.array([s.end - s.start for s in b], dtype=np.float64)
    for ga, gb, s in align_core(score, cont, params, wa, wb):
        ta = [t for i in ga for t in fa[i].tokens]
        tb = [t for j in gb for t in fb[j].tokens]
        out.append(
            Alignment(
                a=(a[ga[0]].start, a[ga[-1]].end),
                b=(b[gb[0]].start, b[gb[-1]].end),
                a_sentences=tuple(a[i].index for i in ga),
                b_sentences=tuple(b[j].index for j in gb),
                kind=label(ta, tb, params),
                score=min(1.0, max(0.0, s)),
            )
        )
    return out
