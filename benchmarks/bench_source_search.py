"""The source first, when another text made from it is in the index too.

    .venv/bin/python benchmarks/bench_source_search.py [--families 300] [--json]

A content farm's copy is rarely alone: several sites rewrite one wire story.
Searching with one of them, the wire must come first, not another site's
rewrite of it (a sibling, which the query matches as well as it matches the
source, often better: two LLM rewrites share a rewriter's wording).

The corpus (``_data.sibling_families``): L2R other-domain sources, each
indexed with one model's rewrite of it and two other human texts per source;
each query is another model's rewrite of the source. Printed, per query model
and overall, the share of queries whose first hit is the source, the
sibling, or something else:

- **retold**: the shipped ranking (``retold.index.search.rank_key``: copies,
  then rewrites by P(the query was made from the candidate) = P(derived)
  times P(the candidate is the source));
- **by P(derived)**: the same verified hits ranked as before the direction
  joined the ranking (copies, then rewrites by P(derived) alone), from the
  same reports in the same run;
- **TF-IDF**: one cosine (sublinear TF, fitted on the indexed texts).

Note: the decision models trained on pairs of these sources with their
rewrites (the L2R extra pairs); no sibling pair (rewrite against rewrite) was
ever a training row. ``bench_verdicts.py`` has the direction out of fold.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import sibling_families
from retold.index import Index
from retold.index.search import Hit
from retold.types import Document


def _logit(p: float) -> float:
    q = min(1.0 - 1e-15, max(1e-15, p))
    return math.log(q / (1.0 - q))


def by_derived(hits: list[Hit]) -> list[Hit]:
    """The verified hits in the order ranked before the direction counted."""

    def key(h: Hit) -> tuple[int, int, float, float]:
        assert h.report is not None
        p = h.report.probabilities
        copy = 0 if h.verdict in ("duplicate", "near-duplicate") else 1
        same = -_logit(p.get("same_story", 0.0))
        if h.verdict in ("duplicate", "near-duplicate", "rewrite"):
            return (copy, 0, -_logit(p.get("derived", 0.0)), same)
        return (copy, 1, same, same)

    return sorted(hits, key=key)


def tfidf_first(texts: dict[str, str], queries: list[dict[str, Any]]) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = list(texts)
    vec = TfidfVectorizer(sublinear_tf=True).fit([texts[i] for i in ids])
    sim = vec.transform([q["text"] for q in queries]) @ vec.transform([texts[i] for i in ids]).T
    return [ids[int(sim[r].toarray().argmax())] for r in range(len(queries))]


def _kind(first: str | None, q: dict[str, Any]) -> str:
    if first == q["source_id"]:
        return "source"
    return "sibling" if first == q["sibling_id"] else "other"


def evaluate(families: int = 300, seed: int = 7) -> dict[str, Any]:
    texts, queries = sibling_families(families, seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Index(Path(tmp) / "ix") as ix:
        ix.add([Document(t, id=i) for i, t in texts.items()], jobs=2)
        found = [ix.search(Document(q["text"]), k=10, reports=True) for q in queries]
    seconds = time.perf_counter() - t0
    firsts: dict[str, list[str | None]] = {
        "retold": [h[0].id if h else None for h in found],
        "by P(derived)": [by_derived(h)[0].id if h else None for h in found],
        "TF-IDF": list(tfidf_first(texts, queries)),
    }
    out: dict[str, Any] = {"families": len(queries), "indexed": len(texts), "seconds": seconds}
    for name, first in firsts.items():
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for f, q in zip(first, queries, strict=True):
            kind = _kind(f, q)
            groups["all"][kind] += 1
            groups[f"query {q['model']}"][kind] += 1
        out[name] = {
            g: {k: c[k] / sum(c.values()) for k in ("source", "sibling", "other")}
            | {"n": sum(c.values())}
            for g, c in sorted(groups.items())
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = evaluate(args.families, args.seed)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(
        f"{out['families']} queries, {out['indexed']} texts indexed, {out['seconds']:.0f} s. "
        "Share of queries whose first hit is the source / the sibling / other:"
    )
    for g in out["retold"]:
        cells = " | ".join(
            f"{name} {out[name][g]['source']:.3f} {out[name][g]['sibling']:.3f} "
            f"{out[name][g]['other']:.3f}"
            for name in ("retold", "by P(derived)", "TF-IDF")
        )
        print(f"  {g:26s} {cells}  (n={out['retold'][g]['n']})")


if __name__ == "__main__":
    main()
