"""Same-story search on SemEval-2022 task 8, against a TF-IDF baseline.

    .venv/bin/python benchmarks/bench_story_search.py [--json]

Every article of the original (not translated) SemEval pairs is indexed once
(``retold.Index``, the USE encoder). Each pair the annotators rated the same
story (overall <= 2) gives two queries: each article searches for the other.
A query is answered right when its partner is the first hit other than the
query itself. The baseline is a TF-IDF cosine (sublinear TF) fitted on the
same articles, ranked the same way. Printed per language pair, monolingual and
cross-lingual; and how often the partner is among the first three hits
(a story often has more right answers than the one its label names).

This is the search of issue 13's complaint ("retold's top hit is right for
84 % of monolingual queries where TF-IDF gets 87 %"). Note that the decision
model was trained on these pairs' features (in fold or out), so retold's
figure is not held out.

The ranking has one weight learned here: how much the index's word rarity
(``corpus_lexical``, an index-IDF cosine) counts beside the log-odds of the
same story below the rewrites (``SearchParams.w_corpus_same_story``). It is
chosen from a grid by 5-fold cross-validation over the article pairs: each
fold's queries are re-ranked with the weight that did best on the other four,
and that out-of-fold top-1 is printed beside the shipped ranking's (whose
weight saw every pair). The shipped weight is chosen on all pairs, or the
runner-up where that costs cross-lingual queries (see
``SearchParams.w_corpus_same_story``).

It also times verified search in search_many's batches of 32 queries and one
query at a time, with the stored documents prepared for the pair engine kept
for later queries (the shipped way: within a batch, and from one search to the
next while the index is unchanged) and without (``KEEP_PREPARED = 0``), in
the same process, interleaved, and prints the ratios.
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
from retold.index import Index, search
from retold.index.search import Hit, SearchParams, rank_key
from retold.types import Document

#: the weights of the index's word rarity the cross-validation chooses from
W_GRID = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)
FOLDS = 5
SEED = 13
#: queries the batch-reuse timing runs (four times)
REUSE_QUERIES = 192


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


def in_top(ranked: list[str], own: str, partner: str, n: int = 3) -> bool:
    """Whether ``partner`` is among the first ``n`` hits other than the query:
    a story has more articles than the one partner its label names (another
    copy of the same wire text, a third report of the same event)."""
    return partner in [x for x in ranked if x != own][:n]


def reranked(hits: list[Hit], w: float) -> list[str]:
    """The ids of verified ``hits`` (with their reports) in the order
    :func:`retold.index.search.rank_key` gives them with weight ``w``."""

    def key(h: Hit) -> tuple[int, int, float, float, float]:
        assert h.report is not None, "search with reports=True"
        return rank_key(h.report, h.score, h.channels["corpus_lexical"], w)

    return [h.id for h in sorted(hits, key=key)]


def learn_weight(queries: list[tuple[str, str, str]], found: list[list[Hit]]) -> dict[str, Any]:
    """The corpus-rarity weight by cross-validation over article pairs (see the
    module doc): per fold the grid's best on the other folds, the out-of-fold
    hits, and the weight chosen on all pairs."""
    pairs = sorted({tuple(sorted((q, p))) for q, p, _ in queries})
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(pairs))
    fold = {pairs[j]: n % FOLDS for n, j in enumerate(order)}
    of = [fold[tuple(sorted((q, p)))] for q, p, _ in queries]

    def right(i: int, w: float) -> bool:
        return first_other(reranked(found[i], w), queries[i][0]) == queries[i][1]

    def hits(w: float, idx: list[int]) -> float:
        return float(np.mean([right(i, w) for i in idx]))

    def best(idx: list[int]) -> float:
        # ties go to the smaller weight: no more corpus evidence than helps
        return max(W_GRID, key=lambda w: (hits(w, idx), -w))

    chosen, oof = [], [False] * len(queries)
    for k in range(FOLDS):
        train = [i for i in range(len(queries)) if of[i] != k]
        w = best(train)
        chosen.append(w)
        for i in range(len(queries)):
            if of[i] == k:
                oof[i] = right(i, w)
    return {"per_fold": chosen, "all": best(list(range(len(queries)))), "out_of_fold": oof}


def batch_reuse(ix: Index, queries: list[str], k: int) -> dict[str, float]:
    """Verified search time per query (the best of two interleaved runs each)
    with the stored documents verified kept for the next queries, and with
    nothing kept (``KEEP_PREPARED = 0``, every query prepares its candidates
    anew, as before they were kept): the same hits, cheaper. Searched in
    search_many's batches of 32, and one query at a time (as a server answers
    them: what one search prepared is kept for the next while the index is
    unchanged). Each run starts with nothing kept."""
    preps = [ix.prepare(q) for q in queries]
    keep = search.KEEP_PREPARED
    out: dict[str, float] = {"queries": len(preps)}
    try:
        for name, size in (("batches", 32), ("one_at_a_time", 1)):
            runs: dict[int, list[float]] = {keep: [], 0: []}
            for _ in range(2):
                for n in runs:
                    search.KEEP_PREPARED = n
                    ix._kept = None  # nothing carried over from the run before
                    t = time.perf_counter()
                    for at in range(0, len(preps), size):
                        ix.search_prepared(preps[at : at + size], k=k)
                    runs[n].append(1000 * (time.perf_counter() - t) / len(preps))
            kept, anew = min(runs[keep]), min(runs[0])
            out[f"{name}_ms_per_query_kept"] = round(kept, 1)
            out[f"{name}_ms_per_query_not_kept"] = round(anew, 1)
            out[f"{name}_ratio"] = round(kept / anew, 3)
    finally:
        search.KEEP_PREPARED = keep
    return out


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
        # every verified candidate back (k = the verified count) with its
        # report, so that the weight's cross-validation can re-rank them all
        k = SearchParams().verify
        got = list(ix.search_many([texts[q] for q in qids], k=k, reports=True))
        search = time.perf_counter() - t1
        reuse = batch_reuse(ix, [texts[q] for q in qids[:REUSE_QUERIES]], k)
    found = [f if isinstance(f, list) else [] for f in got]
    ours = [[h.id for h in f] for f in found]
    base = tfidf_rankings(texts, qids)
    learned = learn_weight(queries, found)
    cells: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    top3: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for (q, partner, pair), r, b, cv in zip(
        queries, ours, base, learned["out_of_fold"], strict=True
    ):
        hit = (first_other(r, q) == partner, first_other(b, q) == partner, cv)
        three = (in_top(r, q, partner), in_top(b, q, partner))
        a, bl = pair.split("-")
        for cell in ("all", "monolingual" if a == bl else "cross-lingual", pair):
            cells[cell].append(hit)
            top3[cell].append(three)
    out: dict[str, Any] = {
        "articles": len(texts),
        "indexed": summary.added,
        "queries": len(queries),
        "build_s": round(build, 1),
        "search_ms_per_query": round(1000 * search / max(1, len(queries)), 1),
        "batch_reuse": reuse,
        "w_corpus_same_story": {
            "shipped": SearchParams().w_corpus_same_story,
            "chosen_on_all_pairs": learned["all"],
            "chosen_per_fold": learned["per_fold"],
        },
        "top1": {
            k: {
                "queries": len(v),
                "retold": round(float(np.mean([x for x, _, _ in v])), 3),
                "retold_out_of_fold": round(float(np.mean([z for _, _, z in v])), 3),
                "tfidf": round(float(np.mean([y for _, y, _ in v])), 3),
            }
            for k, v in sorted(cells.items())
        },
        "top3": {
            k: {
                "retold": round(float(np.mean([x for x, _ in v])), 3),
                "tfidf": round(float(np.mean([y for _, y in v])), 3),
            }
            for k, v in sorted(top3.items())
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
    r = out["batch_reuse"]
    for name, how in (("batches", "in batches of 32"), ("one_at_a_time", "one at a time")):
        print(
            f"verified search, {r['queries']} queries {how}: "
            f"{r[name + '_ms_per_query_kept']} ms each with the verified documents kept, "
            f"{r[name + '_ms_per_query_not_kept']} ms without "
            f"(ratio {r[name + '_ratio']:.2f})"
        )
    w = out["w_corpus_same_story"]
    per_fold = ", ".join(f"{x:g}" for x in w["chosen_per_fold"])
    print(
        f"corpus-rarity weight: shipped {w['shipped']:g}, chosen on all pairs "
        f"{w['chosen_on_all_pairs']:g}, per fold {per_fold}"
    )
    print("top-1 partner found: retold (shipped weight), retold (weight out of fold) | TF-IDF")
    for k, v in out["top1"].items():
        print(
            f"  {k:14s} {v['retold']:.3f} {v['retold_out_of_fold']:.3f} | {v['tfidf']:.3f}"
            f"  (n={v['queries']})"
        )
    print("partner in the first three hits: retold (shipped weight) | TF-IDF")
    for k, v in out["top3"].items():
        print(f"  {k:14s} {v['retold']:.3f} | {v['tfidf']:.3f}")


if __name__ == "__main__":
    main()
