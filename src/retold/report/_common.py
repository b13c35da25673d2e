"""Helpers shared by the renderers (stdlib only, so the HTML renderer stays light)."""

from __future__ import annotations

import re
from collections import Counter

from retold.types import Change, Report

__all__ = [
    "ALIGN_KINDS",
    "CHANGE_PRIORITY",
    "LOOSE_NOTE",
    "alignment_counts",
    "clamp",
    "excerpt_ranges",
    "loose_count",
    "moved_count",
    "ordered_changes",
    "shorten",
]

ALIGN_KINDS = ("verbatim", "near-verbatim", "paraphrase")

#: Order of change kinds in tables: a reworded quote is what a journalist checks first.
#: quotes first (the mission), then the credits a copy owes its source
CHANGE_PRIORITY = {
    "quote": 0,
    "credit": 1,
    "negation": 2,
    "number": 3,
    "name": 4,
    "date": 5,
    "title": 6,
}

_WS = re.compile(r"\s+")


def ordered_changes(report: Report) -> list[tuple[int, Change]]:
    """Changes with their 1-based ids, quotes first, then by position in A."""
    numbered = list(enumerate(report.changes, 1))
    numbered.sort(key=lambda ic: (CHANGE_PRIORITY.get(ic[1].kind, 99), ic[1].a[0], ic[1].b[0]))
    return numbered


def alignment_counts(report: Report) -> dict[str, int]:
    """Number of alignments of each kind, in :data:`ALIGN_KINDS` order."""
    counts: Counter[str] = Counter(al.kind for al in report.alignments)
    return {k: counts.get(k, 0) for k in ALIGN_KINDS}


def moved_count(report: Report) -> int:
    """Number of alignments marked moved (out of the two texts' common order)."""
    return sum(al.moved for al in report.alignments)


#: what a loose alignment is (``Alignment.loose``), in the reports
LOOSE_NOTE = "paired by the names, numbers and rare words shared"


def loose_count(report: Report) -> int:
    """Number of alignments paired loosely (by shared names, numbers and rare words)."""
    return sum(al.loose for al in report.alignments)


def clamp(span: tuple[int, int], n: int) -> tuple[int, int] | None:
    """The span cut to ``[0, n]``, or None if nothing is left of it."""
    s, e = max(0, span[0]), min(n, span[1])
    return (s, e) if s < e else None


def shorten(text: str, limit: int) -> str:
    """Whitespace collapsed; if longer than ``limit``, its head and tail around an ellipsis."""
    flat = _WS.sub(" ", text).strip()
    ranges = excerpt_ranges(flat, 0, len(flat), limit)
    return " … ".join(flat[s:e] for s, e in ranges)


def excerpt_ranges(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """One or two sub-ranges of ``text[start:end]`` that together fit ``limit`` characters.

    The head gets two thirds (a sentence's start says most about it), the tail the
    rest, both cut at spaces when one is near, so an excerpt never splits a word.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start <= limit or limit < 8:
        return [(start, end)]
    budget = limit - 3  # room for " … "
    head_end = start + budget * 2 // 3
    tail_start = end - (budget - budget * 2 // 3)
    # Back the head off to the previous space, the tail on to the next, within reason.
    cut = text.rfind(" ", start, head_end + 1)
    if cut > start + (head_end - start) // 2:
        head_end = cut
    cut = text.find(" ", tail_start - 1, end)
    if cut != -1 and cut < tail_start + (end - tail_start) // 2:
        tail_start = cut + 1
    return [(start, head_end), (tail_start, end)]
