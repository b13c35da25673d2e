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
