"""Slow, obviously correct versions of fast paths, used as test oracles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retold.align import Features, Matrix


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
