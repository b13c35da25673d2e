"""Normalisation, language guess, paragraphs and sentences, all with spans.

Nothing here changes :attr:`Document.text`: paragraphs and sentences are spans
into it, and the text used for matching (:attr:`Sentence.text`) is a normalised
copy whose :class:`OffsetMap` leads back to the original characters.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from retold.text import tokens  # re-exported: word tokens live with folding in retold.text
from retold.types import Sentence, Span

__all__ = [
    "MAX_SENTENCE_CHARS",
    "MAX_SENTENCE_WORDS",
    "OffsetMap",
    "Segmented",
    "cap_span",
    "guess_language",
    "normalize",
    "normalize_text",
    "paragraph_spans",
    "segment",
    "sentence_spans",
    "tokens",
]

# Characters that carry no meaning for matching and are dropped (zero-width
# joiners, soft hyphens, BOMs that survived inside a text).
_DROP = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps offsets in a normalised string back to the string it came from.

    ``starts[i]`` and ``ends[i]`` are the original span of normalised character
    ``i``; a normalised span ``(s, e)`` maps to ``(starts[s], ends[e - 1])``.
    """

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    length: int

    def span(self, start: int, end: int) -> Span:
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else self.length
            return (pos, pos)
        return (self.starts[start], self.ends[end - 1])


def normalize(text: str, offset: int = 0) -> tuple[str, OffsetMap]:
    """NFKC, drop invisible characters, collapse whitespace; keep the way back.

    ``offset`` is added to every original position, so a sentence normalised on
    its own maps straight into the whole document.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) in _DROP:
            continue
        expanded = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        for c in expanded:
            if c.isspace():
                if not out:
                    continue
                if out[-1] == " ":
                    ends[-1] = offset + i + 1
                    continue
                c = " "
            out.append(c)
            starts.append(offset + i)
            ends.append(offset + i + 1)
    # a trailing space carries nothing
    if out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return "".join(out), OffsetMap(tuple(starts), tuple(ends), offset + len(text))


def normalize_text(text: str) -> str:
    """:func:`normalize` without the offset map, at C speed, for matching."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_DROP))
    return _SPACE_RE.sub(" ", text).strip()


# --- language ---------------------------------------------------------------

#: The languages of the sentence encoder (multilingual USE: its zh-cn and zh-tw
#: are one code here). The identifier chooses among these only: a text in a
#: language the encoder does not know cannot be compared by meaning anyway,
#: and a smaller choice is more often right on short texts.
ENCODER_LANGUAGES: tuple[str, ...] = (
    "ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh",
)  # fmt: skip
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's model restricted to :data:`ENCODER_LANGUAGES` (loaded once,
    lazily). The package ships it LZMA-compressed, and decompressing takes
    0.4-0.8 s of every cold start, so the restricted model is kept
    uncompressed in the user's cache directory once built (see
    :func:`_langid_cache`); without a writable cache it is loaded as shipped."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    path = _langid_cache()
    if path is not None and path.exists():
        try:
            return _load_identifier(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # a damaged or foreign file: rebuilt below
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(ENCODER_LANGUAGES))
    if path is not None:
        _save_identifier(ident, path)
    return ident


def _langid_cache() -> Path | None:
    """Where the unpacked model lives: named by py3langid's version and the
    language list, so an upgrade or another list builds a new one."""
    from importlib.metadata import version

    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    key = hashlib.sha1(",".join(ENCODER_LANGUAGES).encode()).hexdigest()[:8]
    try:
        return root / "retold" / f"langid-{version('py3langid')}-{key}.npz"
    except ValueError:
        return None


def _save_identifier(ident: Any, path: Path) -> None:
    """Write the restricted model as a plain .npz (atomically; quietly not at
    all when the cache cannot be written)."""
    import numpy as np

    arrays: dict[str, Any] = {
        "ptc": np.asarray(ident.nb_ptc),
        "pc": np.asarray(ident.nb_pc),
        "classes": np.array(ident.nb_classes),
        "nextmove": np.frombuffer(ident.tk_nextmove, dtype=_DTYPE[ident.tk_nextmove.itemsize]),
        "row": np.frombuffer(ident.tk_row, dtype=_DTYPE[ident.tk_row.itemsize]),
        "output": np.asarray(ident.tk_output, dtype=np.int32),
    }
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as fh:
            tmp = Path(fh.name)
            np.savez(fh, **arrays)
        tmp.replace(path)
    except OSError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


_DTYPE = {2: "uint16", 4: "uint32", 8: "uint64"}
_TYPECODE = {2: "H", 4: "I", 8: "L"}


def _load_identifier(path: Path) -> Any:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    def as_array(a: Any) -> array[int]:
        return array(_TYPECODE[a.dtype.itemsize], np.ascontiguousarray(a).tobytes())

    # the file opened here: np.load leaves a path it cannot parse open
    with path.open("rb") as fh, np.load(fh, allow_pickle=False) as d:
        return LanguageIdentifier(
            d["ptc"],
            d["pc"],
            d["classes"].tolist(),
            as_array(d["nextmove"]),
            d["output"].tolist(),
            norm_probs=True,
            tk_row=as_array(d["row"]),
        )


def guess_language(text: str, default: str = "en") -> str:
    """The text's language among :data:`ENCODER_LANGUAGES` (py3langid, a
    character n-gram classifier); ``default`` when there is too little text
    to tell (fewer than two words, or no language clearly ahead)."""
    # 2,000 characters tell the language as well as 5,000 on the SemEval texts
    # (99.91 % either way) at under half the cost
    sample = text[:2000]
    if len(_WORD_RE.findall(sample[:200])) < 2:
        return default
    lang, prob = _identifier().classify(sample)
    return str(lang) if prob >= 0.5 else default


# --- paragraphs -------------------------------------------------------------

_LINE_RE = re.compile(r"[^\n]*(?:\n|$)")
# A line ending in one of these is finished; the next line starts a paragraph.
_TERMINAL = '.!?:;"”’»)]…|'
_JOINERS = ",–—-(/&"


def _continues(prev: str, nxt: str) -> bool:
    """True when a single newline between two lines breaks a sentence, not a paragraph."""
    p, n = prev.rstrip(), nxt.lstrip()
    if not p or not n:
        return False
    if p[-1] in _TERMINAL:
        return False
    if p[-1] in _JOINERS:
        return True
    # "... captured by U.S. forces\nto face charges": lower case carries on;
    # short lines ("...read more" / "read less") are links, not wrapped prose
    return n[0].islower() and len(p) >= 40


def paragraph_spans(text: str) -> list[Span]:
    """Paragraph spans: blank lines and single newlines both separate paragraphs,
    except a newline that breaks a sentence in the middle (a stray wrap)."""
    lines: list[Span] = []
    for m in _LINE_RE.finditer(text):
        s, e = m.span()
        if s == e:
            break
        seg = text[s:e]
        stripped = seg.strip()
        if not stripped:
            lines.append((-1, -1))  # blank line marker
            continue
        lead = len(seg) - len(seg.lstrip())
        lines.append((s + lead, s + lead + len(stripped)))
    paras: list[Span] = []
    cur: Span | None = None
    for ln in lines:
        if ln[0] < 0:
            if cur:
                paras.append(cur)
            cur = None
            continue
        if cur is not None and _continues(text[cur[0] : cur[1]], text[ln[0] : ln[1]]):
            cur = (cur[0], ln[1])
        else:
            if cur:
                paras.append(cur)
            cur = ln
    if cur:
        paras.append(cur)
    return paras


# --- sentences --------------------------------------------------------------

# "U.S. forces" -> sentencex would split after "U.S." before a capital in some
# cases; these protect initialisms and Spanish "EE.UU." style abbreviations.
_INITIALISM_RE = re.compile(r"\b(?:[A-Z]\.){2,}(?=\s+[A-Z])")


def sentence_spans(text: str, start: int, end: int, language: str = "en") -> list[Span]:
    """Sentence spans inside ``text[start:end]`` (one paragraph)."""
    # sentencex has rules for many languages and its own fallback chain for
    # the rest (never English rules for, say, Turkish): give it the real code
    lang = language or "en"
    spans = _sentencex_spans(text[start:end], start, lang)
    if lang == "th":
        spans = [piece for s, e in spans for piece in _thai_spans(text, s, e)]
    merged = _merge_fragments(text, spans)
    unstopped = [piece for s, e in merged for piece in _lost_stops(text, s, e)]
    quoted = [piece for s, e in unstopped for piece in _in_quotes(text, s, e, lang)]
    return [piece for s, e in quoted for piece in cap_span(text, s, e)]


#: Thai ends a sentence (or a clause) with a space, not a stop
_THAI_BREAK = re.compile(r"(?<=[\u0e00-\u0e7f])\s+(?=[\u0e00-\u0e7f])")
#: a Thai piece shorter than this is joined to the next: a space also sets
#: off a name or a figure
MIN_THAI_CHARS = 25


def _thai_spans(text: str, start: int, end: int) -> list[Span]:
    """``text[start:end]`` cut at the spaces between Thai words (sentencex
    finds no sentence end in Thai, so a paragraph was one sentence)."""
    out: list[Span] = []
    pos = start
    for m in _THAI_BREAK.finditer(text, start, end):
        if m.start() - pos >= MIN_THAI_CHARS:
            out.append((pos, m.start()))
            pos = m.end()
    if out and end - pos < MIN_THAI_CHARS:
        out[-1] = (out[-1][0], end)
    else:
        out.append((pos, end))
    return out


def _sentencex_spans(chunk: str, start: int, lang: str) -> list[Span]:
    """sentencex's sentences of ``chunk`` (which begins at ``start``) as
    stripped spans; ``chunk`` must keep the original's length."""
    from sentencex import segment as _sx

    spans: list[Span] = []
    pos = start
    for piece in _sx(lang, chunk.replace("\n", " ")):
        body = piece.strip()
        if body:
            lead = len(piece) - len(piece.lstrip())
            spans.append((pos + lead, pos + lead + len(body)))
        pos += len(piece)
    return spans


#: a sentence of at least this many words is looked at for stops lost on the
#: way (see :func:`_lost_stops`); a sentence this long is rare in prose
LOST_STOP_WORDS = 40
#: a piece cut off at a lost stop has at least this many words
MIN_LOST_STOP_WORDS = 4
_OPENERS = '"“‘('
# a word, two or more spaces (no line break: that is a paragraph's business),
# and a letter, perhaps after an opening mark: where a text exported without
# its full stops ends a sentence (the letter must be a capital, checked after)
_LOST_STOP = re.compile(rf"(?<=[^\W_])[ \t\u00a0]{{2,}}(?=[{_OPENERS}]?[^\W\d_])")
_WORDS_RE = re.compile(rf"\S+(?:\s+\S+){{{MIN_LOST_STOP_WORDS - 1}}}")


def _has_words(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds :data:`MIN_LOST_STOP_WORDS` words
    (looked for from ``start``, not counted: the rest of a long run is long)."""
    return _WORDS_RE.match(text, start, end) is not None


def _lost_stops(text: str, start: int, end: int) -> list[Span]:
    """``text[start:end]`` cut where a text has lost its full stops: some
    exports and scrapes drop them and leave the two spaces that followed
    ("... thermal coal investments  The Insurance Group also ..."), so the
    sentence splitter sees one 200-word sentence, and a rewrite sharing two
    of its eight sentences seemed to restate all of it. Only long sentences
    are cut, only before a capital, never into pieces under
    :data:`MIN_LOST_STOP_WORDS` words (a double space inside a sentence
    happens), and not where two spaces come before lower-case words at least
    twice as often as before capitals (spaces of the layout)."""
    chunk = text[start:end]
    if len(chunk) < 5 * LOST_STOP_WORDS or len(chunk.split()) < LOST_STOP_WORDS:
        return [(start, end)]
    gaps = []
    for m in _LOST_STOP.finditer(chunk):
        nxt = start + m.end()
        first = nxt + (text[nxt] in _OPENERS)  # the lookahead allows one
        gaps.append((start + m.start(), nxt, text[first].isupper()))
    # two spaces before lower-case words far more often than before capitals
    # are the layout's (justified text, a PDF's columns), not lost stops
    capitals = sum(cap for _, _, cap in gaps)
    if len(gaps) - capitals >= max(4, 2 * capitals):
        return [(start, end)]
    out: list[Span] = []
    s = start
    for head, nxt, cap in gaps:
        if cap and _has_words(text, s, head) and _has_words(text, nxt, end):
            out.append((s, head))
            s = nxt
    out.append((s, end))
    return out


#: double quotation marks (not the apostrophe-like single ones: "don’t")
_DOUBLE_QUOTES = '"“”„«»'
_NO_QUOTES = str.maketrans(dict.fromkeys(_DOUBLE_QUOTES, " "))
#: a quoted paragraph is cut into its sentences only where each piece has at
#: least this many words: "Libertad! Libertad!" stays one chant
MIN_QUOTED_WORDS = 4


def _in_quotes(text: str, start: int, end: int, lang: str) -> list[Span]:
    """``text[start:end]`` cut at the sentence ends inside its quotation marks.

    sentencex never splits inside quotes, so a quoted paragraph of five
    sentences (3 % of the sentences of the development news, 6 % of their
    text) came out as one sentence, longer than the aligner's windows, and a
    rewrite keeping two of its sentences aligned to all of it. The quote marks
    are blanked (same length, so offsets hold), the span segmented again, and
    each piece given back the quote marks at its edges.
    """
    chunk = text[start:end]
    if not any(q in chunk for q in _DOUBLE_QUOTES) or len(chunk.split()) < 2 * MIN_QUOTED_WORDS:
        return [(start, end)]
    pieces: list[Span] = []
    for s0, e0 in _sentencex_spans(chunk.translate(_NO_QUOTES), start, lang):
        s, e = _with_quote_marks(text, s0, e0, start, end)
        if pieces and (
            len(text[s:e].split()) < MIN_QUOTED_WORDS
            or len(text[pieces[-1][0] : pieces[-1][1]].split()) < MIN_QUOTED_WORDS
        ):
            pieces[-1] = (pieces[-1][0], e)
        else:
            pieces.append((s, e))
    return pieces or [(start, end)]


def _with_quote_marks(text: str, s: int, e: int, start: int, end: int) -> Span:
    """``(s, e)`` grown over the quote marks at its edges, within ``start:end``
    (French guillemets over the space inside them too: « Non. »)."""
    while True:
        if s > start and text[s - 1] in _DOUBLE_QUOTES:
            s -= 1
        elif s - 1 > start and text[s - 1].isspace() and text[s - 2] == "«":
            s -= 2
        else:
            break
    while True:
        if e < end and text[e] in _DOUBLE_QUOTES:
            e += 1
        elif e + 1 < end and text[e].isspace() and text[e + 1] == "»":
            e += 2
        else:
            break
    return s, e


#: The most words (runs of non-space characters) a sentence may have; a longer
#: run is cut into pieces of at most this many. 200 words is past the longest
#: real sentence in the development news (99.99th percentile: 167 words), and
#: bounds what the encoder, the aligner and the change finder see at once: a
#: 9 MB text without a full stop would otherwise be one sentence.
MAX_SENTENCE_WORDS = 200
#: The most characters in one sentence piece, for text without spaces (a
#: language written without them, a long URL, a binary-looking dump).
MAX_SENTENCE_CHARS = 2000
_WORD_RUN = re.compile(r"\S+")
_PIECE = re.compile(rf"\S+(?:\s+\S+){{0,{MAX_SENTENCE_WORDS - 1}}}")


def cap_span(text: str, start: int, end: int) -> list[Span]:
    """``text[start:end]`` as one span, or as consecutive pieces of at most
    :data:`MAX_SENTENCE_WORDS` words and :data:`MAX_SENTENCE_CHARS` characters.

    Pieces are cut at spaces (inside a word only when one word is longer than
    the character cap), so together they cover every character of the span
    but the spaces between them.
    """
    if end - start <= min(2 * MAX_SENTENCE_WORDS, MAX_SENTENCE_CHARS):
        return [(start, end)]  # too short to break either cap
    # fast path, in C: runs of up to the word cap; when each is also within
    # the character cap, the word-by-word loop below would cut the same pieces
    pieces = [m.span() for m in _PIECE.finditer(text, start, end)]
    if all(e - s <= MAX_SENTENCE_CHARS for s, e in pieces):
        return pieces
    return _cap_words(text, start, end)


def _cap_words(text: str, start: int, end: int) -> list[Span]:
    """:func:`cap_span` word by word (a piece over the character cap is in the way)."""
    out: list[Span] = []
    piece_start = -1
    piece_end = start
    words = 0
    for m in _WORD_RUN.finditer(text, start, end):
        ws, we = m.span()
        if piece_start >= 0 and (
            words >= MAX_SENTENCE_WORDS or we - piece_start > MAX_SENTENCE_CHARS
        ):
            out.append((piece_start, piece_end))
            piece_start = -1
        while we - ws > MAX_SENTENCE_CHARS:
            # one "word" over the cap on its own: cut it hard
            if piece_start >= 0:
                out.append((piece_start, piece_end))
                piece_start = -1
            out.append((ws, ws + MAX_SENTENCE_CHARS))
            ws += MAX_SENTENCE_CHARS
        if piece_start < 0:
            piece_start, words = ws, 0
        piece_end = we
        words += 1
    if piece_start >= 0:
        out.append((piece_start, piece_end))
    return out


def _merge_fragments(text: str, spans: list[Span]) -> list[Span]:
    """Re-join splits that leave a fragment no reader would call a sentence:
    an initialism followed by a capitalised name, or a closing quote alone."""
    out: list[Span] = []
    for s, e in spans:
        if out:
            ps, pe = out[-1]
            # only the end of the previous span matters: slicing all of it
            # would make a long run of glued fragments quadratic
            prev = text[max(ps, pe - 16) : pe]
            cur = text[s:e]
            glue = (
                _INITIALISM_RE.search(prev[-8:] + " X") is not None
                and prev.rstrip().endswith(".")
                and not prev.rstrip()[-4:].isupper()
            ) or len(cur.strip('”’"»)] ')) == 0
            if glue:
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


@dataclass(frozen=True, slots=True)
class Segmented:
    """A document cut into paragraphs and sentences."""

    text: str
    language: str
    paragraphs: tuple[Span, ...]
    sentences: tuple[Sentence, ...]

    def body(self) -> list[Sentence]:
        """Sentences that count (not boilerplate)."""
        return [s for s in self.sentences if s.boilerplate is None]


def segment(
    text: str,
    language: str | None = None,
    *,
    boilerplate: Iterable[tuple[int, str]] | None = None,
) -> Segmented:
    """Cut ``text`` into paragraphs and sentences; ``boilerplate`` maps paragraph
    index to a reason, marking every sentence of that paragraph."""
    lang = language or guess_language(text)
    paras = paragraph_spans(text)
    reasons = dict(boilerplate or ())
    sents: list[Sentence] = []
    for p, (ps, pe) in enumerate(paras):
        for s, e in sentence_spans(text, ps, pe, lang):
            norm = normalize_text(text[s:e])
            sents.append(
                Sentence(
                    index=len(sents),
                    start=s,
                    end=e,
                    paragraph=p,
                    text=norm,
                    boilerplate=reasons.get(p),
                )
            )
    return Segmented(text=text, language=lang, paragraphs=tuple(paras), sentences=tuple(sents))
