"""Batch comparison of many pairs with one model load per worker process."""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Iterable, Iterator
from typing import IO, Any

from retold.errors import RetoldError

__all__ = ["compare_pair_line", "run_batch"]

_INCLUDE_TEXT = True


def _init(include_text: bool) -> None:
    global _INCLUDE_TEXT
    _INCLUDE_TEXT = include_text


def compare_pair_line(item: tuple[int, dict[str, Any] | str]) -> tuple[bool, str]:
    """Compare one batch item; returns (ok, JSON line). Errors become error lines."""
    from retold.comparison import compare

    no, obj = item
    if isinstance(obj, str):
        return False, json.dumps({"id": None, "line": no, "error": obj}, ensure_ascii=False)
    pid = obj.get("id")
    try:
        report = compare(obj["a"], obj["b"])
    except RetoldError as exc:
        return False, json.dumps({"id": pid, "line": no, "error": str(exc)}, ensure_ascii=False)
    out = {"id": pid, **report.to_dict(include_text=_INCLUDE_TEXT)}
    return True, json.dumps(out, ensure_ascii=False)


def run_batch(
    items: Iterable[tuple[int, dict[str, Any] | str]],
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
    bar = None
    task = None
    if progress:
        from rich.console import Console
        from rich.progress import (
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        bar = Progress(
            SpinnerColumn(),
            TextColumn("comparing pairs"),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task("pairs", total=None, rate="")
    try:
        for ok, line in results:
            out.write(line + "\n")
            if ok:
                n_ok += 1
            else:
                n_err += 1
            if bar is not None and task is not None:
                elapsed = bar.tasks[0].elapsed or 0.0
                done = n_ok + n_err
                bar.update(
                    task, completed=done, rate=f"{done / elapsed:.1f} pairs/s" if elapsed else ""
                )
    finally:
        if bar is not None:
            bar.stop()
        if pool is not None:
            pool.close()
            pool.join()
    out.flush()
    return n_ok, n_err
