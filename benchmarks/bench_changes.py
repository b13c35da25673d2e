"""What changed: edits put into development texts, found or not, against simple baselines.

    .venv/bin/python benchmarks/bench_changes.py [--limit N]

Nothing in the shared data labels the changes a rewrite made, so known ones are
made: into each (source, rewrite) pair of ``l2r_news_dev`` one edit of a kind
at a time goes into the rewrite, on content it kept from the source (a
figure, a quote it kept word for word, a person's name, a weekday or month):

- **number**: a figure raised by about a quarter (years left alone);
- **quote**: one word inside a quote swapped for another word of the text
  (a quote the rewrite reworded is first put back as the source has it);
- **name**: a person's surname swapped for another;
- **date**: a weekday or month swapped for another (not one that ends a
  name, "Sheffield Wednesday", nor "May", as often a name as a month).

Each is also put into an exact copy of the source (the copy case). An edit is
found when retold reports a change of its kind whose span in B overlaps it.

Baselines, in the same run:

- **copy case**: a word diff (``difflib.SequenceMatcher`` over the word
  tokens), each differing region a change: found when a region overlaps the edit;
- **rewrite case**: per kind, the tokens of that kind in B that A lacks (a
  bag-of-numbers, quoted strings not in A, capitalised names not in A,
  weekday and month words not in A): found when the edit's token is flagged.

Printed per case and kind: found (retold, baseline), and the flags each
raises on the same pairs with no edit made (for the rewrite, some of those are
real changes the rewriter made; for the copy, every one is a false alarm).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rapidfuzz import fuzz

from _data import l2r_news
from retold.changes.dates import _MONTH_NAMES, _NAMED_DAYS, _WEEKDAY_NAMES
from retold.comparison import compare_prepared, prepare
from retold.types import Document, Report

KINDS = ("number", "quote", "name", "date")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\w,])|(?<![\w.,])\d+(?![\w,])")
#: a quoted passage; short ones are matched too, so that quotes pair left to
#: right (a straight quote closes one passage and opens the next)
_QUOTE = re.compile(r"(?<!\w)[\"“](?=\S)([^\"“”\n]{1,400})(?<=\S)[\"”](?!\w)")
_WORD = re.compile(r"[A-Za-z]{5,}")
_PERSON = re.compile(r"(?<=[a-z,] )([A-Z][a-z]+) ([A-Z][a-z]{3,})\b")
_WEEKDAYS = _WEEKDAY_NAMES
#: "May" left out: it is a name as often as a month (Theresa May)
_MONTHS = tuple(m for m in _MONTH_NAMES if m and m != "May")
_DATE = re.compile(r"\b(?:" + "|".join(_WEEKDAYS + _MONTHS) + r")\b")
_SURNAMES = ("Harlow", "Benning", "Castell", "Morrow", "Quaid", "Ellery", "Danvers", "Pryce")

#: an edit: the new text of B, and the span of the edit in it
Edit = tuple[str, tuple[int, int]]


def _replace(text: str, start: int, end: int, new: str) -> Edit:
    return text[:start] + new + text[end:], (start, start + len(new))


def edit_number(a: str, b: str, rng: random.Random) -> Edit | None:
    found = [m for m in _NUMBER.finditer(b) if m.group() in a]
    found = [m for m in found if not 1900 <= int(m.group().replace(",", "")) <= 2100]
    if not found:
        return None
    m = rng.choice(found)
    n = int(m.group().replace(",", ""))
    new = n + max(1, round(n * 0.25))
    shown = f"{new:,}" if "," in m.group() else str(new)
    return _replace(b, m.start(), m.end(), shown)


def edit_quote(a: str, b: str, rng: random.Random) -> Edit | None:
    """A word of a quote swapped. A quote B keeps word for word is edited in
    place; in a rewrite, which rewords most quotes, a quote B reworded is
    first put back as A has it (the rewrite kept the quote, as a copy-editor
    would), then edited: the words around it stay the rewriter's."""
    quotes_a = [q.group(1) for q in _QUOTE.finditer(a) if len(q.group(1).split()) >= 5]
    found = []
    for m in _QUOTE.finditer(b):
        if len(m.group(1).split()) < 5 or not quotes_a:
            continue
        best = max(quotes_a, key=lambda q: fuzz.ratio(q, m.group(1)))
        if fuzz.ratio(best, m.group(1)) >= 70:
            found.append((m, best))
    if not found:
        return None
    m, original = rng.choice(found)
    b = b[: m.start(1)] + original + b[m.end(1) :]
    words = [w for w in _WORD.finditer(original) if w.start() > 0]
    vocab = sorted({w.lower() for w in _WORD.findall(a)} - {w.group().lower() for w in words})
    if not words or not vocab:
        return None
    w = rng.choice(words)
    at = m.start(1) + w.start()
    return _replace(b, at, at + len(w.group()), rng.choice(vocab))


def edit_name(a: str, b: str, rng: random.Random) -> Edit | None:
    people = [m for m in _PERSON.finditer(b) if m.group() in a]
    if not people:
        return None
    m = rng.choice(people)
    new = rng.choice([s for s in _SURNAMES if s not in (a + b)])
    return _replace(b, m.start(2), m.end(2), new)


def _names_a_day(text: str, m: re.Match[str]) -> bool:
    """A weekday that ends a name ("Sheffield Wednesday"): no date to edit."""
    before = re.search(r"(\w+) $", text[max(0, m.start() - 20) : m.start()])
    return before is not None and before.group(1).lower() in _NAMED_DAYS.get(m.group().lower(), ())


def edit_date(a: str, b: str, rng: random.Random) -> Edit | None:
    found = [m for m in _DATE.finditer(b) if m.group() in a and not _names_a_day(b, m)]
    if not found:
        return None
    m = rng.choice(found)
    pool = _WEEKDAYS if m.group() in _WEEKDAYS else _MONTHS
    return _replace(b, m.start(), m.end(), rng.choice([x for x in pool if x != m.group()]))


EDITS: dict[str, Callable[[str, str, random.Random], Edit | None]] = {
    "number": edit_number,
    "quote": edit_quote,
    "name": edit_name,
    "date": edit_date,
}


def _overlaps(span: tuple[int, int], edit: tuple[int, int]) -> bool:
    return span[0] < edit[1] and edit[0] < span[1]


#: the kinds of change that report an edit: a day of the month is a number
#: the date change reports ("13 August" to "16 August")
_REPORTED_AS = {"number": ("number", "date")}


def retold_found(rep: Report, kind: str, at: tuple[int, int]) -> bool:
    kinds = _REPORTED_AS.get(kind, (kind,))
    return any(c.kind in kinds and _overlaps(c.b, at) for c in rep.changes)


def retold_flags(rep: Report) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for c in rep.changes:
        out[c.kind] += 1
    return out


# --- baselines ------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]


def diff_regions(a: str, b: str) -> list[tuple[int, int]]:
    """Spans in B of the regions a word diff marks as replaced or inserted."""
    ta, tb = _tokens(a), _tokens(b)
    sm = difflib.SequenceMatcher(None, [t[0] for t in ta], [t[0] for t in tb], autojunk=False)
    out = []
    for op, _i1, _i2, j1, j2 in sm.get_opcodes():
        if op in ("replace", "insert") and j2 > j1:
            out.append((tb[j1][1], tb[j2 - 1][2]))
    return out


def bag_flags(a: str, b: str, kind: str) -> list[tuple[int, int]]:
    """Spans in B of the tokens of ``kind`` that A lacks."""
    if kind == "number":
        found = [(m.group(), m.span()) for m in _NUMBER.finditer(b)]
    elif kind == "quote":
        found = [(m.group(1), m.span(1)) for m in _QUOTE.finditer(b) if len(m.group(1)) >= 20]
    elif kind == "name":
        found = [(m.group(), m.span()) for m in _PERSON.finditer(b)]
    else:
        found = [(m.group(), m.span()) for m in _DATE.finditer(b)]
    return [span for token, span in found if token not in a]


# --- the run --------------------------------------------------------------------


def measure(limit: int = 0) -> dict[str, dict[str, float]]:
    """Per ``case/kind``: edits made, found (retold, baseline), flags per pair with no edit."""
    sources, rewrites = l2r_news()
    pairs = [(r["id"], sources[r["source_id"]], r["text"]) for r in rewrites]
    if limit:
        pairs = pairs[:limit]
    found: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    flags: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for pair_id, a, rewrite in pairs:
        pa = prepare(Document(a))
        for case, b in (("copy", a), ("rewrite", rewrite)):
            clean = compare_prepared(pa, prepare(Document(b)))
            counted = retold_flags(clean)
            regions = diff_regions(a, b)
            for kind in KINDS:
                flags[case, kind, "retold"].append(counted.get(kind, 0))
                base = len(regions) if case == "copy" else len(bag_flags(a, b, kind))
                flags[case, kind, "baseline"].append(base)
                rng = random.Random(f"{pair_id}/{case}/{kind}")
                edit = EDITS[kind](a, b, rng)
                if edit is None:
                    continue
                text, at = edit
                rep = compare_prepared(pa, prepare(Document(text)))
                found[case, kind, "retold"].append(retold_found(rep, kind, at))
                spans = diff_regions(a, text) if case == "copy" else bag_flags(a, text, kind)
                found[case, kind, "baseline"].append(any(_overlaps(s, at) for s in spans))
    out: dict[str, dict[str, float]] = {}
    for case in ("copy", "rewrite"):
        for kind in KINDS:
            got, hits = found[case, kind, "retold"], found[case, kind, "baseline"]
            out[f"{case}/{kind}"] = {
                "edits": len(got),
                "found": sum(got) / len(got) if got else 0.0,
                "baseline_found": sum(hits) / len(hits) if hits else 0.0,
                "flags": sum(flags[case, kind, "retold"]) / len(pairs),
                "baseline_flags": sum(flags[case, kind, "baseline"]) / len(pairs),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="pairs to use (0: all)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    out = measure(args.limit)
    took = time.perf_counter() - t0
    print(f"measured in {took:.0f} s. Columns: edits made | found retold, baseline |")
    print("  flags per pair with no edit, retold, baseline (copy: word diff regions, any kind)")
    for key, row in out.items():
        case, kind = key.split("/")
        print(
            f"  {case:8s} {kind:7s} {row['edits']:4.0f} | {row['found']:.3f} "
            f"{row['baseline_found']:.3f} | {row['flags']:.2f} {row['baseline_flags']:.2f}"
        )
    print(json.dumps({k: {m: round(v, 4) for m, v in r.items()} for k, r in out.items()}))


if __name__ == "__main__":
    main()
