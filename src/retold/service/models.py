"""The request and response models of the API, defined once; ``/openapi.json`` is generated
from them.

Requests are strict (no coercion: ``"5"`` is not a count, ``true`` is not a
number) and closed (an unknown field is an error). Responses list the fields
clients rely on; fields that may be absent from a document's metadata are
optional, and those the server answers as ``null`` are declared nullable.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
    model_validator,
)

__all__ = [
    "AddRequest",
    "AddResponse",
    "Article",
    "ArticleObject",
    "CompareRequest",
    "DocumentMeta",
    "ErrorBody",
    "Health",
    "Report",
    "SearchRequest",
    "SearchResponse",
    "StoriesResponse",
    "Story",
]

# A string that is one token starting with a scheme is a URL (an unsupported
# scheme such as file:// is then refused by the fetcher, not compared as text).
URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S*$")

_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(v: str | None) -> str | None:
    if v is not None and _SURROGATE.search(v):
        raise ValueError("contains invalid Unicode (an unpaired surrogate)")
    return v


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ArticleObject(_Closed):
    """An article named explicitly: its text or its URL, with optional labels."""

    text: StrictStr | None = Field(None, description="The article: plain text or HTML")
    url: StrictStr | None = Field(None, description="An http(s) URL to fetch")
    kind: Literal["auto", "text", "html"] = Field(
        "auto", description="How to read text: auto-detect, plain text or HTML"
    )
    title: StrictStr | None = Field(None, max_length=1000)
    id: StrictStr | None = Field(None, max_length=200)
    byline: StrictStr | None = Field(
        None,
        max_length=1000,
        description="Who wrote it, when the text does not say (a page's markup is read for it)",
    )

    _labels = field_validator("title", "id", "byline")(_no_surrogates)

    @model_validator(mode="after")
    def _one_source(self) -> ArticleObject:
        if (self.text is None) == (self.url is None):
            raise ValueError("give exactly one of text and url")
        return self


def _article_tag(v: Any) -> str | None:
    if isinstance(v, str):
        return "str"
    if isinstance(v, dict | ArticleObject):
        return "obj"
    return None


Article = Annotated[
    Annotated[StrictStr, Tag("str")] | Annotated[ArticleObject, Tag("obj")],
    Discriminator(
        _article_tag,
        custom_error_type="article_type",
        custom_error_message="must be a string (text or URL) or an object with text or url",
    ),
    Field(
        description="An article: its text (plain or HTML), an http(s) URL, or an object "
        "naming which it is. A string that is one token starting with a scheme "
        "(https://...) is taken as a URL."
    ),
]


def article_spec(value: str | ArticleObject, label: str) -> dict[str, Any]:
    """The plain-data form of an article that a worker reads."""
    if isinstance(value, str):
        if URL_RE.match(value.strip()):
            return {"label": label, "url": value.strip(), "kind": "auto"}
        return {"label": label, "text": value, "kind": "auto"}
    return {
        "label": label,
        "text": value.text,
        "url": value.url.strip() if value.url is not None else None,
        "kind": value.kind,
        "title": value.title,
        "id": value.id,
        "byline": value.byline,
    }


# --- requests -------------------------------------------------------------------


class CompareRequest(_Closed):
    a: Article
    b: Article
    include_text: StrictBool = Field(
        True, description="Put both texts in documents.*.text (spans index into them)"
    )
    format: Literal["json", "html"] = Field(
        "json", description="html answers the self-contained side-by-side report page"
    )


class SearchRequest(_Closed):
    article: Article
    k: StrictInt = Field(10, ge=1, le=100, description="How many candidates to return")


class AddRequest(_Closed):
    # the cap is the server's (413 past it), not a rule of the request's shape
    documents: list[Article] = Field(
        min_length=1, description="At most 100 articles a request (more is a 413)"
    )


# --- responses ------------------------------------------------------------------


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        description="Stable machine-readable code, e.g. not_found, invalid_json, "
        "invalid_request, unsafe_url, fetch_failed, empty_input, binary_input, "
        "payload_too_large, input_too_large, overloaded, timeout"
    )
    message: str = Field(description="One line for a person")
    status: int = Field(description="The HTTP status, repeated")


class ErrorBody(BaseModel):
    """The one shape of every error."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail


class DocumentMeta(BaseModel):
    """A document's metadata (fields it lacks are absent), and its text where asked for."""

    id: str | None = None
    title: str | None = None
    byline: str | None = None
    date: str | None = None
    dateline: str | None = None
    url: str | None = None
    source: str | None = None
    encoding: str | None = None
    language: str | None = None
    repaired: str | None = Field(
        default=None, description="what reading repaired in the text (mojibake), when it did"
    )
    text: str | None = None


class QueryMeta(DocumentMeta):
    chars: int


Span = Annotated[list[int], Field(min_length=2, max_length=2)]


class Coverage(BaseModel):
    a_in_b: float
    b_in_a: float


class Alignment(BaseModel):
    a: Span
    b: Span
    kind: str = Field(description="verbatim, near-verbatim or paraphrase")
    score: float
    a_sentences: list[int]
    b_sentences: list[int]
    moved: bool = Field(
        description="the passage stands elsewhere in B than in A (not in the largest in-order run)"
    )
    loose: bool = Field(
        default=False,
        description=(
            "paired after the aligner by the names, numbers and rare words a sentence of a"
            " text made from the other shares with its source sentence; not in coverage"
        ),
    )


class Change(BaseModel):
    kind: str = Field(description="quote, number, date, name, title, negation or credit")
    a: Span
    b: Span
    a_text: str
    b_text: str
    detail: str


class Sides(BaseModel):
    a: list[Span]
    b: list[Span]


class Reports(BaseModel):
    a: list[str]
    b: list[str]


class Documents(BaseModel):
    a: DocumentMeta
    b: DocumentMeta


class Report(BaseModel):
    """The comparison report, as ``retold compare --json`` prints it. Spans are
    [start, end) character offsets into documents.a.text and documents.b.text."""

    verdict: str = Field(description="duplicate, near-duplicate, rewrite, same-story or unrelated")
    similarity: float = Field(ge=0, le=1)
    coverage: Coverage
    alignments: list[Alignment]
    changes: list[Change]
    boilerplate: Sides | None = None
    boilerplate_reasons: Reports | None = None
    added: list[dict[str, Any]] | None = None
    dropped: list[dict[str, Any]] | None = None
    features: dict[str, float] | None = None
    probabilities: dict[str, float] | None = Field(
        default=None,
        description="derived: P(one text was made from the other); same_story; a_is_source: "
        "P(A rather than B is the original)",
    )
    source: str | None = Field(
        default=None,
        description='"a" or "b": the text the decision takes for the original; null when '
        "either could be (a_is_source within 0.05 of one half)",
    )
    source_by: str | None = Field(
        default=None,
        description='What source rests on: "published" (both pages say when they were '
        'published: the earlier) or "text"',
    )
    why: str | None = Field(default=None, description="What the verdict rests on, in words")
    documents: Documents


class Hit(BaseModel):
    """An indexed document that may be a source of the query (it is A, the query B)."""

    id: str
    score: float
    verdict: str | None
    coverage: Coverage | None
    similarity: float | None
    p_source: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="P(the query was made from this document): P(derived) times P(this "
        "document, not the query, is the source), which is 1 or 0 where both say when they "
        "were published; verified hits only",
    )
    credits: list[str] | None = Field(
        default=None,
        description="What the query did to this document's credits (agency, byline, "
        "contributors), where the query is a copy or rewrite of it (or either could be the "
        "source): one line per change, empty when it kept them all; null otherwise",
    )
    title: str | None = None
    url: str | None = None
    published: str | None = None
    publisher: str | None = None
    channels: dict[str, float] = Field(
        default_factory=dict,
        description="Each retrieval channel's score (sentences, document, lexical, jaccard); "
        "verified hits add corpus_lexical, the TF-IDF cosine with this index's word rarity "
        "that ranks them below the rewrites",
    )


class SearchResponse(BaseModel):
    query: QueryMeta
    results: list[Hit] = Field(description="Best first")


class RejectedItem(BaseModel):
    input: str
    reason: str


class AddResponse(BaseModel):
    ids: list[str] = Field(
        description="The id of each document sent, in order (its own id, else its URL, "
        "else sha256: and a hash of its text)"
    )
    added: int
    skipped: int = Field(description="Same id already indexed")
    duplicates: int = Field(description="Same text under another id")
    near_duplicates: int
    rejected: list[RejectedItem]
    seconds: float


class Removed(BaseModel):
    removed: str


class Duplicates(BaseModel):
    duplicates: list[dict[str, Any]]


class Edge(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    verdict: str
    coverage: float
    evidence: str
    #: what the target did to the source's credits, one line each; [] when it
    #: kept them all, null when they were not read
    credits: list[str] | None = None


class Story(BaseModel):
    id: str
    label: str
    articles: list[str]
    edges: list[Edge]
    first_published: str | None = None


class StoriesResponse(BaseModel):
    stories: list[Story]
    unlinked: int = Field(
        description="Indexed articles not linked into stories yet (run `retold stories`)"
    )
    note: str | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    index: bool
    stories: bool
    workers: int
    busy: int
    token_required: bool
    uptime_s: float
