"""Dates and weekdays in many spellings, and how a rewrite changed them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retold.changes._passages import _inside, _Out
from retold.changes._tokens import _Tok
from retold.text import fold, folded_words

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
    *_table(
        "nl",
        "januari|jan",
        "februari|feb",
        "maart|mrt",
        "april|apr",
        "mei",
        "juni|jun",
        "juli|jul",
        "augustus|aug",
        "september|sep|sept",
        "oktober|okt",
        "november|nov",
        "december|dec",
    ),
    # Polish and Russian write a date's month in the genitive ("5 maja", "5 мая"),
    # and "in March" in the locative ("w marcu", "в марте")
    *_table(
        "pl",
        "styczeń|stycznia|styczniu",
        "luty|lutego|lutym",
        "marzec|marca|marcu",
        "kwiecień|kwietnia|kwietniu",
        "maj|maja|maju",
        "czerwiec|czerwca|czerwcu",
        "lipiec|lipca|lipcu",
        "sierpień|sierpnia|sierpniu",
        "wrzesień|września|wrześniu",
        "październik|października|październiku",
        "listopad|listopada|listopadzie",
        "grudzień|grudnia|grudniu",
    ),
    *_table(
        "ru",
        "январь|января|январе|янв",
        "февраль|февраля|феврале|фев",
        "март|марта|марте",
        "апрель|апреля|апреле|апр",
        "май|мая|мае",
        "июнь|июня|июне",
        "июль|июля|июле",
        "август|августа|августе|авг",
        "сентябрь|сентября|сентябре|сен",
        "октябрь|октября|октябре|окт",
        "ноябрь|ноября|ноябре|ноя",
        "декабрь|декабря|декабре|дек",
    ),
    *_table(
        "tr",
        "Ocak",
        "Şubat",
        "Mart",
        "Nisan",
        "Mayıs",
        "Haziran",
        "Temmuz",
        "Ağustos",
        "Eylül",
        "Ekim",
        "Kasım",
        "Aralık",
    ),
    *_table(
        "ar",
        "يناير",
        "فبراير|شباط",
        "مارس|آذار",
        "أبريل|ابريل|نيسان",
        "مايو|أيار",
        "يونيو|يونيه|حزيران",
        "يوليو|يوليه|تموز",
        "أغسطس|آب",
        "سبتمبر|أيلول",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
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
    *_table("nl", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    # Polish and Russian say "on Wednesday" in the accusative ("w środę", "в среду")
    *_table(
        "pl",
        "poniedziałek",
        "wtorek",
        "środa|środę",
        "czwartek",
        "piątek",
        "sobota|sobotę",
        "niedziela|niedzielę",
    ),
    *_table(
        "ru",
        "понедельник",
        "вторник",
        "среда|среду",
        "четверг",
        "пятница|пятницу",
        "суббота|субботу",
        "воскресенье",
    ),
    *_table("tr", "Pazartesi", "Salı", "Çarşamba", "Perşembe", "Cuma", "Cumartesi", "Pazar"),
    *_table("ar", "الاثنين|الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
    *_table("ko", "월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"),
]


@dataclass(frozen=True, slots=True)
class _Form:
    value: int
    langs: frozenset[str]
    #: abbreviations and names that are also ordinary words need a day or year beside them
    needs_number: bool


def _form_index(
    forms: list[tuple[str, int, str, bool]],
    ambiguous: str,
    short_need_number: bool = True,
    standalone: str = "",
) -> dict[str, _Form]:
    """The forms by their folded spelling. ``ambiguous`` ones need a number beside
    them, and so do abbreviations and the other forms after a group's first
    when ``short_need_number`` (a month's genitive is written after its day),
    except the ``standalone`` ones (a locative: "in March" is "w marcu")."""
    values: dict[str, int] = {}
    langs: dict[str, set[str]] = {}
    short: dict[str, bool] = {}
    for form, value, lang, full in forms:
        f = fold(form)
        values[f] = value
        langs.setdefault(f, set()).add(lang)
        short[f] = short.get(f, True) and not full and short_need_number
    for w in standalone.split():
        short[fold(w)] = False
    amb = {fold(w) for w in ambiguous.split()}
    return {f: _Form(values[f], frozenset(langs[f]), short[f] or f in amb) for f in values}


def _alternation(surfaces: set[str]) -> str:
    forms = surfaces | {fold(f) for f in surfaces}
    escaped = (re.escape(f).replace("\\ ", " ") for f in sorted(forms, key=len, reverse=True))
    return "|".join(e.replace(" ", r"\s+") for e in escaped)


# "may", "mars", "mai" are ordinary words too, and so are the Polish "maja" (a
# name), the Turkish "ocak" (a stove), "ekim" (sowing), "aralık" (a gap),
# "kasım" and "nisan" (names), "pazar" (a market), "mart", "mei" and the
# Arabic "مارس" (practised); the Levantine names of the months Arabic news
# also uses are left out where they are two words (the lookup is by word)
_MONTHS = _form_index(
    _MONTH_FORMS,
    "may mars mai maja ocak ekim aralık kasım nisan mart mei مارس",
    standalone="styczniu lutym marcu kwietniu maju czerwcu lipcu sierpniu wrześniu "
    "październiku listopadzie grudniu январе феврале марте апреле мае июне июле августе "
    "сентябре октябре ноябре декабре",
)
# a weekday's other forms are its accusative ("w środę"), said without a number
_WEEKDAYS = _form_index(_WEEKDAY_FORMS, "pazar", short_need_number=False)
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
_APOSTROPHE_RE = re.compile("['’ʼ`‘]")
# Chinese, Japanese and Korean dates: "2026年1月8日", "1月8日", "8日" (the day
# alone is how their news dates a report), "2026년 1월 8일"; not "5日間" (five days)
_CJK_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})\s*[年년]\s*)?(?:(?P<m>\d{1,2})\s*[月월]\s*)?"
    r"(?:(?P<d>\d{1,2})\s*[日号號일](?![間间前後后以内來来간]))?"
)
# their weekdays: "星期三", "周三", "水曜日"
# ("一周一次", once a week, is no Monday: a count before 周 or 次 after says so)
_CJK_WEEKDAY_RE = re.compile(
    r"(?:星期|禮拜|礼拜|(?<![一二三四五六七八九十两兩几幾])[周週])"
    r"(?P<c>[一二三四五六日天])(?![次年岁歲])|(?P<j>[月火水木金土日])曜日?"
)
_CJK_WEEKDAYS = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6}
_JA_WEEKDAYS = {c: i for i, c in enumerate("月火水木金土日")}
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
    if lang == "tr":
        return True  # capitalised in a date ("8 Ocak"), often not without one
    # where these words are written in lower case, a capital marks a name: "Julio Borges",
    # "Domingo Cavallo", and mid-sentence "Abril"
    if word[0].isupper() and not beside_number:
        return initial and not before_name
    return True


def _month_date(
    text: str, lang: str, t: _Tok, e: int, form: _Form, before_name: bool, out: list[_Date]
) -> None:
    """The date around month name ``t``, which ends at ``e`` (before any suffix)."""
    s = t.start
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


def _numeric_date(m: re.Match[str], lang: str) -> _Date | None:
    """The date a _NUMDATE_RE match stands for ("2025-12-29", "29/12/2025", "12.29.25"), if any."""
    if m.group("iy"):
        y, mo, d = _year(m.group("iy")), int(m.group("im")), int(m.group("id"))
    else:
        if m.group("sep") == "." and len(m.group("r")) != 4:
            return None  # 1.2.25 is as likely a version or a list
        one, two, r = int(m.group("p")), int(m.group("q")), m.group("r")
        y = _year(r) if len(r) == 4 else 2000 + int(r)
        # day first unless it cannot be, or the text is English and it can be either
        if one > 12 or (two <= 12 and lang != "en"):
            d, mo = one, two
        else:
            mo, d = one, two
    if y is None or not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return _Date(m.start(), m.end(), y, mo, d)


#: names and days of the year that end in a weekday, by the word before it: a
#: capital before a weekday is as often a name it qualifies ("the Detroit
#: Lions Sunday finale"), so these are listed
_NAMED_DAYS = {
    "wednesday": folded_words("sheffield ash spy"),
    "friday": folded_words("black good man girl"),
    "tuesday": folded_words("super shrove giving black"),
    "monday": folded_words("cyber easter black blue whit"),
    "sunday": folded_words("bloody palm easter mothering whit"),
    "thursday": folded_words("maundy holy"),
    "saturday": folded_words("holy"),
}


#: and the English names that open with a month, by the word after it
_NAMED_MONTHS = {
    "march": folded_words("madness"),
    "april": folded_words("fool fools"),
    "may": folded_words("day"),
    "october": folded_words("revolution"),
}


def _names_day(toks: list[_Tok], k: int, day: str) -> bool:
    """Whether the weekday or month ``day`` at token ``k`` is part of a name
    ("Sheffield Wednesday", "Black Friday", "March Madness")."""
    if day in _NAMED_MONTHS:
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        return nxt is not None and nxt.cap and nxt.fold in _NAMED_MONTHS[day]
    return k > 0 and toks[k - 1].cap and toks[k - 1].fold in _NAMED_DAYS.get(day, ())


def _word_dates(text: str, lang: str, toks: list[_Tok]) -> list[_Date]:
    """Dates and weekdays around month and weekday names ("Dec. 29", "Thursday's")."""
    out: list[_Date] = []
    # month and weekday names are looked up word by word: far cheaper than a regex of them all
    for k, t in enumerate(toks):
        f, end = t.fold, t.end
        if f not in _DATE_WORDS:
            # "Thursday's releases"; Turkish writes its case endings so: "Ocak'ta"
            head, apostrophe, _ = f.partition("'")
            if not apostrophe or head not in _DATE_WORDS:
                continue
            cut = _APOSTROPHE_RE.search(t.text)
            f, end = head, t.start + (cut.start() if cut else len(head))
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        before_name = (
            nxt is not None
            and nxt.cap
            and text[t.end : nxt.start] == " "
            and nxt.fold not in _MONTHS
        )
        if lang == "en" and _names_day(toks, k, f):
            continue
        if f in _MONTHS:
            _month_date(text, lang, t, end, _MONTHS[f], before_name, out)
        elif f in _WEEKDAYS or text.startswith("-feira", t.end):
            end = t.end + 6 if f in _FEIRA else end
            form = _WEEKDAYS[f + "-feira" if f in _FEIRA else f]
            if _accept_form(form, t.text, lang, t.initial, False, before_name):
                out.append(_Date(t.start, end, wd=form.value - 1))
    return out


def find_dates(text: str, lang: str, toks: list[_Tok], runs: list[int]) -> list[_Date]:
    out = _word_dates(text, lang, toks)
    for p in runs:
        if (m := _NUMDATE_RE.match(text, p)) is not None and (x := _numeric_date(m, lang)):
            out.append(x)
        elif (m := _CJK_DATE_RE.match(text, p)) is not None and (m["m"] or m["d"]):
            y = _year(m["y"])
            mo = int(m["m"]) if m["m"] else None
            d = int(m["d"]) if m["d"] else None
            if (mo is None or 1 <= mo <= 12) and (d is None or 1 <= d <= 31):
                out.append(_Date(m.start(), m.end(), y, mo, d))
    if lang in ("zh", "ja"):
        for m in _CJK_WEEKDAY_RE.finditer(text):
            wd = _CJK_WEEKDAYS[m["c"]] if m["c"] else _JA_WEEKDAYS[m["j"]]
            out.append(_Date(m.start(), m.end(), wd=wd))
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
    if day and not (x.m or x.y):
        return f"day {day}"  # "5日": the 5th of a month the story does not name
    parts = [_MONTH_NAMES[x.m] if x.m else "", day, str(x.y) if x.y else ""]
    return " ".join(p for p in parts if p)


def date_changes(out: _Out, years_a: list[_Date], years_b: list[_Date]) -> None:
    da = [out.a.doc.dates[k] for k in _inside(out.a.doc.dates, *out.a.span)] + years_a
    db = [out.b.doc.dates[k] for k in _inside(out.b.doc.dates, *out.b.span)] + years_b
    for weekday in (False, True):
        xs = [x for x in da if (x.wd is not None) == weekday]
        ys = [y for y in db if (y.wd is not None) == weekday]
        _match_dates(out, xs, ys, weekday)


def _fields(x: _Date) -> tuple[int | None, ...]:
    return (x.y, x.m, x.d, x.wd, x.d2)


def _shared(x: _Date, y: _Date) -> tuple[int, int]:
    """(fields both dates give and agree on, fields both give and differ on)."""
    same = diff = 0
    for p, q in zip(_fields(x), _fields(y), strict=True):
        if p is not None and q is not None:
            same += p == q
            diff += p != q
    return same, diff


def _equal(x: _Date, y: _Date) -> bool:
    return _fields(x) == _fields(y)


def _compatible(x: _Date, y: _Date) -> bool:
    same, diff = _shared(x, y)
    return diff == 0 and same > 0


def _unmatched(xs: list[_Date], ys: list[_Date]) -> tuple[list[_Date], list[_Date]]:
    """The dates left once those saying the same thing are paired off: the same date, or
    one less specific than the other ("Dec. 29" and "Dec. 29, 2025")."""
    ux, uy = list(xs), list(ys)
    for pred in (_equal, _compatible):
        for x in list(ux):
            y2 = next((y for y in uy if pred(x, y)), None)
            if y2 is not None:
                ux.remove(x)
                uy.remove(y2)
    return ux, uy


def _match_dates(out: _Out, xs: list[_Date], ys: list[_Date], weekday: bool) -> None:
    ux, uy = _unmatched(xs, ys)
    # one date left on each side, given to the same precision: one was changed into the other
    lone = (
        len(ux) == 1
        and len(uy) == 1
        and out.related
        and [f is None for f in _fields(ux[0])] == [f is None for f in _fields(uy[0])]
        # loosely paired sentences may each give a year of another event ("won in 2000",
        # "retired in 2008")
        and not (out.loose and _fields(ux[0])[1:] == (None,) * 4)
    )
    cands = sorted(
        ((_shared(x, y)[0], i, j) for i, x in enumerate(ux) for j, y in enumerate(uy)),
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
