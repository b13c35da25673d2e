"""Stories: quality of derivation edges on a synthetic corpus with known history.

    .venv/bin/python benchmarks/bench_stories.py [--no-times]

``--no-times`` removes every publication time, so every direction comes from
the text (the pair engine's learned direction, :mod:`retold.decision`).

Builds the corpus of benchmarks/stories_corpus.py into a fresh index, links
it with StoryBook, and prints:

- directed edge precision and recall (an edge counts only with the right
  direction), and undirected recall (the pair was linked either way);
- direction accuracy on edges found, split by whether both ends had times;
- story pair F1: over all pairs of articles, "same story" against the truth;
- the time spent indexing and linking.
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stories_corpus
from retold.index import Index
from retold.stories import StoryBook
from retold.types import Document


def evaluate(k: int = 10, **corpus_kw: Any) -> dict[str, Any]:
    items, truth, true_stories = stories_corpus.build(**corpus_kw)
    timed = {i.id: i.published for i in items}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with Index(Path(tmp) / "ix") as ix:
            ix.add([Document(i.text, id=i.id, date=i.published) for i in items])
            t1 = time.perf_counter()
            with StoryBook(ix, k=k) as book:
                book.update()
                t2 = time.perf_counter()
                found = book.stories(singletons=True)
    edges = {(e.source, e.target) for s in found for e in s.edges}
    und_truth = {frozenset(e) for e in truth}
    und_found = {frozenset(e) for e in edges}
    tp = len(edges & truth)
    right_dir = [e for e in edges if frozenset(e) in und_truth]
    both_timed = [e for e in right_dir if timed[e[0]] and timed[e[1]]]

    def pairs(groups: list[set[str]]) -> set[frozenset[str]]:
        return {frozenset(p) for g in groups for p in itertools.combinations(sorted(g), 2)}

    tp_pairs, fp_pairs = pairs(true_stories), pairs([set(s.articles) for s in found])
    p_story = len(tp_pairs & fp_pairs) / max(1, len(fp_pairs))
    r_story = len(tp_pairs & fp_pairs) / max(1, len(tp_pairs))
    return {
        "articles": len(items),
        "true_edges": len(truth),
        "found_edges": len(edges),
        "edge_precision": tp / max(1, len(edges)),
        "edge_recall": tp / max(1, len(truth)),
        "undirected_edge_recall": len(und_found & und_truth) / max(1, len(und_truth)),
        "direction_accuracy": tp / max(1, len(right_dir)),
        "direction_accuracy_both_timed": sum(e in truth for e in both_timed)
        / max(1, len(both_timed)),
        "direction_accuracy_untimed": (
            sum(e in truth for e in right_dir if e not in both_timed)
            / max(1, len(right_dir) - len(both_timed))
        ),
        "story_pair_precision": p_story,
        "story_pair_recall": r_story,
        "story_pair_f1": 2 * p_story * r_story / max(1e-9, p_story + r_story),
        "index_s": round(t1 - t0, 1),
        "link_s": round(t2 - t1, 1),
    }


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--no-times", action="store_true", help="remove every publication time")
    args = ap.parse_args()
    print(json.dumps(evaluate(p_known=0.0) if args.no_times else evaluate(), indent=2))
