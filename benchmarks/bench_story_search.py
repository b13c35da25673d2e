"""Same-story search on SemEval-2022 task 8, against a TF-IDF baseline.

    .venv/bin/python benchmarks/bench_story_search.py [--json]

Every article of the original (not translated) SemEval pairs is indexed once
(``retold.Index``, the USE encoder). Each pair the annotators rated the same
story (overall <= 2) gives two queries: each article searches for the other.
A query is answered right when its partner is the first hit other than the
query itself. The baseline is a TF-IDF cosine (sublinear TF) fitted on the
same articles, ranked the same way. Printed per language pair, monolingual and
cross-lingual.

This is the search of issue 13's complaint ("retold's top hit is right for
84 % of monolingual queries where TF-IDF gets 87 %"). Note that the decision
model was trained on these pairs' features (in fold or out), so retold's
figure is not held out; the ranking formula itself is not fitted on them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import semeval
from retold.index import Index
from retold.types import Document


def corpus() -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
    """(texts by article id, language by id, queries: (query id, partner id, langs))."""
    texts: dict[str, str] = {}
    langs: dict[str, str] = {}
    queries: list[tuple[str, str, str]] = []
    for r in semeval():
        if r["augmented"] in (True, "True"):
            continue
        a, b = r["pair_id"].split("_")
        texts.setdefault(a, r["text1"])
        texts.setdefault(b, r["text2"])
        langs[a], langs[b] = r["lang1"], r["lang2"]
        if float(r["overall"]) <= 2.0 and a != b and texts[a] != texts[b]:
            pair = f"{r['lang1']}-{r['lang2']}"
            queries += [(a, b, pair), (b, a, pair)]
    return texts, langs, queries


def first_other(ranked: list[str], own: str) -> str | None:
    return next((x for x in ranked if x != own), None)


def tfidf_rankings(texts: dict[str, str], qids: list[str], k: int = 5) -> list[list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = list(texts)
    m = TfidfVectorizer(sublinear_tf=True).fit_transform([texts[i] for i in ids])
    row = {x: n for n, x in enumerate(ids)}
    sims = (m[[row[q] for q in qids]] @ m.T).toarray()
    return [[ids[j] for j in np.argsort(-s)[:k]] for s in sims]


def evaluate() -> dict[str, Any]:
    texts, _langs, queries = corpus()
    qids = [q for q, _, _ in queries]
    t0 = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="retold-story-search-") as tmp,
        Index(Path(tmp) / "ix") as ix,
    ):
        summary = ix.add([Document(t, id=i) for i, t in texts.items()])
        build = time.perf_counter() - t0
        t1 = time.perf_counter()
        found = list(ix.search_many([texts[q] for q in qids], k=6))
        search = time.perf_counter() - t1
    ours = [[h.id for h in f] if isinstance(f, list) else [] for f in found]
    base = tfidf_rankings(texts, qids)
    cells: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for (q, partner, pair), r, b in zip(queries, ours, base, strict=True):
        hit = (first_other(r, q) == partner, first_other(b, q) == partner)
        a, bl = pair.split("-")
        cells["all"].append(hit)
        cells["monolingual" if a == bl else "cross-lingual"].append(hit)
        cells[pair].append(hit)
    out: dict[str, Any] = {
        "articles": len(texts),
        "indexed": summary.added,
        "queries": len(queries),
        "build_s": round(build, 1),
        "search_ms_per_query": round(1000 * search / max(1, len(queries)), 1),
        "top1": {
            k: {
                "queries": len(v),
                "retold": round(float(np.mean([x for x, _ in v])), 3),
                "tfidf": round(float(np.mean([y for _, y in v])), 3),
            }
            for k, v in sorted(cells.items())
        },
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    out = evaluate()
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(
        f"{out['articles']} articles indexed in {out['build_s']} s; {out['queries']} queries, "
        f"{out['search_ms_per_query']} ms each"
    )
    print("top-1 partner found: retold | TF-IDF")
    for k, v in out["top1"].items():
        print(f"  {k:14s} {v['retold']:.3f} | {v['tfidf']:.3f}  (n={v['queries']})")


if __name__ == "__main__":
    main()
