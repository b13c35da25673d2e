"""A language model's reply around a pasted rewrite (``llm-chatter``): where
it is found on the development data, and what it does for the direction.

    .venv/bin/python benchmarks/bench_chatter.py

Prints, per rewriting model and for the human texts, how many texts open or
close with a model's reply (in a human text any is a false one). Then the
direction decision out of fold (scripts/train_decision.py: 5 folds grouped by
source, the same caches), on all scored (source, rewrite) pairs and on those
whose rewrite carries a reply, for retold and for the baseline: the same
training with the ``chatter_diff`` feature left out, in the same process.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import train_decision as td

import retold.evidence as evidence
from _data import jsonl, semeval
from retold.boilerplate import LLM_CHATTER, classify_paragraphs
from retold.segment import paragraph_spans


def chatter(text: str) -> tuple[bool, bool]:
    """Whether ``text`` opens, and whether it closes, with a model's reply."""
    paras = paragraph_spans(text)
    found = [i for i, r in classify_paragraphs(text, paras).items() if r == LLM_CHATTER]
    closes = bool(found) and found[-1] == len(paras) - 1 and len(paras) > 1
    return len(found) > int(closes), closes


def counts() -> dict[str, tuple[int, int, int]]:
    """Set of texts -> (texts, opening with a reply, closing with one)."""
    sets: dict[str, list[str]] = {}
    for r in jsonl("l2r_other_domains", "rewrites.jsonl.gz"):
        sets.setdefault(f"L2R other domains, {r['model']}", []).append(r["text"])
    sets["L2R news, GPT-3-Turbo"] = [r["text"] for r in jsonl("l2r_news_dev", "rewrites.jsonl")]
    sets["human: L2R, news sources, Clough"] = [
        r["text"]
        for parts in (
            ("l2r_other_domains", "human.jsonl"),
            ("l2r_news_dev", "sources.jsonl"),
            ("clough_short_answers", "clough.jsonl"),
        )
        for r in jsonl(*parts)
    ]
    sets["human: SemEval (distinct texts)"] = sorted(
        {r[k] for r in semeval() for k in ("text1", "text2")}
    )
    out = {}
    for name, texts in sets.items():
        found = Counter[tuple[bool, bool]](chatter(t) for t in texts)
        opens = sum(n for (o, _), n in found.items() if o)
        closes = sum(n for (_, c), n in found.items() if c)
        out[name] = (len(texts), opens, closes)
    return out


def direction(features: tuple[str, ...]) -> tuple[float, float, int]:
    """Direction right out of fold, trained on ``features``: on all scored
    pairs, on those whose rewrite carries a reply, and their number."""
    shipped = evidence.DIRECTION_FEATURES
    # train() reads the feature list from the module when it runs
    evidence.DIRECTION_FEATURES = features
    try:
        res: dict[str, Any] = td.train()
    finally:
        evidence.DIRECTION_FEATURES = shipped
    texts, pairs = td.build_pairs(40)
    t = res["tasks"]["direction"]
    half = len(t.rows) // 2
    right = res["oof"]["direction"][:half] >= 0.5
    replied = np.array([any(chatter(texts[pairs[i].b])) for i in t.rows[:half]])
    return float(right.mean()), float(right[replied].mean()), int(replied.sum())


def main() -> None:
    print("Texts with a model's reply (texts, opening with one, closing with one):")
    for name, (n, opens, closes) in counts().items():
        print(f"  {name:36s} {n:6d} {opens:5d} {closes:5d}")
    shipped = evidence.DIRECTION_FEATURES
    without = tuple(f for f in shipped if f != "chatter_diff")
    print("\nDirection right, out of fold (all scored pairs | rewrites with a reply):")
    for name, feats in (("retold", shipped), ("without chatter_diff", without)):
        every, replied, n = direction(feats)
        print(f"  {name:22s} {every:.4f} | {replied:.3f} (n={n})")


if __name__ == "__main__":
    main()
