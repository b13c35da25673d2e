"""Typed values passed between the pipeline stages.

Every span is a half-open pair of character offsets ``(start, end)`` into
:attr:`Document.text`, the text as read (decoded bytes, or the main text
extracted from HTML), so ``doc.text[start:end]`` gives back the passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal

__all__ = [
    "REUSE",
    "UNDIRECTED",
    "AlignKind",
    "Alignment",
    "BoilerplateBlock",
    "Change",
    "ChangeKind",
    "Coverage",
    "Document",
    "Passage",
    "Report",
    "Sentence",
    "Span",
    "Verdict",
    "published_first",
    "published_order",
    "source_of",
]

Span = tuple[int, int]

AlignKind = Literal["verbatim", "near-verbatim", "paraphrase"]
Verdict = Literal["duplicate", "near-duplicate", "rewrite", "same-story", "unrelated"]
ChangeKind = Literal["quote", "number", "date", "name", "title", "negation", "credit"]

#: Verdicts from the closest relation to the loosest, for "rewrite or closer" tests.
VERDICT_ORDER: tuple[Verdict, ...] = (
    "duplicate",
    "near-duplicate",
    "rewrite",
    "same-story",
    "unrelated",
)
#: Verdicts that mean one article was made from the other (a copy or a rewrite).
REUSE: frozenset[str] = frozenset(VERDICT_ORDER[:3])


@dataclass(frozen=True, slots=True)
class Document:
    """One article as read: its text and whatever metadata the reader found."""

    text: str
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    dateline: str | None = None
    url: str | None = None
    #: how it was read: "text", "html", "url" or "stdin"
    source: str = "text"
    #: the encoding the bytes were decoded with, when they were bytes
    encoding: str | None = None
    language: str | None = None
    id: str | None = None
    #: what reading repaired in the text (mojibake), when it did; spans point
    #: into the repaired text
    repaired: str | None = None

    def meta(self) -> dict[str, Any]:
        """Metadata without the text, for reports."""
        return {
            k: v
            for k, v in (
                ("id", self.id),
                ("title", self.title),
                ("byline", self.byline),
                ("date", self.date),
                ("dateline", self.dateline),
                ("url", self.url),
                ("source", self.source),
                ("encoding", self.encoding),
                ("language", self.language),
                ("repaired", self.repaired),
            )
            if v is not None
        }


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a document; ``boilerplate`` names why it is excluded, if it is."""

    index: int
    start: int
    end: int
    paragraph: int
    text: str
    boilerplate: str | None = None

    @property
    def span(self) -> Span:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class BoilerplateBlock:
    """A run of text excluded from scoring, with the reason it was excluded."""

    start: int
    end: int
    reason: str

    @property
    def span(self) -> Span:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Alignment:
    """Sentences of A aligned to sentences of B (1-1, 1-2, 2-1 ...)."""

    a: Span
    b: Span
    a_sentences: tuple[int, ...]
    b_sentences: tuple[int, ...]
    kind: AlignKind
    score: float
    #: the passage stands elsewhere in B than in A: it is not among the
    #: alignments (the most text) that keep one order on both sides
    moved: bool = False
    #: paired after the aligner, in a text made from the other: a sentence
    #: restated too freely for the aligner, matched by the names, numbers and
    #: rare words it shares with the A sentence (or two) it was made from.
    #: Shown, and left out of "added" and "dropped"; not counted in coverage,
    #: which is the decision's evidence
    loose: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """Something an aligned passage changed: a quote's wording, a number, a name ..."""

    kind: ChangeKind
    a: Span
    b: Span
    a_text: str
    b_text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of consecutive sentences with no counterpart on the other side."""

    start: int
    end: int
    sentences: tuple[int, ...]
    text: str

    @property
    def span(self) -> Span:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Share of each article's body (characters, boilerplate excluded) aligned to the other."""

    a_in_b: float
    b_in_a: float


#: P(A is the source) within this of one half names neither text as the source
UNDIRECTED = 0.05


def source_of(p_a_source: float | None) -> Literal["a", "b"] | None:
    """The text P(A is the source) picks as the original: None when it cannot
    tell (within :data:`UNDIRECTED` of one half, as for two copies of one
    text) or there is no direction."""
    if p_a_source is None or abs(p_a_source - 0.5) < UNDIRECTED:
        return None
    return "a" if p_a_source > 0.5 else "b"


def _when(text: str | None) -> datetime | date | None:
    """A publication time as given: ISO 8601 (a day, or a day and a time) or
    RFC 2822, as RSS feeds write it ("Thu, 08 Jan 2026 10:00:00 GMT"); a day
    alone stays a day, so it is never taken for midnight. None if neither."""
    if not text:
        return None
    raw = text.strip()
    try:
        if len(raw) <= 10:
            return date.fromisoformat(raw)
        t = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            t = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


def published_order(text: str | None) -> tuple[int, datetime]:
    """A sort key that puts publication times (see :func:`published_first`) in
    time order, a day at its start, and those that say no time last."""
    t = _when(text)
    if t is None:
        return (1, datetime.max.replace(tzinfo=timezone.utc))
    if not isinstance(t, datetime):
        t = datetime(t.year, t.month, t.day, tzinfo=timezone.utc)
    return (0, t)


def published_first(a: str | None, b: str | None) -> Literal["a", "b"] | None:
    """Which of two articles was published first, by the times their pages or
    feeds give (ISO 8601 or RFC 2822): None when either has none, or both fall
    on one day and one of them gives only the day, or they are the same time."""
    ta, tb = _when(a), _when(b)
    if ta is None or tb is None:
        return None
    if isinstance(ta, datetime) and isinstance(tb, datetime):
        return None if ta == tb else ("a" if ta < tb else "b")
    da = ta.date() if isinstance(ta, datetime) else ta
    db = tb.date() if isinstance(tb, datetime) else tb
    return None if da == db else ("a" if da < db else "b")


@dataclass(slots=True)
class Report:
    """The result of comparing two articles."""

    verdict: Verdict
    similarity: float
    coverage: Coverage
    alignments: list[Alignment]
    changes: list[Change]
    boilerplate_a: list[BoilerplateBlock]
    boilerplate_b: list[BoilerplateBlock]
    added: list[Passage]
    dropped: list[Passage]
    a: Document
    b: Document
    features: dict[str, float] = field(default_factory=dict)
    #: calibrated probabilities: "derived" (one text made from the other),
    #: "same_story", "a_is_source" (A rather than B is the original)
    probabilities: dict[str, float] = field(default_factory=dict)
    #: two lines saying what the verdict rests on, and one more for a text
    #: with no article text left after boilerplate
    why: str = ""

    @property
    def source(self) -> Literal["a", "b"] | None:
        """Which text the decision takes for the original, for a reuse (a copy
        or a rewrite) only (of two independent reports neither is): the one
        published first when both pages say when (as stories decide), else
        the one the text says (:func:`source_of`)."""
        if self.verdict not in REUSE:
            return None
        return published_first(self.a.date, self.b.date) or source_of(
            self.probabilities.get("a_is_source")
        )

    @property
    def source_by(self) -> Literal["published", "text"] | None:
        """What :attr:`source` rests on: the publication times or the text."""
        if self.source is None:
            return None
        return "published" if published_first(self.a.date, self.b.date) else "text"

    def to_dict(self, *, include_text: bool = True) -> dict[str, Any]:
        """The JSON-ready form; spans are ``[start, end]`` lists into each text."""

        def doc(d: Document) -> dict[str, Any]:
            out = d.meta()
            if include_text:
                out["text"] = d.text
            return out

        return {
            "verdict": self.verdict,
            "similarity": round(self.similarity, 4),
            "coverage": {
                "a_in_b": round(self.coverage.a_in_b, 4),
                "b_in_a": round(self.coverage.b_in_a, 4),
            },
            "alignments": [
                {
                    "a": list(al.a),
                    "b": list(al.b),
                    "kind": al.kind,
                    "score": round(al.score, 4),
                    "a_sentences": list(al.a_sentences),
                    "b_sentences": list(al.b_sentences),
                    "moved": al.moved,
                    "loose": al.loose,
                }
                for al in self.alignments
            ],
            "changes": [
                {
                    "kind": c.kind,
                    "a": list(c.a),
                    "b": list(c.b),
                    "a_text": c.a_text,
                    "b_text": c.b_text,
                    "detail": c.detail,
                }
                for c in self.changes
            ],
            "boilerplate": {
                "a": [list(x.span) for x in self.boilerplate_a],
                "b": [list(x.span) for x in self.boilerplate_b],
            },
            "boilerplate_reasons": {
                "a": [x.reason for x in self.boilerplate_a],
                "b": [x.reason for x in self.boilerplate_b],
            },
            "added": [{"b": list(p.span), "text": p.text} for p in self.added],
            "dropped": [{"a": list(p.span), "text": p.text} for p in self.dropped],
            "features": {k: round(v, 4) for k, v in self.features.items()},
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "source": self.source,
            "source_by": self.source_by,
            "why": self.why,
            "documents": {"a": doc(self.a), "b": doc(self.b)},
        }
