"""Quotations: where they are in a text, and how a rewrite changed them."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from retold.changes._passages import _MAX_QUOTES, _Out, _Passage, _tok_range
from retold.text import STOP_WORDS, fold
from retold.types import Span

# ---------------------------------------------------------------------------
# quotes

_Q_RE = re.compile(r"[\"“”„«»‹›‘’‚'「」『』]")
_DIALOGUE_RE = re.compile(r"[ \t]*[—–―](?=\S)")
_DIALOGUE_BREAK_RE = re.compile(r"\s[—–―]")
_DASH_RE = re.compile(r"[—–―]")
_LINE_RE = re.compile(r"[^\n]+")

_DOUBLE_OPENERS = '“„«»‹›「『"'
_OPEN_CONTEXT = " \t([{—–-/“\"«„‘'¿¡"


def _closers(text: str, p: int, ls: int, le: int) -> str:
    """The marks that close a quotation opened at ``p``, or "" if ``p`` opens none."""
    c = text[p]
    prev = text[p - 1] if p > ls else " "
    nxt = text[p + 1] if p + 1 < le else " "
    if c == "“":
        return "”"
    if c == "„":
        return "“”"
    if c in "«‹":
        return "»" if c == "«" else "›"
    if c in "»›":
        # German »…«; in French « … » the closing » is followed by a space
        return ("«" if c == "»" else "‹") if prev in _OPEN_CONTEXT and not nxt.isspace() else ""
    if c == "「":
        return "」"
    if c == "『":
        return "』"
    if c == '"':
        return '"' if prev in _OPEN_CONTEXT and not nxt.isspace() else ""
    if c in "‘'‚":
        # an apostrophe (don't, '90s) is not an opening mark
        return "’'" if prev in _OPEN_CONTEXT and nxt.isalpha() else ""
    return ""


def _can_close(text: str, q: int, le: int, opener: str) -> bool:
    if opener not in "\"‘'‚":
        return True
    prev = text[q - 1]
    nxt = text[q + 1] if q + 1 < le else " "
    # a closing mark follows text and is not inside a word (don't, Maduro's)
    return not prev.isspace() and not nxt.isalnum()


def _add_quote(text: str, s: int, e: int, out: list[Span], single: bool = False) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e - s >= (2 if single else 1) and any(c.isalnum() for c in text[s:e]):
        out.append((s, e))


def _dialogue(text: str, pos: int, le: int, out: list[Span]) -> None:
    """Speech after a dialogue dash, up to the narrator's "—dijo", and again after it."""
    while pos < le:
        m = _DIALOGUE_BREAK_RE.search(text, pos, le)
        _add_quote(text, pos, m.start() if m else le, out)
        if m is None:
            return
        n = _DASH_RE.search(text, m.end(), le)
        if n is None:
            return
        pos = n.end()
        while pos < le and text[pos] in ".,;: \t":
            pos += 1


def find_quotes(text: str, dialogue: bool) -> list[Span]:
    out: list[Span] = []
    for line in _LINE_RE.finditer(text):
        ls, le = line.span()
        if dialogue and (d := _DIALOGUE_RE.match(text, ls, le)):
            _dialogue(text, d.end(), le, out)
            continue
        marks = [m.start() for m in _Q_RE.finditer(text, ls, le)]
        # where each kind of mark could close a quotation, looked up by bisection so that a
        # line full of unmatched marks stays linear
        closing: dict[str, list[int]] = {}
        for q in marks:
            c = text[q]
            closing.setdefault(c, []).append(q)
            if c in "\"'’" and _can_close(text, q, le, "'"):
                closing.setdefault("straight " + c, []).append(q)
        i = 0
        while i < len(marks):
            p = marks[i]
            opener = text[p]
            closers = _closers(text, p, ls, le)
            if not closers:
                i += 1
                continue
            straight = opener in "\"‘'‚"
            found = min(
                (
                    lst[k]
                    for c in closers
                    if (lst := closing.get("straight " + c if straight else c))
                    and (k := bisect.bisect_right(lst, p)) < len(lst)
                ),
                default=-1,
            )
            if found < 0:
                # a paragraph of a multi-paragraph quotation opens and never closes
                if opener in _DOUBLE_OPENERS and not text[ls:p].strip():
                    _add_quote(text, p + 1, le, out)
                i += 1
                continue
            _add_quote(text, p + 1, found, out, single=opener in "‘'‚")
            i = bisect.bisect_right(marks, found)
    return out


# ---------------------------------------------------------------------------
# comparisons


@dataclass(frozen=True, slots=True)
class _Quote:
    span: Span
    words: tuple[str, ...]
    keys: tuple[str, ...]
    content: frozenset[str]
    #: token indices (within the passage) the quote covers
    t1: int
    t2: int


def _quotes_in(p: _Passage) -> list[_Quote]:
    s, e = p.span
    doc = p.doc
    out: list[_Quote] = []
    n = max(0, bisect.bisect_right(doc.quotes, (s, s)) - 1)
    while n < len(doc.quotes) and doc.quotes[n][0] < e and len(out) < _MAX_QUOTES:
        qs, qe = doc.quotes[n]
        n += 1
        if qe <= s:
            continue
        k1 = max(bisect.bisect_left(doc.tok_starts, qs), p.t0)
        k2 = min(bisect.bisect_right(doc.tok_ends, qe), p.t1)
        if k1 >= k2:
            continue
        ks = range(k1 - p.t0, k2 - p.t0)
        toks = doc.toks[k1:k2]
        # a quotation running past the passage is cut to the words inside it
        span = (qs, qe) if s <= qs and qe <= e else (toks[0].start, toks[-1].end)
        content = frozenset(t.key for t in toks if t.fold not in STOP_WORDS) or frozenset(
            t.key for t in toks
        )
        words = tuple(t.fold for t in toks)
        out.append(_Quote(span, words, tuple(t.key for t in toks), content, ks[0], ks[-1] + 1))
    return out


def _is_sub(x: Sequence[str], y: Sequence[str]) -> bool:
    n = len(x)
    return 0 < n <= len(y) and any(tuple(y[k : k + n]) == tuple(x) for k in range(len(y) - n + 1))


def _similarity(x: Sequence[str], y: Sequence[str]) -> float:
    # the share of words in a longest common subsequence (RapidFuzz's Indel similarity)
    return Indel.normalized_similarity(list(x), list(y))


def _region(q: _Quote, p: _Passage, usable: list[bool]) -> tuple[int, int, int]:
    """(first, last, hits): the densest run of passage tokens matching the quote's words."""
    idx = [k for k, ok in enumerate(usable) if ok]
    keys = [p.toks[k].key for k in idx]
    blocks = Indel.opcodes(list(q.keys), keys).as_matching_blocks()
    hits = [idx[b.b + n] for b in blocks for n in range(b.size)]
    best = (0, 0, 0)
    start = 0
    for k in range(1, len(hits) + 1):
        if k == len(hits) or hits[k] - hits[k - 1] > 3:
            if k - start > best[2]:
                best = (hits[start], hits[k - 1], k - start)
            start = k
    return best


def _pair_off(qa: list[_Quote], qb: list[_Quote]) -> tuple[dict[int, int], dict[int, int]]:
    """Quotes of A and B sharing enough content words, best first: (A's partner in B, B's
    partner in A)."""
    cands: list[tuple[float, int, int]] = []
    for i, x in enumerate(qa):
        for j, y in enumerate(qb):
            inter = len(x.content & y.content)
            if not inter:
                continue
            dice = 2 * inter / (len(x.content) + len(y.content))
            cont = inter / min(len(x.content), len(y.content))
            # a short quote inside a longer one (cut, or merged with the next) still pairs
            if dice >= 0.35 or (cont >= 0.5 and inter >= 2):
                cands.append((dice + cont, i, j))
    cands.sort(key=lambda c: (-c[0], c[1], c[2]))
    pair_of_a: dict[int, int] = {}
    pair_of_b: dict[int, int] = {}
    for _, i, j in cands:
        if i not in pair_of_a and j not in pair_of_b:
            pair_of_a[i], pair_of_b[j] = j, i
    return pair_of_a, pair_of_b


def _reworded(
    out: _Out, qa: list[_Quote], qb: list[_Quote], left_a: list[int], left_b: list[int]
) -> None:
    """In passages about the same thing, a quote left on each side is one quote, reworded;
    those reported leave ``left_a`` and ``left_b``."""
    # passages paired loosely may each hold a quote the other does not: they must share words
    one_each = len(left_a) == len(left_b) == 1 and not out.loose
    for i in list(left_a):
        j2 = next((j for j in left_b if one_each or qa[i].content & qb[j].content), None)
        if j2 is not None:
            sim = _similarity(qa[i].words, qb[j2].words)
            out.add("quote", qa[i].span, qb[j2].span, f"quote reworded (similarity {sim:.2f})")
            left_a.remove(i)
            left_b.remove(j2)


def quote_changes(out: _Out) -> None:
    qa, qb = _quotes_in(out.a), _quotes_in(out.b)
    if not qa and not qb:
        return
    pair_of_a, pair_of_b = _pair_off(qa, qb)
    for i, j in sorted(pair_of_a.items()):
        _paired_quotes(out, qa, qb, i, j)
    # left over: quotes whose words are not inside a quote on the other side
    left_a = [
        i
        for i, x in enumerate(qa)
        if i not in pair_of_a and not any(_is_sub(x.words, z.words) for z in qb)
    ]
    left_b = [
        j
        for j, y in enumerate(qb)
        if j not in pair_of_b and not any(_is_sub(y.words, z.words) for z in qa)
    ]
    left_a = _marks_moved(out, qa, qb, left_a, forward=True)
    left_b = _marks_moved(out, qb, qa, left_b, forward=False)
    if out.related and left_a and left_b:
        _reworded(out, qa, qb, left_a, left_b)
    _vanished(out, qa, left_a, forward=True)
    _vanished(out, qb, left_b, forward=False)


def _paired_quotes(out: _Out, qa: list[_Quote], qb: list[_Quote], i: int, j: int) -> None:
    x, y = qa[i], qb[j]
    if x.words == y.words:
        return
    sim = _similarity(x.words, y.words)
    if _is_sub(x.words, y.words):
        # several A quotes merged into one B quote is not a rewording
        covered = sum(len(z.words) for z in qa if _is_sub(z.words, y.words))
        if len(y.words) - covered <= 1:
            return
        detail = f"quote extended (similarity {sim:.2f})"
    elif _is_sub(y.words, x.words):
        covered = sum(len(z.words) for z in qb if _is_sub(z.words, x.words))
        if len(x.words) - covered <= 1:
            return
        detail = f"quote shortened (similarity {sim:.2f})"
    else:
        detail = f"quote reworded (similarity {sim:.2f})"
    out.add("quote", x.span, y.span, detail)


def _speech_like(p: _Passage, q: _Quote) -> bool:
    """Not a scare-quoted word ("refugee-friendly") or a title of a work ("Blue Velvet"),
    whose quote marks come and go as a matter of style."""
    words = p.doc.text[q.span[0] : q.span[1]].split()
    titled = all(w[0].isupper() or fold(w) in STOP_WORDS for w in words if w[0].isalpha())
    return len(words) >= 2 and not titled


def _marks_moved(
    out: _Out, mine: list[_Quote], theirs: list[_Quote], left: list[int], forward: bool
) -> list[int]:
    """Report quotes whose words the other side has without quote marks; return the rest."""
    here, other = (out.a, out.b) if forward else (out.b, out.a)
    in_quote = [False] * len(other.toks)
    for z in theirs:
        for k in range(z.t1, z.t2):
            in_quote[k] = True
    rest: list[int] = []
    for i in left:
        x = mine[i]
        first, last, hits = _region(x, other, [not f for f in in_quote])
        cover = hits / len(x.keys)
        if not (cover >= 0.6 or (cover >= 0.5 and hits >= 3)):
            rest.append(i)
            continue
        if not _speech_like(here, x):
            continue
        region = _tok_range(other, first, last + 1)
        words = tuple(t.fold for t in other.toks[first : last + 1])
        detail = "quote marks removed" if forward else "quote marks added"
        if words != x.words:
            detail += f" (reworded, similarity {_similarity(x.words, words):.2f})"
        if forward:
            out.add("quote", x.span, region, detail)
        else:
            out.add("quote", region, x.span, detail)
    return rest


def _vanished(out: _Out, mine: list[_Quote], left: list[int], forward: bool) -> None:
    """Quotes with no counterpart at all: reported when their words are clearly absent."""
    if not out.related:
        return
    other = out.b if forward else out.a
    for i in left:
        x = mine[i]
        _, _, hits = _region(x, other, [True] * len(other.toks))
        if hits / len(x.keys) < 0.3 and len(x.content) >= 3:
            if forward:
                out.add("quote", x.span, None, "quote dropped")
            else:
                out.add("quote", None, x.span, "quote added")
