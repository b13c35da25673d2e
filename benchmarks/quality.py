"""Quality on the shared development data; prints the figures the gate pins.

    .venv/bin/python benchmarks/quality.py

- L2R news: each GPT rewrite against its source (should be `rewrite` or
  closer) and against the other source TF-IDF ranks most similar to it (a
  different story on a similar topic: should not be).
- SemEval-2022 task 8 (original pairs): Pearson and Spearman correlation of
  `similarity` with the human "overall" score (1 = very similar, so the sign
  is flipped).
- Clough & Stevenson short answers: mean similarity and verdict per reuse level.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import jsonl, l2r_news, semeval, tfidf_nearest
from retold.comparison import Prepared, compare_prepared, prepare
from retold.types import VERDICT_ORDER, Document

CLOSE = set(VERDICT_ORDER[:3])  # duplicate, near-duplicate, rewrite


def _prep(text: str) -> Prepared:
    return prepare(Document(text))


def l2r_news_quality() -> dict[str, Any]:
    sources, rewrites = l2r_news()
    prepared = {k: _prep(v) for k, v in sources.items()}
    near = tfidf_nearest(sources)
    pos: Counter[str] = Counter()
    neg: Counter[str] = Counter()
    for r in rewrites:
        pr = _prep(r["text"])
        pos[compare_prepared(prepared[r["source_id"]], pr, with_changes=False).verdict] += 1
        neg[
            compare_prepared(prepared[near[r["source_id"]][0]], pr, with_changes=False).verdict
        ] += 1
    n = len(rewrites)
    return {
        "pairs": n,
        "source_rewrite_or_closer": sum(pos[v] for v in CLOSE) / n,
        "neighbour_rewrite_or_closer": sum(neg[v] for v in CLOSE) / n,
        "source_verdicts": dict(pos),
        "neighbour_verdicts": dict(neg),
    }


def _rank(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    return ranks


def semeval_quality() -> dict[str, Any]:
    rows = [r for r in semeval() if not r["augmented"]]
    sims, human, verdicts = [], [], []
    for r in rows:
        rep = compare_prepared(_prep(r["text1"]), _prep(r["text2"]), with_changes=False)
        sims.append(rep.similarity)
        human.append(-r["overall"])
        verdicts.append(rep.verdict)
    s, h = np.array(sims), np.array(human)
    same = np.array([v != "unrelated" for v in verdicts])
    story = h >= -2.0  # "very" or "somewhat" similar
    tp = int((same & story).sum())
    precision = tp / max(1, int(same.sum()))
    recall = tp / max(1, int(story.sum()))
    return {
        "pairs": len(rows),
        "pearson": float(np.corrcoef(s, h)[0, 1]),
        "spearman": float(np.corrcoef(_rank(s), _rank(h))[0, 1]),
        "same_story_f1": 2 * precision * recall / max(1e-9, precision + recall),
    }


def clough_quality() -> dict[str, Any]:
    rows = list(jsonl("clough_short_answers", "clough.jsonl"))
    src = {r["id"]: _prep(r["text"]) for r in rows if r["category"] == "orig"}
    by: dict[str, list[float]] = {}
    close: dict[str, int] = Counter()
    for r in rows:
        if r["category"] == "orig":
            continue
        rep = compare_prepared(src[r["source_id"]], _prep(r["text"]), with_changes=False)
        by.setdefault(r["category"], []).append(rep.similarity)
        close[r["category"]] += rep.verdict in CLOSE
    return {f"{cat}_similarity": float(np.mean(v)) for cat, v in sorted(by.items())} | {
        f"{cat}_rewrite_or_closer": close[cat] / len(by[cat]) for cat in sorted(by)
    }


def main() -> None:
    t0 = time.perf_counter()
    out = {
        "l2r_news": l2r_news_quality(),
        "semeval": semeval_quality(),
        "clough": clough_quality(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
