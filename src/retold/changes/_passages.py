"""Documents and passages: what the per-kind comparisons read and write."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retold.types import Change, ChangeKind, Span

if TYPE_CHECKING:
    # only the types: the per-kind modules import this one
    from retold.changes.dates import _Date
    from retold.changes.names import _Name
    from retold.changes.numbers import _Num
from retold.changes._tokens import _Tok
from retold.text import STOP_WORDS

# ---------------------------------------------------------------------------
# documents and passages


@dataclass(slots=True)
class _Doc:
    text: str
    lang: str
    toks: list[_Tok]
    tok_starts: list[int]
    quotes: list[Span]
    dates: list[_Date]
    nums: list[_Num]
    names: list[_Name]
    tok_ends: list[int]
    #: per token: its key for the negation alignment and whether it negates
    neg_keys: list[str]
    neg_flags: list[int]
    #: the words of every name in the document (see ``names._name_norm``)
    name_words: frozenset[str]


#: the comparisons pair items across passages, which is quadratic; passages are a sentence
#: or a few, so these bounds only bite on misuse (whole articles given as one passage),
#: where the items past them are not compared
_MAX_ITEMS = 300
_MAX_QUOTES = 60


def _inside(items: Sequence[_Date | _Num | _Name], s: int, e: int) -> list[int]:
    """Indices of the items (sorted by start) lying wholly within [s, e), at most _MAX_ITEMS."""
    k = bisect.bisect_left(items, s, key=lambda x: x.start)
    out: list[int] = []
    while k < len(items) and items[k].start < e and len(out) < _MAX_ITEMS:
        if items[k].end <= e:
            out.append(k)
        k += 1
    return out


@dataclass(slots=True)
class _Passage:
    doc: _Doc
    span: Span
    toks: list[_Tok]
    #: the passage's tokens are the document's tokens [t0, t1)
    t0: int
    t1: int


def _passage(doc: _Doc, span: Span) -> _Passage:
    i0 = bisect.bisect_left(doc.tok_starts, span[0])
    i1 = max(i0, bisect.bisect_right(doc.tok_ends, span[1]))
    return _Passage(doc, span, doc.toks[i0:i1], i0, i1)


def _tok_range(p: _Passage, i1: int, i2: int) -> Span:
    """Character span of passage tokens [i1, i2); an empty range gives its two neighbours."""
    toks = p.toks
    if not toks:
        return p.span
    if i2 > i1:
        return toks[i1].start, toks[i2 - 1].end
    lo, hi = max(0, i1 - 1), min(len(toks) - 1, i1)
    return toks[lo].start, toks[hi].end


class _Out:
    """Collects the changes of one passage pair, slicing their texts from the documents."""

    def __init__(self, a: _Passage, b: _Passage) -> None:
        self.a, self.b = a, b
        self.items: list[Change] = []
        #: paired for this stage only (:mod:`.loose`), not aligned
        self.loose = False
        #: share of content words in common: something said on one side only is worth
        #: reporting only when the two passages are plainly about the same thing. Words
        #: cannot tell that across languages; there the aligner's word is taken for it.
        self.cross = a.doc.lang != b.doc.lang
        self.overlap = 1.0
        if not self.cross:
            ka = {t.key for t in a.toks if t.fold not in STOP_WORDS}
            kb = {t.key for t in b.toks if t.fold not in STOP_WORDS}
            self.overlap = 2 * len(ka & kb) / (len(ka) + len(kb)) if ka and kb else 0.0

    @property
    def related(self) -> bool:
        return self.overlap >= _RELATED

    def add(self, kind: ChangeKind, a: Span | None, b: Span | None, detail: str) -> None:
        sa = a if a is not None else self.a.span
        sb = b if b is not None else self.b.span
        self.items.append(
            Change(
                kind,
                sa,
                sb,
                self.a.doc.text[sa[0] : sa[1]],
                self.b.doc.text[sb[0] : sb[1]],
                detail,
            )
        )


#: content-word overlap (Dice) above which passages count as saying the same thing
_RELATED = 0.2


def _overlap(x: Span, y: Span) -> bool:
    """Whether spans ``x`` and ``y`` share a character."""
    return x[0] < y[1] and y[0] < x[1]
