"""Batch comparison of many pairs with one model load per worker process.

One bad line never stops a batch: a line that is not a usable pair, and a pair
whose comparison fails (even unexpectedly), each become one error line that
names the line's id (or, when the id cannot be used, its line number).
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from retold.errors import RetoldError
from retold.ingest.readers import MAX_LINE_BYTES, capped_lines
from retold.ingest.records import surrogate_at

__all__ = ["PairError", "compare_pair_line", "read_pairs", "run_batch"]

_INCLUDE_TEXT = True
#: The longest pair line: two texts at the size cap, with JSON's escapes.
MAX_PAIR_LINE = 2 * MAX_LINE_BYTES


@dataclass(frozen=True, slots=True)
class PairError:
    """A line that is not a usable pair: its id (or line number) and why."""

    id: str | int | float
    message: str


PairItem = tuple[int, "dict[str, Any] | PairError"]


def _init(include_text: bool) -> None:
    global _INCLUDE_TEXT
    _INCLUDE_TEXT = include_text


def _id_ok(pid: Any) -> bool:
    """Can this id be written back as given (a string that is valid Unicode, a finite number)?"""
    if isinstance(pid, str):
        return bool(pid) and surrogate_at(pid) < 0
    return isinstance(pid, (int, float)) and not isinstance(pid, bool) and abs(pid) < float("inf")


def _usable_id(obj: Any, no: int) -> str | int | float:
    """The line's id as given when it can be written back, else its line number."""
    pid = obj.get("id") if isinstance(obj, dict) else None
    return pid if _id_ok(pid) and isinstance(pid, (str, int, float)) else no


def _parse_pair(raw: bytes | None, no: int) -> dict[str, Any] | PairError:
    if raw is None:
        return PairError(no, f"line {no}: longer than {MAX_PAIR_LINE:,} bytes; skipped")
    try:
        obj = json.loads(raw.decode("utf-8-sig" if no == 1 else "utf-8"))
    except UnicodeDecodeError:
        return PairError(no, f"line {no}: not UTF-8; batch files must be UTF-8 JSON lines")
    except json.JSONDecodeError as exc:
        return PairError(no, f"line {no}: not JSON ({exc.msg})")
    except (ValueError, RecursionError) as exc:  # digit limit, deep nesting
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return PairError(no, f"line {no}: not usable JSON ({why})")
    pid = _usable_id(obj, no)
    if not isinstance(obj, dict):
        return PairError(pid, f"line {no}: expected an object with id, a and b")
    missing = [k for k in ("a", "b") if not isinstance(obj.get(k), str)]
    if missing:
        return PairError(pid, f"line {no}: field {' and '.join(missing)} missing or not text")
    if obj.get("id") is not None and not _id_ok(obj["id"]):
        why = (
            "holds a lone surrogate, which is not valid Unicode"
            if isinstance(obj["id"], str) and obj["id"]
            else "must be a non-empty string or a finite number"
        )
        return PairError(no, f"line {no}: the id {why}")
    return obj


def read_pairs(fh: IO[bytes]) -> Iterator[PairItem]:
    """``(line number, pair or PairError)`` for each non-blank line of a pairs file."""
    no = 0
    try:
        for no, raw in capped_lines(fh, MAX_PAIR_LINE):
            if raw is None or raw.strip():
                yield no, _parse_pair(raw, no)
    except (OSError, EOFError, ValueError) as exc:
        # the file breaks off (an I/O error, a truncated .gz): what was read is kept
        yield no + 1, PairError(no + 1, f"line {no + 1}: reading stopped ({exc})")


def _dumps(obj: dict[str, Any]) -> str:
    """One JSON line; escaped to ASCII if a string in it cannot be written as UTF-8."""
    line = json.dumps(obj, ensure_ascii=False)
    return line if surrogate_at(line) < 0 else json.dumps(obj)


def compare_pair_line(item: PairItem) -> tuple[bool, str]:
    """Compare one batch item; returns (ok, JSON line). Errors become error lines."""
    from retold.comparison import compare

    no, obj = item
    if isinstance(obj, PairError):
        return False, _dumps({"id": obj.id, "line": no, "error": obj.message})
    pid = _usable_id(obj, no)
    try:
        report = compare(obj["a"], obj["b"])
        out = {"id": pid, **report.to_dict(include_text=_INCLUDE_TEXT)}
    except RetoldError as exc:
        return False, _dumps({"id": pid, "line": no, "error": str(exc)})
    except Exception as exc:  # one odd pair must not stop the batch
        msg = f"internal error: {type(exc).__name__}: {exc}".splitlines()[0][:500]
        return False, _dumps({"id": pid, "line": no, "error": msg})
    return True, _dumps(out)


def run_batch(
    items: Iterable[PairItem],
    out: IO[str],
    *,
    jobs: int = 1,
    include_text: bool = True,
    progress: bool = False,
) -> tuple[int, int]:
    """Compare every item, writing JSON lines in input order; returns (ok, failed)."""
    n_ok = n_err = 0
    results: Iterator[tuple[bool, str]]
    pool = None
    if jobs > 1:
        # fork shares the imported code; each worker loads the model once, lazily
        ctx = mp.get_context("fork")
        pool = ctx.Pool(jobs, initializer=_init, initargs=(include_text,))
        results = pool.imap(compare_pair_line, items, chunksize=2)
    else:
        _init(include_text)
        results = map(compare_pair_line, items)
    from retold.cli._common import progress as progress_line

    try:
        with progress_line("comparing pairs", show=progress, counted=True) as bar:
            for ok, line in results:
                out.write(line + "\n")
                if ok:
                    n_ok += 1
                else:
                    n_err += 1
                if progress:
                    done = n_ok + n_err
                    rate = f"{done / bar.elapsed:.1f} pairs/s" if bar.elapsed else ""
                    bar.update(done, note=rate)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    out.flush()
    return n_ok, n_err
