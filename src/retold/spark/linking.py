"""Candidate search for the Spark job, with the embedded index's own search.

The candidates of a document are exactly what ``retold stories`` asks the
embedded index for: its top ``k + 1`` unverified hits
(:meth:`retold.index.Index.search_prepared`: the sentence, document-vector,
lexical and MinHash channels with their weights), of which only those whose
channel scores could make them "same story or closer" go to the pair engine.
An index is built from the job's own sentence vectors (nothing is encoded
again): over the whole corpus with ``--exact`` (built once on the driver,
shipped to the executors), or per block of similar documents otherwise.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from retold.embed import Vectors
from retold.spark.work import _Lookup, doc_from_json, encoder_for, frame

#: indexes opened by this executor process, by path
_OPEN: dict[str, Any] = {}
_UNPACKED: dict[str, str] = {}


def lookup_encoder(spec: str, table: dict[str, Vectors] | None = None) -> _Lookup:
    """An encoder with the job encoder's name and size that only looks vectors up."""
    enc = encoder_for(spec) if spec.startswith("hashing") else None
    if enc is not None:
        return _Lookup(enc.name, enc.dim, table or {})
    from retold.embed import USEEncoder

    return _Lookup(USEEncoder.name, USEEncoder.dim, table or {})


def build_index(path: Path, rows: Iterable[dict[str, Any]], spec: str) -> int:
    """An embedded index at ``path`` from encoded rows (``doc``, ``sentences``,
    ``vecs``), added in the given order; returns the number of documents added."""
    from retold.index import Index

    enc = lookup_encoder(spec)
    added = 0
    with Index(path, encoder=enc) as ix:
        batch: list[Any] = []
        for r in rows:
            texts = list(r["sentences"]) if r["sentences"] is not None else []
            vecs = list(r["vecs"]) if r["vecs"] is not None else []
            for t, v in zip(texts, vecs, strict=True):
                enc.table[t] = np.frombuffer(v, dtype=np.float32)
            batch.append(doc_from_json(r["doc"]))
            if len(batch) >= 256:
                added += ix.add(batch).added
                batch, enc.table = [], {}
        if batch:
            added += ix.add(batch).added
    return added


def _open(path: str, spec: str) -> Any:
    from retold.index import Index

    ix = _OPEN.get(path)
    if ix is None:
        ix = _OPEN[path] = Index(path, create=False, encoder=lookup_encoder(spec))
    return ix


def candidate_pairs(ix: Any, ids: list[str], k: int) -> list[tuple[str, str]]:
    """Pairs ``(a, b)``, ``a < b``, worth verifying among the hits of ``ids``."""
    from retold.errors import RetoldError
    from retold.index.book import worth_verifying

    preps = [(i, ix.prepared(i)) for i in ids]
    live = [(i, p) for i, p in preps if p is not None]
    found = ix.search_prepared([p for _, p in live], k + 1, verify=False) if live else []
    out: set[tuple[str, str]] = set()
    for (doc_id, _), hits in zip(live, found, strict=True):
        if isinstance(hits, RetoldError):
            continue
        for h in hits:
            if h.id != doc_id and worth_verifying(h.channels):
                a, b = sorted((h.id, doc_id))
                out.add((a, b))
    return sorted(out)


def _unpacked(tar: str) -> str:
    """The index shipped as a tar file, unpacked once per executor process."""
    import tarfile

    where = _UNPACKED.get(tar)
    if where is None:
        root = tempfile.mkdtemp(prefix="retold-index-")
        with tarfile.open(tar) as tf:
            tf.extractall(root, filter="data")
        where = _UNPACKED[tar] = str(Path(root) / Path(tar).name.removesuffix(".tar"))
    return where


def search_partition(batches: Iterator[Any], path: str, spec: str, k: int) -> Iterator[Any]:
    """mapInPandas (exact mode): candidates of a partition's ids in the shipped index."""

    from pyspark import SparkFiles

    ix = _open(path if Path(path).is_dir() else _unpacked(SparkFiles.get(path)), spec)
    for df in batches:
        pairs = candidate_pairs(ix, df["id"].tolist(), k)
        yield frame(pairs, ["a", "b"])


def search_block(df: Any, spec: str, k: int) -> Any:
    """applyInPandas (approximate mode): build an index of one block of similar
    documents and search every document of the block in it."""

    tmp = Path(tempfile.mkdtemp(prefix="retold-block-"))
    try:
        rows = df.sort_values("ord").to_dict("records")
        build_index(tmp / "ix", rows, spec)
        from retold.index import Index

        with Index(tmp / "ix", create=False, encoder=lookup_encoder(spec)) as ix:
            pairs = candidate_pairs(ix, [r["id"] for r in rows], k)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return frame(pairs, ["a", "b"])


def blocks(batches: Iterator[Any], centroids: Any, per_doc: int) -> Iterator[Any]:
    """mapInPandas: each document's ``per_doc`` nearest centroids (its blocks)."""
    import pandas as pd

    c = np.asarray(centroids, dtype=np.float32)
    for df in batches:
        if not len(df):
            continue
        v = np.stack([np.frombuffer(b, dtype=np.float16) for b in df["doc_vector"]]).astype(
            np.float32
        )
        sims = v @ c.T
        top = np.argsort(-sims, axis=1)[:, :per_doc]
        yield pd.DataFrame(
            {
                "id": np.repeat(df["id"].to_numpy(), top.shape[1]),
                "block": top.reshape(-1).astype(np.int64),
            }
        )
