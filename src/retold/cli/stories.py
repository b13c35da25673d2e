"""``retold stories``: cluster an index into stories and draw who copied whom."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from retold.cli._common import (
    candidates_option,
    index_option,
    jobs_option,
    min_similarity_option,
    progress,
)

__all__ = ["stories"]


def _safe(name: str) -> str:
    # file names for story and pair pages: ids can hold slashes or spaces
    return re.sub(r"[^\w.-]+", "_", name)[:80]


@click.command()
@index_option
@candidates_option(" when it is first seen")
@min_similarity_option
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON on stdout.")
@click.option(
    "--graphml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the derivation graph as GraphML.",
)
@click.option(
    "--gexf",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the derivation graph as GEXF (Gephi).",
)
@click.option(
    "--html",
    "html_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write an HTML page per story (timeline, graph, pair reports) here.",
)
@click.option("--singletons", is_flag=True, help="Also list articles no other article relates to.")
@click.option(
    "--from",
    "run_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Read the stories of a `retold spark stories` run (its --out) instead of an index.",
)
@jobs_option("Processes that link new articles")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or notes on stderr.")
def stories(
    index_dir: Path | None,
    k: int,
    min_similarity: float,
    as_json: bool,
    graphml: Path | None,
    gexf: Path | None,
    html_dir: Path | None,
    singletons: bool,
    run_dir: Path | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Group the articles of an index into stories, with derivation edges.

    Articles added since the last run are searched for their relatives;
    nothing already linked is computed again. An edge goes from the source to
    the article derived from it; independent reports of the same event share
    a story without an edge.

    \b
    Examples:
      retold stories --index news-index
      retold stories --index news-index --json > stories.json
      retold stories --index news-index --graphml stories.graphml --html stories/
      retold stories --from spark-run/ --html stories/
    """
    from retold.index import Index
    from retold.stories import StoryBook

    if run_dir is not None:
        from retold.spark.results import RunDocuments, load_run

        found, arts = load_run(run_dir)
        _outputs(RunDocuments(run_dir), found, arts, graphml, gexf, html_dir, quiet)
    else:
        with (
            Index(index_dir, create=False) as ix,
            StoryBook(ix, k=k, min_similarity=min_similarity) as book,
        ):
            _update(book, quiet, jobs or os.cpu_count() or 1)
            found = book.stories(singletons=singletons)
            arts = book.articles()
            _outputs(ix, found, arts, graphml, gexf, html_dir, quiet)
    if as_json:
        click.echo(json.dumps({"stories": [s.to_dict() for s in found]}, ensure_ascii=False))
        return
    from rich.console import Console

    from retold.report.tables import render_stories

    render_stories(found, arts, Console())


def _outputs(
    ix: Any,
    found: list[Any],
    arts: dict[str, Any],
    graphml: Path | None,
    gexf: Path | None,
    html_dir: Path | None,
    quiet: bool,
) -> None:
    if graphml or gexf:
        from retold.report.graph import to_gexf, to_graphml

        for path, render in ((graphml, to_graphml), (gexf, to_gexf)):
            if path is not None:
                _write(path, render(found, arts))
    if html_dir is not None:
        _write_html(ix, found, arts, html_dir, quiet)


def _update(book: Any, quiet: bool, jobs: int) -> None:
    todo = len(book.pending())
    if not todo:
        return
    show = not quiet and sys.stderr.isatty()
    with progress("linking new articles", show=show, counted=True) as bar:
        bar.update(0, todo)
        book.update(progress=(lambda n, total: bar.update(n)) if show else None, jobs=jobs)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        from retold.errors import UsageError

        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc


def _write_html(ix: Any, found: list[Any], arts: dict[str, Any], out: Path, quiet: bool) -> None:
    from retold.report import render_html
    from retold.report.graph import render_stories_index, render_story_html

    try:
        (out / "pairs").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from retold.errors import UsageError

        raise UsageError(f"cannot create {out}: {exc.strerror}") from exc

    def link(src: str, dst: str) -> str:
        return f"pairs/{_safe(src)}--{_safe(dst)}.html"

    def page(s: Any) -> str:
        return f"story-{_safe(s.id)}.html"

    for s in found:
        for e in s.edges:
            report = ix.explain(ix.prepared(e.target), e.source)
            _write(
                out / link(e.source, e.target),
                render_html(report, title=f"{e.source} → {e.target}"),
            )
        _write(out / page(s), render_story_html(s, arts, pair_link=link))
    _write(out / "index.html", render_stories_index(found, page))
    if not quiet:
        click.echo(f"retold: wrote {len(found)} story pages to {out}", err=True)
