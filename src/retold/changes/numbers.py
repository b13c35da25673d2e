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
from retold.changes._shares import (
    ORDINAL_SUFFIX,
    RANK_UNIT,
    SHARE_UNIT,
    find_shares,
    share_tolerance,
)
from retold.changes._spelled import (
    _NUMBER_WORDS,
    _READS_WORDS,
    _T2N_STEMS,
    _number_words,
    _text2num_words,
)
from retold.changes._tokens import _STOP_KEYS, _Tok
from retold.changes._units import _CONVERSIONS, _CURRENCY, _MONEY, _unit_at
from retold.changes.dates import _Date
from retold.text import fold

# ---------------------------------------------------------------------------
# numbers

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
#: a figure in the plural: "in the 100s", "the 1600s" (a decade the dates read
#: first); not "Channel 7's", the channel's
_PLURAL_RE = re.compile(r"s(?![^\W_])")
_PLURAL = "plural"
#: British news writes pence glued to the figure ("85p"; not "1080p", a screen)
_GLUED_PENCE = re.compile(r"p(?![^\W_])")
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
_ZONE_RE = re.compile(r"\s*(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|hrs)\b")
_TIME_RE = re.compile(
    r"(?<![\d:.,])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![\d:])"
    r"(?:\s*(?P<ap>[ap]\.?\s?m\.?)(?![^\W\d_]))?",
    re.I,
)

#: words whose hyphenated number is a count, an age or a year ("Under-20",
#: "U-17", "top-10", "mid-2022", the French "mi-2022"), not part of a name
_HYPHEN_COUNTERS = frozenset({"under", "u", "over", "top", "mid", "mi", "pre", "post"})


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
    #: approximate by its wording: a share said in words ("nearly half", "one
    #: in five"), the same figure as a percentage a few points off
    #: (:func:`share_tolerance`), or a round count ("une vingtaine")
    approx: bool = False


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
    elif unit is None and scale == 1.0 and value < 1000 and _GLUED_PENCE.match(text, e):
        unit, e = "pence", e + 1  # "85p"
    elif unit is None and scale == 1.0 and (om := ORDINAL_SUFFIX.match(text, e)):
        unit, e = RANK_UNIT, om.end()  # "44th", "1er", "44.º"
    elif unit is None and scale == 1.0 and (pm := _PLURAL_RE.match(text, e)):
        unit, e = _PLURAL, pm.end()  # "in the 100s", "the 1600s"
    if e < len(text) and text[e].isalpha() and not _CJK_CHAR.match(text[e]):
        return None  # 3D, 4x4: codes (but "120人" is 120 people)
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
        approx: bool = False,
    ) -> None:
        qual, qtext, s = _qualifier(text, vs)
        if after and qual is None:
            qual, qtext = _CJK_QUALIFIERS[after], after
        if qual is not None:
            year_like = False
        ctx = _around(toks, starts, s, e)
        out.append(_Num(s, vs, e, value, qual, qtext, unit, weak, year_like, ctx, spelled, approx))
        taken[s:e] = b"\x01" * (e - s)

    for p in runs:
        if (m := _TIME_RE.match(text, p)) is None or taken.find(1, m.start(), m.end()) >= 0:
            continue
        add(m.start(), m.end(), _minutes(m), "time", False, False)

    find_shares(text, lang, toks, taken, add)
    for p in runs:
        if taken[p] or _inside_token(text, p):
            continue
        found = _read_digits(text, p, lang, taken)
        if found is not None:
            vs, e, value, unit, year_like, after = found
            # a rank in digits is weak like one in words (see find_shares); a figure
            # in the plural ("the 1600s", "his 40s") pairs with the figure ("nel
            # 1600"), and says too little to be a value changed ("45")
            plural = unit == _PLURAL
            unit = None if plural else unit
            weak = plural or unit == RANK_UNIT
            add(vs, e, value, unit, weak, year_like and not plural, after=after)

    words = _NUMBER_WORDS.get(lang)
    if words:
        _number_words(text, toks, words, taken, add)
    elif lang in _T2N_STEMS:
        _text2num_words(text, toks, lang, taken, add)
    out.sort(key=lambda x: x.start)
    return out


def _num_label(text: str, x: _Num) -> str:
    return text[x.vstart : x.end]


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _near(x: _Num, y: _Num) -> bool:
    """The same value; a share said in words within a few points of a percentage."""
    if x.approx != y.approx:
        word, other = (x, y) if x.approx else (y, x)
        if word.unit == SHARE_UNIT:
            return (
                other.unit == SHARE_UNIT
                and abs(word.value - other.value) <= share_tolerance(word.value) + 1e-9
            )
    return _same(x.value, y.value)


#: qualifiers a figure approximate by its wording may take or drop without
#: saying anything new ("nearly half" is "about 50%", "un centinaio" "about 100")
_LOOSE_QUALS = frozenset({None, "about", "nearly"})


def _quals_agree(x: _Num, y: _Num) -> bool:
    if x.approx or y.approx:
        return (x.qual in _LOOSE_QUALS and y.qual in _LOOSE_QUALS) or x.qual == y.qual
    return x.qual == y.qual


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
    if _quals_agree(a, b):
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
    if (x.weak or y.weak) and x.unit != y.unit:
        return -1  # a rank or a share said in words changes into another, not into a count
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


def _comparable(x: _Num, loose: bool) -> bool:
    """Whether ``x`` may be reported as a changed value: a weak share or rank
    is (see :func:`find_shares`) in an aligned pair, a weak "one" is not."""
    return not x.weak or (not loose and (x.approx or x.unit == RANK_UNIT))


def _rank_and_count(x: _Num, y: _Num) -> bool:
    """A rank against a count of something ("his 10th year" / "a 10-year
    term"): the same digits, not the same figure."""
    return RANK_UNIT in (x.unit, y.unit) and x.unit != y.unit and None not in (x.unit, y.unit)


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
        return _near(x, y) and _quals_agree(x, y) and _units_compatible(x, y)

    # digits pair with digits first: the Italian "una" (one, or "a") would
    # otherwise take the "1" that the other side writes in digits too
    _take(na, nb, ua, ub, lambda x, y: x.spelled == y.spelled and alike(x, y))
    _take(na, nb, ua, ub, alike)
    same_value = _take(
        na,
        nb,
        ua,
        ub,
        lambda x, y: (
            _near(x, y) and not (x.year_like and y.year_like) and not _rank_and_count(x, y)
        ),
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
    # a weak rank or share may be a changed value, but not in a loose pair:
    # "the first Test" and "the third Test" may be two different matches
    ua = [i for i in ua if not na[i].year_like and _comparable(na[i], out.loose)]
    ub = [j for j in ub if not nb[j].year_like and _comparable(nb[j], out.loose)]
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
            if na[i].weak or (out.cross and na[i].spelled) or _clipped_year(ta, na[i].vstart):
                continue
            out.add("number", (na[i].start, na[i].end), None, "number dropped")
        for j in ub:
            if nb[j].weak or (out.cross and nb[j].spelled) or _clipped_year(tb, nb[j].vstart):
                continue
            out.add("number", None, (nb[j].start, nb[j].end), "number added")
    return years_a, years_b
