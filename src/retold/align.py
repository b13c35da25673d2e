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
   fused into one);
4. *condensations*: once reuse is shown, a B sentence still unpaired that
   restates a run of two or three unpaired A sentences (a paragraph folded
   into one sentence, as condensed rewrites do) better than any one of them
   is aligned to the whole run: one alignment with several A sentences and
   one B sentence.

Anything left is added (only in B) or dropped (only in A); nothing is forced
into a pair. Last, the alignments that keep one order on both sides and hold
the most text are found (:func:`in_order`); the others are marked ``moved``.
"""

from __future__ import annotations

import heapq
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
    "in_order",
    "label",
    "pair_scores",
    "products",
]

Matrix = npt.NDArray[np.float32]

_ACRONYM_RE = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_STEM = 6
#: columns a row keeps in order at a time while seeding (see _Matcher.seed)
_SEED_BATCH = 8


@dataclass(frozen=True, slots=True)
class Features:
    """Lexical features of one sentence."""

    tokens: tuple[str, ...]
    content: frozenset[str]


def features(text: str) -> Features:
    """Folded tokens and content-word stems ("U.S." and "US" agree)."""
    toks = tuple(tokens(_ACRONYM_RE.sub(lambda m: m.group(0).replace(".", ""), text)))
    # a CJK character is a token (text.tokens) but no content stem: pairs of
    # them as stems cost translations between English and Chinese a third of
    # their coverage (0.34 -> 0.22 on SemEval's), whose containment then
    # rests on the names and numbers both write alike (0.40)
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
    #: a B sentence and a run of A sentences: cosine with the run's summed
    #: vector, how much better than the run's best single sentence, and the
    #: share of the B sentence's content stems the run holds
    condense: float = 0.7
    condense_gain: float = 0.04
    condense_containment: float = 0.4
    #: an unpaired A sentence next to a pair joins it when the B sentence
    #: restates it too (cosine at least this, containment as above but 0.3)
    condense_near: float = 0.35
    absorb_containment: float = 0.3


def products(x: Matrix, y: Matrix) -> Matrix:
    """``x @ y.T`` for finite ``x`` and ``y`` (sentence vectors, 0/1 indicators).

    OpenBLAS's kernels can leave the FPU's "invalid" flag set on finite input
    (numpy issues 13173 and 24067; seen here once in a CI run, on a 6 x 5 by
    5 x 1 product of zeros and ones), which numpy reports as a RuntimeWarning
    that tests turn into errors. Finite operands cannot make a NaN, so the
    flag is ignored for these products.
    """
    with np.errstate(invalid="ignore"):
        out: Matrix = x @ y.T
    return out


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
    cos = products(ea, eb).astype(np.float32, copy=False)
    # Only stems both texts use can be shared: the binary matrices get one
    # column per such stem, not one per stem of either text (a long text with
    # a large vocabulary made them n x vocabulary, gigabytes at 9 MB).
    shared = set().union(*(f.content for f in fa)) & set().union(*(f.content for f in fb))
    inter = _shared_counts(fa, fb, sorted(shared))
    la = np.array([len(f.content) for f in fa], dtype=np.float32)[:, None]
    lb = np.array([len(f.content) for f in fb], dtype=np.float32)[None, :]
    # In place, a few n x m arrays at a time: long texts make these the
    # biggest allocations of a comparison. A sentence without content stems
    # shares none (inter is 0), so a denominator floored at 1 changes nothing.
    cont = np.maximum(np.minimum(la, lb), 1.0)
    np.divide(inter, cont, out=cont)
    dice = np.maximum(la + lb, 1.0)
    np.divide(inter, dice, out=dice)
    del inter
    dice *= 2.0
    # Containment is discounted: a short sentence is easily contained by chance.
    lex = np.maximum(dice, 0.8 * cont, out=dice)
    lex *= 1.0 - w_cos
    score = cos * w_cos
    score += lex
    return score, cos, cont


#: cells of one sentence-by-stem block (64 MB of float32)
_BLOCK_CELLS = 1 << 24


def _shared_counts(fa: Sequence[Features], fb: Sequence[Features], vocab: list[str]) -> Matrix:
    """Shared content stems of every sentence pair: binary sentence-by-stem
    matrices multiplied, a block of stems at a time, so that two long texts
    with large vocabularies never hold ``sentences x vocabulary`` arrays
    (integer counts in float32 are exact: blocks add up to the same matrix)."""
    n, m = len(fa), len(fb)
    step = max(1, _BLOCK_CELLS // max(n, m))
    inter: Matrix | None = None
    for lo in range(0, max(1, len(vocab)), step):
        col = {t: k for k, t in enumerate(vocab[lo : lo + step])}
        xa = np.zeros((n, len(col)), dtype=np.float32)
        xb = np.zeros((m, len(col)), dtype=np.float32)
        for x, feats in ((xa, fa), (xb, fb)):
            for r, f in enumerate(feats):
                x[r, [col[t] for t in f.content if t in col]] = 1.0
        part = products(xa, xb)
        if inter is None:
            inter = part
        else:
            inter += part
    assert inter is not None  # the loop runs at least once
    return inter


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
        """Accept every free pair at or above ``threshold``, best first.

        Equivalent to walking all such pairs sorted by (score desc, row, column)
        and taking each whose row and column are still free
        (:class:`retold._reference.Matcher` does exactly that), but lazily: a
        heap holds each free row's best free column, and a row looks further
        only when that column is taken. Sorting every pair cost 10 s of a
        24 s compare of 3,000 identical sentences with themselves.
        """
        if not (self.n and self.m):
            return
        taken = np.zeros(self.m, dtype=bool)
        taken[list(self.group_of_b)] = True
        cands: dict[int, list[int]] = {}
        heap: list[tuple[float, int, int, int]] = []
        for i in np.flatnonzero(self.row_best >= threshold).tolist():
            if i not in self.group_of_a:
                self._push(heap, cands, i, taken, threshold)
        while heap:
            _, i, j, k = heapq.heappop(heap)
            if not taken[j]:
                self.accept(i, j)
                taken[j] = True
                continue
            row = cands[i]
            k += 1
            while k < len(row) and taken[row[k]]:
                k += 1
            if k < len(row):
                heapq.heappush(heap, (-float(self.score[i, row[k]]), i, row[k], k))
            else:
                self._push(heap, cands, i, taken, threshold)

    def _push(
        self,
        heap: list[tuple[float, int, int, int]],
        cands: dict[int, list[int]],
        i: int,
        taken: npt.NDArray[np.bool_],
        threshold: float,
    ) -> None:
        """Queue row ``i`` at its best free column; keep its next few in order."""
        row = self.score[i]
        idx = np.flatnonzero((row >= threshold) & ~taken)
        if len(idx) > _SEED_BATCH:
            vals = row[idx]
            kth = vals[np.argpartition(-vals, _SEED_BATCH - 1)[_SEED_BATCH - 1]]
            above = idx[vals > kth]
            # ties at the cut go to the lowest columns, as a stable sort would
            ties = idx[vals == kth][: _SEED_BATCH - len(above)]
            idx = np.concatenate([above, ties])
        if not len(idx):
            return
        order = idx[np.lexsort((idx, -row[idx]))].tolist()
        cands[i] = order
        heapq.heappush(heap, (-float(row[order[0]]), i, order[0], 0))

    def grow(self) -> None:
        """Extend accepted pairs along the diagonal while neighbours qualify.

        A neighbour is only taken when neither of its sentences has a clearly
        better partner elsewhere (``margin``), so a run cannot drag a sentence
        away from its real counterpart. After the first round only the pairs
        accepted in the round before are looked around: a neighbour of an older
        pair was either taken then or lost its row or column for good.
        """
        frontier = [(i, j) for i, gid in self.group_of_a.items() for j in self.groups[gid][1]]
        while frontier:
            cands = [c for i, j in frontier for c in self.extensions(i, j)]
            frontier = []
            for _s, ii, jj in sorted(cands, reverse=True):
                if self.free(ii, jj):
                    self.accept(ii, jj)
                    frontier.append((ii, jj))

    def extensions(self, i: int, j: int) -> list[tuple[float, int, int]]:
        """(score, i, j) of the free diagonal neighbours of pair (i, j) that
        qualify to extend its run (see :meth:`grow`)."""
        p = self.p
        out = []
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
                out.append((s, ii, jj))
        return out

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
    return _passes(_Matcher(score, cont, params), wa, wb)


def _passes(
    mt: _Matcher, wa: npt.NDArray[np.float64], wb: npt.NDArray[np.float64]
) -> list[tuple[list[int], list[int], float]]:
    """Passes 1-3 of the module doc on a fresh matcher."""
    params = mt.p
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


def _condense(
    groups: list[tuple[list[int], list[int], float]],
    ea: Matrix,
    eb: Matrix,
    fa: Sequence[Features],
    fb: Sequence[Features],
    params: AlignParams,
) -> list[tuple[list[int], list[int], float]]:
    """Pass 4 (see the module doc): B sentences that condense a run of A sentences."""
    if len(groups) < 2:  # no reuse shown: a run matching by topic is no evidence
        return groups
    used_a = {i for g in groups for i in g[0]}
    used_b = {j for g in groups for j in g[1]}
    free_b = [j for j in range(len(eb)) if j not in used_b]
    eb_free = eb[free_b]
    cos = products(ea, eb_free)
    cands: list[tuple[float, int, int, int]] = []
    for k in (2, 3):
        n_runs = len(ea) - k + 1
        if n_runs <= 0:
            continue
        sums = np.stack([ea[x : x + n_runs] for x in range(k)]).sum(axis=0)
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
        run_cos = products(sums, eb_free)
        single = cos[:n_runs].copy()
        for x in range(1, k):
            np.maximum(single, cos[x : x + n_runs], out=single)
        ok = (run_cos >= params.condense) & (run_cos >= single + params.condense_gain)
        for i, col in zip(*np.nonzero(ok), strict=True):
            run = range(int(i), int(i) + k)
            j = free_b[int(col)]
            if any(x in used_a for x in run):
                continue
            stems = frozenset().union(*(fa[x].content for x in run))
            held = len(fb[j].content & stems) / max(1, len(fb[j].content))
            if held >= params.condense_containment:
                cands.append((float(run_cos[i, col]), int(i), k, j))
    out = [_absorb(g, used_a, ea, eb, fa, fb, params) for g in groups]
    for c, i, k, j in sorted(cands, reverse=True):
        members = list(range(i, i + k))
        if j in used_b or any(x in used_a for x in members):
            continue
        used_a.update(members)
        used_b.add(j)
        out.append((members, [j], c))
    return sorted(out, key=lambda g: (g[0][0], g[1][0]))


def _absorb(
    group: tuple[list[int], list[int], float],
    used_a: set[int],
    ea: Matrix,
    eb: Matrix,
    fa: Sequence[Features],
    fb: Sequence[Features],
    params: AlignParams,
) -> tuple[list[int], list[int], float]:
    """Grow a one-B-sentence group by the unpaired A sentences next to it that
    the B sentence also restates (the rest of a folded paragraph): each must be
    close in meaning (``condense_near``), have ``condense_containment`` of its
    content stems in the B sentence, and account for at least two of the B
    sentence's stems that the run so far does not."""
    ga, gb, score = group
    if len(gb) != 1:
        return group
    j = gb[0]
    members = list(ga)
    held_b = set().union(*(fa[i].content for i in members)) & fb[j].content
    for _ in range(2):  # a run of at most two more sentences
        picked: tuple[int, int] | None = None
        for x in (members[0] - 1, members[-1] + 1):
            if not 0 <= x < len(ea) or x in used_a or not fa[x].content:
                continue
            shared = fa[x].content & fb[j].content
            new = len(shared - held_b)
            if (
                len(shared) >= params.absorb_containment * len(fa[x].content)
                and new >= 2
                and float(ea[x] @ eb[j]) >= params.condense_near
                and (picked is None or new > picked[0])
            ):
                picked = (new, x)
        if picked is None:
            break
        x = picked[1]
        held_b |= fa[x].content & fb[j].content
        members = sorted([*members, x])
        used_a.add(x)
    return (members, gb, score)


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


def in_order(b_keys: Sequence[int], weights: Sequence[float]) -> list[bool]:
    """Of items listed in A's order with distinct positions ``b_keys`` in B,
    which belong to the heaviest subsequence that is in B's order too: a
    weighted longest increasing subsequence, O(n log n) with a Fenwick tree of
    prefix maxima over B's ranks. Ties go to the earlier items."""
    n = len(b_keys)
    rank = {v: r for r, v in enumerate(sorted(b_keys), 1)}
    m = len(rank)
    tree_w, tree_i = [0.0] * (m + 1), [-1] * (m + 1)
    best, prev = [0.0] * n, [-1] * n
    for k in range(n):
        r = rank[b_keys[k]]
        w, i, j = 0.0, -1, r - 1
        while j > 0:  # the heaviest chain ending before rank r
            if tree_w[j] > w:
                w, i = tree_w[j], tree_i[j]
            j -= j & -j
        best[k], prev[k] = w + weights[k], i
        j = r
        while j <= m:
            if best[k] > tree_w[j]:
                tree_w[j], tree_i[j] = best[k], k
            j += j & -j
    keep = [False] * n
    k = max(range(n), key=best.__getitem__) if n else -1
    while k >= 0:
        keep[k] = True
        k = prev[k]
    return keep


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
    score, cos, cont = pair_scores(fa, fb, ea, eb, params.w_cos)
    del cos  # the n x m matrices are a long pair's biggest allocations: free them early
    out: list[Alignment] = []
    wa = np.array([s.end - s.start for s in a], dtype=np.float64)
    wb = np.array([s.end - s.start for s in b], dtype=np.float64)
    core = align_core(score, cont, params, wa, wb)
    del score, cont
    groups = _condense(core, ea, eb, fa, fb, params)
    # groups come in A's order; a passage is moved when it is not in the
    # heaviest run (in characters, both sides) that keeps B's order as well
    spans = [
        ((a[ga[0]].start, a[ga[-1]].end), (b[gb[0]].start, b[gb[-1]].end)) for ga, gb, _ in groups
    ]
    kept = in_order(
        [gb[0] for _, gb, _ in groups], [sa[1] - sa[0] + sb[1] - sb[0] for sa, sb in spans]
    )
    for (ga, gb, s), (sa, sb), k in zip(groups, spans, kept, strict=True):
        ta = [t for i in ga for t in fa[i].tokens]
        tb = [t for j in gb for t in fb[j].tokens]
        out.append(
            Alignment(
                a=sa,
                b=sb,
                a_sentences=tuple(a[i].index for i in ga),
                b_sentences=tuple(b[j].index for j in gb),
                kind=label(ta, tb, params),
                score=min(1.0, max(0.0, s)),
                moved=not k,
            )
        )
    return out
