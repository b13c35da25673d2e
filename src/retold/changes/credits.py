"""Who a copy credits: the wire agency, the byline, the contributors.

A wire licensing team's first question about a republished story is whether
it still says where it came from. Unlike the other kinds of change these are
found in the whole page, not in aligned passages: credits live in bylines,
datelines and contributor lines, which the boilerplate stage sets aside.

Reported as changes of kind ``credit``:

- an agency A credits (its dateline's "(AP)" or "2020, SPA --", a byline or contributor line
  naming it) that B never names anywhere, and the other way round;
- a byline whose people B does not name, or names differently;
- contributors of A that B drops, or names with a misspelling (a scraper's
  garbling: "Janetsky" printed as "Janesky").

Rules, in English, Spanish, German, French and Italian byline wordings; the
agencies are a hand-made list of the wire services (no field library lists
them). Nothing is reported where A and B carry no credit at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from retold.types import BoilerplateBlock, Change, Span

__all__ = ["credit_changes", "credits_lost"]

#: wire agencies and how a page names them; an entry's first name is the one reported
_AGENCIES: tuple[tuple[str, str], ...] = (
    (
        "Associated Press",
        r"\(AP\)|\bAssociated Press\b|\bAP(?:['’]s|\s+(?:Photo|reporters?|writers?))\b",
    ),
    ("Reuters", r"\bReuters\b|\(Reuters\)"),
    ("AFP", r"\bAFP\b|\bAgence France[- ]Presse\b"),
    ("dpa", r"\bdpa\b|\bDeutsche Presse-Agentur\b"),
    ("EFE", r"\bEFE\b"),
    ("ANSA", r"\bANSA\b"),
    ("Europa Press", r"\bEuropa Press\b"),
    ("Xinhua", r"\bXinhua\b"),
    ("Kyodo", r"\bKyodo\b"),
    ("Yonhap", r"\bYonhap\b"),
    ("PA Media", r"\bPA Media\b|\bPress Association\b|\(PA\)"),
    ("UPI", r"\bUPI\b|\bUnited Press International\b"),
    ("Bloomberg", r"\bBloomberg News\b|\(Bloomberg\)"),
    ("TASS", r"\bTASS\b"),
    ("Anadolu", r"\bAnadolu Agency\b|\bAnadolu Ajansı\b"),
    ("ANP", r"\bANP\b"),
    ("APA", r"\bAPA\b"),
    ("PAP", r"\bPAP\b"),
)
_AGENCY_RE = [(name, re.compile(pattern)) for name, pattern in _AGENCIES]
_ANY_AGENCY = re.compile("|".join(f"(?:{pattern})" for _, pattern in _AGENCIES))
#: a wire dateline's credit, "GUATIRE, Venezuela (AP) —" or, after the date,
#: "Riyadh, January 01, 2020, SPA --" (a year first: "San Rafael, CA --" is a
#: state): any agency, listed or not
_DATELINE = re.compile(
    r"\(([A-Z][A-Za-z]{1,9})\)\s*[—–-]|\b(?:1[89]|20)\d\d,\s*([A-Z]{2,6})\s*(?:--|[—–])\s"
)
#: boilerplate that carries credits
_CREDIT_REASONS = frozenset({"byline", "contributor-line"})
#: a byline's opening word, and what separates the people it names
_BY = re.compile(r"^\s*(?:by|von|por|par|di|da|door|av|af)\s+", re.IGNORECASE)
_BYLINE_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\by\b|\bund\b|\bet\b|\be\b|\|)\s*")
#: a run of capitalised words (a person or a place); inner particles allowed
_CAPS_RUN = re.compile(
    r"(?<![\w'’-])(?:[A-ZÀ-ÖØ-Þ][\w'’-]*)(?:\s+(?:(?:de|da|del|van|von|der|la|le)\s+)?[A-ZÀ-ÖØ-Þ][\w'’-]*)*"
)
#: a run right after one of these names a place or an outlet, not a person
_BEFORE_PLACE = re.compile(r"(?:\b(?:in|from|at|for|of|en|desde|aus|de|à|a)\s+)$", re.IGNORECASE)
#: words a credit line opens with before the people it names
_LEADING = frozenset(
    [
        "by",
        "follow",
        "the",
        "and",
        "with",
        "reporting",
        "editing",
        "writing",
        "additional",
        "por",
        "von",
        "par",
        "di",
    ]
)
#: a run holding one of these names an outlet or a role, not a person
_NOT_PEOPLE = frozenset(
    [
        "associated",
        "press",
        "reuters",
        "agency",
        "agencies",
        "wire",
        "wires",
        "news",
        "times",
        "post",
        "journal",
        "herald",
        "tribune",
        "media",
        "daily",
        "magazine",
        "network",
        "newspaper",
        "reporter",
        "reporters",
        "writer",
        "writers",
        "correspondent",
        "correspondents",
        "editor",
        "editors",
        "staff",
        "bureau",
        "service",
        "photo",
        "photos",
        "video",
        "copyright",
        "rights",
        "reserved",
        "contributed",
        "contributing",
    ]
)
#: how alike two spellings of a name must be (RapidFuzz ratio, 0-100) to be one name garbled
_GARBLED = 80.0
#: how the details of an agency dropped and of a contributor line open
_AGENCY_DROPPED = "agency credit dropped: B never names "
_CONTRIBUTORS = re.compile(
    r"contributors of (\d+): (?:(\d+) misspelt \(.*?\))?(?:, )?(?:(\d+) dropped)?"
)


@dataclass(frozen=True, slots=True)
class _Line:
    span: Span
    text: str
    reason: str


def _lines(text: str, blocks: Sequence[BoilerplateBlock]) -> list[_Line]:
    out = []
    for b in blocks:
        if b.reason in _CREDIT_REASONS and 0 <= b.start < b.end <= len(text):
            out.append(_Line((b.start, b.end), text[b.start : b.end], b.reason))
    return out


def _agencies_credited(
    text: str, lines: Sequence[_Line]
) -> dict[str, tuple[Span, re.Pattern[str]]]:
    """Agencies a page credits (its dateline, bylines, contributor lines):
    name -> (first span, how a page names it). A dateline's agency missing
    from :data:`_AGENCIES` is taken as written."""
    found: dict[str, tuple[Span, re.Pattern[str]]] = {}
    for m in _DATELINE.finditer(text[:3000]):
        group = 1 if m.group(1) else 2
        token = m.group(group)
        listed = [(name, rx) for name, rx in _AGENCY_RE if rx.fullmatch(f"({token})")]
        name, rx = listed[0] if listed else (token, re.compile(rf"\b{re.escape(token)}\b"))
        found.setdefault(name, (m.span(group), rx))
    for line in lines:
        if not _ANY_AGENCY.search(text, *line.span):
            continue
        for name, rx in _AGENCY_RE:
            hit = rx.search(text, *line.span)
            if hit and name not in found:
                found[name] = (hit.span(), rx)
    return found


def _names(line: str, byline: bool) -> list[str]:
    """People a credit line names (a byline: two to four capitalised words
    between its separators; a contributor line: any run of capitalised words
    that does not follow "in" or "from", which name places)."""
    if byline:
        cands = [p.strip(" .") for p in _BYLINE_SPLIT.split(_BY.sub("", line.strip()))]
    else:
        cands = [
            m.group()
            for m in _CAPS_RUN.finditer(line)
            if not _BEFORE_PLACE.search(line[: m.start()])
        ]
    out: list[str] = []
    for c in cands:
        words = c.split()
        while words and words[0].casefold() in _LEADING:
            words = words[1:]
        if not words or len(words) > 4 or (byline and len(words) < 2):
            continue
        if len(words) == 1 and words[0].isupper():
            continue  # "BBC reported from Kyiv": an acronym is an outlet, not a person
        if any(w.casefold() in _NOT_PEOPLE or _agency(w) for w in words):
            continue
        if not all(w[:1].isupper() for w in words if len(w) > 3):
            continue
        name = " ".join(words)
        if name not in out:
            out.append(name)
    return out


def _agency(word: str) -> bool:
    return bool(_ANY_AGENCY.fullmatch(word) or _ANY_AGENCY.search(f"({word})"))


def _named(name: str, text: str, folded: str) -> bool:
    """Whether ``text`` (``folded``: it casefolded) names the person: their
    surname, any case, as a word. The substring test first: it is C-fast and
    mostly says no."""
    surname = name.split()[-1]
    if surname.casefold() not in folded:
        return False
    pattern = rf"(?<![\w'’-]){re.escape(surname)}(?![\w'’-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _garbled(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate (a name, or its last word) that reads as ``name`` (or
    its surname) misspelt, if one does."""
    mine = {name.casefold(), name.split()[-1].casefold()}
    best, score = None, 0.0
    for c in candidates:
        for form in dict.fromkeys((c, c.split()[-1])):  # in order: ties go the same way every run
            theirs = form.casefold()
            if theirs in mine:
                continue
            s = max(fuzz.ratio(m, theirs) for m in mine)
            if s > score:
                best, score = form, s
    return best if score >= _GARBLED else None


class _Out:
    """Credit changes as found; a side with nothing to show gets an empty span at its start."""

    def __init__(self, a_text: str, b_text: str) -> None:
        self.a_text, self.b_text = a_text, b_text
        self.a_folded, self.b_folded = a_text.casefold(), b_text.casefold()
        self.items: list[Change] = []

    def add(self, sa: Span | None, sb: Span | None, detail: str) -> None:
        sa, sb = sa or (0, 0), sb or (0, 0)
        a, b = self.a_text[sa[0] : sa[1]], self.b_text[sb[0] : sb[1]]
        self.items.append(Change("credit", sa, sb, a, b, detail))


def _agency_changes(out: _Out, la: list[_Line], lb: list[_Line], bylines: tuple[str, str]) -> None:
    """Agencies credited on one side and never named on the other; one
    dropped and one put in its place are one change."""
    ca, cb = _agencies_credited(out.a_text, la), _agencies_credited(out.b_text, lb)
    dropped = [
        n for n, (_, rx) in ca.items() if not (rx.search(out.b_text) or rx.search(bylines[1]))
    ]
    added = [n for n, (_, rx) in cb.items() if not (rx.search(out.a_text) or rx.search(bylines[0]))]
    if len(dropped) == len(added) == 1:
        (x,), (y,) = dropped, added
        out.add(ca[x][0], cb[y][0], f"agency credit changed: {x} → {y}")
        return
    for n in dropped:
        out.add(ca[n][0], None, f"{_AGENCY_DROPPED}{n}")
    for n in added:
        out.add(None, cb[n][0], f"agency credit added: A never names {n}")


def _people(meta: str, lines: list[_Line]) -> list[str]:
    """A byline's people: from the page's metadata when it gave one, else from its byline lines."""
    return _names(meta, True) if meta else [n for ln in lines for n in _names(ln.text, True)]


def _byline_changes(
    out: _Out, la: list[_Line], lb: list[_Line], bylines: tuple[str, str]
) -> list[str]:
    """The bylines' people (the page's metadata, else its byline lines), and
    a change when one side's are not named on the other; A's people returned."""
    by_a = [ln for ln in la if ln.reason == "byline"]
    by_b = [ln for ln in lb if ln.reason == "byline"]
    people_a, people_b = _people(bylines[0], by_a), _people(bylines[1], by_b)
    span_a = by_a[0].span if by_a else None
    span_b = by_b[0].span if by_b else None
    if people_a and not any(_named(p, out.b_text, out.b_folded) for p in people_a):
        if people_b:
            out.add(
                span_a, span_b, f"byline changed: {', '.join(people_a)} → {', '.join(people_b)}"
            )
        else:
            out.add(span_a, span_b, f"byline dropped: B never names {', '.join(people_a)}")
    elif people_b and not any(_named(p, out.a_text, out.a_folded) for p in people_b):
        out.add(span_a, span_b, f"byline added: A never names {', '.join(people_b)}")
    return people_a


def _contributor_changes(out: _Out, la: list[_Line], lb: list[_Line], skip: list[str]) -> None:
    """Each of A's contributor lines against the most alike of B's: the
    people B drops or misspells (those in ``skip``, the byline's, aside)."""
    ctb = [ln for ln in lb if ln.reason == "contributor-line"]
    b_cands = [n for ln in ctb for n in _names(ln.text, False)]
    for line in (ln for ln in la if ln.reason == "contributor-line"):
        names = [n for n in _names(line.text, False) if n not in skip]
        dropped, garbled = [], []
        for n in names:
            if _named(n, out.b_text, out.b_folded):
                continue
            g = _garbled(n, b_cands)
            if g:
                garbled.append(f"{n} → {g}")
            else:
                dropped.append(n)
        if not dropped and not garbled:
            continue
        twin = max(ctb, key=lambda ln: fuzz.ratio(ln.text, line.text), default=None)
        parts = []
        if garbled:
            parts.append(f"{len(garbled)} misspelt ({'; '.join(garbled)})")
        if dropped:
            parts.append(f"{len(dropped)} dropped ({', '.join(dropped)})")
        kept = len(names) - len(dropped) - len(garbled)
        detail = f"contributors of {len(names)}: " + ", ".join(parts) + f", {kept} kept"
        out.add(line.span, twin.span if twin else None, detail)


def credit_changes(
    a_text: str,
    b_text: str,
    a_blocks: Sequence[BoilerplateBlock],
    b_blocks: Sequence[BoilerplateBlock],
    a_byline: str | None = None,
    b_byline: str | None = None,
) -> list[Change]:
    """How B's credits differ from A's: ``kind="credit"`` changes, from the
    texts, their boilerplate blocks (bylines and contributor lines are found
    there) and the bylines the pages' metadata gave, if any."""
    la, lb = _lines(a_text, a_blocks), _lines(b_text, b_blocks)
    out = _Out(a_text, b_text)
    bylines = (a_byline or "", b_byline or "")
    _agency_changes(out, la, lb, bylines)
    people_a = _byline_changes(out, la, lb, bylines)
    _contributor_changes(out, la, lb, people_a)
    return out.items


def credits_lost(changes: Sequence[Change], of: str = "A") -> list[str]:
    """What the other text did to the credits text ``of`` gives, a verb
    phrase each ("drops A's byline"), from ``credit_changes`` with ``of`` as
    its first text: the marks a copy leaves on its source's credits. A credit
    swapped for another says nothing of which came first and is not counted."""
    out = []
    for c in changes:
        d = c.detail
        if d.startswith(_AGENCY_DROPPED):
            out.append(f"drops {of}'s {d.removeprefix(_AGENCY_DROPPED)} credit")
        elif d.startswith("byline dropped"):
            out.append(f"drops {of}'s byline")
        elif m := _CONTRIBUTORS.match(d):
            misspelt, dropped = int(m.group(2) or 0), int(m.group(3) or 0)
            done = [f"misspells {misspelt}"] * bool(misspelt) + [f"drops {dropped}"] * bool(dropped)
            out.append(f"{' and '.join(done)} of {of}'s {m.group(1)} contributors")
    return out
