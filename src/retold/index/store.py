"""The index's SQLite database: documents, metadata, LSH buckets, lexical index.

One file, ``index.db``, in WAL mode: readers keep searching while one writer
adds (a file lock in the same directory keeps writers to one at a time). Each
batch of documents is one transaction, and the row counts of the vector files
are metadata updated in that same transaction, so the database alone says
which vector rows exist.

Removed documents keep their row (vector rows are never reused) and are only
marked; search filters them out. The full-text index and term counts are not
touched on removal, so the lexical statistics drift a little until a rebuild.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retold.errors import InputError
from retold.types import Document

__all__ = ["APP", "SCHEMA_VERSION", "DocRow", "DupRow", "Store"]

APP = "retold-index"
SCHEMA_VERSION = 1
DB_NAME = "index.db"

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE docs(
    row INTEGER PRIMARY KEY,          -- row of the document in doc.f16 / minhash.u32
    id TEXT NOT NULL,
    hash BLOB NOT NULL,               -- content hash of the normalised text
    title TEXT, url TEXT, published TEXT, publisher TEXT, language TEXT, origin TEXT,
    chars INTEGER NOT NULL,
    sent_start INTEGER NOT NULL,      -- first row in sent.f16
    n_sents INTEGER NOT NULL,
    added REAL NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    text BLOB NOT NULL,               -- zlib-compressed UTF-8
    body_sig BLOB,                    -- spans of the sentences the vectors belong to
    head BLOB,                        -- float16 vector of the headline
    byline TEXT                       -- the page's byline, when its metadata gave one
);
CREATE UNIQUE INDEX docs_id ON docs(id) WHERE removed = 0;
CREATE INDEX docs_hash ON docs(hash) WHERE removed = 0;
CREATE INDEX docs_removed ON docs(row) WHERE removed = 1;
CREATE TABLE lsh(key INTEGER NOT NULL, row INTEGER NOT NULL, PRIMARY KEY(key, row)) WITHOUT ROWID;
CREATE TABLE terms(term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(
    body, content='', tokenize='unicode61 remove_diacritics 0'
);
CREATE TABLE dups(
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL, of_id TEXT NOT NULL, kind TEXT NOT NULL,
    jaccard REAL NOT NULL, origin TEXT, found REAL NOT NULL
);
CREATE INDEX dups_id ON dups(id);
CREATE INDEX dups_of ON dups(of_id);
"""

_DOC_COLS = (
    "row, id, title, url, published, publisher, language, origin, chars, sent_start, n_sents, "
    "added, removed, body_sig, head, byline"
)


@dataclass(frozen=True, slots=True)
class DocRow:
    """A stored document's metadata (the text is fetched separately)."""

    row: int
    id: str
    title: str | None
    url: str | None
    published: str | None
    publisher: str | None
    language: str | None
    origin: str | None
    chars: int
    sent_start: int
    n_sents: int
    added: float
    removed: bool
    #: see :func:`retold.index.docwork.body_signature` (None: stored before it was kept)
    body_sig: bytes | None = None
    #: float16 vector of :func:`retold.comparison.headline` (None: stored before it was kept)
    head: bytes | None = None
    #: the byline the page's metadata gave (HTML extraction takes it out of
    #: the text), for the credits (None: none given, or stored before it was kept)
    byline: str | None = None

    def document(self, text: str) -> Document:
        """The stored document, given its text (fetched separately)."""
        return Document(
            text,
            title=self.title,
            url=self.url,
            date=self.published,
            language=self.language,
            id=self.id,
            byline=self.byline,
        )


@dataclass(frozen=True, slots=True)
class DupRow:
    """A duplicate found at add time: ``id`` repeats ``of_id`` (exact or near)."""

    id: str
    of_id: str
    kind: str
    jaccard: float
    origin: str | None
    found: float


def _docrow(r: Any) -> DocRow:
    return DocRow(
        row=r[0],
        id=r[1],
        title=r[2],
        url=r[3],
        published=r[4],
        publisher=r[5],
        language=r[6],
        origin=r[7],
        chars=r[8],
        sent_start=r[9],
        n_sents=r[10],
        added=r[11],
        removed=bool(r[12]),
        body_sig=bytes(r[13]) if r[13] is not None else None,
        head=bytes(r[14]) if r[14] is not None else None,
        byline=r[15],
    )


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a file, or None when there is none: a compacted index is
    a new directory swapped in, so its database is another file."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_dev, st.st_ino


def _damaged(db: Path, exc: sqlite3.Error) -> InputError:
    msg = str(exc)
    if "not a database" in msg or "malformed" in msg or "encrypted" in msg:
        return InputError(f"{db} is not a retold index or is damaged ({msg})")
    return InputError(f"cannot use the index database {db}: {msg}")


class Store:
    """The SQLite side of an index directory."""

    def __init__(self, directory: Path, *, create: bool) -> None:
        self.directory = directory
        self.path = directory / DB_NAME
        if directory.exists() and not directory.is_dir():
            raise InputError(
                f"{directory} is a file, not an index directory; an index is a directory "
                "made by: retold index add --index DIR FILES"
            )
        exists = self.path.exists()
        if not exists:
            if not create:
                raise InputError(
                    f"no index at {directory}; create one with: "
                    f"retold index add --index {directory} FILES"
                )
            if directory.exists() and any(directory.iterdir()):
                raise InputError(
                    f"{directory} is not empty and holds no retold index; "
                    "give a new or empty directory"
                )
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(
                    f"cannot create the index directory {directory}: "
                    f"{exc.strerror or exc}; choose another --index"
                ) from None
        elif self.path.is_dir():
            raise InputError(f"{self.path} is a directory; {directory} is not a retold index")
        self.conn, self.identity = self._connect()
        try:
            if not exists:
                self._create()
            self._check()
            self._upgrade()
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-65536")
        except sqlite3.Error as exc:
            self.conn.close()
            raise _damaged(self.path, exc) from None
        except InputError:
            self.conn.close()
            raise

    def _connect(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        """A connection and the identity of the file it is to (the same file before
        and after connecting: not a directory being swapped meanwhile)."""
        for _ in range(10):
            before = file_identity(self.path)
            try:
                conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            except sqlite3.Error as exc:
                raise _damaged(self.path, exc) from None
            after = file_identity(self.path)
            if before == after or before is None:
                return conn, after
            conn.close()
            time.sleep(0.01)
        raise InputError(f"the index at {self.directory} keeps being replaced; try again")

    def replaced(self) -> bool:
        """True when the directory now holds another database than the one open
        (the index was compacted, or deleted and made again, by another process)."""
        now = file_identity(self.path)
        return now is not None and now != self.identity

    def _upgrade(self) -> None:
        """Add columns newer versions keep (older versions of retold ignore them)."""
        cols = {r[1] for r in self.conn.execute("PRAGMA table_info(docs)")}
        added = {"body_sig": "BLOB", "head": "BLOB", "byline": "TEXT"}
        for col, kind in added.items():
            if col not in cols:
                with contextlib.suppress(sqlite3.OperationalError):  # read-only: older rows
                    self.conn.execute(f"ALTER TABLE docs ADD COLUMN {col} {kind}")
        cols = {r[1] for r in self.conn.execute("PRAGMA table_info(docs)")}
        # read-only and not upgraded yet: every document is one stored before
        self._cols = _DOC_COLS
        for col in added:
            if col not in cols:
                self._cols = self._cols.replace(col, "NULL")

    def _create(self) -> None:
        c = self.conn
        c.execute("PRAGMA journal_mode=WAL")
        meta = [
            ("app", APP),
            ("schema_version", str(SCHEMA_VERSION)),
            ("created", f"{time.time():.3f}"),
            ("n_docs", "0"),
            ("n_sents", "0"),
        ]
        inserts = "".join(f"INSERT INTO meta(key, value) VALUES('{k}', '{v}');\n" for k, v in meta)
        try:
            c.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}{inserts}COMMIT;")
        except sqlite3.OperationalError as exc:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if "already exists" not in str(exc):
                raise
            # another process created the schema first: use theirs

    def _check(self) -> None:
        try:
            rows = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise InputError(
                    f"{self.path} is an SQLite database but not a retold index"
                ) from None
            raise
        if rows.get("app") != APP:
            raise InputError(f"{self.path} is an SQLite database but not a retold index")
        version = int(rows.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise InputError(
                f"the index at {self.directory} was made by a newer retold "
                f"(schema {version}, this one reads {SCHEMA_VERSION}); upgrade retold"
            )
        if version < SCHEMA_VERSION:
            raise InputError(
                f"the index at {self.directory} has an old schema ({version}); "
                "rebuild it with retold index add into a new --index"
            )

    # --- transactions ---------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: fail early rather than on commit)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    # --- metadata ---------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, items: dict[str, Any]) -> None:
        """Must run inside :meth:`write`."""
        self.conn.executemany(
            "INSERT INTO meta(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(k, str(v)) for k, v in items.items()],
        )

    # --- documents ---------------------------------------------------------

    def live_ids(self, ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            q = f"SELECT id FROM docs WHERE removed = 0 AND id IN ({','.join('?' * len(part))})"
            out.update(r[0] for r in self.conn.execute(q, part))
        return out

    def exact_dup_ids(self, ids: Sequence[str]) -> set[str]:
        """Ids recorded earlier as exact duplicates (never stored as documents)."""
        out: set[str] = set()
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            q = f"SELECT id FROM dups WHERE kind = 'exact' AND id IN ({','.join('?' * len(part))})"
            out.update(r[0] for r in self.conn.execute(q, part))
        return out

    def ids_by_hash(self, hashes: Sequence[bytes]) -> dict[bytes, str]:
        return dict(_by_hash(self.conn, hashes))

    def insert_docs(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert documents: (row, id, hash, title, url, published, publisher, language,
        origin, chars, sent_start, n_sents, compressed text, body_sig, head, byline) tuples."""
        now = time.time()
        self.conn.executemany(
            "INSERT INTO docs(row, id, hash, title, url, published, publisher, language, "
            "origin, chars, sent_start, n_sents, text, body_sig, head, byline, added) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r, now) for r in rows],
        )

    def set_added(self, times: Iterable[tuple[str, float]]) -> None:
        """Give documents their add times back, ``(id, time)`` (a compaction keeps them);
        must run inside :meth:`write`."""
        self.conn.executemany(
            "UPDATE docs SET added = ? WHERE id = ? AND removed = 0", [(t, i) for i, t in times]
        )

    def docs(self, rows: Iterable[int]) -> dict[int, DocRow]:
        rows = list(rows)
        out: dict[int, DocRow] = {}
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            q = f"SELECT {self._cols} FROM docs WHERE row IN ({','.join('?' * len(part))})"
            for r in self.conn.execute(q, part):
                out[r[0]] = _docrow(r)
        return out

    def doc_by_id(self, doc_id: str) -> DocRow | None:
        r = self.conn.execute(
            f"SELECT {self._cols} FROM docs WHERE id = ? AND removed = 0", (doc_id,)
        ).fetchone()
        return _docrow(r) if r else None

    def texts(self, rows: Iterable[int]) -> dict[int, str]:
        rows = list(rows)
        out: dict[int, str] = {}
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            q = f"SELECT row, text FROM docs WHERE row IN ({','.join('?' * len(part))})"
            out.update(
                (r, zlib.decompress(t).decode("utf-8")) for r, t in self.conn.execute(q, part)
            )
        return out

    def mark_removed(self, doc_id: str) -> DocRow | None:
        """Mark a live document removed (inside :meth:`write`); its row, or None."""
        doc = self.doc_by_id(doc_id)
        if doc is None:
            return None
        self.conn.execute("UPDATE docs SET removed = 1 WHERE row = ?", (doc.row,))
        self.conn.execute("DELETE FROM dups WHERE id = ? OR of_id = ?", (doc_id, doc_id))
        return doc

    def live_id_list(self) -> list[str]:
        return [
            r[0] for r in self.conn.execute("SELECT id FROM docs WHERE removed = 0 ORDER BY row")
        ]

    def live_added(self) -> dict[str, float]:
        """When each live document was added, by id, in row order."""
        q = "SELECT id, added FROM docs WHERE removed = 0 ORDER BY row"
        return {r[0]: float(r[1]) for r in self.conn.execute(q)}

    def live_rows(self) -> list[int]:
        return [
            r[0] for r in self.conn.execute("SELECT row FROM docs WHERE removed = 0 ORDER BY row")
        ]

    def removed_rows(self) -> list[int]:
        return [r[0] for r in self.conn.execute("SELECT row FROM docs WHERE removed = 1")]

    def count_docs(self) -> tuple[int, int]:
        """(live, removed)."""
        live, removed = self.conn.execute(
            "SELECT count(*) - coalesce(sum(removed), 0), coalesce(sum(removed), 0) FROM docs"
        ).fetchone()
        return int(live), int(removed)

    # --- LSH ---------------------------------------------------------

    def insert_lsh(self, pairs: Iterable[tuple[int, int]]) -> None:
        """(band key, row) pairs."""
        self.conn.executemany("INSERT OR IGNORE INTO lsh(key, row) VALUES(?, ?)", pairs)

    def delete_lsh(self, row: int, keys: Iterable[int]) -> None:
        self.conn.executemany(
            "DELETE FROM lsh WHERE key = ? AND row = ?", [(int(k), row) for k in keys]
        )

    def lsh_rows(self, keys: Sequence[int]) -> list[int]:
        """Rows sharing at least one band key (each once)."""
        return sorted({r for rows in self.lsh_lookup(keys).values() for r in rows})

    def lsh_lookup(self, keys: Sequence[int]) -> dict[int, list[int]]:
        """Rows in each band bucket."""
        out: dict[int, list[int]] = {}
        keys = list(keys)
        for i in range(0, len(keys), 10_000):
            part = keys[i : i + 10_000]
            q = f"SELECT key, row FROM lsh WHERE key IN ({','.join('?' * len(part))})"
            for k, r in self.conn.execute(q, [int(k) for k in part]):
                out.setdefault(k, []).append(r)
        return out

    # --- lexical ---------------------------------------------------------

    def insert_terms(self, bodies: Iterable[tuple[int, str]], df: dict[str, int]) -> None:
        """Full-text rows ``(row, body)`` and the batch's document frequencies."""
        self.conn.executemany("INSERT INTO fts(rowid, body) VALUES(?, ?)", bodies)
        self.conn.executemany(
            "INSERT INTO terms(term, df) VALUES(?, ?) "
            "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
            df.items(),
        )

    def df(self, terms: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in range(0, len(terms), 500):
            part = list(terms[i : i + 500])
            q = f"SELECT term, df FROM terms WHERE term IN ({','.join('?' * len(part))})"
            out.update(self.conn.execute(q, part).fetchall())
        return out

    def bm25(self, terms: Sequence[str], limit: int) -> list[tuple[int, float]]:
        """Rows matching any of ``terms``, best BM25 first (scores positive)."""
        if not terms:
            return []
        expr = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        q = "SELECT rowid, -bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?"
        return [(int(r), float(s)) for r, s in self.conn.execute(q, (expr, limit))]

    # --- duplicates ---------------------------------------------------------

    def insert_dup(
        self, doc_id: str, of_id: str, kind: str, jaccard: float, origin: str | None
    ) -> None:
        self.conn.execute(
            "INSERT INTO dups(id, of_id, kind, jaccard, origin, found) VALUES(?, ?, ?, ?, ?, ?)",
            (doc_id, of_id, kind, jaccard, origin, time.time()),
        )

    def dups(self) -> list[DupRow]:
        q = "SELECT id, of_id, kind, jaccard, origin, found FROM dups ORDER BY n"
        return [DupRow(*r) for r in self.conn.execute(q)]

    def count_dups(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT kind, count(*) FROM dups GROUP BY kind").fetchall())

    def close(self) -> None:
        self.conn.close()


def _by_hash(conn: sqlite3.Connection, hashes: Sequence[bytes]) -> Iterator[tuple[bytes, str]]:
    """(hash, id) of the live documents with these content hashes."""
    for i in range(0, len(hashes), 500):
        part = list(hashes[i : i + 500])
        q = f"SELECT hash, id FROM docs WHERE removed = 0 AND hash IN ({','.join('?' * len(part))})"
        for h, d in conn.execute(q, part):
            yield bytes(h), d


class KnownHashes:
    """Content hashes an add need not encode again: those stored in the index
    (looked up through a read-only connection of its own, opened in the process
    that uses it, as an SQLite connection must not cross a fork) and those this
    process's add has produced since (a bounded set: the stored ones are found
    once committed, and a duplicate missed here is still caught at commit).
    """

    _LOCAL_MAX = 200_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._local: set[bytes] = set()

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None or self._pid != os.getpid():
            self._pid = os.getpid()
            try:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                self._conn = sqlite3.connect(uri, uri=True, timeout=60.0)
            except sqlite3.Error:
                self._conn = None
        return self._conn

    def seen(self, hashes: Sequence[bytes]) -> set[bytes]:
        found = {h for h in hashes if h in self._local}
        conn = self._connection()
        if conn is None:
            return found
        # only an optimisation: the commit finds the duplicates anyway
        with contextlib.suppress(sqlite3.Error):
            found.update(h for h, _ in _by_hash(conn, hashes))
        return found

    def add(self, hashes: Iterable[bytes]) -> None:
        if len(self._local) > self._LOCAL_MAX:
            self._local.clear()
        self._local.update(hashes)

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None
