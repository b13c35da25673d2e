"""Numbers with their units, scales and qualifiers, and how a rewrite changed them."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from retold.changes._passages import _inside, _Out
from retold.changes._qualifiers import (
    _CJK_CHAR,
    _CJK_MORE_RE,
    _CJK_QUAL_AFTER_RE,
    _CJK_QUALIFIERS,
    _qualifier,
)
from retold.changes._tokens import _STOP_KEYS, _Tok
from retold.changes.dates import _alternation, _Date
from retold.text import fold

# ---------------------------------------------------------------------------
# numbers

_CURRENCY = {
    "us$": "dollar",
    "$": "dollar",
    "c$": "dollar",
    "a$": "dollar",
    "mx$": "peso",
    "r$": "real",
    "€": "euro",
    "£": "pound",
    "¥": "yen",
    "₹": "rupee",
}
_UNITS: dict[str, str] = {}
_UNIT_SURFACES: set[str] = set()
for _canon, _forms in {
    "percent": "% | percent | per cent | pct | por ciento | pour cent | por cento | per cento"
    " | percento | prozent | procent | proc. | proc | процентов | процента | процент | проц.",
    "percentage point": "percentage points | percentage point | puntos porcentuales"
    " | punto porcentual",
    "dollar": "dollars | dollar | dólares | dólar | dollari | dollaro | usd",
    "euro": "euros | euro | eur",
    "peso": "pesos | peso",
    "pound": "pounds | pound | libras | libra",
    "pence": "pence | penny | pennies",
    "yen": "yen",
    "yuan": "yuan",
    "bolivar": "bolívares | bolívar",
    "real": "reais | reales",
    "mile": "miles | mile | millas | milla",
    "km": "kilometers | kilometer | kilometres | kilometre | kilómetros | kilómetro | km | kms",
    "m": "meters | meter | metres | metre | metros | metro",
    "ft": "feet | foot | ft | pies",
    "inch": "inches | inch | pulgadas | pulgada",
    "kg": "kilograms | kilogram | kilos | kilo | kg | kilogramos | kilogramo",
    "lb": "lbs | lb",
    "ton": "tons | ton | tonnes | tonne | toneladas | tonelada",
    "acre": "acres | acre",
    "ha": "hectares | hectare | hectáreas | hectárea | ha",
    "year": "years | year | años | año | yrs",
    "month": "months | month | meses | mes",
    "week": "weeks | week | semanas | semana",
    "day": "days | day | días | día",
    "hour": "hours | hour | horas | hora | hrs | hr",
    "minute": "minutes | minute | minutos | minuto | min",
    "second": "seconds | segundos",
    "degree": "degrees | degree | grados | grado | °c | °f | °",
    "am": "a.m. | am",
    "pm": "p.m. | pm",
}.items():
    for _f in _forms.split("|"):
        _UNIT_SURFACES.add(_f.strip())
        _UNITS[fold(_f.strip())] = _canon

_CONVERSIONS = {
    ("mile", "km"): 1.609344,
    ("lb", "kg"): 0.45359237,
    ("pound", "kg"): 0.45359237,
    ("ft", "m"): 0.3048,
    ("inch", "m"): 0.0254,
    ("acre", "ha"): 0.40468564,
    # a bare "3.6m" is read as 3.6 million of :data:`_MILLION_OR_METRE`; "3.6 metres"
    # beside it is then the same figure
    ("m?", "m"): 1e-6,
    ("m?", "ft"): 1e-6 / 0.3048,
}
_MONEY = frozenset({"dollar", "euro", "peso", "pound", "yen", "yuan", "bolivar", "real", "rupee"})

#: scale words after a number, by value, in the languages read ("24,7 milioni",
#: "3 Mrd.", "5 млн"); "billion" is the short scale's (German "Billion" and
#: Spanish "billón" are a million millions: only the latter is read)
_SCALE_WORDS = {
    1e3: "thousand thousands mil mille mila tys тыс",
    1e6: "million millions millon millón millones milione milioni mio millionen milhao milhão"
    " milhoes milhões miljoen mln milion miliona milionow milionów miliony млн миллион"
    " миллиона миллионов milyon",
    1e9: "billion billions miliardo miliardi milliard milliards milliarde milliarden mrd"
    " bilhao bilhão bilhoes bilhões miljard mld miliard miliarda miliardow miliardów"
    " miliardy млрд миллиард миллиарда миллиардов milyar",
    1e12: "trillion trillions billon billón billones",
}
_SCALES = {fold(w): v for v, words in _SCALE_WORDS.items() for w in words.split()} | {
    "mil millones": 1e9,
    "mil milhoes": 1e9,
    "bn": 1e9,
    "mn": 1e6,
    "m": 1e6,
    "k": 1e3,
}

# the patterns below are only tried where a run of digits starts (_prepare finds those):
# scanning the whole text with each of them would cost more than the rest of this module
_DIGIT_RUN_RE = re.compile(r"\d+")
#: a temperature written as British news writes it, the scale glued on
_GLUED_DEGREES = re.compile(r"[CF](?![^\W_])")
#: Chinese and Japanese write a number's scale and unit after it, with no
#: space and no word boundary: "3730亿美元" is 373 billion dollars
_CJK_SCALES = {"十": 10.0, "百": 100.0, "千": 1e3, "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8}
_CJK_UNITS = {
    **dict.fromkeys(("美元", "美金", "ドル"), "dollar"),
    **dict.fromkeys(("欧元", "歐元", "ユーロ"), "euro"),
    **dict.fromkeys(("英镑", "英鎊", "ポンド"), "pound"),
    **dict.fromkeys(("日元", "日圓", "円"), "yen"),
    **dict.fromkeys(("人民币", "人民幣", "元"), "yuan"),
    **dict.fromkeys(("%", "％"), "percent"),
    **dict.fromkeys(("公里", "千米", "キロ"), "km"),
    **dict.fromkeys(("英里", "マイル"), "mile"),
    **dict.fromkeys(("公斤", "千克"), "kg"),
    **dict.fromkeys(("吨", "噸", "トン"), "ton"),
    **dict.fromkeys(("小时", "小時", "時間"), "hour"),
    **dict.fromkeys(("个月", "個月", "か月", "ヶ月"), "month"),
    **dict.fromkeys(("分钟", "分鐘"), "minute"),
}
_CJK_SCALE_UNIT_RE = re.compile(
    r"\s?(?P<scale>[十百千万萬亿億]+(?![米克]))?(?P<unit>"
    + "|".join(sorted(map(re.escape, _CJK_UNITS), key=len, reverse=True))
    + ")?"
)
_CURRENCY_BEFORE_RE = re.compile(r"(?:US\$|MX\$|R\$|C\$|A\$|\$|€|£|¥|₹)\s?$")
# 2,000 / 2.000 / 1 000 with one grouping mark throughout, then decimals; or plain digits
_NUM_RE = re.compile(
    r"\d{1,3}(?P<sep>[,.\u00a0\u202f\u2009 ])\d{3}(?!\d)(?:(?P=sep)\d{3}(?!\d))*(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?"
)
_SCALE_RE = re.compile(
    r"(?:\s*|-)(?P<scale>mil\s+millones|mil\s+milh[oõ]es|"
    + "|".join(
        sorted({w for ws in _SCALE_WORDS.values() for w in ws.split()}, key=len, reverse=True)
    )
    + r"|bn|mn)(?![^\W\d_])",
    re.I,
)
_SUFFIX_SCALE_RE = re.compile(r"(?P<scale>bn|mn|[mk])(?![^\W\d_])", re.I)
#: British news writes millions and metres alike with a bare m ("3.6m people", "a
#: 3.6m (12ft) wall"): the unit of such a figure when no money word says which
_MILLION_OR_METRE = "m?"
_BARE_M_RE = re.compile(r"[mM](?![^\W_])")
_UNIT_RE = re.compile(
    r"(?:\s*|-)(?:d[ei]\s+|d['’])?(?P<unit>" + _alternation(_UNIT_SURFACES) + r")(?![^\W\d_])", re.I
)
_ZONE_RE = re.compile(r"\s*(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|hrs)\b")
_TIME_RE = re.compile(
    r"(?<![\d:.,])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![\d:])"
    r"(?:\s*(?P<ap>[ap]\.?\s?m\.?)(?![^\W\d_]))?",
    re.I,
)

#: words whose hyphenated number is a count, an age or a year ("Under-20",
#: "U-17", "top-10", "mid-2022", the French "mi-2022"), not part of a name
_HYPHEN_COUNTERS = frozenset({"under", "u", "over", "top", "mid", "mi", "pre", "post"})
_NumKind = str  # "unit" | "teen" | "ten" | "hund" | "mult" | "scale"


def _series(
    kind: _NumKind, first: float, step: float, words: str
) -> dict[str, tuple[_NumKind, float]]:
    """Number words valued ``first``, ``first + step``, ... in the order given."""
    return {w: (kind, first + step * i) for i, w in enumerate(words.split())}


_NUMBER_WORDS: dict[str, dict[str, tuple[_NumKind, float]]] = {
    "en": {
        **_series("unit", 0, 1, "zero one two three four five six seven eight nine"),
        **_series("teen", 10, 1, "ten eleven twelve thirteen fourteen fifteen sixteen seventeen"),
        **_series("teen", 18, 1, "eighteen nineteen"),
        **_series("ten", 20, 10, "twenty thirty forty fifty sixty seventy eighty ninety"),
        **_series("mult", 100, 0, "hundred"),
        **_series("mult", 12, 0, "dozen"),
        **_series("scale", 1e3, 0, "thousand"),
        **_series("scale", 1e6, 0, "million"),
        **_series("scale", 1e9, 0, "billion"),
        **_series("scale", 1e12, 0, "trillion"),
    },
    "es": {
        **_series("unit", 0, 1, "cero uno dos tres cuatro cinco seis siete ocho nueve"),
        **_series("unit", 1, 0, "un una"),
        **_series("teen", 10, 1, "diez once doce trece catorce quince dieciseis diecisiete"),
        **_series("teen", 18, 1, "dieciocho diecinueve veinte veintiuno veintidos veintitres"),
        **_series("teen", 24, 1, "veinticuatro veinticinco veintiseis veintisiete veintiocho"),
        **_series("teen", 29, 0, "veintinueve"),
        **_series("teen", 21, 0, "veintiun veintiuna"),
        **_series("ten", 30, 10, "treinta cuarenta cincuenta sesenta setenta ochenta noventa"),
        **_series("hund", 100, 0, "cien ciento"),
        **_series("hund", 200, 100, "doscientos trescientos cuatrocientos quinientos seiscientos"),
        **_series("hund", 700, 100, "setecientos ochocientos novecientos"),
        **_series("hund", 200, 100, "doscientas trescientas cuatrocientas quinientas seiscientas"),
        **_series("hund", 700, 100, "setecientas ochocientas novecientas"),
        **_series("scale", 1e3, 0, "mil"),
        **_series("scale", 1e6, 0, "millon millones"),
        **_series("scale", 1e12, 0, "billon billones"),
    },
}
_ALL_NUMBER_WORDS = frozenset(_NUMBER_WORDS["en"]) | frozenset(_NUMBER_WORDS["es"])

# which kind of number word may follow which, so "two three" stays two numbers
_FOLLOWS: dict[str | None, frozenset[str]] = {
    None: frozenset({"unit", "teen", "ten", "hund", "mult", "scale"}),
    "unit": frozenset({"mult", "scale"}),
    "teen": frozenset({"mult", "scale"}),
    "ten": frozenset({"unit", "scale"}),
    "hund": frozenset({"unit", "teen", "ten", "scale"}),
    "mult": frozenset({"unit", "teen", "ten", "scale"}),
    "scale": frozenset({"unit", "teen", "ten", "hund", "scale"}),
}
_WEAK_ONES = frozenset({"one", "un", "uno", "una"})


@dataclass(frozen=True, slots=True)
class _Num:
    start: int  # including the qualifier
    vstart: int  # where the number itself starts
    end: int
    value: float
    qual: str | None
    qual_text: str
    unit: str | None
    #: "one", "un", "una" are as often articles or pronouns as numbers
    weak: bool
    #: a bare 1800..2100, as likely a year as a count
    year_like: bool
    #: keys of the two words before and the two after, to pair a changed value with its original
    ctx: tuple[str, str, str, str]
    #: written in words ("three", "trois"), not digits
    spelled: bool = False


def _parse_digits(s: str, lang: str) -> float | None:
    s = re.sub(r"[\s\u00a0\u202f\u2009]", "", s)
    comma, period = "," in s, "." in s
    if comma and period:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif comma or period:
        sep = "," if comma else "."
        parts = s.split(sep)
        if len(parts) > 2:
            s = "".join(parts)
        elif len(parts[1]) != 3:
            s = parts[0] + "." + parts[1]
        elif lang == "en" and sep == ".":
            s = parts[0] + "." + parts[1]  # English "1.234 billion" is a decimal
        else:
            s = "".join(parts)  # 2,000 / 2.000: a thousands group in every convention we see
    try:
        return float(s)
    except ValueError:
        return None


_WORD_BEFORE_RE = re.compile(r"[^\W\d_]+$")


def _counting_word(text: str, h: int) -> bool:
    """Whether the word before the hyphen at ``h`` makes the number after it a count or
    an age ("under", "top"), not part of a name like "F-16"."""
    m = _WORD_BEFORE_RE.search(text, max(0, h - 12), h)
    return m is not None and fold(m.group()) in _HYPHEN_COUNTERS


def _inside_token(text: str, p: int) -> bool:
    """Whether the digits at ``p`` continue a word or a number rather than start one."""
    prev = text[p - 1] if p > 0 else " "
    return (
        # Chinese and Japanese write no space before a number ("新たに120人")
        (prev.isalnum() and not _CJK_CHAR.match(prev))
        or prev == "_"
        # F-16, COVID-19; but a function word's number is a number ("Under-20", "over-50s")
        or (prev == "-" and p > 1 and text[p - 2].isalpha() and not _counting_word(text, p - 1))
        or (prev in ".," and p > 1 and text[p - 2].isdigit())  # inside 2,000
    )


def _unit_at(text: str, e: int) -> tuple[str | None, int]:
    """The unit word ("km", "dollars", "-metre") right after ``e`` and where it ends;
    (None, e) when there is none."""
    um = _UNIT_RE.match(text, e)
    if um is None:
        return None, e
    u = _UNITS.get(fold(re.sub(r"\s+", " ", um.group("unit"))))
    return (u, um.end()) if u is not None else (None, e)


def _scale_and_unit(text: str, e: int, unit: str | None) -> tuple[float, str | None, int]:
    """The scale ("million", "bn") and unit ("km", "dollars") after a number ending at ``e``;
    ``unit`` is a currency sign already read before it. Returns (scale, unit, new end)."""
    scale = 1.0
    if (cm := _CJK_SCALE_UNIT_RE.match(text, e)) and (cm["scale"] or cm["unit"]):
        for c in cm["scale"] or "":
            scale *= _CJK_SCALES[c]
        return scale, unit or (_CJK_UNITS[cm["unit"]] if cm["unit"] else None), cm.end()
    if unit is not None and (sm := _SUFFIX_SCALE_RE.match(text, e)):
        scale, e = _SCALES[sm.group("scale").lower()], sm.end()
    elif sm2 := _SCALE_RE.match(text, e):
        scale, e = _SCALES[fold(re.sub(r"\s+", " ", sm2.group("scale")))], sm2.end()
    elif unit is None and (sm3 := _BARE_M_RE.match(text, e)):
        # "155.7m ringgit" is money, so millions; otherwise either reading,
        # compared as such; a capital is millions ("15M acres": metres are "m")
        scale, e = 1e6, sm3.end()
        if sm3.group() == "m" and _unit_at(text, e)[0] not in _MONEY:
            return scale, _MILLION_OR_METRE, e
    u, after = _unit_at(text, e)
    if u is not None and (unit is None or u not in _MONEY):
        unit, e = unit or u, after
    return scale, unit, e


def _read_digits(
    text: str, p: int, lang: str, taken: bytearray
) -> tuple[int, int, float, str | None, bool, str] | None:
    """The number written in digits at ``p`` as (start, end, value, unit,
    year_like, a qualifier written after it: "" when there is none), or None."""
    m = _NUM_RE.match(text, p)
    if m is None or taken.find(1, p, m.end()) >= 0:
        return None
    raw, e = m.group(), m.end()
    if (
        len(raw) == 4
        and raw.isdigit()
        and raw[2] < "6"
        and raw < "2400"
        and _ZONE_RE.match(text, e)
    ):
        return p, e, int(raw[:2]) * 60 + int(raw[2:]), "time", False, ""  # "1800 GMT" is 18:00
    value = _parse_digits(raw, lang)
    if value is None:
        return None
    c = _CURRENCY_BEFORE_RE.search(text, max(0, p - 4), p)
    vs = c.start() if c else p
    after = ""
    if (mm := _CJK_MORE_RE.match(text, e)) is not None:
        after, e = mm.group().strip(), mm.end()  # "60多人", "3000余万", "100 多名"
    scale, unit, e = _scale_and_unit(text, e, _CURRENCY[c.group().strip().lower()] if c else None)
    if unit is None and _GLUED_DEGREES.match(text, e):
        unit, e = "degree", e + 1  # "highs of 29C", "84F"
    if e < len(text) and text[e].isalpha() and not _CJK_CHAR.match(text[e]):
        return None  # 2nd, 3D, 4x4: ordinals and codes (but "120人" is 120 people)
    if unit in ("am", "pm"):
        value = (value % 12 + (12 if unit == "pm" else 0)) * 60
        unit = "time"
    if not after and (qm := _CJK_QUAL_AFTER_RE.match(text, e)):
        after, e = qm.group().strip(), qm.end()  # "3000左右", "60以上"
    year_like = not after and (
        unit is None and scale == 1.0 and raw.isdigit() and len(raw) == 4 and 1800 <= value <= 2100
    )
    return vs, e, value * scale, unit, year_like, after


def _minutes(m: re.Match[str]) -> int:
    """Minutes after midnight of a _TIME_RE match ("9:30 p.m." is 1290)."""
    h, mi = int(m.group("h")), int(m.group("mi"))
    ap = (m.group("ap") or "").lower()[:1]
    h = h % 12 + (12 if ap == "p" else 0) if ap else h
    return h * 60 + mi


def _around(toks: list[_Tok], starts: list[int], s: int, e: int) -> tuple[str, str, str, str]:
    """The keys of the two words before [s, e) and the two after it ("" past an end)."""
    k = bisect.bisect_left(starts, s)
    j = bisect.bisect_left(starts, e)

    def key(i: int) -> str:
        return toks[i].key if 0 <= i < len(toks) else ""

    return key(k - 2), key(k - 1), key(j), key(j + 1)


def find_numbers(
    text: str, lang: str, toks: list[_Tok], runs: list[int], taken: bytearray
) -> list[_Num]:
    out: list[_Num] = []
    starts = [t.start for t in toks]

    def add(
        vs: int,
        e: int,
        value: float,
        unit: str | None,
        weak: bool,
        year_like: bool,
        spelled: bool = False,
        after: str = "",
    ) -> None:
        qual, qtext, s = _qualifier(text, vs)
        if after and qual is None:
            qual, qtext = _CJK_QUALIFIERS[after], after
        if qual is not None:
            year_like = False
        ctx = _around(toks, starts, s, e)
        out.append(_Num(s, vs, e, value, qual, qtext, unit, weak, year_like, ctx, spelled))
        taken[s:e] = b"\x01" * (e - s)

    for p in runs:
        if (m := _TIME_RE.match(text, p)) is None or taken.find(1, m.start(), m.end()) >= 0:
            continue
        add(m.start(), m.end(), _minutes(m), "time", False, False)

    for p in runs:
        if taken[p] or _inside_token(text, p):
            continue
        found = _read_digits(text, p, lang, taken)
        if found is not None:
            vs, e, value, unit, year_like, after = found
            add(vs, e, value, unit, False, year_like, after=after)

    words = _NUMBER_WORDS.get(lang)
    if words:
        _number_words(text, toks, words, taken, add)
    elif lang in _T2N_STEMS:
        _text2num_words(text, toks, lang, taken, add)
    out.sort(key=lambda x: x.start)
    return out


def _and_joins(
    text: str, toks: list[_Tok], words: dict[str, tuple[_NumKind, float]], j: int
) -> bool:
    """Whether the "and" at ``j`` joins a smaller number word ("two hundred and fifty")."""
    nxt = words.get(toks[j + 1].fold)
    return bool(
        nxt and nxt[0] in ("unit", "teen", "ten") and text[toks[j].end : toks[j + 1].start] == " "
    )


def _word_run(
    text: str, toks: list[_Tok], words: dict[str, tuple[_NumKind, float]], taken: bytearray, k: int
) -> tuple[int, float]:
    """The run of number words starting at token ``k``: (its last token, its value)."""
    n = len(toks)
    total = current = biggest = 0.0
    prev: str | None = None
    last = j = k
    while j < n:
        tj = toks[j]
        if j > k and text[toks[j - 1].end : tj.start] not in (" ", "-", "\u00a0"):
            break
        if tj.fold in ("and", "y") and prev in ("mult", "scale", "hund", "ten") and j + 1 < n:
            if not _and_joins(text, toks, words, j):
                break
            j += 1
            continue
        entry = words.get(tj.fold)
        if entry is None or entry[0] not in _FOLLOWS[prev] or taken.find(1, tj.start, tj.end) >= 0:
            break
        kind, v = entry
        if kind in ("unit", "teen", "ten", "hund"):
            current += v
        elif kind == "mult":
            current = (current or 1) * v
        else:
            if total == 0 and current == 0:
                current = 1
            total = (total + current) * v if v > biggest else total + current * v
            biggest = max(biggest, v)
            current = 0
        prev = kind
        last = j
        j += 1
    return last, total + current


def _number_words(
    text: str,
    toks: list[_Tok],
    words: dict[str, tuple[_NumKind, float]],
    taken: bytearray,
    add: Callable[[int, int, float, str | None, bool, bool, bool], None],
) -> None:
    """Runs of number words ("two hundred and fifty", "dos mil millones") as values."""
    k = 0
    n = len(toks)
    while k < n:
        t = toks[k]
        if t.fold not in words or taken.find(1, t.start, t.end) >= 0:
            k += 1
            continue
        first = k
        last, value = _word_run(text, toks, words, taken, k)
        start = toks[first].start
        # "a hundred", "a million"
        if (
            toks[first].fold in words
            and words[toks[first].fold][0] in ("mult", "scale")
            and first > 0
        ):
            art = toks[first - 1]
            if art.fold in ("a", "an") and text[art.end : start] == " ":
                start = art.start
        unit, end = _unit_at(text, toks[last].end)
        # "one" and "una" are as often pronouns or articles; "million" alone is "a million" or
        # part of a word like "million-strong"
        weak = first == last and (
            toks[first].fold in _WEAK_ONES or words[toks[first].fold][0] in ("mult", "scale")
        )
        add(start, end, value, unit, weak, False, True)
        k = last + 1


# French, German, Italian, Portuguese, Dutch and Danish number words are read
# by text2num (Rust), which knows their compounds ("zweihundertfünfzig",
# "quatre-vingt-dix", "drieëntwintig"). English and Spanish keep the tables
# above, which also read "a hundred", "and" and the qualifiers before a number
# as bench_changes measures them.
_T2N_STEMS: dict[str, re.Pattern[str]] = {
    # matched against folded tokens: "zwölf" is "zwolf" there
    lang: re.compile("|".join(fold(stem) for stem in stems.split("|")))
    for lang, stems in {
        "fr": "un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze"
        "|quinze|seize|vingt|trente|quarante|cinquante|soixante|cent|mille|million|milliard",
        "de": "ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig"
        "|hundert|tausend|million|milliarde",
        "it": "un|due|tre|quattr|cinque|sei|sett|otto|nove|dieci|undici|dodici|tredici|quindici"
        "|sedici|dici|venti|trenta|quaranta|cinquanta|sessanta|settanta|ottanta|novanta"
        "|cento|mille|mila|milion|miliard",
        "pt": "um|uma|dois|duas|três|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|treze"
        "|catorze|quatorze|quinze|dezes|dezas|dezoito|dezeno|dezano|vinte|trinta|quarenta"
        "|cinquenta|sessenta|setenta|oitenta|noventa|cem|cento|duzent|trezent|quatrocent"
        "|quinhent|seiscent|setecent|oitocent|novecent|mil|milh|bilh",
        "nl": "een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien"
        "|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|duizend"
        "|miljoen|miljard",
        "da": "en|et|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|tretten|fjorten|femten"
        "|seksten|sytten|atten|nitten|tyve|tredive|fyrre|halvtreds|tres|halvfjerds|firs"
        "|halvfems|hundrede|tusind|million|milliard",
    }.items()
}
#: the words inside a spelled number ("vingt et un", "vinte e um")
_T2N_JOINS = {"fr": "et", "pt": "e", "it": "e", "da": "og"}
#: number words that are as often something else: an article ("un", "ein",
#: "een"), "neuf" (new), "sei" (you are); like "one", never reported alone
_T2N_WEAK = frozenset({"un", "une", "neuf", "ein", "eine", "uno", "una", "sei", "um", "uma"})
_T2N_WEAK |= frozenset({"een", "en", "et", "to"})
#: "cent" after these is "per cent", not a hundred
_PER = frozenset({"pour", "per", "por"})


def _text2num_words(
    text: str,
    toks: list[_Tok],
    lang: str,
    taken: bytearray,
    add: Callable[[int, int, float, str | None, bool, bool, bool], None],
) -> None:
    """Runs of number words in a language text2num reads, as values."""
    from text_to_num import text2num

    stems, join = _T2N_STEMS[lang], _T2N_JOINS.get(lang)
    n, k = len(toks), 0
    while k < n:
        t = toks[k]
        if not stems.match(t.fold) or taken.find(1, t.start, t.end) >= 0:
            k += 1
            continue
        # the longest run of candidate words (joined by a space, a hyphen or
        # the language's "and") that text2num reads as one number
        run = [k]
        j = k + 1
        while j < n and text[toks[j - 1].end : toks[j].start] in (" ", "-", "\u00a0"):
            if toks[j].fold == join and j + 1 < n:
                j += 1
                continue
            if not stems.match(toks[j].fold) or taken.find(1, toks[j].start, toks[j].end) >= 0:
                break
            run.append(j)
            j += 1
        value = None
        while run:
            try:
                value = text2num(text[t.start : toks[run[-1]].end].lower(), lang)
                break
            except ValueError:
                run.pop()
        if value is None or (
            t.fold.startswith("cent") and k > 0 and toks[k - 1].fold in _PER and len(run) == 1
        ):
            k += 1
            continue
        last = run[-1]
        unit, end = _unit_at(text, toks[last].end)
        weak = len(run) == 1 and t.fold in _T2N_WEAK
        add(t.start, end, float(value), unit, weak, False, True)
        k = last + 1


#: the languages whose spelled numbers are read
_READS_WORDS = frozenset(_NUMBER_WORDS) | frozenset(_T2N_STEMS)


def _num_label(text: str, x: _Num) -> str:
    return text[x.vstart : x.end]


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _units_compatible(a: _Num, b: _Num) -> bool:
    if a.unit == b.unit:
        return True
    # "25 miles" written "25" is loose but not wrong; "50%" written "50" is
    loose = a.unit if b.unit is None else b.unit if a.unit is None else None
    return loose is not None and loose != "percent" and loose not in _MONEY


def _converts(a: _Num, b: _Num) -> bool:
    if a.unit is None or b.unit is None or b.value == 0:
        return False
    f = _CONVERSIONS.get((a.unit, b.unit)) or (
        1 / _CONVERSIONS[(b.unit, a.unit)] if (b.unit, a.unit) in _CONVERSIONS else None
    )
    return f is not None and abs(a.value * f / b.value - 1) <= 0.1


def _qual_detail(a: _Num, b: _Num) -> str:
    if a.qual == b.qual:
        return ""
    if a.qual is None:
        return f"qualifier added: {b.qual_text}"
    if b.qual is None:
        return f"qualifier removed: {a.qual_text}"
    return f"qualifier changed: {a.qual_text} → {b.qual_text}"


def _take(
    na: list[_Num], nb: list[_Num], ua: list[int], ub: list[int], pred: Callable[[_Num, _Num], bool]
) -> list[tuple[int, int]]:
    """Pair off unpaired numbers (indices ``ua``, ``ub``) that ``pred`` says are the same,
    first come first served; the pairs leave ``ua`` and ``ub``."""
    got: list[tuple[int, int]] = []
    for i in list(ua):
        for j in ub:
            if pred(na[i], nb[j]):
                got.append((i, j))
                ua.remove(i)
                ub.remove(j)
                break
    return got


def _score(x: _Num, y: _Num) -> int:
    """Words in common around the two numbers; a content word counts double."""
    if x.unit and y.unit and x.unit != y.unit and not _converts(x, y):
        return -1
    same = [p for p, q in zip(x.ctx, y.ctx, strict=True) if p and p == q]
    return len(same) + sum(w not in _STOP_KEYS for w in same)


def _value_changes(out: _Out, na: list[_Num], nb: list[_Num], ua: list[int], ub: list[int]) -> None:
    """Report numbers whose value changed in the same place ("300 engineers" / "200
    engineers"); the pairs leave ``ua`` and ``ub``."""
    ta, tb = out.a.doc.text, out.b.doc.text
    cands = sorted(
        ((_score(na[i], nb[j]), i, j) for i in ua for j in ub),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    # When each passage has just the one number, it is the same one whatever the words around
    # it; across languages the words differ, so a translation's numbers pair in order.
    counted_a = sum(not (x.weak or x.year_like) for x in na)
    counted_b = sum(not (y.weak or y.year_like) for y in nb)
    lone = out.related and (
        (len(ua) == len(ub) == 1 and counted_a == counted_b == 1)
        or (out.cross and len(ua) == len(ub))
    )
    if lone and out.loose:
        # loosely paired sentences may each give a figure the other does not: "four-time
        # champion" / "the 470 event"; one counted in the same unit is the same figure
        lone = len(ua) == len(ub) == 1 and bool(na[ua[0]].unit) and na[ua[0]].unit == nb[ub[0]].unit
    if lone and out.cross:
        cands = [(1, i, j) for i, j in zip(ua, ub, strict=True) if _score(na[i], nb[j]) >= 0]
    for sc, i, j in cands:
        if i in ua and j in ub and (sc >= 2 or (lone and sc >= 0)):
            x, y = na[i], nb[j]
            parts = [
                f"value changed: {_num_label(ta, x)} → {_num_label(tb, y)}",
                _qual_detail(*_unread(out, x, y)),
            ]
            out.add("number", (x.start, x.end), (y.start, y.end), "; ".join(p for p in parts if p))
            ua.remove(i)
            ub.remove(j)


#: the languages whose qualifiers ("more than", "plus de") and units are read
#: well enough to say one was lost; across languages, a number with none of
#: them on the side written in another language is not told to have lost them.
#: Chinese and Japanese qualifiers are read ("超过60", "60多"), and compared
#: when both sides give one, but a translation words them too freely to say
#: one is missing ("up to 25 cents a gallon" is "高达每加仑25美分", the
#: qualifier away from its figure: 0.06 -> 0.39 false flags per Chinese
#: translation when they were taken as read); Chinese currencies and
#: percentages are read, but a text that leaves out "美元" has not changed "$2.60"
_QUALIFIED = frozenset({"en", "es", "pt", "fr", "de", "it"})


def _unread(out: _Out, x: _Num, y: _Num) -> tuple[_Num, _Num]:
    """``x`` (of A) and ``y`` (of B) with what the other side's language cannot
    show taken as shown: a qualifier or unit one side has and the other, in a
    language whose qualifiers or units are not read, seems to lack."""
    if not out.cross:
        return x, y
    la, lb = out.a.doc.lang, out.b.doc.lang
    # the language of the side without one: A's when x has none
    if x.qual != y.qual and None in (x.qual, y.qual) and (lb, la)[x.qual is None] not in _QUALIFIED:
        q, qt = x.qual or y.qual, x.qual_text or y.qual_text
        x, y = replace(x, qual=q, qual_text=qt), replace(y, qual=q, qual_text=qt)
    if x.unit != y.unit and None in (x.unit, y.unit) and (lb, la)[x.unit is None] not in _QUALIFIED:
        u = x.unit or y.unit
        x, y = replace(x, unit=u), replace(y, unit=u)
    return x, y


def _clipped_year(text: str, p: int) -> bool:
    """Whether the number at ``p`` is a year or a decade cut short ("in '25",
    the Italian "anni '60" for the 1960s): the other text may write it whole,
    or as a decade the date pass reads, so it is no number "added" or
    "dropped" (a changed one still pairs with its original). An elided
    article is no cut ("l'80%")."""
    return (
        p > 0
        and text[p - 1] in "'’"
        and (p < 2 or not text[p - 2].isalpha())
        and text[p : p + 2].isdigit()
        and not text[p + 2 : p + 3].isdigit()
    )


def number_changes(out: _Out) -> tuple[list[_Date], list[_Date]]:
    """Report number changes; return year-like numbers left over, as years for the date pass."""
    na = [out.a.doc.nums[k] for k in _inside(out.a.doc.nums, *out.a.span)]
    nb = [out.b.doc.nums[k] for k in _inside(out.b.doc.nums, *out.b.span)]
    ua, ub = list(range(len(na))), list(range(len(nb)))

    def alike(x: _Num, y: _Num) -> bool:
        x, y = _unread(out, x, y)
        return _same(x.value, y.value) and x.qual == y.qual and _units_compatible(x, y)

    # digits pair with digits first: the Italian "una" (one, or "a") would
    # otherwise take the "1" that the other side writes in digits too
    _take(na, nb, ua, ub, lambda x, y: x.spelled == y.spelled and alike(x, y))
    _take(na, nb, ua, ub, alike)
    same_value = _take(
        na, nb, ua, ub, lambda x, y: _same(x.value, y.value) and not (x.year_like and y.year_like)
    )
    for i, j in same_value:
        x, y = _unread(out, na[i], nb[j])
        parts = [_qual_detail(x, y)]
        if not _units_compatible(x, y):
            parts.append(f"unit changed: {x.unit or 'none'} → {y.unit or 'none'}")
        out.add("number", (x.start, x.end), (y.start, y.end), "; ".join(p for p in parts if p))
    # "25 miles (40 km)" against "40 km": the conversion is the same quantity
    ua = [i for i in ua if not any(_converts(na[i], y) for y in nb)]
    ub = [j for j in ub if not any(_converts(nb[j], x) for x in na)]
    years_a = [_Date(na[i].start, na[i].end, y=int(na[i].value)) for i in ua if na[i].year_like]
    years_b = [_Date(nb[j].start, nb[j].end, y=int(nb[j].value)) for j in ub if nb[j].year_like]
    ua = [i for i in ua if not na[i].year_like and not na[i].weak]
    ub = [j for j in ub if not nb[j].year_like and not nb[j].weak]
    if out.cross:
        # a number spelled out where the other side's language is not read in
        # words ("three" against the Polish "trzy"): it is there, unread
        if out.b.doc.lang not in _READS_WORDS:
            ua = [i for i in ua if not na[i].spelled]
        if out.a.doc.lang not in _READS_WORDS:
            ub = [j for j in ub if not nb[j].spelled]
    _value_changes(out, na, nb, ua, ub)
    if out.related:
        # a translation says "two" as "both" or "a pair": across languages a
        # spelled number is compared when both sides give one, not missed
        ta, tb = out.a.doc.text, out.b.doc.text
        for i in ua:
            if not (out.cross and na[i].spelled) and not _clipped_year(ta, na[i].vstart):
                out.add("number", (na[i].start, na[i].end), None, "number dropped")
        for j in ub:
            if not (out.cross and nb[j].spelled) and not _clipped_year(tb, nb[j].vstart):
                out.add("number", None, (nb[j].start, nb[j].end), "number added")
    return years_a, years_b
