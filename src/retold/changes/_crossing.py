"""Figures and dates that crossed a sentence boundary: said on the other side, not changed.

A rewrite or a translation that splits or merges sentences moves a figure
across the boundary, and the aligner pairs sentences whole: "revenues up 3% to
$21.9bn" glued to the sentence before it in A, said on its own in B, reads as
"3% dropped" from one passage pair and "3% added" in the next. Each one-sided
change (a number or a date "dropped" or "added") is taken back when the other
text gives the same value, unpaired, within about a sentence of the passage.
A value is unpaired when it too is said "dropped" or "added", or lies outside
every aligned pair; one its own pair accounts for is another mention (a
changed "14 000" is no "14").
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TypeVar

from retold.changes._passages import _Doc
from retold.changes.dates import _compatible, _Date
from retold.changes.numbers import _Num, _same
from retold.types import Change, Span

#: how far (characters) beyond its passage a value said on the other side may
#: sit and still be the one the passage gives: about a sentence
REACH = 300

_DROPPED = frozenset({"number dropped", "date dropped", "weekday dropped"})
_ADDED = frozenset({"number added", "date added", "weekday added"})

_V = TypeVar("_V", _Num, _Date)


def _within_reach(items: Sequence[_V], starts: list[int], passage: Span) -> Sequence[_V]:
    """The ``items`` (sorted by start, ``starts`` their starts) that lie
    within :data:`REACH` of ``passage``."""
    lo = bisect.bisect_left(starts, passage[0] - REACH)
    hi = bisect.bisect_right(starts, passage[1] + REACH)
    return [x for x in items[lo:hi] if x.end <= passage[1] + REACH]


def _start(x: _Num | _Date) -> int:
    return x.start


def _same_number(x: _Num, y: _Num) -> bool:
    return _same(x.value, y.value) and (x.unit == y.unit or None in (x.unit, y.unit))


def _merged(spans: list[Span]) -> tuple[list[int], list[int]]:
    """``spans`` merged where they overlap or touch, as sorted starts and ends."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(spans):
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _unpaired(items: Sequence[_V], said: set[Span], spans: list[Span]) -> list[_V]:
    # a bisection over the merged spans: a long page has thousands of figures
    # and hundreds of pairs
    starts, ends = _merged(spans)

    def covered(x: _V) -> bool:
        k = bisect.bisect_right(starts, x.start) - 1
        return k >= 0 and x.end <= ends[k]

    return [x for x in items if (x.start, x.end) in said or not covered(x)]


def _years(doc: _Doc) -> list[_Date]:
    """The document's dates and the bare years the number pass leaves to the date pass."""
    return [*doc.dates, *(_Date(x.start, x.end, y=int(x.value)) for x in doc.nums if x.year_like)]


def _taken_back(
    changes: list[Change],
    kind: str,
    items_a: Sequence[_V],
    items_b: Sequence[_V],
    same: Callable[[_V, _V], bool],
    pairs: list[tuple[Span, Span]],
) -> set[int]:
    """ids of ``kind``'s one-sided changes the other text gives nearby, unpaired."""
    dropped = [c for c in changes if c.kind == kind and c.detail in _DROPPED]
    added = [c for c in changes if c.kind == kind and c.detail in _ADDED]
    if not dropped and not added:
        return set()
    by_a = {(x.start, x.end): x for x in items_a}
    by_b = {(y.start, y.end): y for y in items_b}
    free_a = sorted(_unpaired(items_a, {c.a for c in dropped}, [p[0] for p in pairs]), key=_start)
    free_b = sorted(_unpaired(items_b, {c.b for c in added}, [p[1] for p in pairs]), key=_start)
    starts_a, starts_b = [x.start for x in free_a], [y.start for y in free_b]
    gone = set()
    for c in dropped:
        x = by_a.get(c.a)
        if x is not None and any(same(x, y) for y in _within_reach(free_b, starts_b, c.b)):
            gone.add(id(c))
    for c in added:
        y = by_b.get(c.b)
        if y is not None and any(same(x, y) for x in _within_reach(free_a, starts_a, c.a)):
            gone.add(id(c))
    return gone


def crossed(
    changes: list[Change], da: _Doc, db: _Doc, pairs: list[tuple[Span, Span]]
) -> list[Change]:
    """``changes`` without the numbers and dates that only crossed a sentence
    boundary (see the module's docstring); ``pairs`` are the aligned ones."""
    gone = _taken_back(changes, "number", da.nums, db.nums, _same_number, pairs)
    gone |= _taken_back(changes, "date", _years(da), _years(db), _compatible, pairs)
    return [c for c in changes if id(c) not in gone] if gone else changes
