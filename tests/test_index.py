"""Tests of retold.index: sketches, vector search, the store, readers, the Index API,
the command line, and crash safety.

Fast: the HashingEncoder stands in for the real model (quality is tested in
test_search_quality.py). Nothing is mocked: real SQLite files, real WARC files
written here, a real subprocess killed with SIGKILL.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import numpy as np
import numpy.typing as npt
import pytest
from click.testing import CliRunner

from retold.cli.index import index as index_cmd
from retold.cli.index import search as search_cmd
from retold.comparison import Prepared
from retold.embed import HashingEncoder
from retold.errors import InputError, UsageError
from retold.index import Index, RawDoc, Rejected, SearchParams
from retold.index.docwork import DocRecord, Duplicate, make_records, stored_prepared, verify
from retold.index.readers import iter_inputs, read_warc
from retold.index.sketch import (
    SketchParams,
    band_keys,
    jaccard,
    jaccard_estimate,
    minhash,
    shingle_hashes,
)
from retold.index.vectors import (
    IVFState,
    RowFile,
    VectorParams,
    VectorSet,
    exact_search,
    faiss_available,
    merge_topk,
)
from retold.types import VERDICT_ORDER, Document

ENC = HashingEncoder(64)
CLI = click.Group("retold", commands={"index": index_cmd, "search": search_cmd})

# --- a small synthetic corpus -------------------------------------------------

_RNG = random.Random(7)
_VOCAB = [
    "".join(
        _RNG.choice("bcdfghjklmnprstvz") + _RNG.choice("aeiou") for _ in range(_RNG.randint(2, 4))
    )
    for _ in range(3000)
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_VOCAB) for _ in range(rng.randint(9, 15))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _article(seed: int, n: int = 5) -> str:
    rng = random.Random(seed)
    return "\n\n".join(_sentence(rng) for _ in range(n))


def _corpus(n: int, start: int = 0) -> list[Document]:
    return [Document(_article(i), id=f"doc-{i}") for i in range(start, start + n)]


def _rewrite(text: str) -> str:
    """Drop the last paragraph and swap two words in each other one: a light edit."""
    paras = text.split("\n\n")[:-1]
    out = []
    for p in paras:
        w = p.rstrip(".").split()
        w[1], w[2] = w[2], w[1]
        out.append(" ".join(w) + ".")
    return "\n\n".join(out)


@pytest.fixture
def ix(tmp_path: Path) -> Iterator[Index]:
    index = Index(tmp_path / "ix", encoder=ENC)
    index.add(_corpus(60))
    yield index
    index.close()


# --- sketches ---------------------------------------------------------------


def test_shingle_hashes_are_stable_across_processes() -> None:
    # stored signatures must not depend on PYTHONHASHSEED or the machine
    code = (
        "from retold.index.sketch import shingle_hashes;"
        "print(shingle_hashes('the quick brown fox jumps'.split()).tolist())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    ).stdout
    assert json.loads(out) == shingle_hashes(["the", "quick", "brown", "fox", "jumps"]).tolist()


@pytest.mark.parametrize("n_tokens", [0, 1, 2, 3, 4, 50])
def test_shingles_of_short_texts(n_tokens: int) -> None:
    toks = [f"w{i}" for i in range(n_tokens)]
    sh = shingle_hashes(toks, 3)
    assert len(sh) == (0 if n_tokens == 0 else max(1, n_tokens - 2))
    assert (sh < 2**32).all()
    sig = minhash(sh)
    assert sig.dtype == np.uint32 and sig.shape == (128,)
    if n_tokens == 0:
        assert (sig == 0xFFFFFFFF).all()


def test_shingle_order_matters() -> None:
    assert set(shingle_hashes(["a", "b", "c"]).tolist()) != set(
        shingle_hashes(["c", "b", "a"]).tolist()
    )


def test_minhash_estimate_tracks_exact_jaccard() -> None:
    rng = np.random.default_rng(0)
    errors = []
    for _ in range(200):
        n = int(rng.integers(1, 400))
        a = np.unique(rng.integers(0, 2**32 - 5, n).astype(np.uint64))
        keep = rng.random(len(a)) < rng.random()
        extra = np.unique(rng.integers(0, 2**32 - 5, int(rng.integers(0, 300))).astype(np.uint64))
        b = np.unique(np.concatenate([a[keep], extra]))
        if not len(b):
            continue
        exact = jaccard(a, b)
        est = float(jaccard_estimate(minhash(a), minhash(b)[None, :])[0])
        errors.append(abs(est - exact))
        assert abs(est - exact) < 0.2, (exact, est)
    assert float(np.mean(errors)) < 0.04


def test_lsh_against_brute_force() -> None:
    """Every pair at Jaccard >= 0.8 shares a band; pairs below 0.1 almost never do."""
    rng = random.Random(3)
    base = [[rng.choice(_VOCAB) for _ in range(rng.randint(30, 300))] for _ in range(25)]
    docs = list(base)
    for toks in base:
        for share in (0.0, 0.02, 0.05, 0.3):
            t = list(toks)
            for i in range(len(t)):
                if rng.random() < share:
                    t[i] = rng.choice(_VOCAB)
            docs.append(t)
    p = SketchParams()
    sh = [shingle_hashes(d) for d in docs]
    keys = [set(band_keys(minhash(s, p), p).tolist()) for s in sh]
    near = far = far_hit = 0
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            jac = jaccard(sh[i], sh[j])
            shared = bool(keys[i] & keys[j])
            if jac >= 0.8:
                near += 1
                assert shared, (i, j, jac)
            elif jac < 0.1:
                far += 1
                far_hit += shared
    assert near >= 25 and far > 1000
    assert far_hit / far < 0.01


def test_sketch_params_are_checked() -> None:
    with pytest.raises(ValueError, match="multiple"):
        SketchParams(num_perm=100, bands=32)
    assert SketchParams(num_perm=64, bands=16).rows == 4


# --- vectors ---------------------------------------------------------------


def _brute(q: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    s = q @ base.astype(np.float32).T
    order = np.lexsort((np.broadcast_to(np.arange(base.shape[0]), s.shape), -s), axis=1)[:, :k]
    return np.take_along_axis(s, order, axis=1), order


@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
@pytest.mark.parametrize("chunk", [1, 3, 64, 65536])
@pytest.mark.parametrize("k", [1, 5, 2000])
def test_exact_search_equals_brute_force(n: int, chunk: int, k: int) -> None:
    rng = np.random.default_rng(n * 31 + chunk)
    base = rng.standard_normal((n, 16)).astype(np.float16)
    q = rng.standard_normal((3, 16)).astype(np.float32)
    s, r = exact_search(q, base, k, chunk=chunk)
    bs, br = _brute(q, base, k)
    assert r.shape == (3, min(k, n))
    assert (r == br).all()
    assert np.allclose(s, bs, atol=1e-5)


def test_merge_topk_breaks_ties_by_row() -> None:
    s = np.array([[0.5, 0.9, 0.5, 0.5]], dtype=np.float32)
    r = np.array([[7, 3, 2, 5]], dtype=np.int64)
    ms, mr = merge_topk(s, r, 3)
    assert mr.tolist() == [[3, 2, 5]] and ms[0, 0] == np.float32(0.9)


def test_row_file_appends_truncates_and_detects_damage(tmp_path: Path) -> None:
    f = RowFile(tmp_path / "x.f16", np.float16, 4)
    f.append(np.ones((3, 4)))
    f.append(np.zeros((2, 4)))
    f.sync()
    assert f.disk_rows() == 5 and f.view(5).shape == (5, 4)
    assert f.view(0).shape == (0, 4)
    f.truncate(3)
    assert f.disk_rows() == 3
    with pytest.raises(InputError, match="damaged"):
        f.view(4)
    with pytest.raises(ValueError, match="width"):
        f.append(np.ones((1, 5)))
    f.close()


def _clustered(n: int, d: int, seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, d))
    x = centres[rng.integers(0, 40, n)] + 0.5 * rng.standard_normal((n, d))
    out: npt.NDArray[np.float32] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return out


@pytest.mark.skipif(not faiss_available(), reason="faiss-cpu is not installed")
def test_ivf_segments_against_exact(tmp_path: Path) -> None:
    """IVF segments plus an exact tail give the exact answers (recall), as the tail
    becomes segments and segments merge; returned scores are true inner products."""
    d = 32
    params = VectorParams(ivf_min_rows=1000, segment_rows=300)
    vs = VectorSet(tmp_path, "sent", d, params)
    x = _clustered(5000, d, 1)
    q = _clustered(25, d, 2)

    def grow(n: int, st: IVFState) -> IVFState:
        have = vs.data.disk_rows()
        vs.data.append(x[have:n])
        vs.data.sync()
        new = vs.maintain(n, st)
        vs.cleanup(new.files | st.files)
        return new

    def recall(n: int, st: IVFState) -> float:
        s, r = vs.search(q, 10, n, st)
        es, _er = vs.search(q, 10, n, st, exact=True)
        assert (r < n).all() and (r >= 0).all()
        true = np.einsum("ij,ikj->ik", q, x[r])
        assert np.allclose(s, true, atol=0.05)  # exact scores of float16 rows
        return float(np.mean(true >= es[:, 9:10] - 1e-3))

    state = grow(999, IVFState())
    assert state == IVFState()  # too few rows: exact only
    state = grow(2001, state)
    assert [(a, b) for _f, a, b in state.segments] == [(0, 2001)] and state.trained_rows == 2001
    assert recall(2001, state) >= 0.9
    # a tail under a segment's worth stays exact, and is found exactly
    state2 = grow(2250, state)
    assert state2 == state
    _s, r = vs.search(x[2001:2011], 1, 2250, state)
    assert r[:, 0].tolist() == list(range(2001, 2011))
    # a segment's worth becomes a segment; small segments merge (binary counter)
    sizes = []
    n = 2250
    for step in (300, 310, 320, 700, 330):
        n += step
        state = grow(n, state)
        sizes.append([b - a for _f, a, b in state.segments])
        assert state.rows <= n and n - state.rows < 300
        assert [a for _f, a, _b in state.segments][1:] == [b for _f, _a, b in state.segments][:-1]
        assert recall(n, state) >= 0.9
        _s, r = vs.search(x[n - 5 : n], 1, n, state)
        assert r[:, 0].tolist() == list(range(n - 5, n))
    # the newest segment merges into the previous while at least half its size
    assert sizes == [[2001, 549], [2001, 859], [2001, 859, 320], [3880], [3880, 330]]
    on_disk = {p.name for p in tmp_path.glob("*.faiss")}
    assert state.files <= on_disk
    vs.close()


@pytest.mark.skipif(not faiss_available(), reason="faiss-cpu is not installed")
def test_index_with_ivf_finds_the_same_sources(tmp_path: Path) -> None:
    vp = VectorParams(ivf_min_rows=200, segment_rows=60)
    with Index(tmp_path / "ix", encoder=ENC, vector_params=vp) as index:
        for start in range(0, 120, 30):
            index.add(_corpus(30, start=start))
        st = index.stats()
        assert st["ivf"]["sentences"]["segments"] >= 1 and st["ivf"]["documents"]["rows"] == 0
        for i in (3, 47, 118):
            q = _rewrite(_article(i))
            fast = index.search(q, k=3)
            exact = index.search(q, k=3, params=SearchParams(exact=True))
            assert fast[0].id == exact[0].id == f"doc-{i}"
    with Index(tmp_path / "ix") as again:  # a fresh reader opens the segments
        assert again.search(_rewrite(_article(5)), k=1)[0].id == "doc-5"


# --- store and opening ---------------------------------------------------------


def test_opening_things_that_are_not_an_index(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    with pytest.raises(InputError, match="is a file, not an index directory"):
        Index(f)
    with pytest.raises(InputError, match="no index at"):
        Index(tmp_path / "missing", create=False)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        Index(busy)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "index.db").write_bytes(os.urandom(4096))
    with pytest.raises(InputError, match="not a retold index"):
        Index(garbage)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    con = sqlite3.connect(foreign / "index.db")
    con.execute("CREATE TABLE t(x)")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="SQLite database but not a retold index"):
        Index(foreign)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    Index(tmp_path / "ix", encoder=ENC).close()
    con = sqlite3.connect(tmp_path / "ix" / "index.db")
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="newer retold"):
        Index(tmp_path / "ix")


def test_damaged_vector_file_is_reported(ix: Index) -> None:
    path = ix.path
    ix.close()
    with open(path / "sent.f16", "r+b") as fh:
        fh.truncate(100)
    with Index(path) as again, pytest.raises(InputError, match="damaged"):
        again.search(_article(3))


def test_encoder_must_match_the_index(ix: Index) -> None:
    with pytest.raises(UsageError, match="built with the encoder"):
        Index(ix.path, encoder=HashingEncoder(32))
    with Index(ix.path) as again:  # the stored encoder is used by default
        assert again.encoder.name == ENC.name and again.dim == 64


def test_one_writer_at_a_time(ix: Index, tmp_path: Path) -> None:
    import fcntl

    ix.add(Document(_article(1000), id="x"))  # the lock is held for the add only
    with Index(ix.path, lock_timeout=0.2) as other:
        other.add(Document(_article(1001), id="y"))
        with open(ix.path / "writer.lock", "a+") as held:  # another writer, mid-add
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            assert len(other) == 62  # reading is fine
            with pytest.raises(UsageError, match="another process is adding"):
                other.add(Document(_article(1002), id="z"))
        other.add(Document(_article(1002), id="z"))
        assert len(ix) == 63


# --- the Index API ---------------------------------------------------------


def test_add_is_idempotent_by_id_and_by_content(ix: Index) -> None:
    s = ix.add(_corpus(60))
    assert (s.added, s.skipped, s.duplicates) == (0, 60, 0)
    s = ix.add([Document(_article(5), id="copy-of-5"), Document(_article(500), id="new")])
    assert (s.added, s.duplicates) == (1, 1)
    dups = ix.duplicates()
    assert {"id": "copy-of-5", "of": "doc-5", "kind": "exact"}.items() <= dups[0].items()
    assert len(ix) == 61 and "new" in ix and "copy-of-5" not in ix
    # whitespace differences are the same content
    s = ix.add(Document(_article(6).replace("\n\n", "\n\n\n  "), id="spaced-6"))
    assert s.duplicates == 1


class _Counting(HashingEncoder):
    """Counts the sentences it is asked to encode (in this process)."""

    def __init__(self) -> None:
        super().__init__(64)
        self.name = ENC.name
        self.sentences = 0

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.sentences += len(texts)
        return super().encode(texts)


class _Known:
    def __init__(self, known: set[bytes]) -> None:
        self.known = set(known)

    def seen(self, hashes: Sequence[bytes]) -> set[bytes]:
        return self.known & set(hashes)

    def add(self, hashes: Iterable[bytes]) -> None:
        self.known.update(hashes)


def test_exact_copies_are_not_encoded() -> None:
    enc = _Counting()
    a, b = _article(1), _article(2)
    items = [
        Document(a, id="a"),
        Document(a.replace("\n\n", "\n\n\n"), id="a-again"),  # same content
        Document(b, id="b"),
        Document("Copyright 2024 AP. All rights reserved.", id="stub"),  # no article text
        Document("Copyright 2024 AP. All rights reserved.", id="stub-2"),  # rejected alike
    ]
    known = _Known(set())
    out = make_records(items, enc, SketchParams(), known)
    assert [type(r).__name__ for r in out] == [
        "DocRecord",
        "Duplicate",
        "DocRecord",
        "Rejected",
        "Rejected",
    ]
    first, dup = out[0], out[1]
    assert isinstance(first, DocRecord) and isinstance(dup, Duplicate)
    assert (dup.id, dup.hash) == ("a-again", first.hash)
    assert out[3].reason == out[4].reason  # type: ignore[union-attr]
    encoded = enc.sentences
    # each article's sentences and its headline
    assert encoded == len(first.vectors) + len(out[2].vectors) + 2  # type: ignore[union-attr]
    # a later batch: texts stored before come back as duplicates, unencoded
    again = make_records(
        [Document(b, id="b-copy"), Document(_article(3), id="c")], enc, SketchParams(), known
    )
    assert isinstance(again[0], Duplicate) and isinstance(again[1], DocRecord)
    assert enc.sentences - encoded == len(again[1].vectors) + 1
    # without the known set, every input is prepared (the pure function Spark calls)
    plain = make_records(items[:2], enc, SketchParams())
    assert all(isinstance(r, DocRecord) for r in plain)


@pytest.mark.parametrize("jobs", [1, 2])
def test_add_skips_encoding_exact_copies(tmp_path: Path, jobs: int) -> None:
    enc = _Counting()
    with Index(tmp_path / "ix", encoder=enc) as index:
        index.add(_corpus(30))
        n_before = enc.sentences
        # copies of stored texts, copies of each other across waves, and new texts
        items = [Document(_article(i), id=f"copy-{i}") for i in range(0, 30, 3)]
        items += [Document(_article(100 + i % 5), id=f"new-{i}") for i in range(40)]
        s = index.add(items, jobs=jobs, batch_size=8)
        assert (s.added, s.duplicates, len(s.rejected)) == (5, 45, 0)
        assert len(index) == 35
        dups = {d["id"]: d["of"] for d in index.duplicates()}
        assert dups["copy-3"] == "doc-3" and dups["new-7"] == "new-2"
        assert len(dups) == 45
        if jobs == 1:  # the count is kept in this process
            assert enc.sentences - n_before == 5 * 5 + 5  # sentences and headlines
        hit = index.search(Document(_article(103)), k=1)[0]
        assert hit.id == "new-3"


def test_parallel_add_loads_the_encoder_once_and_only_for_new_work(tmp_path: Path) -> None:
    enc = _Counting()
    with Index(tmp_path / "ix", encoder=enc) as index:
        index.add(_corpus(6), jobs=2)
        # the parent encodes once before forking (the workers share its model)
        assert enc.sentences == 1 and len(index) == 6
        index.add(_corpus(6), jobs=2)  # nothing new: no pool, no model
        assert enc.sentences == 1


def test_near_duplicates_are_found_at_add_time(ix: Index) -> None:
    text = _article(9, n=12)
    ix.add(Document(text, id="long"))
    words = text.split(" ")
    words[40] = "changed"
    s = ix.add(Document(" ".join(words), id="long-edited"))
    assert (s.added, s.near_duplicates) == (1, 1)
    near = [d for d in ix.duplicates() if d["kind"] == "near"]
    assert near[0]["id"] == "long-edited" and near[0]["of"] == "long"
    assert near[0]["jaccard"] >= 0.9
    # and within one batch
    s = ix.add([Document(_article(77, 12), id="p"), Document(_article(77, 12) + " Extra.", id="q")])
    assert s.near_duplicates == 1


def test_documents_without_ids_get_stable_ones(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", encoder=ENC) as index:
        index.add([Document(_article(1)), Document(_article(2), url="https://x.example/2")])
        ids = index.ids()
        assert ids[0].startswith("sha256:") and ids[1] == "https://x.example/2"
        assert index.add(Document(_article(1))).skipped == 1


def test_search_finds_the_source_of_an_edit(ix: Index) -> None:
    hits = ix.search(_rewrite(_article(17)), k=5)
    assert hits[0].id == "doc-17"
    assert hits[0].verdict in VERDICT_ORDER[:3]  # rewrite or closer
    assert hits[0].coverage is not None and hits[0].coverage.b_in_a > 0.9
    d = hits[0].to_dict()
    assert set(d) >= {"id", "score", "verdict", "coverage", "similarity", "channels"}
    assert json.dumps(d)
    # unrelated text: nothing comes back as a rewrite
    for h in ix.search(_article(99_999), k=5):
        assert h.verdict in ("same-story", "unrelated")


def test_search_finds_a_partial_copy(ix: Index) -> None:
    # two paragraphs of doc-3 spliced into new material
    a = _article(3).split("\n\n")
    query = "\n\n".join([_article(4242, 3), a[1], a[2], _article(4243, 2)])
    hits = ix.search(query, k=3)
    assert hits[0].id == "doc-3" and hits[0].channels["jaccard"] > 0.05  # 2 of 10 paragraphs
    # the index's part: the copied share is found (2 of doc-3's 5 paragraphs); what
    # to call a two-paragraph splice is the verdict model's (rewrite or same-story)
    assert hits[0].coverage is not None and hits[0].coverage.a_in_b > 0.3
    assert hits[0].verdict in ("rewrite", "same-story")


def test_search_weighs_shared_words_by_their_rarity_in_the_index(tmp_path: Path) -> None:
    """Below the rewrites, the ranking reads the index's own word rarity: of
    documents alike but for the one word each shares with the query, the one
    whose word no other document has scores higher than those whose word all
    the others have (a plain term-frequency cosine would tie them), and ranks
    first, which without the rarity's weight it does not."""
    common, rare = "zuvokanta", "qexilombra"
    words = iter(_VOCAB)

    def body(extra: str) -> str:
        # three ten-word sentences of words no other document uses, one of
        # them carrying the shared word: every document the same shape
        sents = [[next(words) for _ in range(10)] for _ in range(3)]
        sents[1][4] = extra
        return "\n\n".join(" ".join(s).capitalize() + "." for s in sents)

    # one language for all: made-up words are guessed as English, Polish or
    # Portuguese at random, and a pair in two languages reads differently
    docs = [Document(body(rare), id="rare", language="en")]
    docs += [Document(body(common), id=f"common-{i}", language="en") for i in range(5)]
    query = Document(
        " ".join(f"Xa{n}quo" for n in range(6)) + f" {common} {rare}.\n\nYoqua zeba fonu.",
        language="en",
    )
    with Index(tmp_path / "ix", encoder=ENC) as index:
        index.add(docs)
        hits = index.search(query, k=6, params=SearchParams(verify=6))
        flat = index.search(query, k=6, params=SearchParams(verify=6, w_corpus_same_story=0.0))
    corpus = {h.id: h.channels["corpus_lexical"] for h in hits}
    assert set(corpus) == {d.id for d in docs}
    assert all(0.0 < v < 1.0 for v in corpus.values())
    assert corpus["rare"] > max(v for k, v in corpus.items() if k != "rare")
    assert all(h.verdict in ("same-story", "unrelated") for h in hits)
    assert hits[0].id == "rare" and flat[0].id != "rare"


def test_a_query_that_is_itself_indexed_sends_terms_others_share(tmp_path: Path) -> None:
    """The lexical channel sends the query's rarest terms. When the query's own
    text is in the index (a corpus searched with its own articles), a term only
    it has is in one document, the rarest of all, yet finds nothing else: its
    copy is not counted, so the terms it shares with one other document are
    sent and find that document."""
    words = iter(_VOCAB)

    def sentences(n: int, extra: list[str] | None = None) -> list[list[str]]:
        out = [[next(words) for _ in range(10)] for _ in range(n)]
        for i, w in enumerate(extra or []):
            out[i][3] = w
        return out

    def text(sents: list[list[str]]) -> str:
        return "\n\n".join(" ".join(s).capitalize() + "." for s in sents)

    shared = ["quorabendix", "velumastrin", "zoketrapol"]
    own = sentences(4, shared)  # 40 words no other document has, 3 shared
    docs = [
        Document(text(own), id="query", language="en"),
        Document(text(sentences(3, shared)), id="partner", language="en"),
    ]
    docs += [Document(text(sentences(3)), id=f"other-{i}", language="en") for i in range(8)]
    lexical = {}
    # the query indexed, and (as before) an index without it
    for name, stored in (("with", docs), ("without", docs[1:])):
        with Index(tmp_path / name, encoder=ENC) as index:
            index.add(stored)
            hits = index.search(Document(text(own), language="en"), k=10, verify=False)
        lexical[name] = {h.id: h.channels["lexical"] for h in hits}
    assert lexical["with"].get("partner", 0.0) > 0.0
    assert lexical["without"].get("partner", 0.0) > 0.0


def test_a_copy_published_after_the_query_is_not_its_source(
    tmp_path: Path, example_pair: tuple[str, str]
) -> None:
    """Where the query and the stored documents say when they were published,
    the earlier is the source (as in stories and compare): a word-for-word
    copy published a day after the query ranks below a rewrite published the
    day before, which without dates it outranks."""
    wire, rewrite = example_pair
    docs = [
        Document(wire, id="copy-late", date="2026-03-03"),
        Document(rewrite, id="rewrite-early", date="2026-03-01T08:00:00Z"),
    ]
    with Index(tmp_path / "ix", encoder=ENC) as index:
        index.add(docs)
        dated = index.search(Document(wire, date="2026-03-02"), k=2)
        undated = index.search(Document(wire), k=2)
    assert [h.id for h in undated] == ["copy-late", "rewrite-early"]
    assert [h.id for h in dated] == ["rewrite-early", "copy-late"]
    assert dated[1].p_source == 0.0 and dated[0].p_source is not None
    assert dated[0].p_source > 0.5
    assert dated[0].to_dict()["published"] == "2026-03-01T08:00:00Z"


def test_unverified_search_and_explain(ix: Index) -> None:
    q = _rewrite(_article(21))
    fast = ix.search(q, k=3, verify=False)
    assert fast[0].id == "doc-21" and fast[0].verdict is None
    report = ix.explain(q, "doc-21")
    assert report.a.id == "doc-21" and report.alignments
    assert "changes" in report.to_dict()
    with pytest.raises(UsageError, match="no document with id"):
        ix.explain(q, "nope")
    stored = ix.prepared("doc-21")
    assert stored is not None and len(stored.body) == 5 and ix.prepared("nope") is None
    with pytest.raises(UsageError):
        ix.search(q, k=0)


def test_remove_then_readd(ix: Index) -> None:
    assert ix.remove("doc-17")
    assert not ix.remove("doc-17")
    assert "doc-17" not in ix and len(ix) == 59
    assert all(h.id != "doc-17" for h in ix.search(_rewrite(_article(17)), k=10))
    st = ix.stats()
    assert (st["documents"], st["removed"]) == (59, 1)
    assert ix.add(Document(_article(17), id="doc-17")).added == 1
    assert ix.search(_rewrite(_article(17)), k=1)[0].id == "doc-17"


def test_compact_drops_removed_documents_and_keeps_the_rest(tmp_path: Path) -> None:
    vp = VectorParams(ivf_min_rows=200, segment_rows=100)
    with Index(tmp_path / "ix", encoder=ENC, vector_params=vp) as index:
        index.add(_corpus(60))
        index.add(Document(_article(4), id="copy-of-4"))  # an exact duplicate, recorded
        before = {i: index.search(_rewrite(_article(i)), k=3) for i in (5, 40)}
        added = index.get("doc-5")
        for i in range(0, 60, 3):
            assert index.remove(f"doc-{i}")
        (index.path / "stories.sqlite").write_bytes(b"kept as it is")
        bytes_before = index.stats()["total_bytes"]
        out = index.compact()
        assert (out["documents"], out["removed"]) == (40, 20)
        assert out["bytes_after"] < bytes_before
        st = index.stats()
        assert (st["documents"], st["removed"], st["sentences"]) == (40, 0, 200)
        assert index.ids() == [f"doc-{i}" for i in range(60) if i % 3]
        assert [d["id"] for d in index.duplicates()] == ["copy-of-4"]
        assert (index.path / "stories.sqlite").read_bytes() == b"kept as it is"
        assert not index.path.with_name("ix.old").exists()
        # the same answers, from reused vectors; the removed ones stay gone
        for i, hits in before.items():
            again = index.search(_rewrite(_article(i)), k=3)
            assert again[0].id == hits[0].id and again[0].coverage == hits[0].coverage
        assert all(h.id != "doc-3" for h in index.search(_rewrite(_article(3)), k=10))
        # the full-text index holds the kept documents only
        (n_fts,) = index.store.conn.execute("SELECT count(*) FROM fts_docsize").fetchone()
        assert n_fts == 40
        got = index.get("doc-5")
        assert got is not None and added is not None and got.text == added.text
        # still a writable index
        assert index.add(Document(_article(3), id="doc-3")).added == 1
        assert index.search(_rewrite(_article(3)), k=1)[0].id == "doc-3"


def test_an_interrupted_compaction_is_finished_on_open(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with Index(path, encoder=ENC) as index:
        index.add(_corpus(10))
        index.remove("doc-0")
        index.compact()
    # the state between compact()'s two renames
    path.replace(tmp_path / "ix.compacting")
    (tmp_path / "ix.old").mkdir()
    with Index(path, create=False) as index:
        assert len(index) == 9


def test_get_and_stats(ix: Index) -> None:
    d = ix.get("doc-2")
    assert d is not None and d.text == _article(2) and ix.get("zzz") is None
    st = ix.stats()
    assert st["documents"] == 60 and st["sentences"] == 300 and st["encoder"] == ENC.name
    assert st["disk_bytes"]["sent.f16"] == 300 * 64 * 2
    assert st["total_bytes"] > 0


def test_empty_index_and_empty_queries(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", encoder=ENC) as index:
        assert index.search(_article(1)) == []
        index.add(_corpus(3))
        res = list(index.search_many([_article(1), "   ", Document(_article(2))], k=2))
        assert isinstance(res[0], list) and res[0][0].id == "doc-1"
        assert isinstance(res[1], InputError)
        assert isinstance(res[2], list) and res[2][0].id == "doc-2"


def test_a_batch_of_queries_finds_what_each_finds_alone(ix: Index) -> None:
    preps = [ix.prepare(_rewrite(_article(i))) for i in range(0, 60, 7)]
    stored = ix.prepared("doc-3")
    assert stored is not None
    preps.append(stored)
    for verified in (False, True):
        batch = ix.search_prepared(preps, k=5, verify=verified)
        assert len(batch) == len(preps)
        for p, got in zip(preps, batch, strict=True):
            assert not isinstance(got, Exception)
            alone = ix.search(p, k=5, verify=verified)
            assert [h.to_dict() for h in got] == [h.to_dict() for h in alone]
    first, last = batch[0], batch[-1]
    assert isinstance(first, list) and isinstance(last, list)
    assert first[0].id == "doc-0" and last[0].id == "doc-3"


@pytest.fixture
def prepared_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the stored documents search prepares for the pair engine, in
    order (the real preparation, counted)."""
    from retold.index import search

    made: list[str] = []
    real = search.candidate_prepared

    def counted(*args: Any, **kw: Any) -> Prepared:
        out = real(*args, **kw)
        made.append(out.doc.id or "")
        return out

    monkeypatch.setattr(search, "candidate_prepared", counted)
    return made


def test_a_batch_prepares_each_verified_document_once(
    ix: Index, prepared_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # three edits of one article verify the same candidates: each stored
    # document is read and prepared for the pair engine once per batch
    from retold.index import search

    made = prepared_ids
    text = _article(5)
    preps = [ix.prepare(t) for t in (_rewrite(text), text, _rewrite(text) + "\n\nA short line.")]
    batch = ix.search_prepared(preps, k=5)
    assert len(made) == len(set(made)) and "doc-5" in made
    # however small the view's keep, the results are those of each query alone
    monkeypatch.setattr(search, "KEEP_PREPARED", 1)
    made.clear()
    assert ix.search_prepared(preps, k=5) == batch
    assert len(made) > len(set(made))
    for p, got in zip(preps, batch, strict=True):
        assert isinstance(got, list)
        assert [h.to_dict() for h in got] == [h.to_dict() for h in ix.search(p, k=5)]


def test_searches_one_after_another_prepare_a_document_once_until_the_index_changes(
    ix: Index, prepared_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a server answers one search per request: a stored document verified
    # for one is kept for the next while the index holds the same documents
    made = prepared_ids
    text = _article(5)
    first = ix.search(_rewrite(text), k=5)
    assert "doc-5" in made
    made.clear()
    second = ix.search(_rewrite(text), k=5)
    assert made == [] and second == first
    # the document frequencies read are kept too, up to a bound
    from retold.index import querying

    kept = ix._kept
    assert kept is not None and kept[1]
    monkeypatch.setattr(querying, "KEEP_TERMS", 0)
    assert ix.search(_rewrite(text), k=5) == first
    assert ix._kept is not None and ix._kept[1] is not kept[1] and ix._kept[2] is kept[2]
    assert made == []
    # what changes the index starts afresh: a removal, then an addition
    assert ix.remove(first[-1].id)
    ix.search(_rewrite(text), k=5)
    assert "doc-5" in made
    made.clear()
    ix.add([Document(_article(99), id="doc-99")])
    ix.search(_rewrite(text), k=5)
    assert "doc-5" in made


def test_parallel_add_matches_serial(tmp_path: Path) -> None:
    docs = _corpus(40)
    with Index(tmp_path / "a", encoder=ENC) as a, Index(tmp_path / "b", encoder=ENC) as b:
        a.add(docs, jobs=1, batch_size=7)
        b.add(docs, jobs=2, batch_size=7)
        assert a.ids() == b.ids()
        for name in ("sent.f16", "doc.f16", "minhash.u32", "sent_doc.i32"):
            assert (a.path / name).read_bytes() == (b.path / name).read_bytes()
        q = _rewrite(_article(11))
        assert [h.to_dict() for h in a.search(q)] == [h.to_dict() for h in b.search(q)]


def test_a_reader_sees_what_a_writer_commits(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", encoder=ENC) as w, Index(tmp_path / "ix") as r:
        assert r.search(_article(1)) == []  # opened before anything was there
        w.add(_corpus(10))
        assert r.search(_article(4), k=1)[0].id == "doc-4"
        w.add(_corpus(10, start=10))
        assert r.search(_article(14), k=1)[0].id == "doc-14"


def test_documents_that_cannot_be_articles_are_rejected_with_the_reason(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", encoder=ENC) as ix:
        s = ix.add(
            [
                Document("\x00\x01\x02\x03", id="bin"),
                Document("!!! ... ???", id="marks"),
                Document(" \n ", id="blank"),
                Document(_article(1), id="one"),
            ]
        )
        assert s.added == 1 and ix.stats()["documents"] == 1
    reasons = {r.origin: r.reason for r in s.rejected}
    assert "binary" in reasons["bin"]
    assert "no words" in reasons["marks"]
    assert "whitespace" in reasons["blank"]


def test_a_consent_wall_is_rejected_as_one(tmp_path: Path) -> None:
    """A crawl that got the site's cookie wall instead of the article is not
    indexed (its pages would all be copies of each other), and the reason says
    what it is and what to do."""
    wall = (
        "Port strike ends after two weeks\n\nWe use cookies to give you the best "
        "experience on our website. Details are in our privacy policy. By clicking "
        '"Accept" you consent to our use of cookies.'
    )
    with Index(tmp_path / "ix", encoder=ENC) as ix:
        s = ix.add([Document(wall, id="wall"), Document(_article(1), id="one")])
        assert s.added == 1
        with pytest.raises(InputError, match="consent wall, paywall or bot check"):
            ix.search(wall)
    (rejected,) = s.rejected
    assert rejected.origin == "wall"
    assert "the site's notice (a consent wall, paywall or bot check)" in rejected.reason


def test_a_list_of_strings_is_a_usage_error_that_names_the_item(ix: Index) -> None:
    with pytest.raises(UsageError, match="item 1 is a str: use Document"):
        ix.add([Document(_article(1), id="one"), _article(2)])  # type: ignore[list-item]


def test_records_are_plain_and_rebuild_the_same_prepared() -> None:
    items: list[RawDoc | Document] = [
        RawDoc(id="bad", origin="bad.txt", kind="path", data="/nonexistent/x.txt"),
        RawDoc(id="empty", origin="e", kind="text", data="   "),
        Document(_article(1), id="one"),
    ]
    out = make_records(items, ENC, SketchParams())
    assert isinstance(out[0], Rejected) and "no such file" in out[0].reason
    assert isinstance(out[1], Rejected)
    rec = out[2]
    assert isinstance(rec, DocRecord)
    row = rec.to_row()
    assert row["id"] == "one" and row["n_sentences"] == 5 and len(row["signature"]) == 128
    assert json.dumps({k: v for k, v in row.items() if not isinstance(v, bytes)})
    p = stored_prepared(
        Document(rec.text, language=rec.meta["language"]), rec.vectors.astype(np.float32)
    )
    assert len(p.body) == 5
    assert verify(p, p).verdict == "duplicate"


# --- readers ---------------------------------------------------------------


def _warc(headers: dict[str, str], block: bytes) -> bytes:
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def _html(title: str, paras: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{body}</article></body></html>"
    ).encode()


def _response(
    uri: str, html: bytes, *, status: int = 200, ctype: str = "text/html", extra: str = ""
) -> bytes:
    http = f"HTTP/1.1 {status} OK\r\nContent-Type: {ctype}\r\n{extra}\r\n".encode() + html
    return _warc(
        {
            "WARC-Type": "response",
            "WARC-Target-URI": uri,
            "Content-Type": "application/http; msgtype=response",
        },
        http,
    )


def _page(i: int) -> bytes:
    return _html(f"Story {i}", _article(i).split("\n\n"))


def _warc_records() -> list[bytes]:
    chunked_body = gzip.compress(_page(3))
    chunked = b"%x\r\n" % 10 + chunked_body[:10] + b"\r\n"
    chunked += b"%x\r\n" % (len(chunked_body) - 10) + chunked_body[10:] + b"\r\n0\r\n\r\n"
    return [
        _warc(
            {"WARC-Type": "warcinfo", "Content-Type": "application/warc-fields"}, b"software: t\r\n"
        ),
        _warc(
            {"WARC-Type": "request", "WARC-Target-URI": "https://a.example/1"},
            b"GET / HTTP/1.1\r\n\r\n",
        ),
        _response("https://a.example/1", _page(1)),
        _response("https://a.example/img", b"\x89PNG...", ctype="image/png"),
        _response("https://a.example/gone", _page(9), status=404),
        _response(
            "https://a.example/3",
            chunked,
            ctype="text/html; charset=utf-8",
            extra="Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
        ),
        _warc(
            {
                "WARC-Type": "resource",
                "WARC-Target-URI": "file:///4.html",
                "Content-Type": "text/html",
            },
            _page(4),
        ),
    ]


def _ok_ids(items: list[RawDoc | Rejected]) -> list[str]:
    return [i.id for i in items if isinstance(i, RawDoc)]


def test_warc_reader_keeps_html_pages(tmp_path: Path) -> None:
    recs = _warc_records()
    plain = tmp_path / "a.warc"
    plain.write_bytes(b"".join(recs))
    gz = tmp_path / "a.warc.gz"
    gz.write_bytes(b"".join(gzip.compress(r) for r in recs))
    for path in (plain, gz):
        items = list(read_warc(path))
        assert _ok_ids(items) == ["https://a.example/1", "https://a.example/3", "file:///4.html"]
        assert not [i for i in items if isinstance(i, Rejected)]
    out = make_records([i for i in read_warc(gz) if isinstance(i, RawDoc)], ENC, SketchParams())
    texts = [r.text for r in out if isinstance(r, DocRecord)]
    assert len(texts) == 3 and "Story 3" in (out[1].meta["title"] or "")  # type: ignore[union-attr]
    assert _article(3).split("\n\n")[0] in texts[1]


def test_warc_reader_skips_broken_records(tmp_path: Path) -> None:
    recs = _warc_records()
    bad_length = recs[2].replace(b"Content-Length: ", b"Content-Length: 9", 1)
    plain = tmp_path / "broken.warc"
    plain.write_bytes(b"".join([recs[0], bad_length, b"garbage\r\n", recs[5], recs[6][:-40]]))
    items = list(read_warc(plain))
    assert _ok_ids(items) == ["https://a.example/3"]
    reasons = [i.reason for i in items if isinstance(i, Rejected)]
    assert any("Content-Length" in r for r in reasons)
    assert any("truncated" in r for r in reasons)

    members = [gzip.compress(r) for r in recs]
    broken = bytearray(members[2])
    broken[len(broken) // 2 : len(broken) // 2 + 20] = b"\x00" * 20
    gz = tmp_path / "broken.warc.gz"
    gz.write_bytes(b"".join([*members[:2], bytes(broken), *members[3:6], members[6][:-30]]))
    items = list(read_warc(gz))
    assert _ok_ids(items) == ["https://a.example/3"]
    assert sum(isinstance(i, Rejected) for i in items) >= 2


def test_a_json_record_gives_its_byline_under_a_crawlers_names(tmp_path: Path) -> None:
    rows = [
        {"id": "b", "text": "x", "byline": " By Ann Ode ", "authors": ["Bo Li"]},
        {"id": "a", "text": "x", "author": "Cy Ng"},
        {"id": "l", "text": "x", "authors": ["Bo Li", "", 7, "Dee Ray"]},
        {"id": "n", "text": "x", "authors": [], "byline": None},
    ]
    feed = tmp_path / "feed.jsonl"
    # a lone surrogate in a name of a list is left out, not stored
    feed.write_text(
        "\n".join(json.dumps(r) for r in rows) + '\n{"id": "s", "text": "x", '
        '"authors": ["\\ud800", "Eve Ulm"]}\n',
        encoding="utf-8",
    )
    got = {i.id: i.byline for i in iter_inputs([str(feed)]) if isinstance(i, RawDoc)}
    assert got == {
        "b": "By Ann Ode",
        "a": "Cy Ng",
        "l": "Bo Li, Dee Ray",
        "n": None,
        "s": "Eve Ulm",
    }


def test_jsonl_and_directory_inputs(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "j1", "text": _article(1), "title": "T1", "source": "Wire"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"id": "j2"}),
        json.dumps({"id": 7, "html": _page(7).decode()}),
        json.dumps({"text": _article(8)}),
        "",
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "sub").mkdir()
    (tmp_path / "in" / ".hidden").mkdir()
    (tmp_path / "in" / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "in" / "sub" / "a.txt").write_text(_article(11), encoding="utf-8")
    (tmp_path / "in" / "sub" / "b.html").write_bytes(_page(12))
    (tmp_path / "in" / "sub" / "c.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "in" / ".hidden" / "x.txt").write_text("hidden")
    with gzip.open(tmp_path / "in" / "z.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "gz1", "text": _article(13)}) + "\n")
        fh.write(json.dumps({"id": "gz2", "text": _article(14)}) + "\n")
    items = list(iter_inputs([str(tmp_path / "in"), str(tmp_path / "missing.txt")]))
    ids = _ok_ids(items)
    feed = str((tmp_path / "in" / "feed.jsonl").resolve())
    assert ids == [
        "j1",
        "7",
        f"{feed}:6",
        "gz1",
        "gz2",
        # a directory's files come before its subdirectories
        str((tmp_path / "in" / "sub" / "a.txt").resolve()),
        str((tmp_path / "in" / "sub" / "b.html").resolve()),
    ]
    rejected = {i.origin.rsplit("/", 1)[-1]: i.reason for i in items if isinstance(i, Rejected)}
    assert rejected["feed.jsonl:2"].startswith("not JSON")
    assert "object" in rejected["feed.jsonl:3"]
    assert '"text" or "html"' in rejected["feed.jsonl:4"]
    assert "not a supported file type" in rejected["c.pdf"]
    assert "no such file" in rejected["missing.txt"]
    with Index(tmp_path / "ix", encoder=ENC) as index:
        s = index.add(items)
        assert s.added == 7 and len(s.rejected) == 5
        d = index.store.doc_by_id("j1")
        assert d is not None and (d.title, d.publisher) == ("T1", "Wire")


def test_bad_utf8_line_is_one_rejection(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_bytes(
        json.dumps({"id": "a", "text": _article(1)}).encode() + b"\n"
        b'{"id": "b", "text": "\xff\xfe bad"}\n'
        + json.dumps({"id": "c", "text": _article(2)}).encode()
        + b"\n"
    )
    items = list(iter_inputs([str(p)]))
    assert _ok_ids(items) == ["a", "c"]
    assert [i.reason for i in items if isinstance(i, Rejected)] == ["not UTF-8"]


# --- command line ---------------------------------------------------------------


def _jsonl(path: Path, docs: list[Document]) -> Path:
    path.write_text(
        "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8"
    )
    return path


def test_cli_add_search_stats_remove_duplicates(tmp_path: Path) -> None:
    runner = CliRunner()
    feed = _jsonl(
        tmp_path / "feed.jsonl", [*_corpus(30, start=100), Document(_article(103), id="dup-3")]
    )
    with open(feed, "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    warc = tmp_path / "c.warc.gz"
    warc.write_bytes(b"".join(gzip.compress(r) for r in _warc_records()))
    ix = str(tmp_path / "ix")
    res = runner.invoke(
        CLI,
        [
            "index",
            "add",
            "--index",
            ix,
            "--encoder",
            "hashing",
            "-j",
            "1",
            "--json",
            str(feed),
            str(warc),
        ],
    )
    assert res.exit_code == 3, res.output  # one line was rejected
    summary = json.loads(res.stdout)
    assert (summary["added"], summary["duplicates"]) == (33, 1)
    assert summary["rejected"][0]["input"].endswith("feed.jsonl:32")
    assert "rejected" in res.stderr and "added 33" in res.stderr

    res = runner.invoke(CLI, ["index", "add", "--index", ix, "-q", str(feed)])
    assert res.exit_code == 3 and res.stderr == ""

    q = tmp_path / "q.txt"
    q.write_text(_rewrite(_article(112)), encoding="utf-8")
    res = runner.invoke(CLI, ["search", str(q), "--index", ix, "--json", "-k", "3"])
    assert res.exit_code == 0, res.output
    results = json.loads(res.stdout)["results"]
    assert results[0]["id"] == "doc-112" and results[0]["verdict"] in VERDICT_ORDER[:3]
    assert set(results[0]["coverage"]) == {"a_in_b", "b_in_a"}

    res = runner.invoke(CLI, ["search", str(q), "--index", ix])
    assert res.exit_code == 0 and "doc-112" in res.stdout

    res = runner.invoke(CLI, ["search", str(q), "--index", ix, "--explain", "doc-112", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["documents"]["a"]["id"] == "doc-112"
    res = runner.invoke(CLI, ["search", str(q), "--index", ix, "--explain", "doc-112"])
    assert res.exit_code == 0 and res.stdout.strip()

    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"id": "q1", "text": _rewrite(_article(105))})
        + "\nnope\n"
        + json.dumps({"id": "q2", "text": " "})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    res = runner.invoke(CLI, ["search", "--queries", str(queries), "--index", ix, "-o", str(out)])
    assert res.exit_code == 3
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0]["query"] == "q1" and rows[0]["results"][0]["id"] == "doc-105"
    assert "error" in rows[1] and rows[1]["line"] == 2
    assert rows[2]["query"] == "q2" and "error" in rows[2]

    res = runner.invoke(CLI, ["index", "stats", "--index", ix, "--json"])
    st = json.loads(res.stdout)
    assert st["documents"] == 33 and st["duplicates"] == {"exact": 1}
    assert "documents   33" in runner.invoke(CLI, ["index", "stats", "--index", ix]).stdout

    res = runner.invoke(CLI, ["index", "duplicates", "--index", ix, "--json"])
    assert json.loads(res.stdout.splitlines()[0])["of"] == "doc-103"
    assert (
        "dup-3\tduplicates\tdoc-103"
        in runner.invoke(CLI, ["index", "duplicates", "--index", ix]).stdout
    )

    assert runner.invoke(CLI, ["index", "remove", "doc-112", "--index", ix]).exit_code == 0
    res = runner.invoke(CLI, ["index", "remove", "doc-112", "--index", ix])
    assert res.exit_code == 1 and "no document with id" in res.stderr

    res = runner.invoke(CLI, ["index", "compact", "--index", ix, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["removed"] == 1
    res = runner.invoke(CLI, ["index", "compact", "--index", ix, "-q"])
    assert res.exit_code == 0 and "dropped 0 removed" in res.stderr


def test_search_table_keeps_the_figures_whole_on_a_narrow_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from retold.report.tables import render_hits

    def table(width: int, hits: list[dict[str, Any]]) -> list[str]:
        monkeypatch.setenv("COLUMNS", str(width))
        render_hits(hits, Console())
        lines = capsys.readouterr().out.splitlines()
        assert all(len(line.rstrip()) <= width for line in lines)
        assert lines[0].split()[:7] == ["#", "id", "verdict", "source", "query", "in", "it"]
        assert "similarity" in lines[0]
        rows = [line for line in lines[1:] if line[:1].isdigit()]
        assert len(rows) == len(hits)
        assert all(re.search(r"rewrite +73% +91% +50% +0\.86", r) for r in rows)
        return lines

    url = "https://news.example.org/2026/11/22/" + "a-long-slug-" * 4
    hit = {
        "verdict": "rewrite",
        "p_source": 0.73,
        "coverage": {"a_in_b": 0.5, "b_in_a": 0.91},
        "similarity": 0.86,
    }
    lines = table(
        72, [{**hit, "id": url, "title": "Words " * 30}, {**hit, "id": "d2", "title": ""}]
    )
    # the long id folds over several lines, and nothing of it is lost; no
    # room is left for titles
    folded = "".join(
        line.split()[1] if line[:1].isdigit() else line.split()[0] for line in lines[1:]
    )
    assert url in folded and "title" not in lines[0]

    lines = table(
        120, [{**hit, "id": "d1", "title": "Words " * 30}, {**hit, "id": "d2", "title": None}]
    )
    assert lines[0].split()[-1] == "title" and "…" in lines[1]  # cut short, not wrapped
    assert len(lines) == 3
    assert "title" not in table(120, [{**hit, "id": "d3", "title": None}])[0]  # no empty column


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    q = tmp_path / "q.txt"
    q.write_text(_article(1))
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "index.db").write_bytes(b"\x00" * 1000 + os.urandom(3000))
    cases = [
        (["search", str(q), "--index", str(junk)], "not a retold index"),
        (["search", str(q), "--index", str(q)], "is a file, not an index directory"),
        (["search", str(q), "--index", str(tmp_path / "none")], "no index at"),
        (["index", "stats", "--index", str(junk)], "not a retold index"),
        (["index", "add", str(q), "--index", str(q)], "is a file"),
    ]
    for args, message in cases:
        res = runner.invoke(CLI, args)
        assert res.exit_code == 1, (args, res.output)
        assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
        assert res.stderr.startswith("retold: error: ")
    res = runner.invoke(CLI, ["search", "--index", str(junk)])
    assert res.exit_code == 2


# --- crash safety ---------------------------------------------------------------


def test_sigkill_during_add_keeps_every_committed_document(tmp_path: Path) -> None:
    """A real `retold index add` killed mid-way: the index opens and answers, holds
    every document a reader saw committed, and a rerun finishes the job. A reader
    searches the whole time the writer adds."""
    docs = [Document(_article(i, n=3), id=f"d{i}") for i in range(700)]
    feed = _jsonl(tmp_path / "feed.jsonl", docs)
    ix_dir = tmp_path / "ix"
    cmd = [
        sys.executable,
        "-c",
        "from retold.cli.index import index; index(prog_name='retold index')",
        "add",
        "--index",
        str(ix_dir),
        "--encoder",
        "hashing",
        "--batch-size",
        "25",
        "-j",
        "1",
        "-q",
        str(feed),
    ]
    seen: set[str] = set()
    searches = 0
    deadline = time.monotonic() + 60
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with Index(ix_dir, create=False) as r:
                        seen = set(r.ids())
                        if seen:
                            first = sorted(seen)[0]
                            hit = r.search(docs[int(first[1:])].text, k=1)
                            assert hit[0].id == first
                            searches += 1
                except InputError:
                    pass  # not created yet
                if len(seen) >= 150:
                    break
                time.sleep(0.02)
        finally:
            proc.send_signal(signal.SIGKILL)
            _out, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err
    assert 150 <= len(seen) < 700 and searches > 0
    with Index(ix_dir, create=False) as r:
        assert seen <= set(r.ids())
        n = len(r)
        assert r.search(docs[5].text, k=1)[0].id == "d5"
    done = subprocess.run([*cmd[:-2], "--json", str(feed)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["added"] == 700 - n and summary["skipped"] == n
    with Index(ix_dir, create=False) as r:
        assert r.ids() == [d.id for d in docs]
        st = r.stats()
        assert st["sentences"] == 2100
        assert st["disk_bytes"]["sent.f16"] == 2100 * 256 * 2  # the uncommitted tail was cut
        assert r.search(docs[650].text, k=1)[0].id == "d650"


def test_an_index_from_before_body_signatures_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "ix"
    with Index(path, encoder=ENC) as ix:
        ix.add(_corpus(5))
    with sqlite3.connect(path / "index.db") as db:  # the schema before the column existed
        db.execute("ALTER TABLE docs DROP COLUMN body_sig")
    db.close()
    with Index(path) as ix:
        old = ix.store.doc_by_id("doc-1")
        assert old is not None and old.body_sig is None  # older rows: the count is checked
        assert ix.search(_article(1), k=1)[0].id == "doc-1"
        ix.add(Document(_article(77), id="new"))
        new = ix.store.doc_by_id("new")
        assert new is not None and new.body_sig is not None
        ix.compact()  # gives every document its signature
        old = ix.store.doc_by_id("doc-1")
        assert old is not None and old.body_sig is not None


def test_the_index_is_retold_index_and_import_stays_light() -> None:
    """``retold.Index`` is the index class (the public API's two names are
    ``retold.compare`` and ``retold.Index``), loaded on first use: a bare
    ``import retold`` pulls in neither numpy nor SQLite."""
    import retold

    assert retold.Index is Index
    code = (
        "import sys, retold; "
        "print(sorted(m for m in ('numpy', 'sqlite3', 'retold.index') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_hit_says_what_the_query_did_to_its_credits(
    tmp_path: Path, example_pair: tuple[str, str]
) -> None:
    """The licensing question, from the copy's side: the wire story is found,
    and its byline is one the rewrite never names."""
    wire, rewrite = example_pair
    with Index(tmp_path / "ix") as index:
        index.add([Document(wire, id="wire"), Document(_article(3), id="other")])
        hits = index.search(rewrite, k=2)
        assert hits[0].id == "wire" and hits[0].verdict == "rewrite"
        assert hits[0].credits == ["byline dropped: B never names ELENA MARSH"]
        assert hits[0].to_dict()["credits"] == hits[0].credits
        assert all(h.credits is None for h in hits[1:])  # no copy of the other
        # the wire itself as the query keeps every credit
        assert index.search(wire, k=1)[0].credits == []


def test_credits_a_query_dropped_are_said_even_where_its_text_reads_as_the_source(
    tmp_path: Path, ap_pair: tuple[str, str]
) -> None:
    """The scraped rewrite carries a later AP version's facts, so its text
    reads as the source of the AP original; but it dropped AP's byline and
    garbled its contributors, and the AP story none of its credits."""
    ap, scraped = ap_pair
    with Index(tmp_path / "ix") as index:
        index.add([Document(ap, id="ap")])
        (hit,) = index.search(scraped, k=1)
        assert hit.verdict == "rewrite" and hit.p_source is not None and hit.p_source < 0.5
        assert hit.credits is not None
        assert "byline dropped: B never names MATIAS DELACROIX" in hit.credits
    # where the pages' dates say the query came first, they decide: no credit owed
    with Index(tmp_path / "dated") as index:
        index.add([Document(ap, id="ap", date="2026-01-05")])
        (hit,) = index.search(Document(scraped, date="2026-01-04"), k=1)
        assert hit.id == "ap" and hit.credits is None


def test_a_pages_byline_is_kept_with_it_for_the_credits(
    tmp_path: Path, example_pair: tuple[str, str]
) -> None:
    """HTML extraction takes the byline out of the text into the page's
    metadata: the index keeps it, so a search still sees what a copy did to
    it; an index from before the column opens and reads as before."""
    import html as h

    from retold.ingest import read_text

    wire, rewrite = example_pair
    byline = "By ELENA MARSH, Northern Wire Service"
    title, rest = wire.split("\n", 1)
    paras = "".join(f"<p>{h.escape(x)}</p>" for x in rest.replace(byline, "").split("\n") if x)
    page = (
        f"<html><head><title>{h.escape(title)}</title></head><body><article>"
        f"<h1>{h.escape(title)}</h1><p class='byline'>{byline}</p>{paras}</article></body></html>"
    )
    doc = read_text(page, kind="html")
    assert "ELENA" not in doc.text and doc.byline and "ELENA MARSH" in doc.byline
    path = tmp_path / "ix"
    with Index(path) as index:
        index.add([replace(doc, id="wire"), Document(_article(3), id="other")])
        stored = index.prepared("wire")
        assert stored is not None and stored.doc.byline == doc.byline
        (hit,) = index.search(rewrite, k=1)
        assert hit.id == "wire" and hit.credits == ["byline dropped: B never names ELENA MARSH"]
        index.compact()  # a compaction keeps it
        stored = index.prepared("wire")
        assert stored is not None and stored.doc.byline == doc.byline
    with sqlite3.connect(path / "index.db") as db:  # the schema before the column existed
        db.execute("ALTER TABLE docs DROP COLUMN byline")
    db.close()
    with Index(path) as index:
        stored = index.prepared("wire")
        assert stored is not None and stored.doc.byline is None
        assert index.search(rewrite, k=1)[0].credits == []


def test_search_table_prints_each_hits_credit_changes(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from retold.report.tables import render_hits

    hit = {"verdict": "rewrite", "p_source": 0.9, "coverage": None, "similarity": 0.8}
    render_hits(
        [
            {**hit, "id": "w1", "credits": ["byline dropped: B never names ANN ODE"]},
            {**hit, "id": "w2", "credits": []},
        ],
        Console(width=100),
    )
    out = capsys.readouterr().out
    assert "#1 credit: byline dropped: B never names ANN ODE" in out
    assert "#2 credit" not in out
