"""Site notices (cookie and consent walls, paywalls, bot checks) set aside, on
the development data, against the same engine keeping them.

    .venv/bin/python benchmarks/bench_notices.py

Prints, per dataset, how many texts had sentences set aside as ``site-notice``
and how many sentences (the human texts of L2R and Clough are not crawls: any
there is a false one). Then, on SemEval's pairs with a notice on either side,
and on those whose two texts share a notice sentence word for word (two pages
of one site), the verdicts, and how often the same-story decision (P(same
story) >= 0.5) agrees with the annotators, of retold as it is and of the
baseline: the same engine with the notice rule switched off, in the same
process. The annotators rated the articles behind the pages (same story:
overall <= 2). The decision model is the shipped one, which trained on these
pairs (with the notices set aside); bench_verdicts.py has the out-of-fold
figures.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np

import retold.comparison as comparison
from _data import jsonl, semeval
from retold.boilerplate import NOTICE
from retold.comparison import compare_prepared, prepare_unencoded
from retold.embed import default_encoder
from retold.segment import Segmented
from retold.types import BoilerplateBlock, Document


@contextlib.contextmanager
def notices_kept() -> Iterator[None]:
    """The baseline: the pipeline with the notice rule switched off."""

    def keep(seg: Segmented) -> tuple[Segmented, tuple[BoilerplateBlock, ...]]:
        return seg, ()

    # prepare_unencoded looks the rule up in its module at each call
    real = getattr(comparison, "set_notices_aside")  # noqa: B009
    setattr(comparison, "set_notices_aside", keep)  # noqa: B010
    try:
        yield
    finally:
        setattr(comparison, "set_notices_aside", real)  # noqa: B010


def _notices(text: str) -> list[str]:
    """The sentences of ``text`` set aside as site notices."""
    p = prepare_unencoded(Document(text=text))
    return [text[s.start : s.end] for s in p.seg.sentences if s.boilerplate == NOTICE]


def per_dataset() -> dict[str, tuple[int, int, int]]:
    """Dataset -> (texts, texts with a notice set aside, notice sentences)."""
    sets: dict[str, list[str]] = {
        "l2r_news_dev sources": [r["text"] for r in jsonl("l2r_news_dev", "sources.jsonl")],
        "l2r_other_domains human": [r["text"] for r in jsonl("l2r_other_domains", "human.jsonl")],
        "clough_short_answers": [r["text"] for r in jsonl("clough_short_answers", "clough.jsonl")],
        "semeval2022 (distinct texts)": sorted(
            {r[k] for r in semeval() for k in ("text1", "text2")}
        ),
    }
    out = {}
    for name, texts in sets.items():
        found = [_notices(t) for t in texts]
        out[name] = (len(texts), sum(1 for f in found if f), sum(len(f) for f in found))
    return out


def pairs_with_notices() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """SemEval rows with a notice set aside on either side, and of those the
    rows whose two texts share a notice sentence word for word."""
    rows, shared = [], []
    for r in semeval():
        n1, n2 = set(_notices(r["text1"])), set(_notices(r["text2"]))
        if n1 or n2:
            rows.append(r)
        if n1 & n2:
            shared.append(r)
    return rows, shared


def verdicts(rows: list[dict[str, Any]]) -> tuple[Counter[str], list[float]]:
    enc = default_encoder()
    counts: Counter[str] = Counter()
    p_same = []
    for r in rows:
        pa, pb = (comparison.prepare(Document(text=r[k]), enc) for k in ("text1", "text2"))
        rep = compare_prepared(pa, pb, with_changes=False)
        counts[rep.verdict] += 1
        p_same.append(rep.probabilities["same_story"])
    return counts, p_same


def main() -> None:
    print("Texts with sentences set aside as site notices (texts, with notices, sentences):")
    for name, (n, hit, blocks) in per_dataset().items():
        print(f"  {name:32s} {n:6d} {hit:5d} {blocks:5d}")
    rows, shared = pairs_with_notices()
    for title, group in (
        ("SemEval pairs with a notice on either side", rows),
        ("of which the two texts share a notice sentence word for word", shared),
    ):
        gold = np.array([float(r["overall"]) <= 2 for r in group])
        print(f"\n{title}: {len(group)} ({int(gold.sum())} rated the same story)")
        new, p_new = verdicts(group)
        with notices_kept():
            old, p_old = verdicts(group)
        for name, counts, p in (("retold", new, p_new), ("notices kept", old, p_old)):
            right = np.mean((np.array(p) >= 0.5) == gold) if group else float("nan")
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(f"  {name:13s} same-story decision right {right:.3f} | verdicts: {shown}")


if __name__ == "__main__":
    main()
