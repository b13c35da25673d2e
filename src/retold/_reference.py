"""Slow, obviously correct versions of fast paths, used as test oracles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from retold.align import AlignParams, Features, Matrix, _Matcher, _passes


def pair_scores(
    fa: Sequence[Features], fb: Sequence[Features], ea: Matrix, eb: Matrix, w_cos: float = 0.6
) -> tuple[Matrix, Matrix, Matrix]:
    """:func:`retold.align.pair_scores` with sets and loops."""
    n, m = len(fa), len(fb)
    score = np.zeros((n, m), dtype=np.float32)
    cos = np.zeros((n, m), dtype=np.float32)
    cont = np.zeros((n, m), dtype=np.float32)
    for i in range(n):
        for j in range(m):
            c = float(np.dot(ea[i], eb[j]))
            x, y = fa[i].content, fb[j].content
            inter = len(x & y)
            dice = 2 * inter / (len(x) + len(y)) if inter else 0.0
            contain = inter / min(len(x), len(y)) if inter else 0.0
            cos[i, j] = c
            cont[i, j] = contain
            score[i, j] = w_cos * c + (1 - w_cos) * max(dice, 0.8 * contain)
    return score, cos, cont


class Matcher(_Matcher):
    """:class:`retold.align._Matcher` seeding from one sort of every pair and
    growing by rescanning every accepted pair each round."""

    def seed(self, threshold: float) -> None:
        if not (self.n and self.m):
            return
        flat = np.flatnonzero(self.score >= threshold)
        order = flat[np.argsort(-self.score.ravel()[flat], kind="stable")]
        for k in order:
            i, j = divmod(int(k), self.m)
            if self.free(i, j):
                self.accept(i, j)

    def grow(self) -> None:
        changed = True
        while changed:
            changed = False
            cands = [
                c
                for i, gid in list(self.group_of_a.items())
                for j in self.groups[gid][1]
                for c in self.extensions(i, j)
            ]
            for _s, ii, jj in sorted(cands, reverse=True):
                if self.free(ii, jj):
                    self.accept(ii, jj)
                    changed = True


def align_core(
    score: Matrix,
    cont: Matrix,
    params: AlignParams,
    wa: npt.NDArray[np.float64],
    wb: npt.NDArray[np.float64],
) -> list[tuple[list[int], list[int], float]]:
    """:func:`retold.align.align_core` with :class:`Matcher`."""
    return _passes(Matcher(score, cont, params), wa, wb)
