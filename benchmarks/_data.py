"""Loaders for the shared development data (../shared/data beside the project root)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def jsonl(*parts: str) -> Iterator[dict[str, Any]]:
    path = DATA.joinpath(*parts)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def l2r_news() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(sources by id, rewrites with source_id)."""
    sources = {r["id"]: r["text"] for r in jsonl("l2r_news_dev", "sources.jsonl")}
    return sources, list(jsonl("l2r_news_dev", "rewrites.jsonl"))


def semeval() -> list[dict[str, Any]]:
    return list(jsonl("semeval2022_task8_train", "semeval_train.jsonl"))


def semeval_translations() -> list[dict[str, Any]]:
    """Machine translations of SemEval articles, as queries for their originals.

    The augmented SemEval rows carry one or both texts of an original pair
    translated into another language (HFL's augmentation). Each translation whose
    language differs from its original's becomes a query ``{"text", "source_id",
    "languages"}``, with ``source_id`` the original's id as indexed
    (``semeval-<article id>``). Originals missing from the sample are skipped.
    """
    rows = semeval()
    base = {r["pair_id"]: r for r in rows if not r["augmented"]}
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        b = base.get(r["base_pair_id"]) if r["augmented"] else None
        if b is None:
            continue
        for k, sid in zip(("1", "2"), b["pair_id"].split("_"), strict=True):
            if r[f"lang{k}"] != b[f"lang{k}"]:
                out.setdefault(
                    r[f"text{k}"],
                    {
                        "text": r[f"text{k}"],
                        "source_id": f"semeval-{sid}",
                        "languages": f"{b[f'lang{k}']}->{r[f'lang{k}']}",
                    },
                )
    return list(out.values())


def clough_ladder() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The Clough & Stevenson reuse ladder as an index test.

    Returns the texts to index by id (``clough-<file>``: the five Wikipedia
    sources, and the answers written without them, which share the sources'
    topics) and the queries: copied, lightly and heavily revised answers
    ``{"text", "source_id", "level"}``.
    """
    rows = list(jsonl("clough_short_answers", "clough.jsonl"))
    texts = {f"clough-{r['id']}": r["text"] for r in rows if r["category"] in ("orig", "non")}
    queries = [
        {"text": r["text"], "source_id": f"clough-{r['source_id']}", "level": r["category"]}
        for r in rows
        if r["category"] in ("cut", "light", "heavy")
    ]
    return texts, queries


def tfidf_nearest(texts: dict[str, str]) -> dict[str, list[str]]:
    """For each text, the other texts ranked by TF-IDF cosine (a topical neighbour list)."""
    import math
    import re
    from collections import Counter

    import numpy as np

    ids = list(texts)
    toks = [Counter(re.findall(r"\w+", texts[i].lower())) for i in ids]
    df: Counter[str] = Counter()
    for t in toks:
        df.update(t.keys())
    vocab = {w: k for k, w in enumerate(df)}
    n = len(ids)
    mat = np.zeros((n, len(vocab)), dtype=np.float32)
    for r, t in enumerate(toks):
        for w, c in t.items():
            mat[r, vocab[w]] = (1 + math.log(c)) * math.log(n / df[w])
    mat /= np.linalg.norm(mat, axis=1, keepdims=True) + 1e-9
    sim = mat @ mat.T
    np.fill_diagonal(sim, -1)
    return {ids[r]: [ids[k] for k in np.argsort(-sim[r])[:10]] for r in range(n)}


#: the L2R rewriters, each a possible sibling of another's rewrite
L2R_MODELS = ("GPT-3-Turbo", "GPT-4o", "Llama-3-70B", "Gemini-1.5-Pro")


def sibling_families(
    n: int, seed: int = 7, distractors: int = 2
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """A source with another model's rewrite of it beside it in the index.

    ``n`` L2R other-domain sources rewritten by all four models (rows whose
    source the data's README calls possibly misaligned left out) are drawn
    with ``seed``; for each, two of the models are drawn: the first one's
    rewrite is indexed with the source (``sib-<source id>``), the second
    one's is the query. ``distractors`` other human texts per family join
    the index. Returns the texts to index by id (``src-``, ``sib-``,
    ``other-``) and the queries ``{"text", "source_id", "sibling_id",
    "model", "sibling_model"}``.
    """
    import random

    rng = random.Random(seed)
    human = {r["id"]: r["text"] for r in jsonl("l2r_other_domains", "human.jsonl")}
    by_source: dict[str, dict[str, str]] = {}
    for r in jsonl("l2r_other_domains", "rewrites.jsonl.gz"):
        if r["source_match"] != "index(jaccard-argmax-disagrees)":
            by_source.setdefault(r["source_id"], {})[r["model"]] = r["text"]
    full = sorted(s for s, m in by_source.items() if len(m) == len(L2R_MODELS))
    picked = rng.sample(full, min(n, len(full)))
    texts: dict[str, str] = {}
    queries = []
    for s in picked:
        sibling, query = rng.sample(L2R_MODELS, 2)
        texts[f"src-{s}"] = human[s]
        texts[f"sib-{s}"] = by_source[s][sibling]
        queries.append(
            {
                "text": by_source[s][query],
                "source_id": f"src-{s}",
                "sibling_id": f"sib-{s}",
                "model": query,
                "sibling_model": sibling,
            }
        )
    chosen = set(picked)
    rest = sorted(h for h in human if h not in chosen)
    for h in rng.sample(rest, min(len(rest), distractors * len(picked))):
        texts[f"other-{h}"] = human[h]
    return texts, queries
