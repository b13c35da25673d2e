"""Typed values passed between the pipeline stages.

Every span is a half-open pair of character offsets ``(start, end)`` into
:attr:`Document.text`, the text as read (decoded bytes, or the main text
extracted from HTML), so ``doc.text[start:end]`` gives back the passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
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
    "source_of",
]

Span = tuple[int, int]

AlignKind = Literal["verbatim", "near-verbatim", "paraphrase"]
Verdict = Literal["duplicate", "near-duplicate", "rewrite", "same-story", "unrelated"]
ChangeKind = Literal["quote", "number", "date", "name", "title", "negation"]

#: Verdicts from the closest relation to the loosest, for "rewrite or closer" tests.
VERDICT_ORDER: tuple[Verdict, ...] = (
    "duplicate",
    "near-duplicate",
    "rewrite",
    "same-story",
    "unrelated",
)


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
        """Which text the decision takes for the original (:func:`source_of`),
        for a reuse (a copy or a rewrite) only: of two independent reports
        neither is."""
        if self.verdict not in ("duplicate", "near-duplicate", "rewrite"):
            return None
        return source_of(self.probabilities.get("a_is_source"))

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
            "why": self.why,
            "documents": {"a": doc(self.a), "b": doc(self.b)},
        }
