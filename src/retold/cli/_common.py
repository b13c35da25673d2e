"""What every command shares: exit codes, the one-line error, common options, the progress line.

Only click and the standard library are imported at module level, so ``retold
--help`` stays fast; rich loads when a progress line is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from retold.stories import JOIN_SIMILARITY

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["EXIT_INPUT", "EXIT_PARTIAL", "Bar", "fail", "index_option", "jobs_option", "progress"]

# exit codes: 1 = a bad input (or nothing done), 2 = bad usage (click's own),
# 3 = finished, but some items (pairs, queries, documents, ids) failed
EXIT_INPUT = 1
EXIT_PARTIAL = 3

_F = TypeVar("_F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """End the command with one line on stderr (never a traceback) and exit ``code``."""
    click.echo(f"retold: error: {message}", err=True)
    sys.exit(code)


index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index directory (default: $XDG_DATA_HOME/retold/index, "
    "i.e. ~/.local/share/retold/index).",
)


def candidates_option(when: str = "") -> Callable[[_F], _F]:
    """``-k``: how many candidate sources are verified per article."""
    return click.option(
        "-k",
        type=click.IntRange(min=1),
        default=10,
        show_default=True,
        help=f"Candidates verified per article{when}.",
    )


# the stories module imports only the standard library and retold.types, so
# `retold --help` stays fast
min_similarity_option = click.option(
    "--min-similarity",
    type=click.FloatRange(0, 1),
    default=JOIN_SIMILARITY,
    show_default=True,
    help="Least similarity (calibrated P(same story)) for a link to join two stories; "
    "copies, and rewrites mostly made of the other article, join whatever it is.",
)


def jobs_option(what: str) -> Callable[[_F], _F]:
    """``-j/--jobs``: how many processes do ``what`` (default: one per CPU)."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help=f"{what} (default: number of CPUs).",
    )


class Bar:
    """One task on the progress line: ``update`` what is done, the total and a note."""

    def __init__(self, p: Progress | None, task: TaskID | None) -> None:
        self._p, self._task = p, task

    @property
    def elapsed(self) -> float:
        if self._p is None or self._task is None:
            return 0.0
        return self._p.tasks[0].elapsed or 0.0

    def update(
        self, done: int | None = None, total: int | None = None, note: str | None = None
    ) -> None:
        if self._p is None or self._task is None:
            return
        fields: dict[str, Any] = {} if note is None else {"note": note}
        if total is not None:
            fields["total"] = total
        self._p.update(self._task, completed=done, **fields)


@contextmanager
def progress(label: str, *, show: bool = True, counted: bool = False) -> Iterator[Bar]:
    """The CLI's progress line, on stderr and gone when done: a spinner, ``label``, a bar
    and done/total when ``counted``, a note (counts, a rate) and the time elapsed. With
    ``show`` false (quiet, or stderr not a terminal) nothing is drawn and updates cost
    nothing."""
    if not show:
        yield Bar(None, None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[Any] = [SpinnerColumn(), TextColumn(label)]
    if counted:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns += [TextColumn("{task.fields[note]}"), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as p:
        yield Bar(p, p.add_task(label, total=None, note=""))
