"""Keeping an index in shape: compaction (which is also the repair of damaged
vector files) and statistics.

Compaction copies the live documents into a new directory beside the index,
reusing their stored sentence vectors, then swaps the two directories in one
step (``renameat2(RENAME_EXCHANGE)`` where the system has it; two renames
otherwise, finished by the next open if a crash falls between them). It
holds the writer lock throughout, so no write lands in the old directory
after its copy began; other processes' Index objects notice the swap on
their next operation and reopen (see :class:`~retold.index.core.IndexCore`).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retold.index.adding import Adding, AddSummary
from retold.index.core import ivf_state
from retold.index.docwork import DocRecord, Rejected, record, stored_prepared
from retold.index.store import SCHEMA_VERSION, DocRow, DupRow, Store
from retold.index.vectors import faiss_available

__all__ = ["Maintenance"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class Maintenance(Adding):
    """:meth:`compact` and :meth:`stats` of :class:`~retold.index.Index`."""

    def compact(self, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        """Rewrite the index without its removed documents and swap it in place.

        :meth:`remove` only marks a document: its vectors, full-text entry and
        file rows stay (search filters them out). Compacting drops them and
        rebuilds the vector accelerators. Stored sentence vectors are reused,
        so nothing is encoded again, except where they are missing or do not
        belong to the document's sentences (damaged or truncated vector files,
        a change of segmentation): those documents are encoded anew, which is
        how a damaged index is repaired. Ids, metadata, add times, recorded
        duplicates and a ``stories.sqlite`` beside the index are kept. Other
        Index objects on the directory (a running server's) reopen it on their
        next operation. ``progress(done, total)`` follows the copy.
        """
        with self._writing(repair=True):
            return self._compact(progress)

    def _compact(self, progress: Callable[[int, int], None] | None) -> dict[str, int]:
        with self.store.snapshot():
            meta = self.store.meta()
            live, removed = self.store.count_docs()
            rows = self.store.live_rows()
            dups = self.store.dups()
        if "encoder" not in meta:  # nothing was ever added
            return {"documents": 0, "removed": 0, "bytes_before": 0, "bytes_after": 0}
        before = self._disk_bytes()
        tmp = self.path.with_name(self.path.name + ".compacting")
        old = self.path.with_name(self.path.name + ".old")
        for leftover in (tmp, old):
            shutil.rmtree(leftover, ignore_errors=True)
        self._copy_into(tmp, rows, dups, int(meta["n_sents"]), progress)
        for f in self.path.glob("stories.sqlite*"):
            f.replace(tmp / f.name)
        self._close_files()
        self.store.close()
        _swap(self.path, tmp, old)
        shutil.rmtree(old, ignore_errors=True)
        self.store = Store(self.path, create=False)
        self._open_files()
        return {
            "documents": live,
            "removed": removed,
            "bytes_before": before,
            "bytes_after": self._disk_bytes(),
        }

    def _copy_into(
        self,
        tmp: Path,
        rows: list[int],
        dups: list[DupRow],
        n_sents: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        """Add the documents at ``rows`` to a new index at ``tmp``, with their add
        times and the duplicates recorded against them."""
        # rows a damaged sentence file no longer holds are encoded again
        readable = min(n_sents, self.sents.data.disk_rows())
        kept: list[tuple[str, float]] = []
        with (
            type(self)(
                tmp, encoder=self.encoder, sketch=self.sketch, vector_params=self._vparams
            ) as new,
            new._writing(),
        ):
            new._init_meta()
            summary = AddSummary()
            for i in range(0, len(rows), 256):
                part = rows[i : i + 256]
                with self.store.snapshot():
                    docs = self.store.docs(part)
                    texts = self.store.texts(part)
                recs: list[DocRecord | Rejected] = [
                    self._stored_record(docs[r], texts[r], readable) for r in part
                ]
                kept.extend((docs[r].id, docs[r].added) for r in part)
                new._commit(recs, summary, None)
                if progress is not None:
                    progress(min(i + 256, len(rows)), len(rows))
            with new.store.write():
                new.store.set_added(kept)
                # near duplicates among the kept documents were found again on the way
                for dup in dups:
                    if dup.kind != "near":
                        new.store.insert_dup(dup.id, dup.of_id, dup.kind, dup.jaccard, dup.origin)

    def _stored_record(self, d: DocRow, text: str, readable: int) -> DocRecord:
        """The record of a stored document, from its stored vectors when they are
        whole and belong to its sentences, else encoded again."""
        hi = d.sent_start + d.n_sents
        vecs = (
            self.sents.rows(readable, d.sent_start, hi)
            if hi <= readable
            else self.sents.rows(0, 0, 0)
        )
        p = stored_prepared(d.document(text), vecs, self.encoder, body_sig=d.body_sig, head=d.head)
        return record(
            p, doc_id=d.id, origin=d.origin or d.id, publisher=d.publisher, params=self.sketch
        )

    def _disk_bytes(self) -> int:
        return sum(self._files().values())

    def _files(self) -> dict[str, int]:
        return {
            f.name: f.stat().st_size
            for f in sorted(self.path.iterdir())
            if f.is_file() and f.name not in ("writer.lock", "writer.waiting")
        }

    def stats(self, *, deep: bool = False) -> dict[str, Any]:
        """Counts, settings and disk use; ``damage`` lists what is wrong with the
        vector files, and is present only when something is (``deep``: read the
        sentence-to-document file in full to check it too)."""
        self._fresh()
        meta = self.store.meta()
        live, removed = self.store.count_docs()
        files = self._files()
        out: dict[str, Any] = {
            "path": str(self.path),
            "documents": live,
            "removed": removed,
            "sentences": int(meta["n_sents"]),
            "duplicates": self.store.count_dups(),
            "encoder": meta.get("encoder", self._encoder_name),
            "dim": self.dim,
            "schema_version": SCHEMA_VERSION,
            "sketch": {
                "shingle": self.sketch.shingle,
                "num_perm": self.sketch.num_perm,
                "bands": self.sketch.bands,
            },
            "ivf": {
                name: {"rows": st.rows, "segments": len(st.segments)}
                for name, st in (
                    ("sentences", ivf_state(meta, "sent")),
                    ("documents", ivf_state(meta, "doc")),
                )
            },
            "faiss": faiss_available(),
            "disk_bytes": files,
            "total_bytes": sum(files.values()),
        }
        damage = self.damage(deep=deep)
        if damage:
            out["damage"] = damage
        return out


def _swap(path: Path, tmp: Path, old: Path) -> None:
    """Put the directory ``tmp`` where ``path`` is; the old one ends at ``old``."""
    if _exchange(tmp, path):
        tmp.replace(old)
        return
    # two renames: a crash in between leaves both directories, never neither,
    # and the next open finishes the swap (as may a process opening meanwhile)
    path.replace(old)
    try:
        tmp.replace(path)
    except FileNotFoundError:
        if not path.exists():
            raise


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two directories in one step (Linux ``renameat2``); False when the
    system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))
