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

Layout: one module per kind of change, each with a finder run once per text
(``find_dates``, ...) and a comparison run per passage pair (``date_changes``,
...): :mod:`.quotes`, :mod:`.numbers`, :mod:`.dates`, :mod:`.names` (names
and titles) and :mod:`.negation`. :mod:`._tokens` holds the tokenizer they
share and :mod:`._passages` the per-text and per-pair records they read and
write. To add a kind: a module with both functions, its items on ``_Doc``
(found in :func:`_prepare`) and its comparison called in :func:`find_changes`.

The passages need not all be aligned: :mod:`.loose` pairs the rewrite
sentences the aligner left out with the source sentences they were likely
made from, and :func:`find_changes` reads only swaps from those pairs.

One kind is not found in aligned passages: :mod:`.credits` reads the agency,
byline and contributor credits from the whole pages (they live in the
boilerplate), and :func:`retold.comparison.compare_prepared` calls it for a
copy or rewrite only.
"""

from __future__ import annotations

from collections.abc import Sequence

from retold.changes._crossing import crossed
from retold.changes._passages import _Doc, _Out, _overlap, _passage
from retold.changes._tokens import _Tok, _tokenize
from retold.changes.dates import date_changes, find_dates
from retold.changes.names import _Vocab, _vocab, find_names, name_changes, renamed_people
from retold.changes.negation import _ANY_NEGATOR, _NEGATORS, neg_features, negation_changes
from retold.changes.numbers import _DIGIT_RUN_RE, find_numbers, number_changes
from retold.changes.quotes import find_quotes, quote_changes
from retold.errors import UsageError
from retold.types import Change, Span

__all__ = ["find_changes"]


def _prepare(text: str, lang: str, toks: list[_Tok], vocab: _Vocab) -> _Doc:
    starts = [t.start for t in toks]

    taken = bytearray(len(text))
    runs = [m.start() for m in _DIGIT_RUN_RE.finditer(text)]
    dates = find_dates(text, lang, toks, runs)
    for d in dates:
        taken[d.start : d.end] = b"\x01" * (d.end - d.start)
    nums = find_numbers(text, lang, toks, runs, taken)
    names = find_names(text, toks, taken, vocab, lang)
    quotes = sorted(find_quotes(text, dialogue=lang != "en"))
    neg_keys, neg_flags = neg_features(toks, _NEGATORS.get(lang, _ANY_NEGATOR))
    ends = [t.end for t in toks]
    name_words = frozenset(w for n in names for w in n.norm)
    return _Doc(
        text, lang, toks, starts, quotes, dates, nums, names, ends, neg_keys, neg_flags, name_words
    )


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


def _within(x: Span, y: Span) -> bool:
    return y[0] <= x[0] and x[1] <= y[1]


def _loose_items(
    items: list[Change],
    a_span: Span,
    b_span: Span,
    result: list[Change],
    added: set[tuple[str, Span, Span, str]],
) -> list[Change]:
    """The changes of a loose pair worth reporting: two-sided ones (a whole
    passage for one side is something said on that side only) on B words no
    change in ``result`` covers, bar a change of their kind that said B added
    them, which they replace in ``result`` ("weekday added" in the aligned
    passage, "Wednesday → Thursday" from the sentence it came from)."""
    kept = []
    for c in items:
        if c.a == a_span or c.b == b_span:
            continue
        over = [r for r in result if _overlap(c.b, r.b)]
        if all(r.kind == c.kind and (r.kind, r.a, r.b, r.detail) in added for r in over):
            result[:] = [r for r in result if not _overlap(c.b, r.b)]
            kept.append(c)
    return kept


def find_changes(
    a_text: str,
    b_text: str,
    pairs: Sequence[tuple[Span, Span]],
    *,
    lang_a: str = "en",
    lang_b: str = "en",
    loose: Sequence[tuple[Span, Span]] = (),
) -> list[Change]:
    """The changes B made to A within each aligned passage pair.

    ``pairs`` holds ``(a_span, b_span)`` character spans into ``a_text`` and
    ``b_text``, each a sentence or a few. Every returned change lies inside the
    spans of the pair it came from (bar the renamed people, below), and
    ``a_text[c.a[0]:c.a[1]] == c.a_text`` (likewise for B). Where one side
    has nothing to point at (a number dropped, a quote added) its span is the
    whole passage on that side; such one-sided changes are reported only when
    the two passages share enough content words (always across languages,
    where the aligner is trusted). Quote wording,
    negation and spelling rules run only when both languages are the same.
    Changes come in pair order, then by position in A; a change found twice
    (overlapping pairs) is reported once. Last, in texts of one language,
    come the people renamed where no pair holds both mentions
    (:func:`.names.renamed_people`): their spans are the two names, wherever
    they stand.

    ``loose`` holds further pairs, after ``pairs``, of sentences paired for
    this stage only (:mod:`.loose`): one side tells part of the other, so
    only two-sided changes (a value, a name, a date swapped) are reported
    from them, nothing dropped or added.

    Raises :class:`~retold.errors.UsageError` for a span outside its text.
    """
    checked = _check_pairs([*pairs, *loose], len(a_text), len(b_text))
    n_aligned = len(pairs)
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
    #: the changes in ``result`` that say B added something: a whole A passage as their A side
    added: set[tuple[str, Span, Span, str]] = set()
    for n, (a_span, b_span) in enumerate(checked):
        if a_span[0] == a_span[1] or b_span[0] == b_span[1]:
            continue
        out = _Out(_passage(da, a_span), _passage(db, b_span))
        out.loose = n >= n_aligned
        # a loosely paired B sentence inside an aligned passage had its quotes compared there
        if same_lang and not (
            out.loose and any(_within(b_span, p[1]) for p in checked[:n_aligned])
        ):
            quote_changes(out)
        years_a, years_b = number_changes(out)
        date_changes(out, years_a, years_b)
        name_changes(out, same_lang)
        # a negation needs the whole statement on both sides
        if same_lang and not out.loose:
            negation_changes(out)
        if out.loose:
            out.items = _loose_items(out.items, a_span, b_span, result, added)
        for c in sorted(out.items, key=lambda c: (c.a[0], _KIND_ORDER[c.kind], c.b[0])):
            key = (c.kind, c.a, c.b, c.detail)
            if key not in seen:
                seen.add(key)
                if not out.loose and c.a == a_span:
                    added.add(key)
                result.append(c)
    if same_lang:
        result += renamed_people(da, db, result)
    return crossed(result, da, db, checked[:n_aligned])
