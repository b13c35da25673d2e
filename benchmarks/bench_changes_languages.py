"""What changed, beyond English: false alarms on translations, edits found in every language.

    .venv/bin/python benchmarks/bench_changes_languages.py [--limit N]

``bench_changes.py`` measures the changes stage on English news. This one
measures whether its rules read the other languages of SemEval-2022 Task 8's
articles, on two kinds of pair:

- **translations** (A: an original article, B: HFL's machine translation of
  it into another language). A translation says what its original says, so
  every number, date or negation change reported on one is a false alarm
  (machine translation rarely alters a figure). Then one figure of B that A
  also gives (in digits) is raised by about a quarter, and the edit is found
  when a number or date change's span in B overlaps it.
- **copies** (A: an article in its own language, B: an exact copy): one figure
  in digits raised the same way, found or not; the unedited copy raises no flag.

Baseline, in the same run: a bag of numbers (the digit tokens of B that A
lacks, each a flag), which needs no language at all.

Printed per language (or pair of languages): pairs, flags per pair with no
edit (retold's number, date, negation; the bag's), and edits found (retold, bag).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import semeval, semeval_translations
from bench_changes import retold_found
from retold.comparison import compare_prepared, prepare
from retold.types import Document

#: a figure in digits (thousands separators of either kind); not a code
#: ("COVID-19", "F16"), an ordinal ("57th") or part of a numeric date
#: ("31/12/2019"); CJK characters may touch it ("120人")
_FIGURE = re.compile(
    r"(?<![A-Za-z\d.,/])(?<![A-Za-z]-)(?:\d{1,3}(?:[,.]\d{3})+|\d+)"
    r"(?![\d.,]*\d)(?!/\d)(?![A-Za-z])"
)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
KINDS = ("number", "date", "negation")


def _articles() -> dict[str, tuple[str, str]]:
    """SemEval's original articles by id: (language, text)."""
    out: dict[str, tuple[str, str]] = {}
    for r in semeval():
        if r["augmented"]:
            continue
        for k, aid in zip(("1", "2"), r["pair_id"].split("_"), strict=True):
            out.setdefault(f"semeval-{aid}", (r[f"lang{k}"], r[f"text{k}"]))
    return out


def edit_figure(a: str, b: str, rng: random.Random) -> tuple[str, tuple[int, int]] | None:
    """B with one figure it shares with A (not a year) raised by about a quarter."""
    plain = {_plain(m.group()) for m in _FIGURE.finditer(a)}
    found = [
        m
        for m in _FIGURE.finditer(b)
        if _plain(m.group()) in plain and not 1900 <= int(_plain(m.group())) <= 2100
    ]
    if not found:
        return None
    m = rng.choice(found)
    n = int(_plain(m.group()))
    new = str(n + max(1, round(n * 0.25)))
    return b[: m.start()] + new + b[m.end() :], (m.start(), m.start() + len(new))


def _plain(figure: str) -> str:
    return figure.replace(",", "").replace(".", "")


def bag_of_numbers(a: str, b: str) -> list[tuple[int, int]]:
    """Spans in B of the digit tokens A lacks (separators ignored)."""
    have = {_plain(m.group()) for m in _DIGITS.finditer(a)}
    return [m.span() for m in _DIGITS.finditer(b) if _plain(m.group()) not in have]


def measure(limit: int = 0) -> dict[str, dict[str, float]]:
    articles = _articles()
    pairs: list[tuple[str, str, str, str]] = []  # (group, lang A, A, B) and the langs
    for q in semeval_translations():
        if q["source_id"] in articles:
            lang_a, a = articles[q["source_id"]]
            pairs.append((f"translation {q['languages']}", lang_a, a, q["text"]))
    seen: set[str] = set()
    for lang, text in sorted(articles.values()):
        if text not in seen:
            seen.add(text)
            pairs.append((f"copy {lang}", lang, text, text))
    if limit:
        pairs = pairs[:: max(1, len(pairs) // limit)]
    flags: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    found: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    prepared: dict[str, object] = {}
    for n, (group, _lang_a, a, b) in enumerate(pairs):
        pa = prepared.get(a) or prepared.setdefault(a, prepare(Document(a)))
        rep = compare_prepared(pa, prepare(Document(b)))  # type: ignore[arg-type]
        # each pair counts in its group and in all its kind's pairs
        groups = (group, group.split()[0] + " all")
        for g in groups:
            for kind in KINDS:
                flags[g][kind].append(float(sum(c.kind == kind for c in rep.changes)))
            flags[g]["bag"].append(float(len(bag_of_numbers(a, b))))
        edit = edit_figure(a, b, random.Random(f"{n}/{group}"))
        if edit is None:
            continue
        text, at = edit
        got = compare_prepared(pa, prepare(Document(text)))  # type: ignore[arg-type]
        hit = retold_found(got, "number", at)
        bag_hit = any(s[0] < at[1] and at[0] < s[1] for s in bag_of_numbers(a, text))
        for g in groups:
            found[g]["retold"].append(hit)
            found[g]["bag"].append(bag_hit)
    out: dict[str, dict[str, float]] = {}
    for group in sorted(flags):
        f, hits = flags[group], found[group]
        row = {"pairs": float(len(f["bag"]))}
        row |= {f"flags_{k}": sum(v) / len(v) for k, v in f.items()}
        row["edits"] = float(len(hits["retold"]))
        for who in ("retold", "bag"):
            row[f"found_{who}"] = sum(hits[who]) / len(hits[who]) if hits[who] else float("nan")
        out[group] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="about this many pairs (0: all)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    out = measure(args.limit)
    print(f"measured in {time.perf_counter() - t0:.0f} s. Columns: pairs | flags per pair with")
    print("  no edit: retold number, date, negation, bag of numbers | edits, found retold, bag")
    for group, r in out.items():
        print(
            f"  {group:24s} {r['pairs']:4.0f} | {r['flags_number']:.2f} {r['flags_date']:.2f} "
            f"{r['flags_negation']:.2f} {r['flags_bag']:.2f} | {r['edits']:4.0f} "
            f"{r['found_retold']:.3f} {r['found_bag']:.3f}"
        )
    print(json.dumps({k: {m: round(v, 4) for m, v in r.items()} for k, r in out.items()}))


if __name__ == "__main__":
    main()
