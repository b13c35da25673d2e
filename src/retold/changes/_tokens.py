"""Tokens of the changes stage: words with offsets, folded and stemmed, and sentence starts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------------------
# words


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    """Casefold, unify apostrophes and drop accents: the form words are compared in."""
    w = word.casefold().translate(_APOSTROPHES)
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w


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


# words with inner apostrophes (don't, Maduro's), initialisms (U.S., a.m.), numbers (2,000.5)
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:\.(?:[^\W\d_]\.)+)?|\d+(?:[.,:]\d+)*")

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


def _tokenize(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    append = out.append
    prev_end = 0
    prev_fold: str | None = None
    for m in _WORD_RE.finditer(text):
        s, e = m.span()
        w = m.group()
        f = _fold(w)
        gap = text[prev_end:s]
        # most gaps are one space: skip the sentence test for them
        initial = gap != " " or prev_fold is None
        if initial:
            initial = _starts_sentence(gap, prev_fold)
        append(_Tok(s, e, w, f, _stem(f), w[0].isupper(), initial))
        prev_end, prev_fold = e, f
    return out


def _words(*groups: str) -> frozenset[str]:
    return frozenset(_fold(w) for g in groups for w in g.split())


# function words of the languages we know; used to weigh quote overlap and to
# tell sentence-initial capitals from names
_STOP = _words(
    "a an the and or but nor of to in on at by for with from as into onto about after before "
    "is are was were be been being am do does did has have had will would shall should can "
    "could may might must it its this that these those he she they we you i me him her them "
    "us our their his my your who whom whose which what when where why how there here than "
    "then so if not no also just only very more most such",
    "el la lo los las un una unos unas y e o u ni de del al a en por para con sin sobre entre "
    "que se su sus es son fue fueron ser era han ha he le les me te nos os mi tu este esta "
    "estos estas ese esa esos esas eso esto ello como mas pero muy ya aunque cuando donde",
    "o os as um uma uns umas do da dos das no na nos nas em com sem por pela pelo e ou que "
    "le la les un une des du au aux et ou en dans sur pour par avec sans qui il elle ils elles "
    "der die das den dem des ein eine einen und oder zu von mit im am ist sind war "
    "il lo gli le uno una di da dei delle nel nella con per che non",
)

_STOP_KEYS = frozenset(_stem(w) for w in _STOP)

# ordinary words that open sentences and would otherwise look like names
_STARTERS = _words(
    "however despite although though while when after before since because meanwhile later "
    "then also still yet instead among according last next both each every other another "
    "some many most all few several both once today yesterday tomorrow now earlier soon "
    "but and so what who why how where if asked speaking following during under over "
    "sin embargo aunque mientras cuando después despues antes además ademas también tambien "
    "según segun tras durante hoy ayer mañana ahora luego entonces pero porque otros otras "
    "muchos muchas algunos algunas varios varias todos todas cada ambos",
)
