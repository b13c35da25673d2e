"""Which way it went when the rewrite is not a plain condensation: the
rewriter added context of its own, or worked from a fuller (later) version of
the source than the one compared.

    .venv/bin/python benchmarks/bench_direction_context.py [--pairs N]

The L2R rewriters only reword, condense or expand what the source says, so
the direction model learned that the text with more of its own content is
the source. Content farms do add: a background paragraph, a reaction, the
facts of a later version of the wire story. This benchmark measures how far
that habit carries. For L2R (source, rewrite) pairs (the news rewrites and
other-domain rewrites of sources of 150 words or more), each rewrite is
changed as follows, with a fixed seed:

- ``as published``: unchanged;
- ``+2 sentences`` / ``+4 sentences``: that many sentences of another source
  of the same set put into the rewrite at a random sentence boundary (a
  stand-in for added context: real additions are on the story's topic);
- ``source -30 %``: a run of 30 % of the source's sentences left out of A (the
  rewriter had the fuller, later version);
- ``+3 and source -30 %``: both.

Prints, per variant, how often retold picks the source as the source
(``a_is_source`` above one half), how often it says either could be (within
0.05 of one half), and the baseline's rate: "the longer text is the source",
in the same process. The shipped decision model trained on these pairs as
they are; the changed texts are new to it.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable

import numpy as np

import retold
from _data import jsonl, l2r_news
from retold.segment import sentence_spans

SEED = 7
#: shortest other-domain source read (news sources are all read)
MIN_WORDS = 150


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, 0, len(text))]


def pairs(limit: int) -> list[tuple[str, str, str]]:
    """(set name, source, rewrite), news first, up to ``limit`` of each set."""
    sources, rewrites = l2r_news()
    out = [("news", sources[r["source_id"]], r["text"]) for r in rewrites][:limit]
    human = {r["id"]: r["text"] for r in jsonl("l2r_other_domains", "human.jsonl")}
    other = [
        ("other domains", human[r["source_id"]], r["text"])
        for r in jsonl("l2r_other_domains", "rewrites.jsonl.gz")
        if r["source_id"] in human and len(human[r["source_id"]].split()) >= MIN_WORDS
    ]
    random.Random(SEED).shuffle(other)
    return out + other[:limit]


Variant = Callable[[list[str], list[str], list[str], random.Random], tuple[str, str]]


def _insert(b: list[str], extra: list[str], rng: random.Random) -> list[str]:
    k = rng.randrange(1, len(b)) if len(b) > 1 else 1
    return b[:k] + extra + b[k:]


def _shorten(a: list[str], rng: random.Random, share: float = 0.3) -> list[str]:
    drop = max(1, round(len(a) * share))
    i = rng.randrange(0, len(a) - drop + 1)
    return a[:i] + a[i + drop :]


VARIANTS: dict[str, Variant] = {
    "as published": lambda a, b, o, rng: (" ".join(a), " ".join(b)),
    "+2 sentences": lambda a, b, o, rng: (" ".join(a), " ".join(_insert(b, o[:2], rng))),
    "+4 sentences": lambda a, b, o, rng: (" ".join(a), " ".join(_insert(b, o[:4], rng))),
    "source -30 %": lambda a, b, o, rng: (" ".join(_shorten(a, rng)), " ".join(b)),
    "+3 and source -30 %": lambda a, b, o, rng: (
        " ".join(_shorten(a, rng)),
        " ".join(_insert(b, o[:3], rng)),
    ),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=100, help="pairs of each set (default 100)")
    args = ap.parse_args()
    rows = pairs(args.pairs)
    split = [(name, _sentences(a), _sentences(b)) for name, a, b in rows]
    keep = [i for i, (_, a, b) in enumerate(split) if len(a) >= 4 and len(b) >= 3]
    print(f"{len(keep)} pairs with 4+ source and 3+ rewrite sentences")
    print("variant, set: retold right | either could be | longer-is-source baseline right")
    for vname, make in VARIANTS.items():
        rng = random.Random(SEED)
        by: dict[str, list[tuple[float, bool]]] = {}
        for i in keep:
            name, a, b = split[i]
            # context from another source of the same set
            j = rng.choice([k for k in keep if k != i and split[k][0] == name])
            ta, tb = make(a, b, split[j][1], rng)
            pa = retold.compare(ta, tb).probabilities["a_is_source"]
            by.setdefault(name, []).append((pa, len(ta) > len(tb)))
        for name, got in by.items():
            p = np.array([x for x, _ in got])
            base = np.array([y for _, y in got])
            print(
                f"  {vname:22s} {name:14s} {np.mean(p > 0.5):.3f} | "
                f"{np.mean(np.abs(p - 0.5) <= 0.05):.3f} | {base.mean():.3f}  (n={len(p)})"
            )


if __name__ == "__main__":
    main()
