"""The per-document and per-pair work of the index, as pure functions.

A Spark (or any other) job calls these per partition and only does the
grouping itself:

- :func:`load_raw` turns a reader's :class:`RawDoc` into a
  :class:`~retold.types.Document` (decoding, HTML extraction);
- :func:`make_records` prepares documents (segmentation, boilerplate, sentence
  vectors — encoded in one batch per call) and derives everything the index
  stores: content hash, MinHash signature and LSH band keys, lexical terms,
  document vector (:class:`DocRecord`, with :meth:`DocRecord.to_row` for a
  DataFrame); given the content hashes already known, it skips preparing exact
  copies (:class:`Duplicate`);
- :func:`stored_prepared` rebuilds a prepared document from its stored text and
  vectors (no encoder needed), attaching the vectors only to the sentences
  they were made from (:func:`body_signature`), and :func:`verify` compares a
  candidate source with a query (:func:`retold.index.search.rank_key` orders
  the verified candidates).

Pairs to verify come from shared LSH band keys or from the sentence-vector
search; that join is the only part a distributed job does differently. A
sketch of the Spark side (DataFrame API)::

    records = raw.mapInPandas(per_partition_make_records, schema)   # make_records
    keys = records.select("id", F.explode("band_keys").alias("key"))
    pairs = keys.alias("a").join(keys.alias("b"), "key").where("a.id < b.id").distinct()
    # per partition: stored_prepared() both sides from text + vectors, then verify()
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from retold.comparison import (
    Prepared,
    compare_prepared,
    encode_prepared,
    headline,
    no_text_left,
    prepare_unencoded,
    within_pair_limit,
)
from retold.embed import Encoder, Vectors
from retold.errors import EmptyInputError, RetoldError
from retold.index.sketch import SketchParams, band_keys, minhash, shingle_hashes
from retold.ingest.decode import check_text
from retold.ingest.records import RawDoc, Rejected
from retold.segment import normalize_text
from retold.types import Document, Report, Sentence

__all__ = [
    "DocRecord",
    "Duplicate",
    "KnownTexts",
    "RawDoc",
    "Rejected",
    "SentenceCache",
    "body_signature",
    "content_hash",
    "default_id",
    "lexical_terms",
    "load_raw",
    "make_records",
    "prepare_many",
    "stored_prepared",
    "verify",
]

_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An input whose text is already indexed, or met earlier in the same add:
    recorded as an exact duplicate without being prepared or encoded."""

    id: str
    origin: str
    hash: bytes


class KnownTexts(Protocol):
    """Content hashes an add has already seen (see :func:`make_records`)."""

    def seen(self, hashes: Sequence[bytes]) -> set[bytes]:
        """The ones among ``hashes`` already indexed or recorded."""

    def add(self, hashes: Iterable[bytes]) -> None:
        """Record hashes whose documents this add will store."""


@dataclass(frozen=True, slots=True)
class DocRecord:
    """Everything the index stores for one document."""

    id: str
    origin: str
    text: str
    hash: bytes
    meta: dict[str, str | None]
    #: body sentence vectors, float16 (n_sentences x dim)
    vectors: npt.NDArray[np.float16]
    #: the L2-normalised mean of the sentence vectors, float16
    doc_vector: npt.NDArray[np.float16]
    signature: npt.NDArray[np.uint32]
    #: LSH band keys; empty when the body has no shingles
    band_keys: npt.NDArray[np.int64]
    #: the lexical body: content-word stems, one run per sentence
    terms_body: str
    terms: tuple[str, ...]
    #: the text, zlib-compressed as stored (done here, in the worker)
    ztext: bytes = b""
    #: :func:`body_signature` of the sentences the vectors belong to
    body_sig: bytes = b""
    #: the vector of :func:`~retold.comparison.headline`, float16 (None: not encoded)
    head: npt.NDArray[np.float16] | None = None

    @property
    def chars(self) -> int:
        return len(self.text)

    def to_row(self) -> dict[str, Any]:
        """Plain Python values (lists, bytes) for a DataFrame row."""
        return {
            "id": self.id,
            "origin": self.origin,
            "text": self.text,
            "hash": self.hash,
            **self.meta,
            "vectors": self.vectors.tobytes(),
            "n_sentences": int(self.vectors.shape[0]),
            "dim": int(self.vectors.shape[1]),
            "doc_vector": self.doc_vector.tobytes(),
            "signature": self.signature.tolist(),
            "band_keys": self.band_keys.tolist(),
            "terms_body": self.terms_body,
            "body_sig": self.body_sig,
            "head": self.head.tobytes() if self.head is not None else None,
        }


def content_hash(text: str) -> bytes:
    """Hash of the text with whitespace and Unicode forms normalised (16 bytes)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).digest()[:16]


def default_id(doc: Document, text_hash: bytes | None = None) -> str:
    """The id of a document given without one: its URL, else its content hash
    (``text_hash``, when the caller has it already)."""
    return doc.id or doc.url or "sha256:" + (text_hash or content_hash(doc.text)).hex()


def load_raw(raw: RawDoc, max_bytes: int | None = None) -> Document:
    """Read a :class:`RawDoc` into a Document carrying its id and metadata
    (files and HTML of more than ``max_bytes`` are refused; None: the default cap)."""
    from retold.ingest import DEFAULT_MAX_BYTES, read_path, read_text
    from retold.ingest.decode import decode, too_large

    cap = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if raw.kind == "path":
        doc = read_path(str(raw.data), max_bytes=cap)
    elif isinstance(raw.data, bytes):
        if len(raw.data) > cap:
            raise too_large(raw.origin, cap, len(raw.data))
        text, _enc = decode(raw.data, name=raw.origin, declared=raw.charset)
        doc = read_text(text, kind="html" if raw.kind == "html" else "auto", url=raw.url)
    else:
        if not raw.data.strip():
            raise EmptyInputError("the text is empty")
        doc = read_text(raw.data, kind="html" if raw.kind == "html" else "text", url=raw.url)
    return replace(
        doc,
        id=raw.id,
        title=raw.title or doc.title,
        url=raw.url or doc.url,
        date=raw.published or doc.date,
        byline=raw.byline or doc.byline,
    )


class SentenceCache:
    """Sentence vectors of one add, keyed by a hash of the sentence: syndicated
    copies share many sentences, and each distinct one is encoded once (the
    Spark job does the same across a whole job). Bounded: the oldest half is
    dropped when full."""

    def __init__(self, inner: Encoder, maxsize: int = 200_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.maxsize = maxsize
        self.vectors: dict[bytes, npt.NDArray[np.float32]] = {}
        self.hits = 0

    def encode(self, texts: Sequence[str]) -> Vectors:
        keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=16).digest() for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}
        self.hits += len(keys) - len(todo)
        if todo:
            if len(self.vectors) + len(todo) > self.maxsize:
                for k in list(self.vectors)[: len(self.vectors) // 2]:
                    del self.vectors[k]
            vecs = self.inner.encode(list(todo.values()))
            for k, v in zip(todo, vecs, strict=True):
                self.vectors[k] = np.asarray(v, dtype=np.float32)
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])


def prepare_many(docs: Sequence[Document], encoder: Encoder) -> list[Prepared | RetoldError]:
    """:func:`~retold.comparison.prepare` for many documents, encoding all their
    sentences and headlines in one batch (the encoder is far faster on large batches)."""
    staged: list[tuple[int, Prepared, int, int]] = []
    out: list[Prepared | RetoldError] = []
    texts: list[str] = []
    for i, doc in enumerate(docs):
        try:
            p = prepare_unencoded(doc)
        except RetoldError as exc:
            out.append(exc)
            continue
        out.append(p)
        staged.append((i, p, len(texts), len(texts) + len(p.body)))
        texts.extend(s.text for s in p.body)
        if p.body:  # (a document without body text is turned away: no headline)
            texts.append(headline(p.doc))
    vecs = encoder.encode(texts) if texts else np.zeros((0, encoder.dim), dtype=np.float32)
    for i, p, lo, hi in staged:
        out[i] = p.with_vectors(vecs[lo:hi]).with_head(vecs[hi] if p.body else None)
    return out


def body_signature(body: Sequence[Sentence]) -> bytes:
    """8 bytes naming a document's body sentences (their spans in its text).

    Stored beside the sentence vectors: the text is stored too, so equal spans
    mean equal sentences, and vectors are reused only for the sentences they
    were made from (a change of segmentation or boilerplate rules shows here).
    """
    spans = np.array([(s.start, s.end) for s in body], dtype=np.int64).reshape(-1, 2)
    return hashlib.blake2b(spans.tobytes(), digest_size=8).digest()


def lexical_terms(p: Prepared) -> list[str]:
    """Content-word stems of each body sentence (the aligner's features), in order.

    A stem counts once per sentence, so term frequency is "sentences mentioning it".
    """
    out: list[str] = []
    for f in p.features:
        for stem in sorted(f.content):
            # the full-text tokenizer splits on anything not alphanumeric
            t = stem if stem.isalnum() else _NON_WORD.sub("", stem)
            if t:
                out.append(t)
    return out


def sketch(
    p: Prepared, params: SketchParams
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """MinHash signature and band keys of the body's word shingles."""
    toks = [t for f in p.features for t in f.tokens]
    sh = shingle_hashes(toks, params.shingle)
    sig = minhash(sh, params)
    keys = band_keys(sig, params) if len(sh) else np.zeros(0, dtype=np.int64)
    return sig, keys


def record(
    p: Prepared,
    *,
    doc_id: str,
    origin: str,
    publisher: str | None,
    params: SketchParams,
    compress: bool = True,
    text_hash: bytes | None = None,
) -> DocRecord:
    """The stored form of one prepared document (``text_hash``: its
    :func:`content_hash`, when the caller has it already)."""
    sig, keys = sketch(p, params)
    terms = lexical_terms(p)
    mean = p.vectors.mean(axis=0) if len(p.vectors) else np.zeros(p.vectors.shape[1])
    norm = float(np.linalg.norm(mean)) or 1.0
    d = p.doc
    return DocRecord(
        id=doc_id,
        origin=origin,
        text=d.text,
        hash=text_hash or content_hash(d.text),
        meta={
            "title": d.title,
            "url": d.url,
            "published": d.date,
            "publisher": publisher,
            "language": d.language,
            "origin": origin,
            "byline": d.byline,
        },
        vectors=p.vectors.astype(np.float16),
        doc_vector=(mean / norm).astype(np.float16),
        signature=sig,
        band_keys=keys,
        terms_body=" ".join(terms),
        terms=tuple(dict.fromkeys(terms)),
        ztext=zlib.compress(d.text.encode("utf-8"), 6) if compress else b"",
        body_sig=body_signature(p.body),
        head=p.head.astype(np.float16) if p.head is not None else None,
    )


def _load_all(
    items: Iterable[RawDoc | Document],
    out: list[DocRecord | Rejected | Duplicate | None],
    max_bytes: int | None,
) -> list[tuple[int, str, str | None, Document]]:
    """Read each input: a :class:`Rejected` in ``out`` for those that fail, a
    placeholder for the others, which come back as (slot, origin, publisher, doc)."""
    loaded: list[tuple[int, str, str | None, Document]] = []
    for item in items:
        origin = item.origin if isinstance(item, RawDoc) else (item.id or item.url or "<document>")
        try:
            if isinstance(item, RawDoc):
                doc = load_raw(item, max_bytes)
            else:
                check_text(item.text, name="the text", hint="give the article text")
                doc = item
        except RetoldError as exc:
            out.append(Rejected(origin, str(exc)))
            continue
        except Exception as exc:  # one odd input must not stop a long job
            out.append(Rejected(origin, f"internal error: {type(exc).__name__}: {exc}"))
            continue
        loaded.append((len(out), origin, item.publisher if isinstance(item, RawDoc) else None, doc))
        out.append(None)
    return loaded


def make_records(
    items: Iterable[RawDoc | Document],
    encoder: Encoder,
    params: SketchParams,
    known: KnownTexts | None = None,
    max_bytes: int | None = None,
) -> list[DocRecord | Rejected | Duplicate]:
    """Read, prepare and sketch a batch of inputs; failures become :class:`Rejected`.

    With ``known``, an input whose text is already known (indexed, or stored by
    this add earlier), or repeats an earlier input of the batch, comes back as a
    :class:`Duplicate` before any segmentation or encoding: crawls hold many
    copies of a page under different addresses, and the encoder is most of
    the cost of adding one. ``max_bytes`` caps each file or HTML input (see
    :func:`load_raw`).
    """
    out: list[DocRecord | Rejected | Duplicate | None] = []
    loaded = _load_all(items, out, max_bytes)
    todo, repeats = loaded, []
    slot_hash: dict[int, bytes] = {}  # computed for the known check, kept for the record
    if known is not None and loaded:
        hashes = [content_hash(doc.text) for *_, doc in loaded]
        old = known.seen(hashes)
        first: dict[bytes, int] = {}
        todo = []
        for entry, h in zip(loaded, hashes, strict=True):
            slot, origin, _, doc = entry
            slot_hash[slot] = h
            if h in old:
                out[slot] = Duplicate(default_id(doc, h), origin, h)
            elif h in first:
                repeats.append((entry, first[h]))  # settled once its first copy is
            else:
                first[h] = slot
                todo.append(entry)
    prepared = prepare_many([doc for *_, doc in todo], encoder)
    for (slot, origin, publisher, doc), p in zip(todo, prepared, strict=True):
        if isinstance(p, RetoldError):
            out[slot] = Rejected(origin, str(p))
        elif not p.body:
            out[slot] = Rejected(origin, no_text_left(p))
        else:
            known_hash = slot_hash.get(slot)
            out[slot] = record(
                p,
                doc_id=default_id(doc, known_hash),
                origin=origin,
                publisher=publisher,
                params=params,
                text_hash=known_hash,
            )
    for (slot, origin, _, doc), of in repeats:
        src = out[of]
        if isinstance(src, DocRecord):
            out[slot] = Duplicate(default_id(doc, src.hash), origin, src.hash)
        elif isinstance(src, Rejected):
            out[slot] = Rejected(origin, src.reason)
    if known is not None:
        known.add(r.hash for r in out if isinstance(r, DocRecord))
    return [x for x in out if x is not None]


def stored_prepared(
    doc: Document,
    vectors: Vectors,
    fallback: Encoder | None = None,
    *,
    body_sig: bytes | None = None,
    head: bytes | None = None,
) -> Prepared:
    """A prepared document from its stored text and sentence vectors.

    The text is segmented again and the stored vectors attached only if they
    belong to the sentences it gives: the same count, the same spans
    (``body_sig``, the :func:`body_signature` stored with them; None for
    documents stored before it was) and finite values. Otherwise the
    sentences are encoded again with ``fallback``, or, without one, a
    :class:`RetoldError` says how to repair the index (``doc.language`` must
    be the stored language). ``head`` is the stored float16 vector of the
    headline; without it the headline is encoded with ``fallback`` if there
    is one (else the pair engine reads the first sentence in its place).
    """
    p = prepare_unencoded(doc)
    vecs = np.asarray(vectors, dtype=np.float32)
    same = len(vecs) == len(p.body) and (body_sig is None or body_sig == body_signature(p.body))
    if same and np.isfinite(vecs).all():
        p = p.with_vectors(vecs)
    elif fallback is None:
        raise RetoldError(
            f"the stored sentence vectors of {doc.id or 'a document'} do not match its "
            "sentences; repair the index with: retold index compact"
        )
    else:
        return encode_prepared(p, fallback)
    dim = vecs.shape[1] if vecs.ndim == 2 else 0
    hv = np.frombuffer(head, dtype=np.float16).astype(np.float32) if head else None
    if hv is not None and (not dim or len(hv) == dim) and np.isfinite(hv).all():
        return p.with_head(hv)
    if fallback is not None:
        return p.with_head(fallback.encode([headline(p.doc)])[0])
    return p


def verify(candidate: Prepared, query: Prepared) -> Report:
    """Compare a candidate source (A) with the query (B); no change analysis
    (a pair too long to score whole on their leading sentences)."""
    return compare_prepared(*within_pair_limit(candidate, query), with_changes=False)
