"""Shares and ranks, as a rewrite swaps one way of writing them for another.

A share said in words ("half", "a third of", "two-thirds", "one in five", "la
mitad", "deux tiers", "zwei Drittel") is a percentage, approximately: "nearly
half" and "about 50%" state the same figure, and "one in five" is "20%". A
rank ("44th", "forty-fourth", "44.º", "1er") is its number: "the 44th
president" is "the forty-fourth president" and "el presidente número 44".
Read here so that the numbers pass pairs them instead of reporting a figure
dropped on one side and another added on the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retold.changes._tokens import _Tok


def share_tolerance(share: float) -> float:
    """How many points a percentage may stand from a share said in words and
    still state the same figure: a tenth of the share, at least two ("a
    third" is 30 % to 36 %, "half" 45 % to 55 %, "a quarter" not 20 %)."""
    return max(2.0, 0.1 * share)


#: a number a share or a rank is written with ("percent" for shares, the
#: ordinal's unit for ranks); the numbers pass checks units agree
SHARE_UNIT = "percent"
RANK_UNIT = "ordinal"

#: the denominator words, folded, by language: singular and plural forms
_PARTS: dict[str, dict[str, int]] = {
    "en": {
        **dict.fromkeys(("half", "halves"), 2),
        **dict.fromkeys(("third", "thirds"), 3),
        **dict.fromkeys(("quarter", "quarters"), 4),
        **dict.fromkeys(("fifth", "fifths"), 5),
        **dict.fromkeys(("tenth", "tenths"), 10),
    },
    "es": {"mitad": 2, "tercio": 3, "tercios": 3, "cuarto": 4, "cuartos": 4},
    "fr": {"moitie": 2, "tiers": 3, "quart": 4, "quarts": 4},
    "de": {"halfte": 2, "drittel": 3, "viertel": 4, "funftel": 5, "zehntel": 10},
    "it": {"meta": 2, "terzo": 3, "terzi": 3, "quarto": 4, "quarti": 4},
    "pt": {"metade": 2, "terco": 3, "tercos": 3, "quarto": 4, "quartos": 4},
}
#: the halves, said with an article or none ("half the workers", "la mitad de")
_HALVES = frozenset({"half", "mitad", "moitie", "halfte", "meta", "metade"})
#: denominators that are as often something else unless "of" follows ("a
#: quarter of the budget", not "in a quarter"; "un cuarto de", not a room)
_NEED_OF = frozenset({"quarter", "quarters", "cuarto", "cuartos", "quarto", "quartos"})
_OF = frozenset({"of", "de", "del", "des", "du", "di", "dei", "degli", "delle", "della", "da"})
_OF |= frozenset({"do", "dos", "das"})

#: the numerators, folded: 1 to 9 in the languages whose shares are read
_NUMERATORS: dict[str, int] = {}
for _words in (
    "a|an|one two three four five six seven eight nine",
    "un|una|uno dos tres cuatro cinco seis siete ocho nueve",
    "un|une deux trois quatre cinq six sept huit neuf",
    "ein|eine|einem|einen|einer zwei drei vier funf sechs sieben acht neun",
    "un|uno|una due tre quattro cinque sei sette otto nove",
    "um|uma dois|duas tres quatro cinco seis sete oito nove",
):
    for _k, _alts in enumerate(_words.split(), start=1):
        for _w in _alts.split("|"):
            _NUMERATORS.setdefault(_w, _k)
_NUMERATORS.update({"ten": 10, "diez": 10, "dix": 10, "zehn": 10, "dieci": 10, "dez": 10})

#: "one in five", "one in every five", "nine out of 10", "uno de cada cinco",
#: "un sur cinq", "uno su cinque"
_RATIO_WORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (("in",), ("in", "every"), ("out", "of"), ("out", "of", "every")),
    "es": (("de", "cada"),),
    "fr": (("sur",),),
    "it": (("su",),),
    "pt": (("em", "cada"), ("de", "cada")),
    "de": (("von",),),
}


def _share_like(n: int, d: int) -> bool:
    """Whether "n in d" states a share ("one in 20", "nine out of 10"), not
    two counts ("30 out of 60 seats", "seven out of 18 matches")."""
    return n < d and (n == 1 or d <= 10 or d in (100, 1000))


def _ranked(words: str, first: int, step: int) -> dict[str, int]:
    """``words`` valued ``first``, ``first + step``, ... in the order given."""
    return {w: first + step * k for k, w in enumerate(words.split())}


#: English ordinal words: one word each, and the units after a tens word
#: ("forty-fourth")
_ORDINAL_UNITS = _ranked("first second third fourth fifth sixth seventh eighth ninth", 1, 1)
_ORDINAL_WORDS = (
    _ORDINAL_UNITS
    | _ranked("tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth", 10, 1)
    | _ranked("seventeenth eighteenth nineteenth", 17, 1)
    | _ranked("twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth", 20, 10)
    | {"ninetieth": 90, "hundredth": 100, "thousandth": 1000}
)
_TENS = _ranked("twenty thirty forty fifty sixty seventy eighty ninety", 20, 10)

#: numbers said as a round count, "about so many": "une vingtaine d'années"
#: is about 20 years, "una docena" a dozen, "un centinaio" about a hundred
#: (the singular only: "des centaines" is "hundreds", no figure; and not the
#: forties, "quarantaine" and "cuarentena", which are quarantines too)
_ROUND: dict[str, dict[str, int]] = {
    "fr": {
        "dizaine": 10,
        "douzaine": 12,
        "quinzaine": 15,
        "vingtaine": 20,
        "trentaine": 30,
        "cinquantaine": 50,
        "soixantaine": 60,
        "centaine": 100,
        "millier": 1000,
    },
    "es": {"decena": 10, "docena": 12, "veintena": 20, "treintena": 30, "centenar": 100},
    "it": {
        "decina": 10,
        "dozzina": 12,
        "quindicina": 15,
        "ventina": 20,
        "trentina": 30,
        "quarantina": 40,
        "cinquantina": 50,
        "centinaio": 100,
        "migliaio": 1000,
    },
    "pt": {"dezena": 10, "duzia": 12, "vintena": 20, "centena": 100, "milhar": 1000},
    "de": {"dutzend": 12},
}

#: a rank's suffix after its digits: "1st", "22nd", "3rd", "44th"; the French
#: "1er", "2e", "3ème"; the Spanish, Italian and Portuguese "44.º", "3ª"
#: ("44°" is degrees)
ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th|er|re|e|ème|eme|ᵉ|\.?[ºª])(?![^\W_])")

Add = Callable[..., None]


#: the tokens the scan stops at, by language: a share's denominator (its
#: numerator is read looking back), a ratio's first count (digits too) and an
#: English rank in words
_STARTS = {
    lang: frozenset(parts)
    | frozenset(_ROUND.get(lang, {}))
    | (frozenset(_NUMERATORS) - {"a", "an"})
    | (frozenset(_ORDINAL_WORDS) if lang == "en" else frozenset())
    for lang, parts in _PARTS.items()
}


def _digits(tok: _Tok) -> int | None:
    return int(tok.text) if tok.text.isdecimal() and len(tok.text) <= 4 else None


def _count(tok: _Tok) -> int | None:
    """A small count in digits or a word ("5", "five", "cinq")."""
    return _digits(tok) or _NUMERATORS.get(tok.fold)


def _joined(text: str, a: _Tok, b: _Tok) -> bool:
    """Whether tokens ``a`` and ``b`` are written as one figure ("two-thirds", "one in")."""
    return text[a.end : b.start] in (" ", "\u00a0", "-")


def _free(taken: bytearray, tok: _Tok) -> bool:
    return taken.find(1, tok.start, tok.end) < 0


def _ratio(
    text: str, toks: list[_Tok], taken: bytearray, k: int, lang: str
) -> tuple[int, float] | None:
    """ "one in five" starting at token ``k``: (its last token, the share in percent)."""
    n = _count(toks[k])
    if n is None or toks[k].fold in ("a", "an"):
        return None
    for words in _RATIO_WORDS.get(lang, ()):
        j = k + 1
        if j + len(words) >= len(toks):
            continue
        if all(toks[j + i].fold == w for i, w in enumerate(words)):
            last = j + len(words)
            d = _count(toks[last])
            if (
                d is not None
                and _share_like(n, d)
                and _joined(text, toks[last - 1], toks[last])
                and _free(taken, toks[last])
            ):
                return last, 100.0 * n / d
    return None


def _fraction(text: str, toks: list[_Tok], k: int, lang: str) -> tuple[int, int, float] | None:
    """A share in words whose denominator is token ``k``: (first token, last
    token, the share in percent); the first is its numerator when one is written."""
    parts = _PARTS.get(lang, {})
    t = toks[k]
    d = parts.get(t.fold)
    if d is None:
        return None
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    if t.fold in _NEED_OF and (nxt is None or nxt.fold not in _OF):
        return None
    if nxt is not None and text[t.end : nxt.start] == "-":
        return None  # "half-brother", "half-time"
    prev = toks[k - 1] if k else None
    num = _NUMERATORS.get(prev.fold) if prev is not None and _joined(text, prev, t) else None
    if num is not None and prev is not None:
        return k - 1, k, 100.0 * num / d
    if t.fold in _HALVES and not (prev is not None and prev.fold in _ORDINAL_WORDS):
        return k, k, 50.0  # but "the second half" is a part of a match
    return None


def _ordinal_word(text: str, toks: list[_Tok], k: int) -> tuple[int, int, float] | None:
    """An English ordinal in words at token ``k`` ("fourth", "forty-fourth"):
    (first token, last token, value)."""
    t = toks[k]
    v = _ORDINAL_WORDS.get(t.fold)
    if v is None:
        return None
    prev = toks[k - 1] if k else None
    if (
        t.fold in _ORDINAL_UNITS
        and prev is not None
        and prev.fold in _TENS
        and _joined(text, prev, t)
    ):
        return k - 1, k, float(_TENS[prev.fold] + v)
    return k, k, float(v)


def find_shares(text: str, lang: str, toks: list[_Tok], taken: bytearray, add: Add) -> None:
    """Read the shares in words, the ratios ("one in five"), the round counts
    ("une vingtaine") and the English ordinals in words of ``text``, calling
    ``add`` for each (see
    :func:`retold.changes.numbers.find_numbers`).

    Each is weak: paired with the figure the other side states, reported when
    that figure changed ("a third" / "half", "44th" / "45th"), never reported
    alone. "Half" and "first" are as often no figure at all ("half an hour",
    "at first"), and a rewrite that drops "a third" or "the 62nd minute"
    (0.04 flags more per rewrite in ``bench_changes.py`` when reported) has
    mostly dropped a detail, not changed a fact."""
    if lang not in _PARTS:
        return
    starts = _STARTS[lang]
    for k, t in enumerate(toks):
        # most tokens start none of these: a set lookup turns them away
        if (t.fold not in starts and not t.text.isdecimal()) or not _free(taken, t):
            continue
        if (about := _ROUND.get(lang, {}).get(t.fold)) is not None:
            # with its article, so that a qualifier before it is read: "casi una docena"
            start = t.start
            if k and _NUMERATORS.get(toks[k - 1].fold) == 1 and _joined(text, toks[k - 1], t):
                start = toks[k - 1].start if _free(taken, toks[k - 1]) else start
            add(start, t.end, float(about), None, True, False, True, approx=True)
            continue
        got = _ratio(text, toks, taken, k, lang)
        if got is not None:
            last, share = got
            add(t.start, toks[last].end, share, SHARE_UNIT, True, False, True, approx=True)
            continue
        frac = _fraction(text, toks, k, lang)
        if frac is not None:
            first, last, share = frac
            if _free(taken, toks[first]):
                start, end = toks[first].start, toks[last].end
                add(start, end, share, SHARE_UNIT, True, False, True, approx=True)
            continue
        if lang == "en" and (ordinal := _ordinal_word(text, toks, k)) is not None:
            first, last, value = ordinal
            if _free(taken, toks[first]):
                add(toks[first].start, toks[last].end, value, RANK_UNIT, True, False, True)
