"""RapidFuzz against the hand-written code it replaced, as ratios in one process.

    .venv/bin/python benchmarks/bench_text.py

- token-sequence similarity (the aligner's verbatim/near-verbatim label, quote
  rewording, the negation word alignment): ``difflib.SequenceMatcher.ratio``
  vs. RapidFuzz ``Indel.normalized_similarity``, on MRPC sentence pairs
  (../shared/data), and how far the two scores differ (RapidFuzz's is the exact
  longest-common-subsequence share; difflib's a greedy approximation, never higher);
- bounded optimal-string-alignment distance of name spellings: the pure-Python
  loop retold had vs. RapidFuzz ``OSA.distance(score_cutoff=...)``, with the
  decisions (distance <= limit) compared.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz.distance import OSA, Indel

from retold.text import tokens

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mrpc_train"


def _osa_loop(a: str, b: str, limit: int) -> int:
    """The loop retold used before RapidFuzz (kept here as the baseline)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _best_of(fn: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    rows = [json.loads(line) for line in (DATA / "mrpc_train.jsonl").open()]
    pairs = [(tokens(r["text1"]), tokens(r["text2"])) for r in rows]
    old = [difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() for a, b in pairs]
    new = [Indel.normalized_similarity(a, b) for a, b in pairs]
    t_old = _best_of(
        lambda: [difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() for a, b in pairs]
    )
    t_new = _best_of(lambda: [Indel.normalized_similarity(a, b) for a, b in pairs])
    gaps = sorted(n - o for o, n in zip(old, new, strict=True))
    words = sorted({w for a, b in pairs for w in a + b if len(w) >= 5 and w.isalpha()})[:600]
    cases = [(a, b, 1 if max(len(a), len(b)) <= 8 else 2) for a in words[:300] for b in words[300:]]
    o_old = _best_of(lambda: [_osa_loop(a, b, k) <= k for a, b, k in cases], runs=1)
    o_new = _best_of(lambda: [OSA.distance(a, b, score_cutoff=k) <= k for a, b, k in cases])
    same = all(
        (_osa_loop(a, b, k) <= k) == (OSA.distance(a, b, score_cutoff=k) <= k) for a, b, k in cases
    )
    result = {
        "token_similarity": {
            "pairs": len(pairs),
            "difflib_ms": round(t_old * 1e3, 1),
            "rapidfuzz_ms": round(t_new * 1e3, 1),
            "speedup": round(t_old / t_new, 1),
            "pairs_scored_differently": sum(g > 1e-9 for g in gaps),
            "score_gap_median": round(gaps[len(gaps) // 2], 3),
            "score_gap_max": round(gaps[-1], 3),
        },
        "bounded_osa": {
            "word_pairs": len(cases),
            "loop_ms": round(o_old * 1e3, 1),
            "rapidfuzz_ms": round(o_new * 1e3, 1),
            "speedup": round(o_old / o_new, 1),
            "same_decisions": same,
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
