"""Terminal report: verdict first, then changed quotes, then the detail.

Every piece of article text goes through :class:`rich.text.Text`, never through
console markup, so brackets or emoji codes in an article print as they are.
"""

from __future__ import annotations

import re
from itertools import pairwise

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from retold.report._common import (
    ALIGN_KINDS,
    LOOSE_NOTE,
    alignment_counts,
    excerpt_ranges,
    loose_count,
    moved_count,
    ordered_changes,
)
from retold.types import Report

__all__ = ["render_terminal"]

KIND_STYLE = {
    "verbatim": "red",
    "near-verbatim": "yellow",
    "paraphrase": "cyan",
    "added": "green",
    "dropped": "magenta",
    "change": "bold underline",
    "boilerplate": "dim",
}
VERDICT_STYLE = {
    "duplicate": "bold white on red",
    "near-duplicate": "bold white on dark_orange3",
    "rewrite": "bold black on yellow",
    "same-story": "bold white on blue",
    "unrelated": "bold white on grey37",
}
CHANGE_STYLE = {"quote": "bold red", "credit": "bold yellow", "negation": "bold magenta"}

#: Characters of article text kept per excerpt when not verbose.
EXCERPT = 160
TABLE_EXCERPT = 120
BOILER_EXCERPT = 60

_WS = re.compile(r"\s+")


def _excerpt(
    text: str,
    span: tuple[int, int],
    marks: list[tuple[int, int]],
    limit: int | None,
) -> Text:
    """``text[span]`` on one line, shortened to ``limit`` unless None, with ``marks`` styled."""
    start, end = max(0, span[0]), min(len(text), span[1])
    ranges = excerpt_ranges(text, start, end, limit or max(1, end - start))
    out = Text()
    for r, (s, e) in enumerate(ranges):
        if r:
            out.append(" … ", style="dim")
        # Cut the range at mark edges so each piece is styled or not, then collapse
        # whitespace per piece (offsets inside the Text no longer matter after that).
        cuts = sorted({s, e, *(x for m in marks for x in m if s < x < e)})
        for p, q in pairwise(cuts):
            piece = _WS.sub(" ", text[p:q])
            if out.plain.endswith(" ") and piece.startswith(" "):
                piece = piece[1:]
            marked = any(ms < q and me > p for ms, me in marks)
            out.append(piece, style=KIND_STYLE["change"] if marked else "")
    return out


def _header(report: Report) -> Panel:
    verdict = Text.assemble(
        ("verdict ", "bold"),
        (f" {report.verdict} ", VERDICT_STYLE.get(report.verdict, "bold")),
    )
    stats = Text.assemble(
        ("similarity ", "dim"),
        (f"{report.similarity:.0%}", "bold"),
        ("   A covered by B ", "dim"),
        (f"{report.coverage.a_in_b:.0%}", "bold"),
        ("   B covered by A ", "dim"),
        (f"{report.coverage.b_in_a:.0%}", "bold"),
    )
    counts = alignment_counts(report)
    aligned = Text.assemble(("aligned ", "dim"), (str(len(report.alignments)), "bold"))
    for k in ALIGN_KINDS:
        aligned.append("  ")
        aligned.append(f"{counts[k]} {k}", style=KIND_STYLE[k])
    moved = moved_count(report)
    if moved:
        aligned.append(f"  ({moved} moved)", style="bold")
    loose = loose_count(report)
    if loose:
        aligned.append(f"  ({loose} loose)", style="dim")
    other = Text.assemble(
        (f"{len(report.added)} added", KIND_STYLE["added"]),
        ("  "),
        (f"{len(report.dropped)} dropped", KIND_STYLE["dropped"]),
        ("  "),
        (f"{len(report.changes)} changes", "bold"),
        ("  "),
        (
            f"{len(report.boilerplate_a)}+{len(report.boilerplate_b)} boilerplate blocks",
            KIND_STYLE["boilerplate"],
        ),
    )
    docs = Text()
    for side, doc in (("A", report.a), ("B", report.b)):
        name = doc.title or doc.id or doc.url or doc.source
        if docs:
            docs.append("\n")
        docs.append(f"{side} ", style="bold")
        docs.append(_WS.sub(" ", name).strip(), style="italic")
        # a page's publication date, when it gave one: which came first is
        # the first thing a reader checks of two articles
        dated = f"{doc.date}, " if doc.date else ""
        docs.append(f"  ({dated}{len(doc.text):,} chars)", style="dim")
    parts = [verdict, stats, aligned, other, docs]
    if report.why:
        parts.insert(1, Text(report.why, style="italic"))
    return Panel(
        Group(*parts),
        title="retold",
        title_align="left",
        box=box.ROUNDED,
    )


def _changes(report: Report, limit: int | None) -> Table | Text:
    if not report.changes:
        return Text("No changes found.", style="dim")
    table = Table(
        title="Changes",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_lines=False,
        expand=True,
        pad_edge=False,
    )
    table.add_column("kind", no_wrap=True)
    table.add_column("A", ratio=3)
    table.add_column("B", ratio=3)
    table.add_column("detail", ratio=2)
    for _, ch in ordered_changes(report):
        short = _WS.sub(" ", ch.a_text).strip(), _WS.sub(" ", ch.b_text).strip()
        a, b = (Text(_shorten(s, limit)) for s in short)
        table.add_row(Text(ch.kind, style=CHANGE_STYLE.get(ch.kind, "bold")), a, b, ch.detail)
    return table


def _shorten(s: str, limit: int | None) -> str:
    if limit is None:
        return s
    return " … ".join(s[p:q] for p, q in excerpt_ranges(s, 0, len(s), limit))


def _alignments(report: Report, limit: int | None) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(justify="right", width=4, no_wrap=True)
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(ratio=1)
    a_marks = [c.a for c in report.changes]
    b_marks = [c.b for c in report.changes]
    for i, al in enumerate(report.alignments, 1):
        label = Text.assemble((al.kind, KIND_STYLE[al.kind]), (f"  {al.score:.2f}", "dim"))
        if al.moved:
            label.append("  moved", style="bold")
        if al.loose:
            label.append(f"  loose: {LOOSE_NOTE}", "dim")
        grid.add_row(Text(f"#{i}", style="bold"), "", label)
        a = _excerpt(report.a.text, al.a, a_marks, limit)
        b = _excerpt(report.b.text, al.b, b_marks, limit)
        grid.add_row("", Text("A", style="bold"), a)
        # A verbatim pair reads the same twice; say so instead of repeating it.
        same = a.plain == b.plain and limit is not None
        grid.add_row("", Text("B", style="bold"), Text("= A", style="dim") if same else b)
    return grid


def _passages(report: Report, limit: int | None) -> list[Table | Text]:
    out: list[Table | Text] = []
    for title, side, passages, style in (
        ("Added (only in B)", "B", report.added, KIND_STYLE["added"]),
        ("Dropped (only in A)", "A", report.dropped, KIND_STYLE["dropped"]),
    ):
        if not passages:
            continue
        out.append(Text(f"\n{title}: {len(passages)}", style=f"bold {style}"))
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=1, no_wrap=True)
        grid.add_column(ratio=1)
        text = report.b.text if side == "B" else report.a.text
        sign = "+" if side == "B" else "-"
        for p in passages:
            grid.add_row(Text(sign, style=style), _excerpt(text, p.span, [], limit))
        out.append(grid)
    return out


def _boilerplate(report: Report, limit: int | None) -> list[Table | Text]:
    blocks = [("A", report.a.text, b) for b in report.boilerplate_a]
    blocks += [("B", report.b.text, b) for b in report.boilerplate_b]
    if not blocks:
        return []
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(max_width=20)  # reasons are short labels
    grid.add_column(ratio=1)
    for side, text, b in blocks:
        excerpt = _excerpt(text, b.span, [], limit and BOILER_EXCERPT)
        excerpt.stylize(KIND_STYLE["boilerplate"])
        grid.add_row(Text(side, style="bold"), Text(b.reason), excerpt)
    return [Text(f"\nBoilerplate excluded: {len(blocks)}", style="bold"), grid]


def render_terminal(report: Report, console: Console, *, verbose: bool = False) -> None:
    """Print the report: header with the verdict, changes, alignments, added/dropped, boilerplate.

    Texts are shortened unless ``verbose``; colours follow the console (NO_COLOR, pipes).
    """
    limit = None if verbose else EXCERPT
    console.print(_header(report))
    console.print(_changes(report, None if verbose else TABLE_EXCERPT))
    if report.alignments:
        console.print(Text("\nAlignments", style="bold"))
        console.print(_alignments(report, limit))
    else:
        console.print(Text("\nNo aligned passages.", style="dim"))
    for part in (*_passages(report, limit), *_boilerplate(report, limit)):
        console.print(part)
    if verbose and report.features:
        feats = Text("\nFeatures: ", style="bold")
        feats.append(", ".join(f"{k}={v:.3f}" for k, v in sorted(report.features.items())))
        console.print(feats)
