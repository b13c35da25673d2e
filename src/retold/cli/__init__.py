"""The ``retold`` command line: a thin layer over the library.

Data goes to stdout (a report, JSON, JSON lines); progress, notes and errors go
to stderr. Every user mistake ends in one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from retold import __version__
from retold.cli._common import EXIT_PARTIAL, fail
from retold.errors import RetoldError

if TYPE_CHECKING:
    from retold.types import Report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="retold")
def main() -> None:
    """Find where a news article came from, and what was changed on the way."""


@main.command()
@click.argument("a", required=False)
@click.argument("b", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a side-by-side HTML report to this file.",
)
@click.option(
    "--pairs",
    "pairs_path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help='Batch mode: a JSONL file of {"id", "a", "b"} texts ("-" for stdin); '
    "writes one JSON line per pair.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="Batch mode: write the JSON lines here instead of stdout.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Batch mode: worker processes (default: number of CPUs).",
)
@click.option(
    "--kind",
    type=click.Choice(["auto", "text", "html"]),
    default="auto",
    show_default=True,
    help="How to read files: sniff, or force plain text or HTML.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse inputs larger than this many bytes (default 10 MB).",
)
@click.option(
    "--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for a URL."
)
@click.option("--no-text", is_flag=True, help="Leave the article texts out of the JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show every alignment in full.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or notes on stderr.")
def compare(
    a: str | None,
    b: str | None,
    as_json: bool,
    html_path: Path | None,
    pairs_path: Path | None,
    output: Path | None,
    jobs: int | None,
    kind: str,
    max_bytes: int | None,
    timeout: float,
    no_text: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Compare article A (the candidate source) with article B.

    A and B are files (text or HTML), http(s) URLs, or "-" for stdin (one of them).

    \b
    Examples:
      retold compare examples/wire.txt examples/rewrite.txt
      retold compare wire.html https://example.org/story --html report.html
      retold compare --pairs pairs.jsonl > reports.jsonl
    """
    if pairs_path is not None:
        if a or b:
            raise click.UsageError("give either two articles or --pairs, not both")
        _batch(pairs_path, output, jobs, no_text, quiet)
        return
    if not a or not b:
        raise click.UsageError(
            "compare needs two articles (files, URLs or -), or --pairs FILE.jsonl"
        )
    if a == "-" and b == "-":
        raise click.UsageError("only one of A and B can be read from stdin (-)")
    try:
        report = _compare_args(a, b, kind, max_bytes, timeout)
    except RetoldError as exc:
        fail(str(exc))
    if html_path is not None:
        from retold.report import render_html

        try:
            html_path.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write the HTML report to {html_path}: {exc.strerror}")
        if not quiet:
            click.echo(f"retold: wrote the HTML report to {html_path}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(include_text=not no_text), ensure_ascii=False))
    elif html_path is None or sys.stdout.isatty():
        from rich.console import Console

        from retold.report import render_terminal

        render_terminal(report, Console(), verbose=verbose)


def _compare_args(a: str, b: str, kind: str, max_bytes: int | None, timeout: float) -> Report:
    from retold.embed import load_aside

    # the model loads while the pipeline's modules import and warm up
    load_aside()
    from retold.comparison import compare as _compare
    from retold.ingest import load

    kw: dict[str, Any] = {"kind": kind, "timeout": timeout}
    if max_bytes is not None:
        kw["max_bytes"] = max_bytes
    return _compare(load(a, **kw), load(b, **kw))


# --- batch -------------------------------------------------------------------


def _open_pairs(path: Path) -> IO[bytes]:
    """The pairs file (``-``: stdin), opened before any worker starts: an error
    raised later, inside the pool's feeder thread, would leave the batch hanging."""
    try:
        # click.open_file maps "-" to stdin and leaves stdin open on exit
        stream: IO[bytes] = click.open_file(str(path), "rb", lazy=False)
        if stream.closed:
            raise ValueError("it is closed")
    except (OSError, ValueError, RuntimeError) as exc:  # also stdin closed (<&-)
        fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
    return stream


def _batch(path: Path, output: Path | None, jobs: int | None, no_text: bool, quiet: bool) -> None:
    from retold.batch import read_pairs, run_batch

    pairs = _open_pairs(path)
    try:
        out: IO[str] = click.open_file(str(output or "-"), "w", encoding="utf-8", lazy=False)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    with pairs, out:
        n_ok, n_err = run_batch(
            read_pairs(pairs),
            out,
            jobs=jobs or os.cpu_count() or 1,
            include_text=not no_text,
            progress=not quiet and sys.stderr.isatty(),
        )
    if not quiet:
        click.echo(f"retold: compared {n_ok} pairs, {n_err} failed", err=True)
    if n_err:
        sys.exit(EXIT_PARTIAL)


def run() -> None:
    """Console entry point: library errors become one line, not a traceback."""
    try:
        main(standalone_mode=True)
    except RetoldError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        click.echo("retold: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("RETOLD_DEBUG"):
            raise
        fail(
            f"internal error: {type(exc).__name__}: {exc} "
            "(set RETOLD_DEBUG=1 for the traceback, and please report it)"
        )


from retold.cli.serve import serve as _serve_cmd  # noqa: E402

main.add_command(_serve_cmd)

from retold.cli.stories import stories as _stories_cmd  # noqa: E402

main.add_command(_stories_cmd)

from retold.cli.index import index as _index_group  # noqa: E402
from retold.cli.index import search as _search_cmd  # noqa: E402

main.add_command(_index_group)
main.add_command(_search_cmd)
from retold.cli.spark import spark as _spark_group  # noqa: E402

main.add_command(_spark_group)
