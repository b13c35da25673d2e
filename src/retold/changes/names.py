"""Names and titles of people and places, and how a rewrite changed them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from retold.changes._name_words import (
    _ALIASES,
    _HONORIFICS,
    _NAME_CONNECTORS,
    _TITLE_CONNECTORS,
    _german_name,
    _title_components,
)
from retold.changes._passages import _Doc, _inside, _Out, _overlap, _Passage
from retold.changes._spelled import _ALL_NUMBER_WORDS
from retold.changes._tokens import _ABBREVIATIONS, _STARTERS, _Tok
from retold.text import STOP_WORDS, folded_words
from retold.types import Change, Span

# ---------------------------------------------------------------------------
# names and titles

_NAME_GAP_RE = re.compile(r"[ \t\u00a0]+|-")
#: an English contraction is no name, even capitalised ("I'll", "You're",
#: "Don't", "Let's"): in chatty texts two of them at the same place read as a
#: renamed person ("I'll" -> "I'm"); names keep their apostrophes ("O'Neill")
_CONTRACTION_RE = re.compile(r"['’](?:ll|re|m|ve|d)$|n['’]t$|^let['’]s$")
_TITLE_GAP_RE = re.compile(r"\.?[ \t\u00a0]+|-")  # "Sen. Smith"


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


def find_names(
    text: str, toks: list[_Tok], taken: bytearray, vocab: _Vocab, lang: str = "en"
) -> list[_Name]:
    out: list[_Name] = []
    n = len(toks)
    german = lang == "de"

    def name_word(t: _Tok) -> bool:
        return (
            t.cap
            and not t.text[0].isdigit()
            and (len(t.fold) >= 2)
            and taken.find(1, t.start, t.end) < 0
            and _CONTRACTION_RE.search(t.fold) is None
            and (not german or _german_name(t.text))
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
        # a possessive ends a name: "Japan's Hideki Matsuyama" is a place and a person
        while j < n and joined(j) and not toks[run[-1]].fold.endswith("'s"):
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
        if (
            len(run) == 1
            and first.initial
            and (first.fold in STOP_WORDS or first.fold in _STARTERS)
        ):
            continue  # "The", "However": by far the most common capitalised words
        _name_from_run(text, toks, run, vocab, out)
    return out


def _trim_head(toks: list[_Tok], run: list[int], vocab: _Vocab) -> tuple[list[int], bool]:
    """Drop function words and a sentence-initial capital that is no name from the head of
    a run; the flag says a lone remaining word is only weakly a name."""
    while run and (
        toks[run[0]].fold in STOP_WORDS
        or toks[run[0]].fold in _NAME_CONNECTORS
        or toks[run[0]].fold in _HONORIFICS
    ):
        run = run[1:]
    if not run:
        return run, False
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
    return run, weak


def _split_title(toks: list[_Tok], run: list[int]) -> tuple[list[int], list[int]]:
    """(title, name): a title at the head of the run ("Spanish Foreign Minister José Manuel
    Albares") split from the name, connectors trimmed from the name's ends."""
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
    return title_idx, run


_DETERMINERS = folded_words("the a an his her its their our my your this that these those")


def _surname_like_title(toks: list[_Tok], run: list[int]) -> bool:
    """A run read whole as a title that is a person's name ending in a title word ("Justin
    King", "Stephen Judge"): plain words before one core word, and no determiner before them
    ("the Greek King", "the Labour Leader" are titles)."""
    if len(run) < 2 or (run[0] > 0 and toks[run[0] - 1].fold in _DETERMINERS):
        return False
    head, last = run[:-1], _title_components(toks[run[-1]].fold)
    return (
        last is not None
        and last[0] == "core"
        and all(
            _title_components(toks[k].fold) is None and toks[k].fold not in _ALIASES for k in head
        )
    )


def _extend_title(text: str, toks: list[_Tok], title_idx: list[int], head: int) -> None:
    """Prepend to ``title_idx`` the lower-case title words before token ``head``:
    "acting President", "la presidenta encargada"."""
    b = head - 1
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


def _name_from_run(
    text: str, toks: list[_Tok], run: list[int], vocab: _Vocab, out: list[_Name]
) -> None:
    run, weak = _trim_head(toks, run, vocab)
    if not run:
        return
    title_idx, run = _split_title(toks, run)
    if not run:
        if not _surname_like_title(toks, title_idx):
            return
        title_idx, run = [], title_idx
    _extend_title(text, toks, title_idx, title_idx[0] if title_idx else run[0])
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


def name_changes(out: _Out, same_lang: bool) -> None:
    pa, pb = out.a, out.b
    xa = [pa.doc.names[k] for k in _inside(pa.doc.names, *pa.span)]
    xb = [pb.doc.names[k] for k in _inside(pb.doc.names, *pb.span)]
    # loosely paired sentences: a name renamed keeps a word of it; two people in the same
    # place ("the first Test against South Africa" / "the third Test against Sri Lanka")
    # or given two titles may be two facts
    if not out.loose:
        _title_changes(out, xa, xb)
    ma = [False] * len(xa)
    mb = [False] * len(xb)
    for i, x in enumerate(xa):
        for j, y in enumerate(xb):
            if _related(x, y):
                ma[i] = mb[j] = True
    # near-miss spellings, word by word: "Janetsky" / "Janesky"
    if same_lang and not all(ma) and not all(mb):
        _spelling_changes(out, xa, xb, ma, mb)
    # one word of a name swapped, the others kept: "Jeanette Tate" / "Jeanette Harlow"
    _half_kept_changes(out, xa, xb, _covered(xa, xb, ma), _covered(xb, xa, mb), ma, mb)
    # one name swapped for another in the same place: "Smith said on" / "Jones said on"
    for i, x in enumerate(xa):
        if ma[i] or x.weak or out.loose:
            continue
        cx = _context(pa, x)
        for j, y in enumerate(xb):
            if mb[j] or y.weak:
                continue
            if _two_forms(x.norm, y.norm):
                continue
            if _same_place(cx, _context(pb, y)):
                out.add("name", (x.start, x.end), (y.start, y.end), "name changed")
                ma[i] = mb[j] = True
                break
    if not out.loose:
        _new_in_place(out, xa, xb, ma, mb)
        _one_for_one(out, xa, xb, ma, mb)


def _new_in_place(
    out: _Out, xa: list[_Name], xb: list[_Name], ma: list[bool], mb: list[bool]
) -> None:
    """A person no name of A's has, where A's passage names another who is
    named elsewhere in B's ("that Mr Mosley no longer had" / "that Mr Quaid no
    longer has ..., but Mr Mosley insists"): the other B mention matched A's
    name, so the swap above never saw it. Persons only, between the same words."""
    for j, y in enumerate(xb):
        if mb[j] or y.weak or any(w in out.a.doc.name_words for w in y.norm):
            continue
        if not _personal(out.b, y):
            continue
        cy = _context(out.b, y)
        for i, x in enumerate(xa):
            if ma[i] and not x.weak and _personal(out.a, x) and _same_place(_context(out.a, x), cy):
                out.add("name", (x.start, x.end), (y.start, y.end), "name changed")
                mb[j] = True
                break


def _one_for_one(
    out: _Out, xa: list[_Name], xb: list[_Name], ma: list[bool], mb: list[bool]
) -> None:
    """Aligned passages each left with one person's name the other lacks, the B one
    with a word no name of A's has ("Mr Whittle said" / "Peter Benning highlighted",
    A's Peter being Peter Whittle): the rewrite put a new person in the place of A's.
    Persons only (a full name or an honorific before it): a place or an agency may
    stand for a person ("Reuters", "Brussels")."""
    left_a = [i for i, x in enumerate(xa) if not ma[i] and not x.weak]
    left_b = [j for j, y in enumerate(xb) if not mb[j] and not y.weak]
    if len(left_a) != 1 or len(left_b) != 1:
        return
    x, y = xa[left_a[0]], xb[left_b[0]]
    if not (_personal(out.a, x) and _personal(out.b, y)):
        return
    b_words = {_name_norm(t.fold) for t in out.b.toks}
    if all(w in out.a.doc.name_words for w in y.norm) or any(w in b_words for w in x.norm):
        return
    out.add("name", (x.start, x.end), (y.start, y.end), "name changed")
    ma[left_a[0]] = mb[left_b[0]] = True


def _personal(p: _Passage, name: _Name) -> bool:
    """Whether a name reads as a person's: two words or more, or an honorific before it."""
    return (len(name.norm) >= 2 and not name.title) or _honorific(p, name) is not None


def _covered(xs: list[_Name], ys: list[_Name], matched: list[bool]) -> list[bool]:
    """Per name of ``xs`` (matched in ``matched``), whether the other side names it in
    full: the same name, or a longer one with its words that is not itself a name of
    ``xs``. "Mosley" does not cover "Oswald Mosley" (the first name may be what changed),
    nor "Yoweri Museveni" on both sides "Mr Museveni" (the surname may be)."""
    exact = {x.norm for x in xs}
    return [
        m
        and any(
            x.norm == y.norm
            or (len(y.norm) > len(x.norm) and y.norm not in exact and _related(x, y))
            for y in ys
        )
        for x, m in zip(xs, matched, strict=True)
    ]


def _half_kept_changes(
    out: _Out,
    xa: list[_Name],
    xb: list[_Name],
    ca: list[bool],
    cb: list[bool],
    ma: list[bool],
    mb: list[bool],
) -> None:
    """Names, one on each side and not named in full on the other (``ca``, ``cb``),
    that keep a word (or the honorific before a surname: "Mr Mosley" / "Mr Quaid") and
    swap others: the same person or place renamed, wherever the passages put it (a
    rewrite moves the words around a name, so its neighbours cannot place it). A word
    is lost when A's names use it more often than B's, new when B's use it more often
    than A's, and a swap needs one of each: "Cricket Scotland" / "Cricket Quaid" with
    "in Scotland" on both sides is one, "Bill Clinton" / "Hillary Clinton" beside a
    "Bill" is not. Pairs found are marked in ``ma`` and ``mb``."""
    named_a = Counter(w for x in xa for w in x.norm)
    named_b = Counter(w for y in xb for w in y.norm)
    for i, x in enumerate(xa):
        if ca[i] or x.weak:
            continue
        for j, y in enumerate(xb):
            if cb[j] or y.weak:
                continue
            if len(x.norm) >= 2 and len(y.norm) >= 2 and set(x.norm) & set(y.norm):
                lost, new = _swapped(x.norm, y.norm)
                # a sentence's capital is no evidence: "Classic LDA" / "Traditional LDA",
                # "Candidate Susan Leslie" / "candidate Susan Quaid"
                lost = [w for w in lost if w != _opens(out.a, x)]
                new = [w for w in new if w != _opens(out.b, y)]
                if out.loose and not _one_swapped(x.norm, y.norm):
                    continue  # loosely paired: "José María Basoa" / "María Corina Machado"
            elif (
                len(x.norm) == len(y.norm) == 1
                and (h := _honorific(out.a, x)) is not None
                and h == _honorific(out.b, y)
            ):
                lost, new = [x.norm[0]], [y.norm[0]]
            else:
                continue
            if (
                any(named_a[w] > named_b[w] for w in lost)
                and any(named_b[w] > named_a[w] for w in new)
            ) or (
                # B names the old one elsewhere too ("David Pryce ... Humphreys said"), but
                # a word no name of A's has in the place of one is a swap all the same
                not out.loose
                and _one_swapped(x.norm, y.norm)
                and bool(lost)
                and bool(new)
                and not any(w in out.a.doc.name_words for w in new)
            ):
                out.add("name", (x.start, x.end), (y.start, y.end), "name changed")
                ca[i] = cb[j] = ma[i] = mb[j] = True
                break


def _one_swapped(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """One word of the name swapped, the others kept in their places."""
    return len(x) == len(y) and sum(p != q for p, q in zip(x, y, strict=True)) == 1


def _opens(p: _Passage, name: _Name) -> str | None:
    """The name's first word when it opens a sentence (its capital says nothing)."""
    k = name.first_tok - p.t0
    return name.norm[0] if 0 <= k < len(p.toks) and p.toks[k].initial else None


def _honorific(p: _Passage, name: _Name) -> str | None:
    """The honorific right before a name ("Mr", "Dr"), if there is one."""
    k = name.first_tok - p.t0 - 1
    f = p.toks[k].fold.rstrip(".") if 0 <= k < len(p.toks) else None
    return f if f in _HONORIFICS else None


def _swapped(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The words of name ``x`` that ``y`` lost and the words it has instead,
    leaving out the forms of one word (an abbreviation or a plural: "Man
    City" / "Manchester City", "Lib Dem" / "Lib Dems") and titles ("Gen"), bar
    a title's word that ends a name, where it is a surname ("Justin King")."""

    def variant(w: str, own: tuple[str, ...], others: tuple[str, ...]) -> bool:
        title = _title_components(w)  # a title's core ("Gen"), not a part ("Health")
        return (title is not None and title[0] == "core" and w != own[-1]) or any(
            w != o and (w.startswith(o) or o.startswith(w)) for o in others
        )

    # one word twice ("Talk Talk" / "Talk Pryce") counts twice
    lost = [w for w in (Counter(x) - Counter(y)).elements() if not variant(w, x, y)]
    new = [w for w in (Counter(y) - Counter(x)).elements() if not variant(w, y, x)]
    return lost, new


def _two_forms(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """One name in a short and a long form ("Man City" / "Manchester City",
    "CNN" / "CNNs"), not two names nor one name's words reordered."""
    return set(x) != set(y) and not all(_swapped(x, y))


def _spelling_changes(
    out: _Out, xa: list[_Name], xb: list[_Name], ma: list[bool], mb: list[bool]
) -> None:
    """Report names on each side, not yet matched, that differ by a near-miss spelling of
    one word; marks them matched in ``ma`` and ``mb``."""
    pa, pb = out.a, out.b
    words_a = {_name_norm(t.fold) for t in pa.toks}
    words_b = {_name_norm(t.fold) for t in pb.toks}
    for i, x in enumerate(xa):
        if ma[i]:
            continue
        for wi, w in enumerate(x.norm):
            if w in words_b or len(w) < 5:
                continue
            j = _misspelt_in(w, xb, mb, words_a)
            if j is not None:
                y = xb[j]
                hit = next(v for v in y.norm if _near_miss(w, v) and v not in words_a)
                ta = _name_token(pa, x, wi)
                tb = _name_token(pb, y, y.norm.index(hit))
                out.add("name", ta, tb, "name spelled differently")
                ma[i] = mb[j] = True
                break


def _misspelt_in(w: str, xb: list[_Name], mb: list[bool], words_a: set[str]) -> int | None:
    """The first unmatched name in ``xb`` with a word that is a near miss of ``w``."""
    for j, y in enumerate(xb):
        if not mb[j] and any(_near_miss(w, v) and v not in words_a for v in y.norm):
            return j
    return None


def _same_place(cx: tuple[str | None, ...], cy: tuple[str | None, ...]) -> bool:
    """Two names sit between the same words: two of the four around them match, one of
    those next to the name, and not only function words ("El Gobierno" / "El Ejecutivo")."""
    same = [p for p, q in zip(cx, cy, strict=True) if p is not None and p == q]
    return (
        len(same) >= 2
        and (cx[1] == cy[1] is not None or cx[2] == cy[2] is not None)
        and any(w not in STOP_WORDS for w in same)
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
    # optimal string alignment (a swap of two letters is one edit), as RapidFuzz computes it
    return OSA.distance(a, b, score_cutoff=limit) <= limit


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


def _same_person(x: _Name, y: _Name) -> bool:
    """The same person, named in full or by surname ("Tomas Lind", "Lind")."""
    return x.norm == y.norm or (
        x.norm[-1] == y.norm[-1]
        and (len(x.norm) == 1 or len(y.norm) == 1 or x.norm[0] == y.norm[0])
    )


def _titled_span(x: _Name) -> Span:
    return (x.title_start if x.title_start is not None else x.start), x.end


def _title_label(text: str, x: _Name) -> str:
    return text[x.title_start : x.start].strip() if x.title_start is not None else ""


def _title_changes(out: _Out, xa: list[_Name], xb: list[_Name]) -> None:
    ta, tb = out.a.doc.text, out.b.doc.text
    # title words anywhere in each passage: "Prime Minister Tomas Lind" and "el
    # primer ministro, Tomas Lind" or "Lind, the prime minister" keep the title,
    # only not right before the name, where a _Name records it
    words_a, words_b = _title_words(out.a), _title_words(out.b)
    for x in xa:
        ys = [j for j, y in enumerate(xb) if _same_person(x, y)]
        if not ys:
            continue
        titled = [j for j in ys if xb[j].title]
        if x.title and titled:
            if any(xb[j].title == x.title for j in titled):
                continue
            y = xb[titled[0]]
            out.add(
                "title",
                _titled_span(x),
                _titled_span(y),
                f"title changed: {_title_label(ta, x)} → {_title_label(tb, y)}",
            )
        elif (
            x.title
            and len(x.norm) >= 2
            and any(len(xb[j].norm) >= 2 for j in ys)
            and not x.title <= words_b
        ):
            y = next(xb[j] for j in ys if len(xb[j].norm) >= 2)
            out.add(
                "title", _titled_span(x), _titled_span(y), f"title dropped: {_title_label(ta, x)}"
            )
    for y in xb:
        xs = [x for x in xa if _same_person(x, y)]
        if (
            y.title
            and xs
            and not any(x.title for x in xs)
            and len(y.norm) >= 2
            and not y.title <= words_a
        ):
            full = next((x for x in xs if len(x.norm) >= 2), None)
            if full is not None:
                out.add(
                    "title",
                    _titled_span(full),
                    _titled_span(y),
                    f"title added: {_title_label(tb, y)}",
                )


def renamed_people(da: _Doc, db: _Doc, reported: list[Change]) -> list[Change]:
    """People renamed where no passage pair holds both mentions: a name of A's
    and one of B's, two words or more, one word swapped in its place ("Gary
    Waddock" / "Gary Pryce"), the lost word in no name of B's and the new one
    in no name of A's, each the only candidate of the other. A rewrite tells
    the sentence too freely for the aligner, or folds it into another
    sentence's facts; the person is the same, misnamed. A sentence's opening
    capital is no word of the name ("Boss Gary Pryce"), as in the passage rules.

    Names are compared as distinct forms, found through the words they share,
    not mention by mention: two long texts hold thousands of mentions (all
    pairs of them took 1.2 s on two 250 KB texts)."""
    done = [c.b for c in reported if c.kind in ("name", "title")]
    done_a = [c.a for c in reported if c.kind in ("name", "title")]
    xa, xb = _free_names(da, db), _free_names(db, da)
    # B's forms by each word left out in turn: a form one word off matches one of these
    masked: dict[tuple[int, int, tuple[str, ...]], list[tuple[str, ...]]] = {}
    for ny in xb:
        for k in range(len(ny)):
            masked.setdefault((len(ny), k, ny[:k] + ny[k + 1 :]), []).append(ny)
    cands: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for nx in xa:
        for k in range(len(nx)):
            for ny in masked.get((len(nx), k, nx[:k] + nx[k + 1 :]), ()):
                lost, new = _swapped(nx, ny)
                if any(w in db.name_words for w in lost) or any(w in da.name_words for w in new):
                    continue
                if not (lost and new) or any(_variant(p, q) for p in lost for q in new):
                    continue  # "Met Police" / "Metropolitan Police", "Mhort Talbot" / "Port Talbot"
                cands.setdefault(nx, []).append(ny)
    out = []
    takers = Counter(ny for nys in cands.values() for ny in nys)
    for nx, nys in cands.items():
        if len(nys) != 1 or takers[nys[0]] != 1:
            continue
        a, b = xa[nx], xb[nys[0]]
        if any(_overlap(b, d) for d in done) or any(_overlap(a, d) for d in done_a):
            continue
        out.append(Change("name", a, b, da.text[a[0] : a[1]], db.text[b[0] : b[1]], "name changed"))
    return out


def _free_names(doc: _Doc, other: _Doc) -> dict[tuple[str, ...], Span]:
    """The forms of two words or more of ``doc``'s names that no name of
    ``other`` is related to, each with the span of its first mention (a
    sentence's opening capital left out of both)."""
    by_word: dict[str, list[_Name]] = {}
    seen: set[tuple[str, ...]] = set()
    for y in other.names:
        if y.norm not in seen:
            seen.add(y.norm)
            for w in y.words:
                by_word.setdefault(w, []).append(y)
    joined = {"".join(n) for n in seen}
    out: dict[tuple[str, ...], Span] = {}
    related: dict[tuple[str, ...], bool] = {}
    for x in doc.names:
        opens = doc.toks[x.first_tok].initial
        norm = x.norm[1:] if opens else x.norm
        if x.weak or len(norm) < 2 or norm in out:
            continue
        rel = related.get(x.norm)
        if rel is None:
            # a name of two words is related only to one it shares a word with
            # (or the same letters: "Air Asia" / "AirAsia")
            rel = related[x.norm] = "".join(x.norm) in joined or any(
                _related(x, y) for w in x.words for y in by_word.get(w, ())
            )
        if not rel:
            out[norm] = (doc.toks[x.first_tok + 1].start if opens else x.start, x.end)
    return out


def _variant(p: str, q: str) -> bool:
    """Two forms of one name word that :func:`_swapped` keeps apart: a people
    and its place ("Welsh"), a spelling or a mutation ("Mhort" for "Port")."""
    return _same_name_word(p, q) or OSA.distance(p, q, score_cutoff=2) <= 2
