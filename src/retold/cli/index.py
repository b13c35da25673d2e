"""``retold index ...`` and ``retold search``: the index on the command line.

Only click and the standard library are imported here at module level, so
``retold --help`` stays fast; numpy and the index load inside the commands.
Data (results, JSON) goes to stdout; progress, notes and errors to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from retold.cli._common import EXIT_INPUT, EXIT_PARTIAL, fail, index_option, jobs_option, progress

if TYPE_CHECKING:
    from retold.embed import Encoder
    from retold.index import AddSummary, Index
    from retold.types import Document

_SHOW_REJECTED = 20


def _open(index_dir: Path | None, *, create: bool = False, encoder: str | None = None) -> Index:
    from retold.errors import RetoldError
    from retold.index import Index

    enc: Encoder | None = None
    if encoder == "hashing":
        from retold.embed import HashingEncoder

        enc = HashingEncoder()
    elif encoder == "use":
        from retold.embed import default_encoder

        enc = default_encoder()
    try:
        return Index(index_dir, create=create, encoder=enc)
    except RetoldError as exc:
        fail(str(exc))


@click.group("index")
def index() -> None:
    """Build and manage the index that `retold search` looks in."""


@index.command("add")
@click.argument("paths", nargs=-1, required=True)
@index_option
@jobs_option("Worker processes that read and encode documents")
@click.option(
    "--encoder",
    type=click.Choice(["use", "hashing"]),
    default=None,
    help="Sentence encoder of a new index: use (multilingual, the default) or hashing "
    "(fast, lexical only; for tests). An existing index keeps its own.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Documents committed per transaction.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Reject files and HTML inputs larger than this many bytes "
    "(default: the same cap as retold compare, 10 MB).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, notes or summary on stderr.")
def add(
    paths: tuple[str, ...],
    index_dir: Path | None,
    jobs: int | None,
    encoder: str | None,
    batch_size: int,
    max_bytes: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Add articles to the index: text or HTML files, directories (recursively),
    JSON lines ({"id", "text"} or {"id", "html"}, optional title, url, published,
    source; "-" reads them from stdin) and WARC or WARC.gz archives (HTML responses).

    Documents already in the index (same id, or same text) are skipped, so an
    interrupted run can simply be started again.

    \b
    Examples:
      retold index add articles/
      retold index add --index news.idx crawl.warc.gz feed.jsonl
    """
    from retold.errors import RetoldError

    if "-" in paths and not _stdin_open():
        fail("- reads JSON lines from stdin, but stdin is closed; pipe the lines in")
    ix = _open(index_dir, create=True, encoder=encoder)
    show = not quiet and sys.stderr.isatty()
    try:
        with ix, progress("indexing", show=show) as bar:

            def seen(s: AddSummary) -> None:
                rate = f"{s.added / bar.elapsed:.1f} docs/s" if bar.elapsed else ""
                bar.update(
                    note=f"{s.seen} read, {s.added} added, {len(s.rejected)} rejected  {rate}"
                )

            summary = ix.add_paths(
                paths,
                jobs=jobs or os.cpu_count() or 1,
                batch_size=batch_size,
                progress=seen if show else None,
                max_bytes=max_bytes,
            )
    except RetoldError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps({"index": str(ix.path), **summary.to_dict()}, ensure_ascii=False))
    if not quiet:
        for r in summary.rejected[:_SHOW_REJECTED]:
            click.echo(f"retold: rejected {r.origin}: {r.reason}", err=True)
        more = len(summary.rejected) - _SHOW_REJECTED
        if more > 0:
            click.echo(f"retold: ... and {more} more rejected (--json lists them all)", err=True)
        click.echo(f"retold: {_summary_line(summary)} ({ix.path})", err=True)
    if summary.rejected:
        sys.exit(EXIT_PARTIAL)


def _stdin_open() -> bool:
    """False when the process was started with standard input closed."""
    if sys.stdin is None or sys.stdin.closed:
        return False
    try:
        os.fstat(sys.stdin.fileno())
    except (OSError, ValueError):
        return False
    return True


def _summary_line(s: AddSummary) -> str:
    rate = s.added / s.seconds if s.seconds else 0.0
    parts = [f"added {s.added}"]
    if s.skipped:
        parts.append(f"skipped {s.skipped} already indexed")
    if s.duplicates:
        parts.append(f"skipped {s.duplicates} duplicates of indexed documents")
    if s.near_duplicates:
        parts.append(f"{s.near_duplicates} near-duplicates (see: retold index duplicates)")
    parts.append(f"rejected {len(s.rejected)}")
    return ", ".join(parts) + f" in {s.seconds:.1f} s ({rate:.1f} docs/s)"


@index.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(index_dir: Path | None, as_json: bool) -> None:
    """Counts, settings and disk use of the index.

    Damaged vector files are reported (on stderr, and as "damage" in the JSON)
    and the exit status is then 1.
    """
    with _open(index_dir) as ix:
        st = ix.stats(deep=True)
    for problem in st.get("damage", []):
        click.echo(f"retold: damaged: {problem}", err=True)
    if as_json:
        click.echo(json.dumps(st))
    else:
        from retold.report.tables import stats_lines

        for line in stats_lines(st):
            click.echo(line)
    if st.get("damage"):
        sys.exit(EXIT_INPUT)


@index.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_option
def remove(ids: tuple[str, ...], index_dir: Path | None) -> None:
    """Remove documents by id.

    Every id the index holds is removed, whatever the others are. Exit status:
    0 when every id was found and removed; 3 when some were and some were not
    (the message names the unknown ones and what was removed); 1 when none
    was found, or the index cannot be used.
    """
    from retold.errors import RetoldError

    missing: list[str] = []
    removed: list[str] = []
    try:
        with _open(index_dir) as ix:
            for i in dict.fromkeys(ids):
                (removed if ix.remove(i) else missing).append(i)
    except RetoldError as exc:
        done = f" (removed before it: {', '.join(map(repr, removed))})" if removed else ""
        fail(f"{exc}{done}")
    if missing:
        unknown = ", ".join(map(repr, missing))
        if not removed:
            fail(f"no document with id {unknown} in the index; removed nothing")
        done = ", ".join(map(repr, removed))
        fail(
            f"no document with id {unknown} in the index; removed {len(removed)} ({done})",
            EXIT_PARTIAL,
        )


@index.command("compact")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar on stderr.")
def compact(index_dir: Path | None, as_json: bool, quiet: bool) -> None:
    """Drop removed documents for good and reclaim their space.

    Nothing is encoded again; searches running meanwhile keep working.
    """
    from retold.errors import RetoldError

    try:
        with (
            _open(index_dir) as ix,
            progress("compacting", show=not quiet and sys.stderr.isatty(), counted=True) as bar,
        ):
            out = ix.compact(lambda done, total: bar.update(done, total))
    except RetoldError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(out))
        return
    saved = (out["bytes_before"] - out["bytes_after"]) / 1e6
    click.echo(
        f"kept {out['documents']} documents, dropped {out['removed']} removed ones; "
        f"{out['bytes_after'] / 1e6:.1f} MB on disk ({saved:+.1f} MB freed)",
        err=True,
    )


@index.command("duplicates")
@index_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def duplicates(index_dir: Path | None, as_json: bool) -> None:
    """Exact and near-exact duplicates found when documents were added."""
    with _open(index_dir) as ix:
        rows = ix.duplicates()
    for d in rows:
        if as_json:
            click.echo(json.dumps(d, ensure_ascii=False))
        else:
            how = "exact copy, not added" if d["kind"] == "exact" else f"Jaccard {d['jaccard']:.2f}"
            click.echo(f"{d['id']}\tduplicates\t{d['of']}\t({how})")


# --- search -----------------------------------------------------------------


@click.command("search")
@click.argument("query", required=False)
@index_option
@click.option("-k", type=click.IntRange(min=1), default=10, show_default=True, help="Results.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--queries",
    "queries_path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help='Many queries: a JSONL file of {"id", "text"} or {"id", "html"}; '
    "writes one JSON line of results per query.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True, path_type=Path),
    help="With --queries: write the JSON lines here instead of stdout.",
)
@click.option(
    "--explain", "explain_id", help="Show the full comparison with this indexed document."
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="Rank candidates by retrieval score only, without the pair engine (faster).",
)
@click.option(
    "--kind",
    type=click.Choice(["auto", "text", "html"]),
    default="auto",
    show_default=True,
    help="How to read the query file.",
)
@click.option(
    "--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for a URL."
)
@click.option("-v", "--verbose", is_flag=True, help="With --explain: every alignment in full.")
def search(
    query: str | None,
    index_dir: Path | None,
    k: int,
    as_json: bool,
    queries_path: Path | None,
    output: Path | None,
    explain_id: str | None,
    no_verify: bool,
    kind: str,
    timeout: float,
    verbose: bool,
) -> None:
    """Find the sources of QUERY (a file, an http(s) URL, or - for stdin) in the index.

    Results are ranked by verdict (duplicate, near-duplicate, rewrite, same-story,
    unrelated), then by how much of the query each source accounts for.

    \b
    Examples:
      retold search rewrite.txt
      retold search https://example.org/story --json -k 5
      retold search rewrite.txt --explain wire-123
      retold search --queries queries.jsonl -o results.jsonl
    """
    from retold.errors import RetoldError

    if queries_path is not None:
        if query or explain_id:
            raise click.UsageError("give either a QUERY or --queries, not both")
        _search_many(index_dir, queries_path, output, k, not no_verify)
        return
    if not query:
        raise click.UsageError("search needs a QUERY (file, URL or -), or --queries FILE.jsonl")
    try:
        from retold.ingest import load

        with _open(index_dir) as ix:
            doc = load(query, kind=kind, timeout=timeout)  # type: ignore[arg-type]
            if explain_id is not None:
                report = ix.explain(doc, explain_id)
            else:
                hits = ix.search(doc, k=k, verify=not no_verify)
    except RetoldError as exc:
        fail(str(exc))
    if explain_id is not None:
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        else:
            from rich.console import Console

            from retold.report import render_terminal

            render_terminal(report, Console(), verbose=verbose)
        return
    if as_json:
        click.echo(json.dumps({"results": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return
    from rich.console import Console

    from retold.report.tables import render_hits

    render_hits([h.to_dict() for h in hits], Console())


def _query_docs(path: Path) -> Iterator[tuple[str, int | None, Document | str]]:
    """(query id, line, document or error message) for each line of a queries file."""
    from retold.errors import RetoldError
    from retold.index.docwork import load_raw
    from retold.ingest.readers import read_jsonl
    from retold.ingest.records import Rejected

    try:
        fh = sys.stdin.buffer if str(path) == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    with fh:
        for item in read_jsonl(fh, name=str(path)):
            line = int(item.origin.rsplit(":", 1)[1])
            if isinstance(item, Rejected):
                yield "", line, item.reason
                continue
            try:
                yield item.id, line, load_raw(item)
            except RetoldError as exc:
                yield item.id, line, str(exc)


def _search_many(
    index_dir: Path | None, path: Path, output: Path | None, k: int, verify: bool
) -> None:
    from retold.errors import RetoldError

    out = click.open_file(str(output) if output else "-", "w", encoding="utf-8")
    n_ok = n_err = 0
    try:
        with out, _open(index_dir) as ix:
            batch: list[tuple[str, int | None, Document | str]] = []

            def flush() -> None:
                nonlocal n_ok, n_err
                docs = [d for _, _, d in batch if not isinstance(d, str)]
                results = iter(ix.search_many(docs, k=k, verify=verify))
                for qid, line, d in batch:
                    res: Any = d if isinstance(d, str) else next(results)
                    row: dict[str, Any]
                    if isinstance(res, (str, RetoldError)):
                        n_err += 1
                        row = {"query": qid or None, "line": line, "error": str(res)}
                    else:
                        n_ok += 1
                        row = {"query": qid, "results": [h.to_dict() for h in res]}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()

            for item in _query_docs(path):
                batch.append(item)
                if len(batch) >= 32:
                    flush()
                    batch = []
            flush()
    except RetoldError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    click.echo(f"retold: searched {n_ok} queries, {n_err} failed", err=True)
    if n_err:
        sys.exit(EXIT_PARTIAL)
