"""Sentence vectors shared by the server's worker processes, in one SQLite file.

Why: each worker process has its own in-memory cache of sentence vectors
(:class:`retold.embed.CachedEncoder`), so a sentence the writer encoded while
adding a document, or another reader encoded for a comparison, was encoded
again by the worker that next met it. Rewrites keep many of their source's
sentences, so a search for a rewrite of an indexed article mostly re-encodes
sentences the writer already encoded. Measured before this cache (bench_serve,
2 loaded cores): searches for unseen rewrites ran at 0.61x the old threaded
server, whose one process-wide cache the writer thread filled.

The file lives in a temporary directory of the server and holds vectors only
(never article text: keys are 16-byte hashes). A lookup is one indexed
``SELECT`` per encode call (about 0.1 ms for an article's sentences, against
tens of milliseconds to encode them). Any SQLite error is logged once and the
sentences are encoded as if there were no cache: it can make a request
faster, never fail it.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SharedVectors", "share"]

log = logging.getLogger("retold.service")

#: rows kept (about 2 KiB each with 512 dimensions); the oldest half goes when full
MAX_ROWS = 100_000
_CHUNK = 500  # SQLite's default limit on host parameters is 999


class SharedVectors:
    """An :class:`~retold.embed.Encoder` that looks sentences up in the shared file
    first and stores what it had to encode."""

    def __init__(self, inner: Any, path: Path, max_rows: int = MAX_ROWS) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.path = path
        self.max_rows = max_rows
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._inserted = 0

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path, timeout=2.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # a cache: a crash may lose it
            # a rowid table, not WITHOUT ROWID: with 2 KiB rows (past a twentieth of
            # a page) the latter spills every row to overflow pages; measured on
            # batches of 18 vectors, insert and look up: 0.57 ms against 0.88 ms
            db.execute("CREATE TABLE IF NOT EXISTS v (k BLOB PRIMARY KEY, x BLOB)")
            self._db = db
        return self._db

    def encode(self, texts: Sequence[str]) -> Any:
        if self._broken or not texts:
            return self.inner.encode(texts)
        keys = [
            hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            for t in texts
        ]
        try:
            found = self._get(set(keys))
        except sqlite3.Error as exc:
            return self._give_up(exc, texts)
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if todo:
            vecs = np.asarray(self.inner.encode(list(todo.values())), dtype=np.float32)
            new = dict(zip(todo, vecs, strict=True))
            found.update(new)
            try:
                self._put(new)
            except sqlite3.Error as exc:
                self._give_up(exc, [])
        return np.stack([found[k] for k in keys])

    def _get(self, keys: set[bytes]) -> dict[bytes, Any]:
        db, ks, out = self._conn(), list(keys), {}
        for i in range(0, len(ks), _CHUNK):
            part = ks[i : i + _CHUNK]
            marks = ",".join("?" * len(part))
            for k, x in db.execute(f"SELECT k, x FROM v WHERE k IN ({marks})", part):
                vec = np.frombuffer(x, dtype=np.float32)
                if vec.shape == (self.dim,):
                    out[k] = vec
        return out

    def _put(self, new: dict[bytes, Any]) -> None:
        db = self._conn()
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in new.items()]
        with db:
            db.executemany("INSERT OR IGNORE INTO v VALUES (?, ?)", rows)
        self._inserted += len(rows)
        if self._inserted >= self.max_rows // 10:  # count now and then, not on every write
            self._inserted = 0
            (n,) = db.execute("SELECT count(*) FROM v").fetchone()
            if n > self.max_rows:
                with db:  # keys are hashes: any half is as old as another on average
                    db.execute(
                        "DELETE FROM v WHERE k < (SELECT k FROM v ORDER BY k LIMIT 1 OFFSET ?)",
                        (n // 2,),
                    )

    def _give_up(self, exc: sqlite3.Error, texts: Sequence[str]) -> Any:
        log.error("the shared sentence-vector cache failed (%s); encoding without it", exc)
        self._broken = True
        return self.inner.encode(texts) if texts else None


def share(path: str | None) -> None:
    """Put the shared file behind this process's default encoder (in a worker, once)."""
    if not path:
        return
    from retold.embed import default_encoder

    enc = default_encoder()
    if not isinstance(enc.inner, SharedVectors):
        # the in-process LRU stays in front: the hottest sentences skip SQLite too
        enc.inner = SharedVectors(enc.inner, Path(path))
