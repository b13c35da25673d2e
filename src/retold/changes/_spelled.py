"""Numbers spelled out in words: "two hundred and fifty", "dos mil millones"
from tables (English, Spanish), and the French, German, Italian, Portuguese,
Dutch and Danish ones by text2num."""

from __future__ import annotations

import re
from collections.abc import Callable

from retold.changes._tokens import _Tok
from retold.changes._units import _unit_at
from retold.text import fold

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
