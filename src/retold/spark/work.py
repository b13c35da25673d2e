"""Executor-side work of the Spark job: plain Python over pandas batches.

Every function here takes and returns pandas DataFrames (the ``mapInPandas``
and ``applyInPandas`` contract) and calls retold's own pure functions
(:mod:`retold.index.docwork`, :mod:`retold.index.readers`,
:mod:`retold.stories`), so the job computes what the embedded index computes.
Nothing here needs a Spark session: the functions are tested and reused as is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from retold.embed import Encoder, Vectors
from retold.errors import RetoldError
from retold.index.docwork import (
    DocRecord,
    RawDoc,
    Rejected,
    content_hash,
    default_id,
    load_raw,
    make_records,
    stored_prepared,
)
from retold.index.sketch import SketchParams, jaccard_estimate
from retold.types import Document

#: the encoder of this executor process, loaded on first use (one per process,
#: not per task: loading the model costs seconds)
_ENCODERS: dict[str, Encoder] = {}


def frame(rows: list[dict[str, Any]] | list[tuple[Any, ...]], columns: Sequence[str]) -> Any:
    """A pandas DataFrame Arrow converts to the declared Spark types: missing
    values as None (a column of NaN floats does not cast to a string column)."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(columns), dtype=object)
    return df.where(df.notna(), None)


def encoder_for(spec: str) -> Encoder:
    """The encoder named by ``spec`` ("use" or "hashing:<dim>"), once per process."""
    enc = _ENCODERS.get(spec)
    if enc is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if spec.startswith("hashing"):
            from retold.embed import HashingEncoder

            enc = HashingEncoder(int(spec.partition(":")[2] or 256))
        else:
            from retold.embed import USEEncoder

            enc = USEEncoder()
        _ENCODERS[spec] = enc
    return enc


def sentence_key(text: str) -> bytes:
    """The key identical sentences share across the job (16 bytes of SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


# --- documents as rows ---------------------------------------------------------


def doc_to_json(doc: Document) -> str:
    return json.dumps(dataclasses.asdict(doc), ensure_ascii=False)


def doc_from_json(s: str) -> Document:
    return Document(**json.loads(s))


def raw_from_row(r: Any) -> RawDoc:
    data = r["data_bin"] if r["data_bin"] is not None else r["data_str"]
    return RawDoc(
        id=r["id"],
        origin=r["origin"],
        kind=r["kind"],
        data=bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else data,
        url=r["url"],
        title=r["title"],
        published=r["published"],
        publisher=r["publisher"],
        byline=r.get("byline"),
        charset=r["charset"],
    )


def extract(batches: Iterator[Any]) -> Iterator[Any]:
    """Read and extract each input (:func:`load_raw`): its Document and content hash,
    or the reason it was rejected."""
    for df in batches:
        rows = []
        for r in df.to_dict("records"):
            out = {"ord": r["ord"], "id": r["id"], "origin": r["origin"]}
            out["publisher"] = r["publisher"]
            try:
                doc = load_raw(raw_from_row(r))
                h = content_hash(doc.text)
                out.update(doc=doc_to_json(doc), hash=h, reason=None)
                out["id"] = default_id(doc, h)
            except RetoldError as exc:
                out.update(doc=None, hash=None, reason=str(exc))
            except Exception as exc:  # one odd input must not stop a long job
                why = f"internal error: {type(exc).__name__}: {exc}"
                out.update(doc=None, hash=None, reason=why)
            rows.append(out)
        yield frame(rows, EXTRACT_COLS)


EXTRACT_COLS = ("ord", "id", "origin", "publisher", "doc", "hash", "reason")


def sentences(batches: Iterator[Any]) -> Iterator[Any]:
    """The sentences each document will have encoded (segmentation and boilerplate
    as :func:`~retold.comparison.prepare` does them, nothing encoded yet), its
    headline last."""
    from retold.comparison import headline, prepare_unencoded

    for df in batches:
        rows = []
        for r in df.to_dict("records"):
            try:
                p = prepare_unencoded(doc_from_json(r["doc"]))
                texts: list[str] | None = [*(s.text for s in p.body), headline(p.doc)]
                reason = None
            except RetoldError as exc:
                texts, reason = None, str(exc)
            rows.append({"id": r["id"], "sentences": texts, "reason": reason})
        yield frame(rows, ["id", "sentences", "reason"])


def encode(batches: Iterator[Any], spec: str) -> Iterator[Any]:
    """Vectors of distinct sentences (each sentence of the job reaches here once)."""
    import pandas as pd

    enc = encoder_for(spec)
    for df in batches:
        texts = df["text"].tolist()
        vecs = enc.encode(texts) if texts else np.zeros((0, enc.dim), dtype=np.float32)
        yield pd.DataFrame(
            {"key": df["key"], "vec": [np.asarray(v, dtype=np.float32).tobytes() for v in vecs]}
        )


class _Lookup:
    """An encoder that hands back vectors computed earlier, by sentence text."""

    def __init__(self, name: str, dim: int, table: dict[str, Vectors]) -> None:
        self.name = name
        self.dim = dim
        self.table = table

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.table[t] for t in texts]).astype(np.float32)


RECORD_COLS = (
    "ord",
    "id",
    "origin",
    "text",
    "hash",
    "title",
    "url",
    "published",
    "publisher",
    "language",
    "byline",
    "vectors",
    "n_sentences",
    "dim",
    "doc_vector",
    "head",
    "signature",
    "band_keys",
    "terms",
    "doc",
    "reason",
)


def records(batches: Iterator[Any], spec: str, params: SketchParams) -> Iterator[Any]:
    """:func:`make_records` per document, with the sentence vectors of the encode
    stage (``sents``: the document's sentences, ``vecs``: their vectors)."""

    from retold.spark.linking import lookup_encoder

    dim = lookup_encoder(spec).dim
    for df in batches:
        rows = []
        for r in df.to_dict("records"):
            texts = list(r["sentences"]) if r["sentences"] is not None else []
            vecs = list(r["vecs"]) if r["vecs"] is not None else []
            table = {
                t: np.frombuffer(v, dtype=np.float32) for t, v in zip(texts, vecs, strict=True)
            }
            doc = doc_from_json(r["doc"])
            got = make_records([doc], _Lookup("lookup", dim, table), params)[0]
            rows.append(_record_row(r, doc, got))
        yield frame(rows, RECORD_COLS)


def _record_row(r: dict[str, Any], doc: Document, got: Any) -> dict[str, Any]:
    base = dict.fromkeys(RECORD_COLS)
    base.update(ord=r["ord"], id=r["id"], origin=r["origin"], doc=r["doc"])
    if isinstance(got, Rejected):
        base["reason"] = got.reason
        return base
    assert isinstance(got, DocRecord)
    row = got.to_row()
    for k in RECORD_COLS:
        if k in row:
            base[k] = row[k]
    base.update(
        ord=r["ord"],
        id=r["id"],
        origin=r["origin"],
        publisher=r["publisher"],
        terms=list(got.terms),
        language=got.meta.get("language"),
        hash=r["hash"],
    )
    return base


def near_best(batches: Iterator[Any], threshold: float) -> Iterator[Any]:
    """Per later document of a band-sharing pair: the MinHash Jaccard estimate, kept
    when it reaches ``threshold`` (as the embedded index's near-duplicate check)."""

    for df in batches:
        out = []
        for r in df.to_dict("records"):
            sa = np.asarray(r["sig_a"], dtype=np.uint32)
            sb = np.asarray(r["sig_b"], dtype=np.uint32)
            j = float(jaccard_estimate(sb, sa[None, :])[0])
            if j >= threshold:
                out.append({"a": r["a"], "b": r["b"], "ord_a": r["ord_a"], "jaccard": j})
        yield frame(out, ["a", "b", "ord_a", "jaccard"])


def prepared_of(r: dict[str, Any], side: str = "") -> Any:
    """A record row back as a prepared document, built as the index builds a stored
    document for the pair engine (same fields, stored float16 vectors)."""
    doc = Document(
        text=r[side + "text"],
        title=r[side + "title"],
        url=r[side + "url"],
        date=r[side + "published"],
        language=r[side + "language"],
        id=r[side + "id"],
        byline=r.get(side + "byline"),
    )
    n, dim = int(r[side + "n_sentences"]), int(r[side + "dim"])
    vecs = np.frombuffer(r[side + "vectors"], dtype=np.float16).reshape(n, dim).astype(np.float32)
    return stored_prepared(doc, vecs, head=r.get(side + "head"))


LINK_COLS = (
    "a",
    "b",
    "verdict",
    "similarity",
    "a_in_b",
    "b_in_a",
    "a_first",
    "verbatim",
    "a_match",
    "b_match",
    "a_credits",
    "b_credits",
)


def verify_pairs(batches: Iterator[Any]) -> Iterator[Any]:
    """Verify candidate pairs (columns of both records, prefixed ``a_`` and ``b_``).

    A document is in several pairs (about 4 on news), so each is prepared once
    per task (cached by id: a task holds one job's records): preparing both
    ends again for every pair cost 40 % of the verification."""
    from retold.index.book import prepared_traits

    cache: dict[str, tuple[Any, Any]] = {}

    def side(r: dict[str, Any], prefix: str) -> tuple[Any, Any]:
        got = cache.get(r[prefix + "id"])
        if got is None:
            if len(cache) >= 4096:
                cache.clear()
            p = prepared_of(r, prefix)
            got = cache[r[prefix + "id"]] = (p, prepared_traits(p))
        return got

    from retold.index.book import link_pair

    for df in batches:
        out = []
        for r in df.to_dict("records"):
            try:
                row = link_pair(*side(r, "a_"), *side(r, "b_"))
            except RetoldError:
                continue  # a pair the engine cannot compare is not a link
            if row is not None:
                out.append(dict(zip(LINK_COLS, row, strict=True)))
        yield frame(out, LINK_COLS)
