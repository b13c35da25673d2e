"""Tokens of the changes stage: words with offsets, folded and stemmed, and sentence starts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retold.text import CJK, STOP_WORDS, fold, folded_words

_SUFFIXES = ("ingly", "mente", "ings", "ing", "edly", "ed", "es", "ly", "s")


@lru_cache(maxsize=1 << 16)
def _stem(folded: str) -> str:
    """A crude stem for fuzzy word matching ("seeking" ~ "seek", "prisoners" ~ "prison")."""
    w = folded[:-2] if folded.endswith("'s") else folded
    if len(w) > 4:
        for suf in _SUFFIXES:
            if w.endswith(suf) and len(w) - len(suf) >= 3:
                w = w[: -len(suf)]
                break
    return w[:6]


# words with inner apostrophes (don't, Maduro's), initialisms (U.S., a.m.), numbers
# (2,000.5), and each CJK character (those scripts write no spaces: a run is a clause)
_WORD_RE = re.compile(
    rf"[{CJK}]|[^\W\d_{CJK}]+(?:['’][^\W\d_{CJK}]+)*(?:\.(?:[^\W\d_]\.)+)?|\d+(?:[.,:]\d+)*"
)

_QUOTE_CHARS = "\"“”„«»‹›‘’‚'「」『』"

# a period after these does not end a sentence
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "sen", "gov", "rep", "gen", "col", "lt", "sgt", "capt"),
        *("st", "jr", "sr", "prof", "rev", "mt", "ft", "no", "vs", "adm", "pres", "dept"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("sra", "srta", "dra", "lic", "ing", "av", "gral", "corp", "inc", "co", "ltd", "univ"),
    }
)


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build, and we build many
class _Tok:
    start: int
    end: int
    text: str
    fold: str
    key: str
    cap: bool
    #: first word of a sentence, a line or a quotation, where capitals say nothing
    initial: bool


def _starts_sentence(gap: str, prev_fold: str | None) -> bool:
    if prev_fold is None or "\n" in gap:
        return True
    if gap and gap[-1] in _QUOTE_CHARS:
        return True
    if any(c in gap for c in "!?…:"):
        return True
    if "." in gap:
        p = prev_fold.rstrip(".")
        return not (p in _ABBREVIATIONS or len(p) == 1 or "." in p)
    return False


#: markup left in plain text ("<br />" in scraped reviews): no words; a line or
#: paragraph tag ends a sentence, so the capital after it is no name
_MARKUP_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^<>]{0,200}>")
_BREAKING_TAGS = frozenset({"br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4"})


def _markup(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, breaks a line) of each markup tag in ``text``."""
    if "<" not in text:
        return []
    return [
        (m.start(), m.end(), m.group(1).lower() in _BREAKING_TAGS)
        for m in _MARKUP_RE.finditer(text)
    ]


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    append = out.append
    prev_end = 0
    prev_fold: str | None = None
    tags = _markup(text)
    k = 0  # the next tag that may hold or precede a word
    broken = False  # a line-breaking tag since the previous word
    # one (word, fold, stem, capital) per word type, shared by its tokens: a
    # long text then holds each string once, and each type is folded once
    types: dict[str, tuple[str, str, str, bool]] = {}
    for m in _WORD_RE.finditer(text):
        s, e = m.span()
        if tags:
            while k < len(tags) and tags[k][1] <= s:
                broken = broken or tags[k][2]
                k += 1
            if k < len(tags) and tags[k][0] <= s:
                continue  # inside a tag: "br", "href"
        w = m.group()
        got = types.get(w)
        if got is None:
            f = fold(w)
            got = types[w] = (w, f, _stem(f), w[0].isupper())
        w, f, key, cap = got
        gap = text[prev_end:s]
        if tags and "<" in gap:
            gap = _MARKUP_RE.sub("", gap)  # an address's dots and colons end nothing
        # most gaps are one space: skip the sentence test for them
        initial = gap != " " or prev_fold is None
        if initial:
            initial = broken or _starts_sentence(gap, prev_fold)
        append(_Tok(s, e, w, f, key, cap, initial))
        prev_end, prev_fold, broken = e, f, False
    return out


_STOP_KEYS = frozenset(_stem(w) for w in STOP_WORDS)

# ordinary words that open sentences and would otherwise look like names
_STARTERS = folded_words(
    "however despite although though while when after before since because meanwhile later "
    "then also still yet instead among according last next both each every other another "
    "some many most all few several both once today yesterday tomorrow now earlier soon "
    "but and so what who why how where if asked speaking following during under over "
    "sin embargo aunque mientras cuando después despues antes además ademas también tambien "
    "según segun tras durante hoy ayer mañana ahora luego entonces pero porque otros otras "
    "muchos muchas algunos algunas varios varias todos todas cada ambos",
)
