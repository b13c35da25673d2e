"""Terminal renderings of the corpus commands: search results, index statistics, stories.

Like :mod:`retold.report.terminal`, article text (ids, titles, labels) goes through
rich as plain text or escaped, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from retold.stories import Article, Story

__all__ = ["render_hits", "render_stories", "stats_lines"]


def render_hits(hits: Sequence[Mapping[str, Any]], console: Console) -> None:
    """The search results (``Hit.to_dict()`` each) as a table that fits the terminal."""
    if not hits:
        console.print("no candidate sources in the index")
        return
    rows = []
    for n, h in enumerate(hits, 1):
        cov = h["coverage"] or {}
        rows.append(
            [
                str(n),
                h["id"],
                h["verdict"] or "-",
                f"{h['p_source']:.0%}" if h.get("p_source") is not None else "-",
                f"{cov['b_in_a']:.0%}" if cov else "-",
                f"{cov['a_in_b']:.0%}" if cov else "-",
                f"{h['similarity']:.2f}" if h["similarity"] is not None else "-",
            ]
        )
    heads = ["#", "id", "verdict", "source", "query in it", "it in query", "similarity"]
    widths = [max(len(x) for x in col) for col in zip(heads, *rows, strict=True)]
    # the figures never wrap; an id (often a path or URL) folds when the
    # terminal is narrow; titles get what is left, cut short, or no column
    id_width = max(12, min(widths[1], 40))
    room = console.width - sum(widths) + widths[1] - id_width - 2 * len(heads)
    titled = room >= 12 and any(h.get("title") for h in hits)
    t = Table(box=None, pad_edge=False)
    for head in heads:
        if head == "id":
            t.add_column(head, overflow="fold", min_width=12)
        else:
            t.add_column(head, no_wrap=True)
    if titled:
        t.add_column("title", overflow="ellipsis", no_wrap=True, max_width=min(60, room))
    for row, h in zip(rows, hits, strict=True):
        t.add_row(*row, *([h.get("title") or ""] if titled else []))
    console.print(t)
    # what a copy did to its source's byline and credits: the licensing question
    for n, h in enumerate(hits, 1):
        for line in h.get("credits") or ():
            console.print(f"#{n} credit: {escape(line)}", highlight=False)


def stats_lines(st: Mapping[str, Any]) -> list[str]:
    """An index's statistics (``Index.stats()``) as aligned lines of text."""
    dups = st["duplicates"]
    ivf = st["ivf"]["sentences"]
    fast = (
        f"IVF over {ivf['rows']} sentence rows ({ivf['segments']} segments), exact beyond"
        if ivf["segments"]
        else "exact"
    )
    return [
        f"index       {st['path']}",
        f"documents   {st['documents']} ({st['removed']} removed)",
        f"sentences   {st['sentences']}",
        f"duplicates  {dups.get('exact', 0)} exact, {dups.get('near', 0)} near",
        f"encoder     {st['encoder']} ({st['dim']} dimensions)",
        f"search      {fast}",
        f"disk        {st['total_bytes'] / 1e6:.1f} MB",
    ]


def render_stories(found: Sequence[Story], arts: Mapping[str, Article], console: Console) -> None:
    """Stories (``StoryBook.stories()``) as one table each: articles by publication time,
    with the source each was derived from."""
    if not found:
        console.print("No stories yet: no two articles in the index relate to each other.")
        return
    for s in found:
        table = Table(title=f"{escape(s.label)}  [dim]{s.id}[/dim]", title_justify="left")
        table.add_column("published", no_wrap=True)
        table.add_column("article")
        table.add_column("derived from")
        parent = {e.target: e for e in s.edges}
        for m in sorted(s.articles, key=lambda x: (arts[x].published or "~", x)):
            e = parent.get(m)
            table.add_row(
                arts[m].published or "—",
                escape(m),
                escape(f"{e.source} ({e.verdict}, {e.coverage:.0%})") if e else "[dim]—[/dim]",
            )
        console.print(table)
        # what each copy did to its source's credits, as under a search's table
        for e in s.edges:
            for said in e.credits or ():
                console.print(
                    f"  credit {escape(e.target)} ← {escape(e.source)}: {escape(said)}",
                    highlight=False,
                    soft_wrap=True,
                )
