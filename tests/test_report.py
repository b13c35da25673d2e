"""Tests for the terminal and HTML renderers, on reports built by hand."""

from __future__ import annotations

import dataclasses
import io
import re
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from retold.report import render_html, render_terminal
from retold.types import (
    AlignKind,
    Alignment,
    BoilerplateBlock,
    Change,
    Coverage,
    Document,
    Passage,
    Report,
)

A_TEXT = (
    "Officials said <script>alert('x')</script> & <b>more</b> on Tuesday.\n"
    "The mayor said “we will rebuild every home” at the café.\n\n"
    "Costs reached $5 million, officials said. Residents 😀 cheered in שלום square.\n"
    "Read more at example.com [bold]not markup[/bold]"
)
B_TEXT = (
    "Advertisement\n\n"
    "Officials said <script>alert('x')</script> & <b>more</b> on Tuesday.\n"
    "The mayor said “we will rebuild” at the café.\n"
    "Costs reached $7 million, officials said. 漢字 readers wrote in.\n"
    "Residents 😀 cheered in שלום square."
)


def span(text: str, sub: str, start: int = 0) -> tuple[int, int]:
    i = text.find(sub, start)
    assert i >= 0, sub
    return (i, i + len(sub))


def make_report(**over: object) -> Report:
    a, b = A_TEXT, B_TEXT
    s1 = "Officials said <script>alert('x')</script> & <b>more</b> on Tuesday."
    s2a = "The mayor said “we will rebuild every home” at the café."
    s2b = "The mayor said “we will rebuild” at the café."
    s3a = "Costs reached $5 million, officials said."
    s3b = "Costs reached $7 million, officials said."
    s4 = "Residents 😀 cheered in שלום square."
    alignments = [
        Alignment(span(a, s1), span(b, s1), (0,), (0,), "verbatim", 1.0),
        Alignment(span(a, s2a), span(b, s2b), (1,), (1,), "near-verbatim", 0.91),
        # A 2-1 alignment overlapping the next one on the B side, on purpose.
        Alignment(
            (span(a, s3a)[0], span(a, s4)[1]),
            (span(b, s3b)[0], span(b, "Residents 😀")[1]),
            (2, 3),
            (2,),
            "paraphrase",
            0.74,
        ),
        Alignment(span(a, s4), span(b, s4), (3,), (4,), "verbatim", 0.99),
    ]
    changes = [
        Change(
            "number",
            span(a, "$5 million"),
            span(b, "$7 million"),
            "$5 million",
            "$7 million",
            "5 → 7",
        ),
        Change(
            "quote",
            span(a, "“we will rebuild every home”"),
            span(b, "“we will rebuild”"),
            "“we will rebuild every home”",
            "“we will rebuild”",
            "quote shortened",
        ),
        # A change crossing an alignment boundary: must not break the nesting.
        Change(
            "name",
            (span(a, "café.")[0], span(a, "Costs")[1]),
            (span(b, "café.")[0], span(b, "Costs")[1]),
            "café.\n\nCosts",
            "café.\nCosts",
            "",
        ),
    ]
    fields: dict[str, object] = {
        "verdict": "rewrite",
        "similarity": 0.82,
        "coverage": Coverage(0.9, 0.8),
        "alignments": alignments,
        "changes": changes,
        "boilerplate_a": [BoilerplateBlock(*span(a, "Read more at example.com"), "read-more")],
        "boilerplate_b": [BoilerplateBlock(*span(b, "Advertisement"), "ad label")],
        "added": [Passage(*span(b, "漢字 readers wrote in."), (3,), "漢字 readers wrote in.")],
        "dropped": [
            Passage(
                *span(a, "[bold]not markup[/bold]"),
                (5,),
                "[bold]not markup[/bold]",
            )
        ],
        "a": Document(a, title="Original <AP>", language="en", url="https://example.com/a"),
        "b": Document(b, title="Rewrite", url="javascript:alert(1)"),
        "features": {"tfidf": 0.5},
    }
    fields.update(over)
    return Report(**fields)  # type: ignore[arg-type]


# --- an HTML checker ---------------------------------------------------------------

VOID = {"meta", "br", "link", "img", "hr", "input", "wbr"}


class Checker(HTMLParser):
    """Checks nesting and records, per side, the text under each alignment id and class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.errors: list[str] = []
        self.scripts = 0
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.by_al: dict[tuple[str, str], list[str]] = {}
        self.by_class: dict[tuple[str, str], list[str]] = {}
        self.side_text: dict[str, list[str]] = {"a": [], "b": []}
        self.table_text: list[str] = []
        self.titles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v or "" for k, v in attrs}
        self.tags.append((tag, d))
        if tag == "script":
            self.scripts += 1
        if "title" in d:
            self.titles.append(d["title"])
        side = self._side()
        if side and tag in {"br", "p"}:
            self.side_text[side].append(" ")
        if tag not in VOID:
            self.stack.append((tag, d))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()

    def _side(self) -> str:
        for _, d in self.stack:
            cls = d.get("class", "").split()
            if "side-a" in cls:
                return "a"
            if "side-b" in cls:
                return "b"
        return ""

    def handle_data(self, data: str) -> None:
        side = self._side()
        if any(t == "table" for t, _ in self.stack):
            self.table_text.append(data)
        if not side or any(t == "h2" for t, _ in self.stack):
            return
        self.side_text[side].append(data)
        for _, d in self.stack:
            for al in d.get("data-al", "").split():
                self.by_al.setdefault((side, al), []).append(data)
            for c in d.get("class", "").split():
                self.by_class.setdefault((side, c), []).append(data)


def check(html: str) -> Checker:
    c = Checker()
    c.feed(html)
    c.close()
    assert not c.errors, c.errors[:5]
    assert not c.stack, c.stack
    return c


def flat(s: str) -> str:
    return " ".join(s.split())


def bare(parts: list[str]) -> str:
    return "".join("".join(parts).split())


def joined(parts: list[str]) -> str:
    return flat("".join(parts))


# --- HTML ---------------------------------------------------------------------------


def test_html_is_well_nested_and_self_contained() -> None:
    html = render_html(make_report(), title="My <report>")
    c = check(html)
    assert html.startswith("<!DOCTYPE html>")
    assert ("meta", {"name": "generator", "content": "retold"}) in c.tags
    assert any(t == "html" and d.get("lang") for t, d in c.tags)
    assert "<title>My &lt;report&gt;</title>" in html
    assert "@media print" in html
    # No external assets: nothing is loaded from anywhere.
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", html)
    assert c.scripts == 1


def test_every_alignment_is_highlighted_on_both_sides() -> None:
    report = make_report()
    c = check(render_html(report))
    for i, al in enumerate(report.alignments, 1):
        for side, text, sp in (("a", report.a.text, al.a), ("b", report.b.text, al.b)):
            assert bare(c.by_al[(side, str(i))]) == bare([text[sp[0] : sp[1]]])
            assert any(d.get("id") == f"{side}-al-{i}" for _, d in c.tags)
    # The overlap of alignments 3 and 4 on the B side is one run carrying both ids.
    overlap = [d for _, d in c.tags if d.get("data-al") == "3 4"]
    assert overlap and "k-paraphrase" in overlap[0]["class"] and "k-verbatim" in overlap[0]["class"]
    assert joined(c.by_al[("b", "3")]).endswith("Residents 😀")


def test_side_texts_are_complete() -> None:
    report = make_report()
    c = check(render_html(report))
    assert joined(c.side_text["a"]) == flat(report.a.text)
    assert joined(c.side_text["b"]) == flat(report.b.text)


def test_html_escapes_article_text() -> None:
    html = render_html(make_report())
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html or (
        "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    )
    assert "<b>more" not in html
    assert 'href="javascript:' not in html  # non-web URLs are shown, never linked
    assert 'href="https://example.com/a"' in html


def test_changes_marked_inline_and_tabled_quotes_first() -> None:
    report = make_report()
    html = render_html(report)
    c = check(html)
    assert joined(c.by_class[("a", "change-quote")]) == "“we will rebuild every home”"
    assert joined(c.by_class[("b", "change-quote")]) == "“we will rebuild”"
    assert joined(c.by_class[("a", "change-number")]) == "$5 million"
    # The tooltip on each side shows the other side's text.
    assert any("B: “we will rebuild”" in t for t in c.titles)
    assert any("A: $5 million" in t for t in c.titles)
    assert all(t == "mark" for t, d in c.tags if "change" in d.get("class", "").split())
    table = "".join(c.table_text)
    for ch in report.changes:
        assert flat(ch.a_text) in flat(table)
        assert flat(ch.b_text) in flat(table)
    rows = re.findall(r'<tr class="row-(\w+)"', html)
    assert rows == ["quote", "number", "name"]


def test_added_dropped_and_boilerplate_styled() -> None:
    c = check(render_html(make_report()))
    assert joined(c.by_class[("b", "added")]) == "漢字 readers wrote in."
    assert joined(c.by_class[("a", "dropped")]) == "[bold]not markup[/bold]"
    assert joined(c.by_class[("a", "boiler")]) == "Read more at example.com"
    assert joined(c.by_class[("b", "boiler")]) == "Advertisement"
    assert any(t == "boilerplate: ad label" for t in c.titles)


@pytest.mark.parametrize(
    ("a_source", "note"),
    [
        (0.9, "B is rewritten from A"),
        (0.1, "A is rewritten from B"),
        (0.52, "one is rewritten from the other"),
    ],
)
def test_rewrite_note_follows_the_direction(a_source: float, note: str) -> None:
    """The verdict box names the source the decision picked, as its reason does."""
    report = make_report(probabilities={"derived": 0.99, "a_is_source": a_source})
    assert f"<small>{note}</small>" in render_html(report)


def test_newlines_become_breaks_and_paragraphs() -> None:
    html = render_html(make_report())
    text_a = html.split('class="side side-a"', 1)[1].split('class="side side-b"', 1)[0]
    assert "<br>" in text_a
    assert '</p>\n<p dir="auto">' in text_a


def test_unicode_survives() -> None:
    html = render_html(make_report())
    for s in ("café", "😀", "שלום", "漢字", "“we will rebuild”"):
        assert s in html
    assert 'lang="en"' in html


def test_empty_report_renders() -> None:
    report = make_report(
        alignments=[],
        changes=[],
        added=[],
        dropped=[],
        boilerplate_a=[],
        boilerplate_b=[],
        verdict="unrelated",
        similarity=0.0,
        coverage=Coverage(0.0, 0.0),
    )
    html = render_html(report)
    c = check(html)
    assert "No changes found." in html
    assert not c.by_al
    assert joined(c.side_text["a"]) == flat(report.a.text)
    console = Console(record=True, width=80, color_system=None)
    render_terminal(report, console)
    assert "unrelated" in console.export_text()


def test_empty_texts_and_bad_spans_render() -> None:
    report = make_report(
        a=Document(""),
        b=Document("\n\n"),
        alignments=[Alignment((5, 2), (-3, 99), (0,), (0,), "paraphrase", 0.5)],
        changes=[Change("date", (0, 10), (0, 0), "x", "y")],
        added=[],
        dropped=[],
        boilerplate_a=[],
        boilerplate_b=[],
    )
    check(render_html(report))
    render_terminal(report, Console(record=True, width=80, color_system=None))


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="ab <&>\"'\n\r\u2029é😀ש", max_size=60),
    st.lists(st.tuples(st.integers(-2, 65), st.integers(-2, 65), st.integers(0, 3)), max_size=12),
)
def test_random_overlapping_spans_stay_well_nested(
    text: str, spans: list[tuple[int, int, int]]
) -> None:
    als, chs, psg, bps = [], [], [], []
    for s, e, k in spans:
        if k == 0:
            als.append(Alignment((s, e), (s, e), (0,), (0,), "paraphrase", 0.5))
        elif k == 1:
            chs.append(Change("quote", (s, e), (s, e), text[s:e], text[s:e]))
        elif k == 2:
            psg.append(Passage(s, e, (0,), text[s:e]))
        else:
            bps.append(BoilerplateBlock(s, e, "why"))
    doc = Document(text)
    report = make_report(
        a=doc,
        b=doc,
        alignments=als,
        changes=chs,
        added=psg,
        dropped=psg,
        boilerplate_a=bps,
        boilerplate_b=bps,
    )
    c = check(render_html(report))
    normal = flat(text.replace("\0", "\ufffd"))
    assert joined(c.side_text["a"]) == normal
    for i, al in enumerate(als, 1):
        s, e = max(0, al.a[0]), min(len(text), al.a[1])
        if s < e and text[s:e].strip():
            # Line breaks fall between runs, so compare without whitespace.
            assert bare(c.by_al[("a", str(i))]) == bare([text[s:e].replace("\0", "\ufffd")])


def _megabyte_report(size: int) -> tuple[Report, int]:
    sentence = "The council voted 7-2 on Tuesday to approve the <new> budget & plan. "
    para = sentence * 8 + "\n\n"
    text = para * (size // len(para) + 1)
    als, chs = [], []
    pos = 0
    k = 0
    while True:
        i = text.find(sentence, pos)
        if i < 0:
            break
        sp = (i, i + len(sentence) - 1)
        kind: AlignKind = ("verbatim", "near-verbatim", "paraphrase")[k % 3]
        als.append(Alignment(sp, sp, (k,), (k,), kind, 0.9))
        if k % 5 == 0:
            n = (i + 18, i + 21)
            chs.append(Change("number", n, n, "7-2", "7-2"))
        pos, k = sp[1], k + 1
    doc = Document(text)
    return make_report(a=doc, b=doc, alignments=als, changes=chs, added=[], dropped=[]), len(als)


def _lines_run(fn: Callable[[], object]) -> int:
    """How many lines of Python ``fn`` runs (calls and lines, as a tracer sees them)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


def test_html_grows_linearly_to_a_megabyte() -> None:
    """A quadratic step would make 4x the text cost 16x; linear costs 4x.

    The work is counted (lines of Python run), not timed: a count is the same on
    a busy machine. The wall-clock ratio, which also sees work done inside C
    (a slice or a search per alignment), is printed by benchmarks/bench_report.py.
    """
    small, n_small = _megabyte_report(250_000)
    big, n_big = _megabyte_report(1_000_000)
    assert len(big.a.text) >= 1_000_000
    html = render_html(big)
    assert html.count("data-al=") >= 2 * n_big

    ratio = _lines_run(lambda: render_html(big)) / _lines_run(lambda: render_html(small))
    # measured 3.99 (the texts' ratio of alignments is 3.99)
    assert ratio < 1.25 * n_big / n_small, f"4x the text ran {ratio:.2f}x the lines"


# --- terminal -----------------------------------------------------------------------


def render_text(report: Report, *, verbose: bool = False, width: int = 80) -> str:
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    render_terminal(report, console, verbose=verbose)
    return console.export_text()


@pytest.mark.parametrize("verbose", [False, True])
def test_terminal_fits_80_columns(verbose: bool) -> None:
    out = render_text(make_report(), verbose=verbose)
    assert out.strip()
    wide = [line for line in out.splitlines() if cell_len(line) > 80]
    assert not wide, wide
    assert "\x1b[" not in out


def test_terminal_shows_verdict_quotes_first_and_literal_text() -> None:
    out = render_text(make_report())
    assert "rewrite" in out
    assert "82%" in out and "90%" in out and "80%" in out
    assert "we will rebuild every home" in flat(out)
    assert "“we will rebuild”" in out
    # The changes table lists the quote before the number and the name.
    assert out.index("quote") < out.index("number") < out.index("name")
    # Sections come in the order a journalist reads them.
    order = ["verdict", "Changes", "Alignments", "Added", "Dropped", "Boilerplate"]
    assert [out.index(s) for s in order] == sorted(out.index(s) for s in order)
    assert "[bold]not markup[/bold]" in out  # article brackets are not console markup
    assert "ad label" in out and "read-more" in out
    assert "😀" in out and "漢字" in out and "שלום" in out


def test_terminal_shortens_unless_verbose() -> None:
    long = " ".join(f"word{i}" for i in range(200)) + "."
    doc = Document(long)
    al = Alignment((0, len(long)), (0, len(long)), (0,), (0,), "verbatim", 1.0)
    report = make_report(
        a=doc,
        b=doc,
        alignments=[al],
        changes=[],
        added=[],
        dropped=[],
        boilerplate_a=[],
        boilerplate_b=[],
    )
    short = render_text(report)
    full = render_text(report, verbose=True)
    assert "word199." in short and "…" in short and "word100 " not in flat(short)
    assert "word100 " in flat(full)
    assert "= A" in short  # identical verbatim sides are not printed twice


def test_terminal_handles_long_unbroken_tokens() -> None:
    url = "https://example.com/" + "x" * 150
    text = f"See {url} for more."
    doc = Document(text)
    al = Alignment((0, len(text)), (0, len(text)), (0,), (0,), "paraphrase", 0.7)
    ch = Change("name", span(text, url), span(text, url), url, url + "y", "url")
    report = make_report(
        a=doc,
        b=doc,
        alignments=[al],
        changes=[ch],
        added=[],
        dropped=[],
        boilerplate_a=[],
        boilerplate_b=[],
    )
    for verbose in (False, True):
        out = render_text(report, verbose=verbose)
        assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_terminal_shows_when_each_page_says_it_was_published() -> None:
    report = make_report(
        a=Document(A_TEXT, title="Original", date="2026-01-08"),
        b=Document(B_TEXT, title="Rewrite"),
    )
    lines = render_text(report).splitlines()
    a_line = next(line for line in lines if "Original" in line)
    b_line = next(line for line in lines if "Rewrite" in line and "chars" in line)
    assert "(2026-01-08, " in a_line and "chars)" in a_line
    assert "2026" not in b_line  # no date given, none shown


def test_a_moved_passage_is_marked_in_every_output() -> None:
    base = make_report()
    als = list(base.alignments)
    als[1] = dataclasses.replace(als[1], moved=True)
    report = make_report(alignments=als)
    assert [al["moved"] for al in report.to_dict()["alignments"]] == [False, True, False, False]
    out, before = render_text(report), render_text(base)
    assert "(1 moved)" in out and "(1 moved)" not in before
    header = next(line for line in out.splitlines() if "#2" in line)
    assert "moved" in header
    html, plain = render_html(report), render_html(base)
    for side in "ab":
        assert f'id="{side}-al-2" class="num moved" data-n="2\u2195"' in html
    assert "1 moved</span>" in html and "1 moved</span>" not in plain
    assert not re.search(r'id="[ab]-al-\d+" class="num moved"', plain)


def test_a_loose_alignment_is_marked_in_every_output() -> None:
    base = make_report()
    als = list(base.alignments)
    als[2] = dataclasses.replace(als[2], loose=True)
    report = make_report(alignments=als)
    assert [al["loose"] for al in report.to_dict()["alignments"]] == [False, False, True, False]
    out, before = render_text(report), render_text(base)
    assert "(1 loose)" in out and "loose" not in before
    header = out.split("#3", 1)[1].split("#4", 1)[0]
    assert "loose: paired by the names" in header
    html, plain = render_html(report), render_html(base)
    # both sides' spans of alignment 3 carry the class (a change splits a span), and the
    # summary counts it
    assert len(re.findall(r'class="al k-\w[\w-]* loose"', html)) >= 2
    assert "1 loose</span>" in html
    assert ' loose"' not in plain and " loose</span>" not in plain
