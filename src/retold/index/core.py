"""What every use of an index directory shares: opening it, its settings, the
writer lock, noticing a directory swapped in by another process, and checking
the vector files against the database.

An :class:`IndexCore` follows the directory, not the files it first opened:
before each operation it compares the database file it holds with the one
now at ``path`` and reopens everything when another process compacted the
index (which swaps a new directory in). Writers take the lock for one
operation at a time, so a server holding an index open never keeps the
command line from writing, and a compaction (which holds the lock while it
copies and swaps) is never written past.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import IO, TypeVar

import numpy as np

from retold.embed import Encoder, HashingEncoder, default_encoder
from retold.errors import IndexBusyError, InputError, UsageError
from retold.index.sketch import SketchParams
from retold.index.store import Store, file_identity
from retold.index.vectors import IVFState, RowFile, VectorParams, VectorSet
from retold.types import Document

__all__ = [
    "IndexCore",
    "as_document",
    "default_index_path",
    "encoder_named",
    "finish_compaction",
    "ivf_state",
]


_C = TypeVar("_C", bound="IndexCore")

#: touched by a writer waiting for the lock (see IndexCore._yield_turn)
_WAITING = "writer.waiting"


def default_index_path() -> Path:
    """``$XDG_DATA_HOME/retold/index`` (``~/.local/share/retold/index`` by default)."""
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "retold" / "index"


def encoder_named(name: str, dim: int) -> Encoder:
    """The encoder an index was built with, from the name stored in it."""
    if name == HashingEncoder.name:
        return HashingEncoder(dim)
    enc = default_encoder()
    if name == enc.name and dim == enc.dim:
        return enc
    raise UsageError(
        f"the index was built with the encoder {name!r} ({dim} dimensions), which this "
        "version of retold does not provide; pass that encoder to Index(..., encoder=...)"
    )


def finish_compaction(path: Path) -> None:
    """Complete a swap that a compaction started but did not finish (only when
    directories cannot be exchanged in one step: see ``maintenance._swap``)."""
    done = path.with_name(path.name + ".compacting")
    if not path.exists() and path.with_name(path.name + ".old").exists() and done.exists():
        done.replace(path)


class IndexCore:
    """The directory, its database and vector files, settings and writer lock."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        encoder: Encoder | None = None,
        create: bool = True,
        sketch: SketchParams | None = None,
        vector_params: VectorParams | None = None,
        lock_timeout: float = 60.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_index_path()
        try:
            finish_compaction(self.path)
            self.store = Store(self.path, create=create)
        except OSError as exc:  # a directory on the way that this user may not enter
            raise InputError(
                f"cannot use the index directory {self.path}: {exc.strerror or exc}; "
                "check its permissions or choose another --index"
            ) from None
        self.lock_timeout = lock_timeout
        self._lock: IO[str] | None = None
        self._lock_depth = 0
        self._released_at = -1e9  # time.monotonic() of the last release of the lock
        self._vparams = vector_params or VectorParams()
        self._encoder = encoder
        self._encoder_given = encoder is not None
        #: the encoder name recorded in the index, once it has settings
        self._encoder_name: str | None = None
        #: the vector files are open (they are reopened when the settings change)
        self._files_open = False
        self.sketch = sketch or SketchParams()
        self.dim = encoder.dim if encoder else default_encoder().dim
        try:
            self._load_settings(self.store.meta())
        except UsageError:
            self.store.close()
            raise
        self._open_files()

    def _load_settings(self, meta: dict[str, str]) -> None:
        """Adopt the encoder and sketch settings recorded in the index, if any yet."""
        if "encoder" not in meta or self._encoder_name == meta["encoder"]:
            return
        dim = int(meta["dim"])
        enc = self._encoder
        if not self._encoder_given:
            self._encoder = enc = None  # a default picked before the index had settings
        if enc is not None and (enc.name, enc.dim) != (meta["encoder"], dim):
            raise UsageError(
                f"the index at {self.path} was built with the encoder {meta['encoder']!r} "
                f"({dim} dimensions), not {enc.name!r} ({enc.dim}); "
                "an index is searched with the encoder that built it"
            )
        self._encoder_name = meta["encoder"]
        self.sketch = SketchParams(
            shingle=int(meta["shingle"]),
            num_perm=int(meta["num_perm"]),
            bands=int(meta["bands"]),
            seed=int(meta["seed"]),
        )
        if dim != self.dim or self._files_open:
            # another process created the settings after this object opened the index
            self.dim = dim
            if self._files_open:
                self._close_files()
                self._open_files()

    def _open_files(self) -> None:
        self.sents = VectorSet(self.path, "sent", self.dim, self._vparams)
        self.docs = VectorSet(self.path, "doc", self.dim, self._vparams)
        self.sent_doc = RowFile(self.path / "sent_doc.i32", np.int32, 1)
        self.sigs = RowFile(self.path / "minhash.u32", np.uint32, self.sketch.num_perm)
        self._files_open = True

    def _close_files(self) -> None:
        if not self._files_open:
            return
        for f in (self.sents, self.docs):
            f.close()
        self.sent_doc.close()
        self.sigs.close()
        self._files_open = False

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = (
                encoder_named(self._encoder_name, self.dim)
                if self._encoder_name
                else default_encoder()
            )
        return self._encoder

    # --- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        self._close_files()
        self.store.close()
        self._release()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _fresh(self) -> None:
        """Reopen when the directory now holds another index than the one open
        (another process compacted it): called before every operation."""
        if not self.store.replaced():
            return
        self._close_files()
        self.store.close()
        finish_compaction(self.path)
        self.store = Store(self.path, create=False)
        self._encoder_name = None
        self._load_settings(self.store.meta())
        self._open_files()

    # --- the writer ---------------------------------------------------------

    @contextmanager
    def _writing(self, *, repair: bool = False) -> Iterator[None]:
        """Be the one writer for the duration: take the lock (waiting up to
        ``lock_timeout``), follow a directory swapped in meanwhile, cut off rows
        a crashed writer appended but never committed, and (unless ``repair``)
        refuse to write next to damaged vector files. Reentrant."""
        if self._lock is not None:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        self._lock = self._acquire()
        try:
            self._fresh()
            self._cut_uncommitted()
            if not repair:
                problems = self.damage()
                if problems:
                    raise InputError(f"the index is damaged: {problems[0]}")
            yield
        finally:
            self._release()

    def _acquire(self) -> IO[str]:
        """The flock on ``writer.lock`` of the directory now at ``path`` (a lock on
        the file of a directory swapped out meanwhile is dropped and taken again)."""
        import fcntl

        self._yield_turn()
        deadline = time.monotonic() + self.lock_timeout
        while True:
            name = self.path / "writer.lock"
            try:
                fh = open(name, "a+")  # noqa: SIM115  (held until the operation ends)
            except FileNotFoundError:  # between the two renames of a compaction
                if time.monotonic() >= deadline:
                    raise InputError(f"no index at {self.path} any more") from None
                time.sleep(0.05)
                continue
            except OSError as exc:
                raise InputError(
                    f"cannot write to the index at {self.path}: {exc.strerror or exc}"
                ) from None
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        fh.close()
                        raise
                    if time.monotonic() >= deadline:
                        fh.close()
                        raise IndexBusyError(
                            f"another process is adding to the index at {self.path}; "
                            "wait for it to finish"
                        ) from None
                    self._mark_waiting()
                    time.sleep(0.05)
            st = os.fstat(fh.fileno())
            if file_identity(name) == (st.st_dev, st.st_ino):
                return fh
            fh.close()  # the directory was swapped while we waited: lock the new one

    def _mark_waiting(self) -> None:
        """Tell the writer holding the lock that another one waits (see
        :meth:`_yield_turn`); best effort."""
        with suppress(OSError):
            (self.path / _WAITING).touch()

    def _yield_turn(self) -> None:
        """A writer taking the lock again right after releasing it (the next batch
        of a long add) first lets a writer that is waiting go: a lock is not a
        queue, and the waiter polls while this one would take it back at once."""
        if time.monotonic() - self._released_at > 1.0:
            return
        try:
            waited = (self.path / _WAITING).stat().st_mtime
        except OSError:
            return
        if time.time() - waited < 0.5:
            time.sleep(0.25)

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None
            self._released_at = time.monotonic()
            self._lock_depth = 0

    def _cut_uncommitted(self) -> None:
        """Cut the vector files back to the rows the database says are committed."""
        meta = self.store.meta()
        n_docs, n_sents = int(meta["n_docs"]), int(meta["n_sents"])
        self.sents.data.truncate(n_sents)
        self.sent_doc.truncate(n_sents)
        self.docs.data.truncate(n_docs)
        self.sigs.truncate(n_docs)
        for f in self.path.glob("*.faiss.tmp"):
            f.unlink(missing_ok=True)

    def damage(self, *, deep: bool = False) -> list[str]:
        """What is wrong with the vector files, one line each (empty when nothing):
        a file with fewer rows than the database records; with ``deep``, also
        sentence rows that name no stored document (read in full: for
        :meth:`stats`, not before every write)."""
        meta = self.store.meta()
        if "encoder" not in meta:
            return []
        n_docs, n_sents = int(meta["n_docs"]), int(meta["n_sents"])
        out = []
        repair = f"repair it with: retold index compact --index {self.path}"
        for f, rows in (
            (self.sents.data, n_sents),
            (self.sent_doc, n_sents),
            (self.docs.data, n_docs),
            (self.sigs, n_docs),
        ):
            size = f.path.stat().st_size if f.path.exists() else 0
            if size < rows * f.row_bytes:
                out.append(
                    f"{f.path.name} holds {size // f.row_bytes} rows but the database "
                    f"records {rows}; {repair}"
                )
        if deep and not out and not _rows_ascend(self.sent_doc, n_sents, n_docs):
            out.append(
                f"{self.sent_doc.path.name} names documents the database does not hold; {repair}"
            )
        return out

    def _init_meta(self) -> None:
        meta = self.store.meta()
        if "encoder" in meta:
            self._load_settings(meta)
            return
        enc = self.encoder
        with self.store.write():
            self.store.set_meta(
                {
                    "encoder": enc.name,
                    "dim": enc.dim,
                    "shingle": self.sketch.shingle,
                    "num_perm": self.sketch.num_perm,
                    "bands": self.sketch.bands,
                    "seed": self.sketch.seed,
                    "retold_version": _version(),
                }
            )
        self._encoder_name = enc.name


def _rows_ascend(sent_doc: RowFile, n_sents: int, n_docs: int) -> bool:
    """True when each sentence row names a stored document, in the order they
    were added (appends only: the document rows never go down)."""
    data = sent_doc.view(n_sents)
    last = 0
    for i in range(0, n_sents, 1 << 20):
        part = np.asarray(data[i : i + (1 << 20), 0], dtype=np.int64)
        if part[0] < last or part[-1] >= n_docs or (len(part) > 1 and np.diff(part).min() < 0):
            return False
        last = int(part[-1])
    return True


def ivf_state(meta: dict[str, str], name: str) -> IVFState:
    return IVFState.from_json(meta.get(f"ivf.{name}"))


def as_document(x: Document | str) -> Document:
    if isinstance(x, Document):
        return x
    from retold.ingest import read_text

    return read_text(x)


def _version() -> str:
    from retold import __version__

    return __version__
