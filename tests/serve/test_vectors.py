"""The sentence vectors the server's workers share through one SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retold.embed import HashingEncoder
from retold.service.vectors import SharedVectors


class Counting:
    """A real (hashing) encoder that records the sentences it was asked to encode."""

    name = "hashing-3gram"
    dim = 64

    def __init__(self) -> None:
        self.inner = HashingEncoder(self.dim)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> Any:
        self.seen += list(texts)
        return self.inner.encode(texts)


SENTS = ["The river rose overnight.", "Homes were evacuated.", "The mayor spoke at noon."]


def test_a_vector_encoded_by_one_worker_serves_another(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    first, second = Counting(), Counting()
    a = SharedVectors(first, path).encode(SENTS[:2])
    # another process's encoder on the same file: only the new sentence is encoded
    b = SharedVectors(second, path).encode([SENTS[1], SENTS[2], SENTS[0]])
    assert first.seen == SENTS[:2]
    assert second.seen == [SENTS[2]]
    want = HashingEncoder(64).encode([SENTS[1], SENTS[2], SENTS[0]])
    np.testing.assert_array_equal(b, want)  # the stored vectors come back exact, in order
    np.testing.assert_array_equal(a, want[[2, 0]])


def test_repeated_sentences_in_one_call_keep_their_places(tmp_path: Path) -> None:
    enc = Counting()
    out = SharedVectors(enc, tmp_path / "v.sqlite").encode([SENTS[0], SENTS[1], SENTS[0]])
    assert out.shape == (3, 64)
    np.testing.assert_array_equal(out[0], out[2])
    assert sorted(set(enc.seen)) == sorted(SENTS[:2])


def test_the_oldest_half_goes_when_the_file_is_full(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    shared = SharedVectors(Counting(), path, max_rows=20)
    for i in range(30):
        shared.encode([f"sentence number {i}"])
    (n,) = sqlite3.connect(path).execute("SELECT count(*) FROM v").fetchone()
    assert n <= 20


def test_a_broken_file_only_costs_speed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "v.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    enc = Counting()
    shared = SharedVectors(enc, path)
    out = shared.encode(SENTS)
    np.testing.assert_array_equal(out, HashingEncoder(64).encode(SENTS))
    assert enc.seen == SENTS
    assert "encoding without it" in caplog.text
    shared.encode(SENTS[:1])  # and it is not tried again
    assert enc.seen == [*SENTS, SENTS[0]]
