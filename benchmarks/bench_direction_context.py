"""Which way it went when the rewrite is not a plain rewording: the rewriter
added context of its own, or worked from a fuller (later) version of the
source than the one compared.

    .venv/bin/python benchmarks/bench_direction_context.py

The L2R rewriters only reword, condense or expand what the source says, so
a direction learned from them alone takes the text with more content of its
own for the source. Content farms do add: a background paragraph, a
reaction, the facts of a later version of the wire story. For the scored
(source, rewrite) pairs of the verdict benchmark with 4 or more source and 3
or more rewrite sentences (news, and other domains), each pair is changed as
follows (``_perturb``, fixed seed):

- ``as published``: unchanged;
- ``+2 sentences`` / ``+4 sentences``: the opening sentences of another
  source of the same set put into the rewrite after one of its sentences (a
  stand-in for added context: real additions are on the story's topic);
- ``source -30 %``: a run of 30 % of the source's sentences left out of A (the
  rewriter had the fuller, later version);
- ``+3 and source -30 %``: both.

Prints, per variant and set, how often retold picks the source as the source
(``a_is_source`` above one half), how often it says either could be (within
0.05 of one half), and the baseline's rate: "the longer text is the source",
in the same process. The shipped decision model trained on these pairs as
they are (their direction out of fold is bench_verdicts.py's) and on changed
versions of other pairs (scripts/train_decision.py, AUGMENT), never of these.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import train_decision as td

import retold
from _perturb import add_context, first_sentences, leave_out, sentences

SEED = 7

Variant = Callable[[str, str, str, random.Random], tuple[str, str]]

VARIANTS: dict[str, Variant] = {
    "as published": lambda a, b, o, rng: (a, b),
    "+2 sentences": lambda a, b, o, rng: (a, add_context(b, first_sentences(o, 2), rng)),
    "+4 sentences": lambda a, b, o, rng: (a, add_context(b, first_sentences(o, 4), rng)),
    "source -30 %": lambda a, b, o, rng: (leave_out(a, rng), b),
    "+3 and source -30 %": lambda a, b, o, rng: (
        leave_out(a, rng),
        add_context(b, first_sentences(o, 3), rng),
    ),
}


def scored_pairs() -> list[tuple[str, str, str]]:
    """(set, source, rewrite): the verdict benchmark's scored L2R pairs."""
    texts, pairs = td.build_pairs(40)
    out = []
    for p in pairs:
        if p.role != "source" or not p.dataset.startswith("l2r"):
            continue
        a, b = texts[p.a], texts[p.b]
        if len(sentences(a)) >= 4 and len(sentences(b)) >= 3:
            out.append(("news" if p.domain == "news" else "other domains", a, b))
    return out


def evaluate() -> dict[str, dict[str, float]]:
    """Per ``variant/set``: ``right`` (retold), ``either`` (within 0.05 of one
    half), ``longer_is_source`` (the baseline) and ``pairs``."""
    rows = scored_pairs()
    out: dict[str, dict[str, float]] = {}
    for vname, make in VARIANTS.items():
        rng = random.Random(SEED)
        by: dict[str, list[tuple[float, bool]]] = {}
        for name, a, b in rows:
            # context from another pair's source of the same set
            j = rng.choice([k for k, r in enumerate(rows) if r[0] == name and r[1] != a])
            ta, tb = make(a, b, rows[j][1], rng)
            pa = retold.compare(ta, tb).probabilities["a_is_source"]
            by.setdefault(name, []).append((pa, len(ta) > len(tb)))
        for name, got in by.items():
            p = np.array([x for x, _ in got])
            out[f"{vname}/{name}"] = {
                "right": float(np.mean(p > 0.5)),
                "either": float(np.mean(np.abs(p - 0.5) <= 0.05)),
                "longer_is_source": float(np.mean([y for _, y in got])),
                "pairs": float(len(p)),
            }
    return out


def main() -> None:
    out = evaluate()
    print("variant/set: retold right | either could be | longer-is-source baseline right")
    for k, v in out.items():
        print(
            f"  {k:36s} {v['right']:.3f} | {v['either']:.3f} | "
            f"{v['longer_is_source']:.3f}  (n={v['pairs']:.0f})"
        )


if __name__ == "__main__":
    main()
