"""What a rewrite changed inside each aligned passage.

:func:`find_changes` is the pure core of the *changes* stage: given both texts
and the spans of their aligned passages it returns :class:`~retold.types.Change`
values (quotes, numbers, dates, names, titles, negation) whose spans slice back
into the texts.

Everything here is rules: regexes compiled at import and small word lists.
English and Spanish get number words, qualifiers, month and weekday names,
titles and negation words; Portuguese, French, German and Italian month,
weekday and negation words come along because they cost nothing. Any other
language code gets the language-neutral rules (quote marks, digits, numeric
dates, capitalisation, and every month name but only beside a day or a year).

The rules favour precision over recall: a difference is reported only when the
rest of the passage reads the same way around it.
"""

from __future__ import annotations

import bisect
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from retold.errors import UsageError
from retold.types import Change, ChangeKind, Span

__all__ = ["find_changes"]

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


def _find_quotes(text: str, dialogue: bool) -> list[Span]:
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
# dates


def _table(lang: str, *names: str) -> list[tuple[str, int, str, bool]]:
    """(form, value, language, is the full name) for "full|abbrev|..." groups numbered from 1."""
    return [
        (form, i, lang, k == 0)
        for i, n in enumerate(names, 1)
        for k, form in enumerate(n.split("|"))
    ]


_MONTH_FORMS = [
    *_table(
        "en",
        "January|Jan",
        "February|Feb",
        "March|Mar",
        "April|Apr",
        "May",
        "June|Jun",
        "July|Jul",
        "August|Aug",
        "September|Sept|Sep",
        "October|Oct",
        "November|Nov",
        "December|Dec",
    ),
    *_table(
        "es",
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre|setiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    *_table(
        "pt",
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ),
    *_table(
        "fr",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    *_table(
        "de",
        "Januar|Jänner",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    *_table(
        "it",
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
]
_WEEKDAY_FORMS = [
    *_table("en", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    *_table("es", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    *_table(
        "pt",
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
    *_table("fr", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    *_table(
        "de",
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag|Sonnabend",
        "Sonntag",
    ),
    *_table("it", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
]


@dataclass(frozen=True, slots=True)
class _Form:
    value: int
    langs: frozenset[str]
    #: abbreviations and names that are also ordinary words need a day or year beside them
    needs_number: bool


def _form_index(forms: list[tuple[str, int, str, bool]], ambiguous: str) -> dict[str, _Form]:
    values: dict[str, int] = {}
    langs: dict[str, set[str]] = {}
    short: dict[str, bool] = {}
    for form, value, lang, full in forms:
        f = _fold(form)
        values[f] = value
        langs.setdefault(f, set()).add(lang)
        short[f] = short.get(f, True) and not full
    amb = set(ambiguous.split())
    return {f: _Form(values[f], frozenset(langs[f]), short[f] or f in amb) for f in values}


def _alternation(surfaces: set[str]) -> str:
    forms = surfaces | {_fold(f) for f in surfaces}
    escaped = (re.escape(f).replace("\\ ", " ") for f in sorted(forms, key=len, reverse=True))
    return "|".join(e.replace(" ", r"\s+") for e in escaped)


# "may", "mars", "mai" are ordinary words too
_MONTHS = _form_index(_MONTH_FORMS, "may mars mai")
_WEEKDAYS = _form_index(_WEEKDAY_FORMS, "")
# Portuguese weekdays are hyphenated ("segunda-feira"); words split at the hyphen
_FEIRA = frozenset({"segunda", "terca", "quarta", "quinta", "sexta"})
_DATE_WORDS = frozenset(_MONTHS) | frozenset(_WEEKDAYS) | _FEIRA

# a day (or a range of days: "13-15 March", "del 13 al 15 de marzo") before the month ...
_DAY_BEFORE_RE = re.compile(
    r"(?<![\d.,])(?:(?P<d0>[0-3]?\d)(?:st|nd|rd|th|º|er)?\s*(?:[-–]|to|al|through)\s*)?"
    r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|º|°|er|\.)?\s+(?:de\s+|of\s+(?:the\s+)?)?$",
    re.I,
)
# ... or after it: "Dec. 29, 2025", "March 13-15"
_DAY_AFTER_RE = re.compile(
    r"(?:\.\s*|\s+)(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
    r"(?:\s*(?:[-–]|to|through)\s*(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?)?"
    r"(?![\d]|[.,:]\d)(?:,?\s+(?P<y>\d{4})(?!\d))?",
    re.I,
)
_YEAR_AFTER_RE = re.compile(r"(?:\.\s*|,?\s+)(?:del?\s+)?(?P<y>\d{4})(?![\d]|[.,]\d)", re.I)
_NUMDATE_RE = re.compile(
    r"(?<![\d.,/-])(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<p>\d{1,2})(?P<sep>[/.])(?P<q>\d{1,2})(?P=sep)(?P<r>\d{4}|\d{2}))(?!\d|[.,/-]\d)"
)

_MONTH_NAMES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class _Date:
    start: int
    end: int
    y: int | None = None
    m: int | None = None
    d: int | None = None
    #: 0 = Monday; a weekday mention carries nothing else
    wd: int | None = None
    #: the last day of a range of days
    d2: int | None = None


def _year(s: str | None) -> int | None:
    if s is None:
        return None
    y = int(s)
    return y if 1800 <= y <= 2199 else None


def _accept_form(
    form: _Form, word: str, lang: str, initial: bool, beside_number: bool, before_name: bool
) -> bool:
    own = lang in form.langs
    if not own and lang in ("en", "es"):
        return False
    if form.needs_number or not own:
        return beside_number
    if lang in ("en", "de"):
        return word[0].isupper()
    # where these words are written in lower case, a capital marks a name: "Julio Borges",
    # "Domingo Cavallo", and mid-sentence "Abril"
    if word[0].isupper() and not beside_number:
        return initial and not before_name
    return True


def _month_date(
    text: str, lang: str, t: _Tok, form: _Form, before_name: bool, out: list[_Date]
) -> None:
    s, e = t.start, t.end
    if t.fold.endswith("'s"):
        e -= 2
    start, end = s, e
    day = last = year = None
    # "29 de diciembre de 2025", "29 December 2025", "December 29, 2025", "diciembre de 2025"
    before = _DAY_BEFORE_RE.search(text, max(0, s - 30), s)
    if before and 1 <= int(before.group("d")) <= 31:
        day, start = int(before.group("d")), before.start()
        if before.group("d0"):
            day, last = int(before.group("d0")), day
    elif (after := _DAY_AFTER_RE.match(text, e)) and 1 <= int(after.group("d")) <= 31:
        day, end = int(after.group("d")), after.end("d")
        if after.group("d2"):
            last, end = int(after.group("d2")), after.end("d2")
        year = _year(after.group("y"))
        if year is not None:
            end = after.end("y")
    if year is None and (ym := _YEAR_AFTER_RE.match(text, end)):
        year = _year(ym.group("y"))
        if year is not None:
            end = ym.end()
    if _accept_form(
        form, t.text, lang, t.initial, day is not None or year is not None, before_name
    ):
        out.append(_Date(start, end, year, form.value, day, d2=last))


def _find_dates(text: str, lang: str, toks: list[_Tok], runs: list[int]) -> list[_Date]:
    out: list[_Date] = []
    # month and weekday names are looked up word by word: far cheaper than a regex of them all
    for k, t in enumerate(toks):
        f, end = t.fold, t.end
        if f not in _DATE_WORDS:
            if f[-2:] != "'s" or f[:-2] not in _DATE_WORDS:
                continue
            f, end = f[:-2], end - 2  # "Thursday's releases"
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        before_name = (
            nxt is not None
            and nxt.cap
            and text[t.end : nxt.start] == " "
            and nxt.fold not in _MONTHS
        )
        if f in _MONTHS:
            _month_date(text, lang, t, _MONTHS[f], before_name, out)
        elif f in _WEEKDAYS or text.startswith("-feira", t.end):
            end = t.end + 6 if f in _FEIRA else end
            form = _WEEKDAYS[f + "-feira" if f in _FEIRA else f]
            if _accept_form(form, t.text, lang, t.initial, False, before_name):
                out.append(_Date(t.start, end, wd=form.value - 1))
    for p in runs:
        if (m := _NUMDATE_RE.match(text, p)) is None:
            continue
        if m.group("iy"):
            y, mo, d = _year(m.group("iy")), int(m.group("im")), int(m.group("id"))
        else:
            if m.group("sep") == "." and len(m.group("r")) != 4:
                continue  # 1.2.25 is as likely a version or a list
            one, two, r = int(m.group("p")), int(m.group("q")), m.group("r")
            y = _year(r) if len(r) == 4 else 2000 + int(r)
            # day first unless it cannot be, or the text is English and it can be either
            if one > 12 or (two <= 12 and lang != "en"):
                d, mo = one, two
            else:
                mo, d = one, two
        if y is None or not (1 <= mo <= 12 and 1 <= d <= 31):
            continue
        out.append(_Date(m.start(), m.end(), y, mo, d))
    out.sort(key=lambda x: x.start)
    # overlapping matches (a numeric date inside a spelled one) keep the first
    kept: list[_Date] = []
    for x in out:
        if not kept or x.start >= kept[-1].end:
            kept.append(x)
    return kept


def _date_label(x: _Date) -> str:
    if x.wd is not None:
        return _WEEKDAY_NAMES[x.wd]
    day = f"{x.d}-{x.d2}" if x.d and x.d2 else str(x.d) if x.d else ""
    parts = [_MONTH_NAMES[x.m] if x.m else "", day, str(x.y) if x.y else ""]
    return " ".join(p for p in parts if p)


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
    " | prozent",
    "percentage point": "percentage points | percentage point | puntos porcentuales"
    " | punto porcentual",
    "dollar": "dollars | dollar | dólares | dólar | usd",
    "euro": "euros | euro | eur",
    "peso": "pesos | peso",
    "pound": "pounds | pound | libras | libra",
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
        _UNITS[_fold(_f.strip())] = _canon

_CONVERSIONS = {
    ("mile", "km"): 1.609344,
    ("lb", "kg"): 0.45359237,
    ("pound", "kg"): 0.45359237,
    ("ft", "m"): 0.3048,
    ("inch", "m"): 0.0254,
    ("acre", "ha"): 0.40468564,
}
_MONEY = frozenset({"dollar", "euro", "peso", "pound", "yen", "yuan", "bolivar", "real", "rupee"})

_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "mil": 1e3,
    "mil millones": 1e9,
    "millon": 1e6,
    "millones": 1e6,
    "billon": 1e12,
    "billones": 1e12,
    "bn": 1e9,
    "mn": 1e6,
    "m": 1e6,
    "k": 1e3,
}

# the patterns below are only tried where a run of digits starts (_prepare finds those):
# scanning the whole text with each of them would cost more than the rest of this module
_DIGIT_RUN_RE = re.compile(r"\d+")
_CURRENCY_BEFORE_RE = re.compile(r"(?:US\$|MX\$|R\$|C\$|A\$|\$|€|£|¥|₹)\s?$")
# 2,000 / 2.000 / 1 000 with one grouping mark throughout, then decimals; or plain digits
_NUM_RE = re.compile(
    r"\d{1,3}(?P<sep>[,.\u00a0\u202f\u2009 ])\d{3}(?!\d)(?:(?P=sep)\d{3}(?!\d))*(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?"
)
_SCALE_RE = re.compile(
    r"\s*(?P<scale>mil\s+millones|thousand|million|billion|trillion|millones"
    r"|millón|millon|billones|billón|billon|mil|bn|mn)(?![^\W\d_])",
    re.I,
)
_SUFFIX_SCALE_RE = re.compile(r"(?P<scale>bn|mn|[mk])(?![^\W\d_])", re.I)
_UNIT_RE = re.compile(
    r"\s*(?:de\s+)?(?P<unit>" + _alternation(_UNIT_SURFACES) + r")(?![^\W\d_])", re.I
)
_ZONE_RE = re.compile(r"\s*(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|hrs)\b")
_TIME_RE = re.compile(
    r"(?<![\d:.,])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![\d:])"
    r"(?:\s*(?P<ap>[ap]\.?\s?m\.?)(?![^\W\d_]))?",
    re.I,
)

# qualifier phrases → what they claim about the number; phrases in one class say the same
_QUALIFIERS: dict[str, str] = {}
_QUAL_SURFACES: set[str] = set()
for _cls, _phrases in {
    "more than": "more than|over|upwards of|in excess of|above|just over|well over|"
    "slightly more than|más de|poco más de|mais de|plus de|mehr als|über|più di|oltre",
    "at least": "at least|no fewer than|no less than|a minimum of|al menos|por lo menos|"
    "como mínimo|pelo menos|au moins|mindestens|almeno|come minimo",
    "about": "about|around|approximately|approx.|roughly|some|an estimated|estimated|circa|"
    "alrededor de|aproximadamente|unos|unas|cerca de|en torno a|environ|autour de|etwa|rund|"
    "ungefähr|intorno a|più o meno",
    "nearly": "nearly|almost|close to|just under|casi|prácticamente|quase|presque|près de|"
    "beinahe|quasi",
    "less than": "less than|fewer than|under|below|menos de|moins de|weniger als|meno di",
    "up to": "up to|as many as|as much as|at most|no more than|hasta|como máximo|até|jusqu'à|"
    "bis zu|fino a",
}.items():
    for _p in _phrases.split("|"):
        _QUAL_SURFACES.add(_p)
        _QUALIFIERS[_fold(_p)] = _cls
_QUAL_RE = re.compile(r"(?<![^\W\d_])(?P<q>" + _alternation(_QUAL_SURFACES) + r")\s+$", re.I)
_QUAL_LAST_WORDS = frozenset(_fold(p.split()[-1]) for p in _QUAL_SURFACES)
_LAST_WORD_RE = re.compile(r"(\S+)\s+$")
_OPENING_PUNCT = "\"“”‘’'«»¿¡([{—–-"

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


def _qualifier(text: str, s: int) -> tuple[str | None, str, int]:
    # the word just before the number must end a qualifier ("than", "about", "de") for the
    # (slow) regex to be worth trying
    w = _LAST_WORD_RE.search(text, max(0, s - 16), s)
    if w is None or _fold(w.group(1).lstrip(_OPENING_PUNCT)) not in _QUAL_LAST_WORDS:
        return None, "", s
    m = _QUAL_RE.search(text, max(0, s - 40), s)
    if not m:
        return None, "", s
    q = _fold(re.sub(r"\s+", " ", m.group("q")))
    return _QUALIFIERS.get(q), re.sub(r"\s+", " ", m.group("q")).lower(), m.start("q")


def _find_numbers(
    text: str, lang: str, toks: list[_Tok], runs: list[int], taken: bytearray
) -> list[_Num]:
    out: list[_Num] = []
    starts = [t.start for t in toks]

    def context(s: int, e: int) -> tuple[str, str, str, str]:
        k = bisect.bisect_left(starts, s)
        j = bisect.bisect_left(starts, e)

        def key(i: int) -> str:
            return toks[i].key if 0 <= i < len(toks) else ""

        return key(k - 2), key(k - 1), key(j), key(j + 1)

    def add(vs: int, e: int, value: float, unit: str | None, weak: bool, year_like: bool) -> None:
        qual, qtext, s = _qualifier(text, vs)
        if qual is not None:
            year_like = False
        out.append(_Num(s, vs, e, value, qual, qtext, unit, weak, year_like, context(s, e)))
        taken[s:e] = b"\x01" * (e - s)

    for p in runs:
        if (m := _TIME_RE.match(text, p)) is None or taken.find(1, m.start(), m.end()) >= 0:
            continue
        h, mi = int(m.group("h")), int(m.group("mi"))
        ap = (m.group("ap") or "").lower()[:1]
        h = h % 12 + (12 if ap == "p" else 0) if ap else h
        add(m.start(), m.end(), h * 60 + mi, "time", False, False)

    for p in runs:
        if taken[p]:
            continue
        prev = text[p - 1] if p > 0 else " "
        if (
            prev.isalnum()
            or prev == "_"
            or (prev == "-" and p > 1 and text[p - 2].isalpha())  # F-16, COVID-19
            or (prev in ".," and p > 1 and text[p - 2].isdigit())  # inside 2,000
        ):
            continue
        m = _NUM_RE.match(text, p)
        if m is None or taken.find(1, p, m.end()) >= 0:
            continue
        raw, e = m.group(), m.end()
        if (
            len(raw) == 4
            and raw.isdigit()
            and raw[2] < "6"
            and raw < "2400"
            and _ZONE_RE.match(text, e)
        ):
            # "1800 GMT" is 18:00
            add(p, e, int(raw[:2]) * 60 + int(raw[2:]), "time", False, False)
            continue
        value = _parse_digits(raw, lang)
        if value is None:
            continue
        c = _CURRENCY_BEFORE_RE.search(text, max(0, p - 4), p)
        vs = c.start() if c else p
        unit = _CURRENCY[c.group().strip().lower()] if c else None
        scale = 1.0
        if c and (sm := _SUFFIX_SCALE_RE.match(text, e)):
            scale, e = _SCALES[sm.group("scale").lower()], sm.end()
        elif sm2 := _SCALE_RE.match(text, e):
            scale, e = _SCALES[_fold(re.sub(r"\s+", " ", sm2.group("scale")))], sm2.end()
        if um := _UNIT_RE.match(text, e):
            u = _UNITS.get(_fold(re.sub(r"\s+", " ", um.group("unit"))))
            if u is not None and (unit is None or u not in _MONEY):
                unit = unit or u
                e = um.end()
        if e < len(text) and text[e].isalpha():
            continue  # 2nd, 3D, 4x4: ordinals and codes
        if unit in ("am", "pm"):
            value = (value % 12 + (12 if unit == "pm" else 0)) * 60
            unit = "time"
        year_like = (
            unit is None
            and scale == 1.0
            and raw.isdigit()
            and len(raw) == 4
            and 1800 <= value <= 2100
        )
        add(vs, e, value * scale, unit, False, year_like)

    words = _NUMBER_WORDS.get(lang)
    if words:
        _number_words(text, toks, words, taken, add)
    out.sort(key=lambda x: x.start)
    return out


def _number_words(
    text: str,
    toks: list[_Tok],
    words: dict[str, tuple[_NumKind, float]],
    taken: bytearray,
    add: Callable[[int, int, float, str | None, bool, bool], None],
) -> None:
    """Runs of number words ("two hundred and fifty", "dos mil millones") as values."""
    k = 0
    n = len(toks)
    while k < n:
        t = toks[k]
        if t.fold not in words or taken.find(1, t.start, t.end) >= 0:
            k += 1
            continue
        total = current = 0.0
        biggest = 0.0
        prev: str | None = None
        first = last = k
        j = k
        while j < n:
            tj = toks[j]
            if j > first:
                gap = text[toks[j - 1].end : tj.start]
                if gap not in (" ", "-", "\u00a0"):
                    break
            if tj.fold in ("and", "y") and prev in ("mult", "scale", "hund", "ten") and j + 1 < n:
                nxt = words.get(toks[j + 1].fold)
                if (
                    nxt
                    and nxt[0] in ("unit", "teen", "ten")
                    and text[tj.end : toks[j + 1].start] == " "
                ):
                    j += 1
                    continue
                break
            entry = words.get(tj.fold)
            if (
                entry is None
                or entry[0] not in _FOLLOWS[prev]
                or taken.find(1, tj.start, tj.end) >= 0
            ):
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
        start = toks[first].start
        value = total + current
        # "a hundred", "a million"
        if (
            toks[first].fold in words
            and words[toks[first].fold][0] in ("mult", "scale")
            and first > 0
        ):
            art = toks[first - 1]
            if art.fold in ("a", "an") and text[art.end : start] == " ":
                start = art.start
        end = toks[last].end
        unit = None
        if um := _UNIT_RE.match(text, end):
            unit = _UNITS.get(_fold(re.sub(r"\s+", " ", um.group("unit"))))
            if unit is not None:
                end = um.end()
        # "one" and "una" are as often pronouns or articles; "million" alone is "a million" or
        # part of a word like "million-strong"
        weak = first == last and (
            toks[first].fold in _WEAK_ONES or words[toks[first].fold][0] in ("mult", "scale")
        )
        add(start, end, value, unit, weak, False)
        k = last + 1


def _num_label(text: str, x: _Num) -> str:
    return text[x.vstart : x.end]


# ---------------------------------------------------------------------------
# names and titles

_TITLE_CORE: dict[str, tuple[str, ...]] = {}
for _canon_t, _forms_t in {
    ("president",): "president presidente presidenta président pres",
    ("vice", "president"): "vicepresidente vicepresidenta",
    ("minister",): "minister ministro ministra ministre",
    ("prime", "minister"): "premier",
    ("foreign", "minister"): "canciller",
    ("chancellor",): "chancellor",
    ("secretary",): "secretary secretario secretaria",
    ("senator",): "senator sen senador senadora",
    ("representative",): "representative rep congressman congresswoman diputado diputada",
    ("governor",): "governor gov gobernador gobernadora",
    ("mayor",): "mayor alcalde alcaldesa",
    ("general",): "general gen",
    ("admiral",): "admiral adm almirante",
    ("colonel",): "colonel col coronel",
    ("lieutenant",): "lieutenant lt teniente",
    ("sergeant",): "sergeant sgt sargento",
    ("captain",): "captain capt capitán",
    ("commander",): "commander comandante",
    ("judge",): "judge juez jueza",
    ("prosecutor",): "prosecutor fiscal",
    ("king",): "king rey",
    ("queen",): "queen reina",
    ("prince",): "prince príncipe",
    ("princess",): "princess princesa",
    ("pope",): "pope pontífice",
    ("ceo",): "ceo",
    ("chair",): "chairman chairwoman chairperson chair",
    ("director",): "director directora",
    ("ambassador",): "ambassador embajador embajadora",
    ("spokesperson",): "spokesman spokeswoman spokesperson portavoz vocero vocera",
    ("leader",): "leader líder",
    ("speaker",): "speaker",
    ("reverend",): "reverend",
    ("councillor",): "councillor councilor concejal concejala",
    ("sheriff",): "sheriff",
    ("commissioner",): "commissioner comisionado comisionada",
    ("envoy",): "envoy enviado enviada",
}.items():
    for _f in _forms_t.split():
        _TITLE_CORE[_fold(_f)] = _canon_t
_TITLE_PART: dict[str, tuple[str, ...]] = {
    _fold(f): c
    for c, fs in {
        ("foreign",): "foreign exteriores exterior",
        ("state",): "state estado",
        ("interior",): "interior",
        ("defense",): "defense defence defensa",
        ("finance",): "finance hacienda finanzas",
        ("economy",): "economy economía",
        ("health",): "health salud",
        ("attorney",): "attorney",
        ("prime",): "prime primer primera",
        ("vice",): "vice",
        ("deputy",): "deputy adjunto adjunta",
        ("chief",): "chief",
        ("executive",): "executive ejecutivo ejecutiva",
        ("opposition",): "opposition opositor opositora",
        (): "affairs asuntos relaciones",
    }.items()
    for f in fs.split()
}
_TITLE_MOD: dict[str, tuple[str, ...]] = {
    _fold(f): c
    for c, fs in {
        ("acting",): "acting interim caretaker encargado encargada interino interina",
        ("former",): "former ex",
        ("late",): "late",
        ("outgoing",): "outgoing saliente",
        ("elect",): "incoming elect electo electa",
        ("then",): "then",
        ("deposed",): "deposed ousted derrocado derrocada depuesto depuesta",
    }.items()
    for f in fs.split()
}
_TITLE_CONNECTORS = frozenset({"of", "de", "del", "for"})
_NAME_CONNECTORS = _words(
    "de del la las los of van von der den da do dos das di du le bin ibn al el"
)
_NAME_GAP_RE = re.compile(r"[ \t\u00a0]+|-")
_TITLE_GAP_RE = re.compile(r"\.?[ \t\u00a0]+|-")  # "Sen. Smith"
# forms of address: dropped or added by rewriters as a matter of style, so not changes
_HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "sir", "dame", "lord", "lady", "dr", "prof", "rev"}
    | {"herr", "frau", "mme", "mlle", "m", "sr", "sra", "srta", "don", "dona"}
)
# one place, several spellings: these are not changes of name
_ALIASES = {
    # irregular adjectives of places, which _same_name_word cannot derive
    **dict.fromkeys(["spanish", "espanol", "espanola", "espanoles"], "spain"),
    **dict.fromkeys(["french", "frances", "francesa"], "france"),
    **dict.fromkeys(["american", "americans", "estadounidense", "estadounidenses"], "us"),
    **dict.fromkeys(["british", "britanico", "britanica"], "uk"),
    "dutch": "netherlands",
    **dict.fromkeys(["frenchman", "frenchwoman", "frenchmen"], "france"),
    **dict.fromkeys(["englishman", "englishwoman", "english"], "england"),
    **dict.fromkeys(["scotsman", "scotswoman", "scottish", "scots"], "scotland"),
    "welsh": "wales",
    "swiss": "switzerland",
    "greek": "greece",
    "irish": "ireland",
    "danish": "denmark",
    "swedish": "sweden",
    "polish": "poland",
    "turkish": "turkey",
    "norwegian": "norway",
    "united states": "us",
    "usa": "us",
    "eeuu": "us",
    "ee uu": "us",
    "estados unidos": "us",
    "united kingdom": "uk",
    "britain": "uk",
    "great britain": "uk",
    "reino unido": "uk",
    "united nations": "un",
    "onu": "un",
    "naciones unidas": "un",
    "european union": "eu",
    "ue": "eu",
    "union europea": "eu",
}


def _title_components(fold: str) -> tuple[str, tuple[str, ...]] | None:
    """("core" | "part" | "mod", canonical components) for a title word, else None."""
    if fold in _TITLE_CORE:
        return "core", _TITLE_CORE[fold]
    if fold in _TITLE_MOD:
        return "mod", _TITLE_MOD[fold]
    if fold in _TITLE_PART:
        return "part", _TITLE_PART[fold]
    if fold.startswith("ex") and fold[2:] in _TITLE_CORE:  # expresidente, exministro
        return "core", ("former", *_TITLE_CORE[fold[2:]])
    return None


@dataclass(frozen=True, slots=True)
class _Name:
    start: int
    end: int
    norm: tuple[str, ...]
    #: a lone capitalised word opening a sentence: maybe a name, maybe not
    weak: bool
    first_tok: int
    last_tok: int
    title_start: int | None
    title: frozenset[str]
    words: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 16)
def _name_norm(fold: str) -> str:
    f = fold[:-2] if fold.endswith("'s") else fold
    return f.rstrip("'").replace(".", "")


@dataclass(frozen=True, slots=True)
class _Vocab:
    #: words seen capitalised in mid-sentence (names) and seen in lower case (ordinary words)
    cap_mid: frozenset[str]
    lower: frozenset[str]


def _vocab(*docs: list[_Tok]) -> _Vocab:
    cap: set[str] = set()
    low: set[str] = set()
    for toks in docs:
        for t in toks:
            if t.cap and not t.initial:
                cap.add(t.fold)
            elif t.text.islower():
                low.add(t.fold)
    return _Vocab(frozenset(cap), frozenset(low))


def _find_names(text: str, toks: list[_Tok], taken: bytearray, vocab: _Vocab) -> list[_Name]:
    out: list[_Name] = []
    n = len(toks)

    def name_word(t: _Tok) -> bool:
        return (
            t.cap
            and not t.text[0].isdigit()
            and (len(t.fold) >= 2)
            and taken.find(1, t.start, t.end) < 0
        )

    def joined(j: int) -> bool:
        return _NAME_GAP_RE.fullmatch(text[toks[j - 1].end : toks[j].start]) is not None

    i = 0
    while i < n:
        if not name_word(toks[i]):
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n and joined(j):
            if name_word(toks[j]) and not toks[j].initial:
                run.append(j)
                j += 1
                continue
            # connectors inside a name: "University of Rosario", "Rocío de la Vega"
            k = j
            while (
                k < n
                and k - j < 2
                and toks[k].fold in _NAME_CONNECTORS
                and not toks[k].cap
                and joined(k)
            ):
                k += 1
            if k > j and k < n and joined(k) and name_word(toks[k]) and not toks[k].initial:
                run.extend(range(j, k + 1))
                j = k + 1
                continue
            break
        i = j
        first = toks[run[0]]
        if len(run) == 1 and first.initial and (first.fold in _STOP or first.fold in _STARTERS):
            continue  # "The", "However": by far the most common capitalised words
        _name_from_run(text, toks, run, vocab, out)
    return out


def _name_from_run(
    text: str, toks: list[_Tok], run: list[int], vocab: _Vocab, out: list[_Name]
) -> None:
    while run and (
        toks[run[0]].fold in _STOP
        or toks[run[0]].fold in _NAME_CONNECTORS
        or toks[run[0]].fold in _HONORIFICS
    ):
        run = run[1:]
    if not run:
        return
    weak = False
    first = toks[run[0]]
    if first.initial and _title_components(first.fold) is None:
        f = first.fold
        if f in _STARTERS or f in _ALL_NUMBER_WORDS:
            run = run[1:]
        elif (f in vocab.cap_mid and f not in vocab.lower) or len(run) >= 2:
            pass
        elif f not in vocab.lower:
            weak = True
        else:
            run = run[1:]
    # a title at the head of the run: "Spanish Foreign Minister José Manuel Albares"
    last_core = -1
    has_core = False
    k = 0
    while k < len(run):
        f = toks[run[k]].fold
        tc = _title_components(f)
        following = k + 1 < len(run) and _title_components(toks[run[k + 1]].fold) is not None
        if tc is not None:
            has_core = has_core or tc[0] == "core"
            last_core = k
        elif not following or (f in _TITLE_CONNECTORS and k == 0):
            break
        # else a nationality before the title, or "of" in "Secretary of State"
        k += 1
    if not has_core:
        last_core = -1
    title_idx = run[: last_core + 1]
    run = run[last_core + 1 :]
    if run and toks[run[0]].fold in _NAME_CONNECTORS:
        title_idx = []  # "CEO of North Cumbria University Hospitals": a role, not a person's title
    while run and toks[run[0]].fold in _NAME_CONNECTORS:
        run = run[1:]
    while run and toks[run[-1]].fold in _NAME_CONNECTORS:
        run = run[:-1]
    if not run:
        return
    # title words before the run in lower case: "acting President", "la presidenta encargada"
    b = (title_idx[0] if title_idx else run[0]) - 1
    while b >= 0 and (gap := _TITLE_GAP_RE.fullmatch(text[toks[b].end : toks[b + 1].start])):
        f = toks[b].fold
        if gap.group().startswith(".") and f not in _ABBREVIATIONS and f not in _HONORIFICS:
            break  # "the economy. Finance Minister Jane Hutt": a sentence ended
        if f in _HONORIFICS:  # "leader Dr Lee Hudson": Dr is neither title nor name
            b -= 1
            continue
        # "Secretary of State": a connector counts only between title words, never next to
        # the name ("CEO of North Cumbria ..." is about an organisation)
        connector = (
            f in _TITLE_CONNECTORS
            and bool(title_idx)
            and b > 0
            and _title_components(toks[b - 1].fold) is not None
        )
        if _title_components(f) is None and not connector:
            break
        title_idx.insert(0, b)
        b -= 1
    comps: set[str] = set()
    has_core = False
    for ti in title_idx:
        tc = _title_components(toks[ti].fold)
        if tc is not None:
            comps.update(tc[1])
            has_core = has_core or tc[0] == "core"
    norm = tuple(_name_norm(toks[r].fold) for r in run if toks[r].fold not in _NAME_CONNECTORS)
    key = " ".join(norm)
    if key in _ALIASES:
        norm = (_ALIASES[key],)
    out.append(
        _Name(
            toks[run[0]].start,
            toks[run[-1]].end,
            norm,
            weak and len(run) == 1,
            run[0],
            run[-1],
            toks[title_idx[0]].start if has_core else None,
            frozenset(comps) if has_core else frozenset(),
            frozenset(norm),
        )
    )


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, giving up (limit + 1) once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# ---------------------------------------------------------------------------
# negation

_NEGATORS: dict[str, frozenset[str]] = {
    "en": _words("not no never none nobody nothing neither nor nowhere"),
    "es": _words("no nunca jamás ni nada nadie ninguno ninguna ningún tampoco"),
    "pt": _words("não nunca jamais nem nada ninguém nenhum nenhuma"),
    "fr": _words("pas jamais rien aucun aucune nullement"),
    "de": _words("nicht kein keine keinen keinem keiner keines nie niemals nichts niemand"),
    "it": _words("non mai nessuno nessuna niente nulla"),
}
_ANY_NEGATOR = frozenset().union(*_NEGATORS.values()) - _words("ni mai nie")
# "without" is "with" negated; the pair lets "with" ↔ "without" read as a flip
_NEG_WITH = {
    "without": "with",
    "sin": "con",
    "sem": "com",
    "sans": "avec",
    "ohne": "mit",
    "senza": "con",
}
_DENY = _words(
    "deny denies denied denying niega niegan negó negaron negar negado negando desmiente "
    "desmienten desmintió desmintieron nega negou negam"
)
_CONFIRM = _words(
    "confirm confirms confirmed confirming confirma confirman confirmó confirmaron "
    "confirmar confirmado confirmando confirmou confirmam"
)
_CORRELATIVE = _words("nor ni nem")
_NOT_ONLY = _words("only just merely solo sólo solamente únicamente")
_AUX = _words("do does did")
_NT_BASE = {"ca": "can", "wo": "will", "sha": "shall", "ai": "be"}
# keys of the verbs contracted with n't ("wasn't" → "was"), which carry the negation
_NT_KEYS = _words("is was are were do does did has have had can could will would should must need")
_NEG_MARK = "¬"


_NEG_SPECIAL = frozenset({*_NEG_WITH, *_DENY, *_CONFIRM, "cannot"})


def _neg_features(toks: Sequence[_Tok], negators: frozenset[str]) -> tuple[list[str], list[int]]:
    """Per token: the key to align on (negation taken off) and 1 where the token negates."""
    keys = [t.key for t in toks]
    flags = [0] * len(toks)
    special = negators | _NEG_SPECIAL
    for k, t in enumerate(toks):
        f = t.fold
        if f not in special and f[-3:] != "n't":
            continue
        if f in negators:
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            # "not only", "no sólo" and "No. 5" do not negate; "neither ... nor", "ni ... ni"
            # and "no ... ni" negate once
            if nxt is not None and (nxt.fold in _NOT_ONLY or (f == "no" and nxt.text[0].isdigit())):
                continue
            if f in _CORRELATIVE and any(flags[max(0, k - 8) : k]):
                keys[k] = _NEG_MARK
                continue
            keys[k], flags[k] = _NEG_MARK, 1
        elif f.endswith("n't") and len(f) > 3:
            keys[k], flags[k] = _stem(_NT_BASE.get(f[:-3], f[:-3])), 1
        elif f in _NEG_SPECIAL:
            if f == "cannot":
                keys[k], flags[k] = "can", 1
            elif f in _NEG_WITH:
                keys[k], flags[k] = _NEG_WITH[f], 1
            else:
                keys[k], flags[k] = "confirm", int(f in _DENY)
    return keys, flags


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


def _prepare(text: str, lang: str, toks: list[_Tok], vocab: _Vocab) -> _Doc:
    starts = [t.start for t in toks]

    taken = bytearray(len(text))
    runs = [m.start() for m in _DIGIT_RUN_RE.finditer(text)]
    dates = _find_dates(text, lang, toks, runs)
    for d in dates:
        taken[d.start : d.end] = b"\x01" * (d.end - d.start)
    nums = _find_numbers(text, lang, toks, runs, taken)
    names = _find_names(text, toks, taken, vocab)
    quotes = sorted(_find_quotes(text, dialogue=lang != "en"))
    neg_keys, neg_flags = _neg_features(toks, _NEGATORS.get(lang, _ANY_NEGATOR))
    ends = [t.end for t in toks]
    return _Doc(text, lang, toks, starts, quotes, dates, nums, names, ends, neg_keys, neg_flags)


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
        #: share of content words in common: something said on one side only is worth
        #: reporting only when the two passages are plainly about the same thing. Words
        #: cannot tell that across languages; there the aligner's word is taken for it.
        self.cross = a.doc.lang != b.doc.lang
        self.overlap = 1.0
        if not self.cross:
            ka = {t.key for t in a.toks if t.fold not in _STOP}
            kb = {t.key for t in b.toks if t.fold not in _STOP}
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
        content = frozenset(t.key for t in toks if t.fold not in _STOP) or frozenset(
            t.key for t in toks
        )
        words = tuple(t.fold for t in toks)
        out.append(_Quote(span, words, tuple(t.key for t in toks), content, ks[0], ks[-1] + 1))
    return out


def _is_sub(x: Sequence[str], y: Sequence[str]) -> bool:
    n = len(x)
    return 0 < n <= len(y) and any(tuple(y[k : k + n]) == tuple(x) for k in range(len(y) - n + 1))


def _similarity(x: Sequence[str], y: Sequence[str]) -> float:
    return difflib.SequenceMatcher(None, list(x), list(y), autojunk=False).ratio()


def _region(q: _Quote, p: _Passage, usable: list[bool]) -> tuple[int, int, int]:
    """(first, last, hits): the densest run of passage tokens matching the quote's words."""
    idx = [k for k, ok in enumerate(usable) if ok]
    keys = [p.toks[k].key for k in idx]
    sm = difflib.SequenceMatcher(None, list(q.keys), keys, autojunk=False)
    hits = [idx[j + n] for _, j, size in sm.get_matching_blocks() for n in range(size)]
    best = (0, 0, 0)
    start = 0
    for k in range(1, len(hits) + 1):
        if k == len(hits) or hits[k] - hits[k - 1] > 3:
            if k - start > best[2]:
                best = (hits[start], hits[k - 1], k - start)
            start = k
    return best


def _quote_changes(out: _Out) -> None:
    qa, qb = _quotes_in(out.a), _quotes_in(out.b)
    if not qa and not qb:
        return
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
    # in passages about the same thing, a quote left on each side is one quote, reworded
    if out.related and left_a and left_b:
        one_each = len(left_a) == len(left_b) == 1
        for i in list(left_a):
            j2 = next((j for j in left_b if one_each or qa[i].content & qb[j].content), None)
            if j2 is not None:
                sim = _similarity(qa[i].words, qb[j2].words)
                out.add("quote", qa[i].span, qb[j2].span, f"quote reworded (similarity {sim:.2f})")
                left_a.remove(i)
                left_b.remove(j2)
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
    titled = all(w[0].isupper() or _fold(w) in _STOP for w in words if w[0].isalpha())
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


def _number_changes(out: _Out) -> tuple[list[_Date], list[_Date]]:
    """Report number changes; return year-like numbers left over, as years for the date pass."""
    ta, tb = out.a.doc.text, out.b.doc.text
    na = [out.a.doc.nums[k] for k in _inside(out.a.doc.nums, *out.a.span)]
    nb = [out.b.doc.nums[k] for k in _inside(out.b.doc.nums, *out.b.span)]
    ua, ub = list(range(len(na))), list(range(len(nb)))

    def take(pred: Callable[[_Num, _Num], bool]) -> list[tuple[int, int]]:
        got: list[tuple[int, int]] = []
        for i in list(ua):
            for j in ub:
                if pred(na[i], nb[j]):
                    got.append((i, j))
                    ua.remove(i)
                    ub.remove(j)
                    break
        return got

    take(lambda x, y: _same(x.value, y.value) and x.qual == y.qual and _units_compatible(x, y))
    for i, j in take(lambda x, y: _same(x.value, y.value) and not (x.year_like and y.year_like)):
        x, y = na[i], nb[j]
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

    def score(x: _Num, y: _Num) -> int:
        """Words in common around the two numbers; a content word counts double."""
        if x.unit and y.unit and x.unit != y.unit and not _converts(x, y):
            return -1
        same = [p for p, q in zip(x.ctx, y.ctx, strict=True) if p and p == q]
        return len(same) + sum(w not in _STOP_KEYS for w in same)

    cands = sorted(
        ((score(na[i], nb[j]), i, j) for i in ua for j in ub),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    # "300 engineers" / "200 engineers": the same place in the sentence, another value. When
    # each passage has just the one number, it is the same one whatever the words around it;
    # across languages the words differ, so a translation's numbers pair in order.
    counted_a = sum(not (x.weak or x.year_like) for x in na)
    counted_b = sum(not (y.weak or y.year_like) for y in nb)
    lone = out.related and (
        (len(ua) == len(ub) == 1 and counted_a == counted_b == 1)
        or (out.cross and len(ua) == len(ub))
    )
    if lone and out.cross:
        cands = [(1, i, j) for i, j in zip(ua, ub, strict=True) if score(na[i], nb[j]) >= 0]
    for sc, i, j in cands:
        if i in ua and j in ub and (sc >= 2 or (lone and sc >= 0)):
            x, y = na[i], nb[j]
            parts = [
                f"value changed: {_num_label(ta, x)} → {_num_label(tb, y)}",
                _qual_detail(x, y),
            ]
            out.add("number", (x.start, x.end), (y.start, y.end), "; ".join(p for p in parts if p))
            ua.remove(i)
            ub.remove(j)
    if out.related:
        for i in ua:
            out.add("number", (na[i].start, na[i].end), None, "number dropped")
        for j in ub:
            out.add("number", None, (nb[j].start, nb[j].end), "number added")
    return years_a, years_b


def _date_changes(out: _Out, years_a: list[_Date], years_b: list[_Date]) -> None:
    da = [out.a.doc.dates[k] for k in _inside(out.a.doc.dates, *out.a.span)] + years_a
    db = [out.b.doc.dates[k] for k in _inside(out.b.doc.dates, *out.b.span)] + years_b
    for weekday in (False, True):
        xs = [x for x in da if (x.wd is not None) == weekday]
        ys = [y for y in db if (y.wd is not None) == weekday]
        _match_dates(out, xs, ys, weekday)


def _fields(x: _Date) -> tuple[int | None, ...]:
    return (x.y, x.m, x.d, x.wd, x.d2)


def _match_dates(out: _Out, xs: list[_Date], ys: list[_Date], weekday: bool) -> None:
    def shared(x: _Date, y: _Date) -> tuple[int, int]:
        same = diff = 0
        for p, q in zip(_fields(x), _fields(y), strict=True):
            if p is not None and q is not None:
                same += p == q
                diff += p != q
        return same, diff

    ux, uy = list(xs), list(ys)

    # the same date, or one less specific than the other ("Dec. 29" and "Dec. 29, 2025")
    def equal(x: _Date, y: _Date) -> bool:
        return _fields(x) == _fields(y)

    def compatible(x: _Date, y: _Date) -> bool:
        same, diff = shared(x, y)
        return diff == 0 and same > 0

    for pred in (equal, compatible):
        for x in list(ux):
            y2 = next((y for y in uy if pred(x, y)), None)
            if y2 is not None:
                ux.remove(x)
                uy.remove(y2)
    # one date left on each side, given to the same precision: one was changed into the other
    lone = (
        len(ux) == 1
        and len(uy) == 1
        and out.related
        and [f is None for f in _fields(ux[0])] == [f is None for f in _fields(uy[0])]
    )
    cands = sorted(
        ((shared(x, y)[0], i, j) for i, x in enumerate(ux) for j, y in enumerate(uy)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    done_x: set[int] = set()
    done_y: set[int] = set()
    what = "weekday" if weekday else "date"
    for sc, i, j in cands:
        if i in done_x or j in done_y or not (sc > 0 or lone):
            continue
        x, y = ux[i], uy[j]
        out.add(
            "date",
            (x.start, x.end),
            (y.start, y.end),
            f"{what} changed: {_date_label(x)} → {_date_label(y)}",
        )
        done_x.add(i)
        done_y.add(j)
    if not out.related:
        return
    for i, x in enumerate(ux):
        if i not in done_x:
            out.add("date", (x.start, x.end), None, f"{what} dropped")
    for j, y in enumerate(uy):
        if j not in done_y:
            out.add("date", None, (y.start, y.end), f"{what} added")


def _related(x: _Name, y: _Name) -> bool:
    """One name is the other, or part of it ("Maduro" in "Nicolás Maduro")."""
    if x.norm == y.norm or "".join(x.norm) == "".join(y.norm):
        return True  # "Air Asia" / "AirAsia"
    if not x.words & y.words and (len(x.norm) > 1 or len(y.norm) > 1):
        return False  # no word in common, and not a one-word "Venezuela" / "Venezuelan"
    xs, ys = (x.norm, y.norm) if len(x.norm) <= len(y.norm) else (y.norm, x.norm)
    n = len(xs)
    return any(
        all(_same_name_word(p, q) for p, q in zip(xs, ys[k : k + n], strict=True))
        for k in range(len(ys) - n + 1)
    )


_DEMONYM_ENDINGS = frozenset(
    {"", "n", "an", "ian", "ese", "i", "ish", "ic", "ean", "ino", "ina", "ano", "ana", "eno", "ena"}
    | {"ense", "ol", "ola", "es", "o", "a"}
)


@lru_cache(maxsize=1 << 14)
def _same_name_word(p: str, q: str) -> bool:
    """The same word, or a people and its place: "Venezuela" / "Venezuelan", "China" / "Chinese"."""
    if p == q:
        return True
    short, long = (p, q) if len(p) <= len(q) else (q, p)
    for base in (short, short[:-1]):
        if (
            len(base) >= 4
            and long.startswith(base)
            and long[len(base) :].rstrip("s") in _DEMONYM_ENDINGS
        ):
            return True
    return False


def _context(p: _Passage, name: _Name) -> tuple[str | None, str | None, str | None, str | None]:
    k1, k2 = name.first_tok - p.t0, name.last_tok - p.t0
    toks = p.toks
    if name.title_start is not None:
        while k1 > 0 and toks[k1].start > name.title_start:
            k1 -= 1

    def at(k: int) -> str | None:
        return toks[k].fold if 0 <= k < len(toks) else None

    return at(k1 - 2), at(k1 - 1), at(k2 + 1), at(k2 + 2)


def _name_changes(out: _Out, same_lang: bool) -> None:
    pa, pb = out.a, out.b
    xa = [pa.doc.names[k] for k in _inside(pa.doc.names, *pa.span)]
    xb = [pb.doc.names[k] for k in _inside(pb.doc.names, *pb.span)]
    _title_changes(out, xa, xb)
    ma = [False] * len(xa)
    mb = [False] * len(xb)
    for i, x in enumerate(xa):
        for j, y in enumerate(xb):
            if _related(x, y):
                ma[i] = mb[j] = True
    # near-miss spellings, word by word: "Janetsky" / "Janesky"
    if same_lang and not all(ma) and not all(mb):
        words_a = {_name_norm(t.fold) for t in pa.toks}
        words_b = {_name_norm(t.fold) for t in pb.toks}
        for i, x in enumerate(xa):
            if ma[i]:
                continue
            for wi, w in enumerate(x.norm):
                if w in words_b or len(w) < 5:
                    continue
                for j, y in enumerate(xb):
                    if mb[j]:
                        continue
                    hit = next((v for v in y.norm if _near_miss(w, v) and v not in words_a), None)
                    if hit is None:
                        continue
                    ta = _name_token(pa, x, wi)
                    tb = _name_token(pb, y, y.norm.index(hit))
                    out.add("name", ta, tb, "name spelled differently")
                    ma[i] = mb[j] = True
                    break
                if ma[i]:
                    break
    # one name swapped for another in the same place: "Smith said on" / "Jones said on"
    for i, x in enumerate(xa):
        if ma[i] or x.weak:
            continue
        cx = _context(pa, x)
        for j, y in enumerate(xb):
            if mb[j] or y.weak:
                continue
            if _same_place(cx, _context(pb, y)):
                out.add("name", (x.start, x.end), (y.start, y.end), "name changed")
                ma[i] = mb[j] = True
                break


def _same_place(cx: tuple[str | None, ...], cy: tuple[str | None, ...]) -> bool:
    """Two names sit between the same words: two of the four around them match, one of
    those next to the name, and not only function words ("El Gobierno" / "El Ejecutivo")."""
    same = [p for p, q in zip(cx, cy, strict=True) if p is not None and p == q]
    return (
        len(same) >= 2
        and (cx[1] == cy[1] is not None or cx[2] == cy[2] is not None)
        and any(w not in _STOP for w in same)
    )


def _near_miss(a: str, b: str) -> bool:
    limit = 1 if max(len(a), len(b)) <= 8 else 2
    if (
        abs(len(a) - len(b)) > limit
        or min(len(a), len(b)) < 5
        or (a[:2] != b[:2] and a[-2:] != b[-2:])
    ):
        return False  # cheap tests first: lengths, and a misspelling keeps one end of the word
    if a.startswith(b) or b.startswith(a):
        return False
    return _edit_distance(a, b, limit) <= limit


def _name_token(p: _Passage, name: _Name, wi: int) -> Span:
    toks = [
        t
        for t in p.toks[name.first_tok - p.t0 : name.last_tok - p.t0 + 1]
        if t.fold not in _NAME_CONNECTORS
    ]
    t = toks[wi] if wi < len(toks) else toks[-1]
    return t.start, t.end


def _title_words(p: _Passage) -> frozenset[str]:
    """Canonical components of every title word in a passage."""
    out: set[str] = set()
    for t in p.toks:
        comp = _title_components(t.fold)
        if comp is not None:
            out.update(comp[1])
    return frozenset(out)


def _title_changes(out: _Out, xa: list[_Name], xb: list[_Name]) -> None:
    ta, tb = out.a.doc.text, out.b.doc.text

    def person(x: _Name, y: _Name) -> bool:
        return x.norm == y.norm or (
            x.norm[-1] == y.norm[-1]
            and (len(x.norm) == 1 or len(y.norm) == 1 or x.norm[0] == y.norm[0])
        )

    def span(x: _Name) -> Span:
        return (x.title_start if x.title_start is not None else x.start), x.end

    def label(text: str, x: _Name) -> str:
        return text[x.title_start : x.start].strip() if x.title_start is not None else ""

    # title words anywhere in each passage: "Prime Minister Tomas Lind" and "el
    # primer ministro, Tomas Lind" or "Lind, the prime minister" keep the title,
    # only not right before the name, where a _Name records it
    words_a, words_b = _title_words(out.a), _title_words(out.b)
    for x in xa:
        ys = [j for j, y in enumerate(xb) if person(x, y)]
        if not ys:
            continue
        titled = [j for j in ys if xb[j].title]
        if x.title and titled:
            if any(xb[j].title == x.title for j in titled):
                continue
            y = xb[titled[0]]
            out.add("title", span(x), span(y), f"title changed: {label(ta, x)} → {label(tb, y)}")
        elif (
            x.title
            and len(x.norm) >= 2
            and any(len(xb[j].norm) >= 2 for j in ys)
            and not x.title <= words_b
        ):
            y = next(xb[j] for j in ys if len(xb[j].norm) >= 2)
            out.add("title", span(x), span(y), f"title dropped: {label(ta, x)}")
    for y in xb:
        xs = [x for x in xa if person(x, y)]
        if (
            y.title
            and xs
            and not any(x.title for x in xs)
            and len(y.norm) >= 2
            and not y.title <= words_a
        ):
            full = next((x for x in xs if len(x.norm) >= 2), None)
            if full is not None:
                out.add("title", span(full), span(y), f"title added: {label(tb, y)}")


#: a negation difference counts when the passages read alike overall (token ratio) and
#: right around it (matching tokens on either side) ...
_NEG_MIN_RATIO = 0.6
_NEG_MIN_FLANK = 2
#: ... or, for paraphrases, when they share this much (see _anchored)
_NEG_ANCHOR_OVERLAP = 0.35
_NEG_ANCHOR_MIN_RATIO = 0.5
_MAX_NEG_TOKENS = 600
# words that negate without a negator: "failed to win" says what "did not win" says
_IMPLICIT_NEG = frozenset(
    _stem(w)
    for w in _words(
        "fail failed fails refuse refused refuses unable declined declines lack lacked unlikely",
        "unclear deny denied denies without rechazo rechazó negó sin impossible imposible",
    )
)


def _anchored(
    km: list[str], fm: list[int], kl: list[str], fl: list[int]
) -> list[tuple[int, int, int, int, int]]:
    """For paraphrases, where the words around a negator are seldom identical: negators on
    the side with more of them whose negated word recurs on the other side, shortly after a
    content word that also preceded the negator, with no negation (or "failed", "unable" ...)
    near it."""

    def content(keys: list[str], flags: list[int], k: int) -> bool:
        return keys[k] not in _STOP_KEYS and keys[k] not in _AUX and not flags[k]

    where: dict[str, list[int]] = {}
    for q, key in enumerate(kl):
        where.setdefault(key, []).append(q)
    sites: list[tuple[int, int, int, int, int]] = []
    for i, f in enumerate(fm):
        if not f or (km[i] != _NEG_MARK and km[i] not in _AUX and km[i] not in _NT_KEYS):
            continue
        # the negated word itself must recur: "not running" / "halted" is a paraphrase
        after = next((km[k] for k in range(i + 1, min(len(km), i + 4)) if content(km, fm, k)), "")
        before = {km[k] for k in range(max(0, i - 6), i) if content(km, fm, k)}
        for q in where.get(after, ()):
            if not any(kl[p] in before for p in range(max(0, q - 10), q)):
                continue
            if any(
                fl[p] or kl[p] in _IMPLICIT_NEG for p in range(max(0, q - 6), min(len(kl), q + 2))
            ):
                continue
            sites.append((1, i, i + 1, q, q + 1))
            break
    return sites


def _negation_changes(out: _Out) -> None:
    pa, pb = out.a, out.b
    if max(len(pa.toks), len(pb.toks)) > _MAX_NEG_TOKENS:
        return  # an alignment of whole articles, not passages: word alignment is quadratic
    fa, fb = pa.doc.neg_flags[pa.t0 : pa.t1], pb.doc.neg_flags[pb.t0 : pb.t1]
    net = sum(fa) - sum(fb)
    if net == 0:
        return  # "don't have" / "have no": the same polarity said differently
    ka, kb = pa.doc.neg_keys[pa.t0 : pa.t1], pb.doc.neg_keys[pb.t0 : pb.t1]
    sm = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    ratio = sm.ratio()
    if ratio < _NEG_ANCHOR_MIN_RATIO:
        return
    ops = sm.get_opcodes() if ratio >= _NEG_MIN_RATIO else []
    sites: list[tuple[int, int, int, int, int]] = []  # (diff, i1, i2, j1, j2)
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            for k in range(i2 - i1):
                if fa[i1 + k] != fb[j1 + k]:
                    sites.append((fa[i1 + k] - fb[j1 + k], i1 + k, i1 + k + 1, j1 + k, j1 + k + 1))
            continue
        diff = sum(fa[i1:i2]) - sum(fb[j1:j2])
        if diff == 0:
            continue
        rest_a = [ka[k] for k in range(i1, i2) if ka[k] != _NEG_MARK and ka[k] not in _AUX]
        rest_b = [kb[k] for k in range(j1, j2) if kb[k] != _NEG_MARK and kb[k] not in _AUX]
        if rest_a != rest_b:
            continue
        # the rest of the clause must line up on both sides of the difference
        before = (
            ops[n - 1][2] - ops[n - 1][1]
            if n > 0 and ops[n - 1][0] == "equal"
            else (0 if i1 == 0 and j1 == 0 else -99)
        )
        after = (
            ops[n + 1][2] - ops[n + 1][1]
            if n + 1 < len(ops) and ops[n + 1][0] == "equal"
            else (0 if i2 == len(ka) and j2 == len(kb) else -99)
        )
        if before < 0 or after < 0 or before + after < _NEG_MIN_FLANK:
            continue
        sites.append((diff, i1, i2, j1, j2))
    # a removal next to an addition is a rewording ("not any" / "no"), not a flip
    kept = [s for s in sites if not any(o[0] * s[0] < 0 and abs(o[1] - s[1]) <= 3 for o in sites)]
    kept = [s for s in kept if s[0] * net > 0]
    if not kept and out.overlap >= _NEG_ANCHOR_OVERLAP:
        kept = (
            _anchored(ka, fa, kb, fb)
            if net > 0
            else [(d, j1, j2, i1, i2) for d, i1, i2, j1, j2 in _anchored(kb, fb, ka, fa)]
        )
        kept = [(net // abs(net), *s[1:]) for s in kept]
    for diff, i1, i2, j1, j2 in kept:
        a_words = [pa.toks[k] for k in range(i1, i2) if fa[k]]
        b_words = [pb.toks[k] for k in range(j1, j2) if fb[k]]
        if i2 - i1 == 1 and j2 - j1 == 1 and ka[i1] == "confirm" == kb[j1]:
            detail = f"polarity changed: {pa.toks[i1].text} → {pb.toks[j1].text}"
        elif diff > 0:
            detail = "negation removed: " + " ".join(t.text for t in a_words)
        else:
            detail = "negation added: " + " ".join(t.text for t in b_words)
        out.add("negation", _tok_range(pa, i1, i2), _tok_range(pb, j1, j2), detail)


# ---------------------------------------------------------------------------
# the core

_KIND_ORDER = {"quote": 0, "number": 1, "date": 2, "name": 3, "title": 4, "negation": 5}


def _lang(code: str | None) -> str:
    c = (code or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return c or "und"


def _check_pairs(pairs: Sequence[tuple[Span, Span]], la: int, lb: int) -> list[tuple[Span, Span]]:
    checked: list[tuple[Span, Span]] = []
    for n, pair in enumerate(pairs):
        try:
            (a0, a1), (b0, b1) = pair
        except (TypeError, ValueError):
            raise UsageError(
                f"pair {n} is {pair!r}; expected ((a_start, a_end), (b_start, b_end))"
            ) from None
        for side, s, e, size in (("a", a0, a1, la), ("b", b0, b1, lb)):
            if not (isinstance(s, int) and isinstance(e, int)) or not 0 <= s <= e <= size:
                raise UsageError(
                    f"pair {n}: {side} span ({s!r}, {e!r}) is not inside the text (0..{size}); "
                    "spans are half-open character offsets with start <= end"
                )
        checked.append(((a0, a1), (b0, b1)))
    return checked


def find_changes(
    a_text: str,
    b_text: str,
    pairs: Sequence[tuple[Span, Span]],
    *,
    lang_a: str = "en",
    lang_b: str = "en",
) -> list[Change]:
    """The changes B made to A within each aligned passage pair.

    ``pairs`` holds ``(a_span, b_span)`` character spans into ``a_text`` and
    ``b_text``, each a sentence or a few. Every returned change lies inside the
    spans of the pair it came from, and ``a_text[c.a[0]:c.a[1]] == c.a_text``
    (likewise for B). Where one side has nothing to point at (a number dropped,
    a quote added) its span is the whole passage on that side; such one-sided
    changes are reported only when the two passages share enough content words
    (always across languages, where the aligner is trusted). Quote wording,
    negation and spelling rules run only when both languages are the same.
    Changes come in pair order, then by position in A; a change found twice
    (overlapping pairs) is reported once.

    Raises :class:`~retold.errors.UsageError` for a span outside its text.
    """
    checked = _check_pairs(pairs, len(a_text), len(b_text))
    if not checked:
        return []
    la, lb = _lang(lang_a), _lang(lang_b)
    toks_a, toks_b = _tokenize(a_text), _tokenize(b_text)
    vocab = _vocab(toks_a, toks_b)
    da = _prepare(a_text, la, toks_a, vocab)
    db = _prepare(b_text, lb, toks_b, vocab)
    # word-for-word rules (quote wording, negation, spellings) need one language on both sides
    same_lang = la == lb
    result: list[Change] = []
    seen: set[tuple[str, Span, Span, str]] = set()
    for a_span, b_span in checked:
        if a_span[0] == a_span[1] or b_span[0] == b_span[1]:
            continue
        out = _Out(_passage(da, a_span), _passage(db, b_span))
        if same_lang:
            _quote_changes(out)
        years_a, years_b = _number_changes(out)
        _date_changes(out, years_a, years_b)
        _name_changes(out, same_lang)
        if same_lang:
            _negation_changes(out)
        for c in sorted(out.items, key=lambda c: (c.a[0], _KIND_ORDER[c.kind], c.b[0])):
            key = (c.kind, c.a, c.b, c.detail)
            if key not in seen:
                seen.add(key)
                result.append(c)
    return result
