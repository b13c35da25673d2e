"""Self-contained HTML report: both articles side by side, alignments highlighted.

The texts are cut into flat runs at every span boundary and every line break;
each run becomes one element carrying the classes of all spans covering it.
No element ever contains another highlight element, so overlapping spans
cannot mis-nest tags, and the work is linear in the text plus the spans.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from retold.report._common import (
    ALIGN_KINDS,
    LOOSE_NOTE,
    alignment_counts,
    clamp,
    loose_count,
    moved_count,
    ordered_changes,
    shorten,
)
from retold.types import Document, Report

__all__ = ["render_html"]

# A line break and the whitespace after it; starting at the break char keeps the
# regex linear (no backtracking over long runs of spaces).
_BREAK = re.compile(r"[\n\r\u2028\u2029\x85][\s]*")
_NEWLINES = re.compile(r"\r\n|[\n\r\u2028\u2029\x85]")

_VERDICT_NOTE = {
    "duplicate": "B is a copy of A",
    "near-duplicate": "B is A with light edits",
    "rewrite": "B is rewritten from A",
    "same-story": "same story, independently written",
    "unrelated": "no meaningful overlap",
}


@dataclass(slots=True)  # not frozen: frozen init is slow and there are many of these
class _Layer:
    """One highlighted span on one side."""

    start: int
    end: int
    classes: str
    title: str
    al: int = 0  # alignment id, 0 if none
    mark: bool = False  # a change: rendered as <mark>
    anchor: str = ""  # id of a zero-width anchor placed at the start
    number: int = 0  # alignment number shown at the start
    moved: bool = False  # an alignment out of the two texts' common order: its number says so


def _e(s: str) -> str:
    return escape(s, quote=True)


def _layers(report: Report, side: str) -> list[_Layer]:
    doc = report.a if side == "a" else report.b
    n = len(doc.text)
    other = "B" if side == "a" else "A"
    out: list[_Layer] = []
    for i, al in enumerate(report.alignments, 1):
        span = clamp(al.a if side == "a" else al.b, n)
        if span:
            out.append(
                _Layer(
                    *span,
                    classes=f"al k-{al.kind}"
                    + (" moved" if al.moved else "")
                    + (" loose" if al.loose else ""),
                    title=f"#{i} {al.kind} {al.score:.2f}"
                    + (" · moved" if al.moved else "")
                    + (f" · loose: {LOOSE_NOTE}" if al.loose else ""),
                    al=i,
                    anchor=f"{side}-al-{i}",
                    number=i,
                    moved=al.moved,
                )
            )
    for j, ch in enumerate(report.changes, 1):
        span = clamp(ch.a if side == "a" else ch.b, n)
        if span:
            theirs = ch.b_text if side == "a" else ch.a_text
            title = f"{ch.kind} · {other}: {shorten(theirs, 160) or '(nothing)'}"
            if ch.detail:
                title += f" · {ch.detail}"
            out.append(
                _Layer(
                    *span,
                    classes=f"change change-{ch.kind}",
                    title=title,
                    mark=True,
                    anchor=f"{side}-ch-{j}",
                )
            )
    passages = report.dropped if side == "a" else report.added
    cls, note = ("dropped", "only in A") if side == "a" else ("added", "only in B")
    for p in passages:
        span = clamp(p.span, n)
        if span:
            out.append(_Layer(*span, classes=cls, title=note))
    for b in report.boilerplate_a if side == "a" else report.boilerplate_b:
        span = clamp(b.span, n)
        if span:
            out.append(_Layer(*span, classes="boiler", title=f"boilerplate: {b.reason}"))
    return out


def _open_tag(layers: list[_Layer], active: Set[int]) -> tuple[str, str]:
    """The opening and closing tag for a run covered by ``active`` layers."""
    if len(active) == 1:  # the common case, kept cheap for big texts
        (la,) = (layers[k] for k in active)
        tag = "mark" if la.mark else "span"
        al = f' data-al="{la.al}"' if la.al else ""
        return f'<{tag} class="{la.classes}"{al} title="{_e(la.title)}">', f"</{tag}>"
    on = [layers[k] for k in sorted(active)]
    classes = " ".join(dict.fromkeys(c for la in on for c in la.classes.split()))
    title = "\n".join(la.title for la in on if not la.al) or "\n".join(la.title for la in on)
    als = " ".join(str(la.al) for la in on if la.al)
    tag = "mark" if any(la.mark for la in on) else "span"
    attrs = f' class="{classes}"'
    if als:
        attrs += f' data-al="{als}"'
    if title:
        attrs += f' title="{_e(title)}"'
    return f"<{tag}{attrs}>", f"</{tag}>"


def _render_text(text: str, layers: list[_Layer]) -> str:
    """The text as paragraphs of flat runs, each run tagged with the layers covering it."""
    text = text.replace("\0", "\ufffd")  # NUL is invalid in HTML; same length keeps offsets
    n = len(text)
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    markers: dict[int, list[str]] = {}
    for k, la in enumerate(layers):
        starts.setdefault(la.start, []).append(k)
        ends.setdefault(la.end, []).append(k)
        if la.anchor:
            attrs = f' id="{la.anchor}"'
            if la.number:
                shown, cls = (
                    (f"{la.number}\u2195", "num moved") if la.moved else (f"{la.number}", "num")
                )
                attrs += f' class="{cls}" data-n="{shown}" data-al="{la.al}"'
            markers.setdefault(la.start, []).append(f"<span{attrs}></span>")
    breaks: dict[int, tuple[int, str]] = {}
    for m in _BREAK.finditer(text):
        lines = len(_NEWLINES.findall(m.group()))
        para = lines > 1 or "\u2029" in m.group()
        breaks[m.start()] = (m.end(), '</p>\n<p dir="auto">' if para else "<br>\n")
    bounds = sorted({0, n, *starts, *ends, *breaks, *(e for e, _ in breaks.values())})
    out = ['<p dir="auto">']
    active: set[int] = set()
    tags: dict[int | frozenset[int], tuple[str, str]] = {}
    in_break_until = -1
    for p, q in pairwise(bounds):
        for k in ends.get(p, ()):
            active.discard(k)
        active.update(starts.get(p, ()))
        if p in breaks:
            in_break_until, html_break = breaks[p]
            out.append(html_break)
        out.extend(markers.get(p, ()))
        if p < in_break_until:
            continue  # whitespace of a line break, already rendered as the break
        chunk = text[p:q].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if active:
            key: int | frozenset[int] = (
                next(iter(active)) if len(active) == 1 else frozenset(active)
            )
            tag = tags.get(key)
            if tag is None:
                tag = tags[key] = _open_tag(layers, key if isinstance(key, frozenset) else {key})
            out += (tag[0], chunk, tag[1])
        else:
            out.append(chunk)
    out.append("</p>")
    return "".join(out)


def _doc_label(doc: Document, side: str) -> str:
    name = doc.title or doc.id or doc.url or doc.source
    meta = [_e(x) for x in (doc.byline, doc.date, doc.source) if x]
    if doc.url and doc.url.startswith(("http://", "https://")):
        # Only web links become links: a javascript: URL in input must stay inert text.
        meta.insert(0, f'<a href="{_e(doc.url)}" rel="noopener noreferrer">{_e(doc.url)}</a>')
    elif doc.url:
        meta.insert(0, _e(doc.url))
    meta.append(f"{len(doc.text):,} chars")
    return (
        f'<span class="side-tag">{side}</span> {_e(name)}'
        f'<span class="meta">{" · ".join(meta)}</span>'
    )


def _bar(label: str, value: float) -> str:
    pct = max(0.0, min(1.0, value)) * 100
    return (
        f'<div class="stat"><span class="lbl">{label}</span>'
        f'<span class="bar"><span style="width:{pct:.1f}%"></span></span>'
        f"<b>{pct:.0f}%</b></div>"
    )


def _summary(report: Report) -> str:
    counts = alignment_counts(report)
    n_al = len(report.alignments)
    kinds = " · ".join(
        f'<span class="chip k-{k}">{counts[k]} {k}</span>' for k in ALIGN_KINDS if counts[k]
    )
    moved = moved_count(report)
    if moved:
        kinds += f' <span class="chip moved-chip">{moved} moved</span>'
    loose = loose_count(report)
    if loose:
        kinds += f' <span class="chip loose-chip" title="{LOOSE_NOTE}">{loose} loose</span>'
    added_s = sum(len(p.sentences) for p in report.added)
    dropped_s = sum(len(p.sentences) for p in report.dropped)
    note = _VERDICT_NOTE.get(report.verdict, "")
    if report.verdict == "rewrite" and report.probabilities:
        # the note follows the learned direction, as the reason below it does
        note = {"a": note, "b": "A is rewritten from B"}.get(
            report.source or "", "one is rewritten from the other"
        )
    return (
        '<section class="summary">'
        f'<div class="verdict v-{_e(report.verdict)}"><span>verdict</span>'
        f"<strong>{_e(report.verdict)}</strong><small>{_e(note)}</small></div>"
        '<div class="stats">'
        + _bar("similarity", report.similarity)
        + _bar("A covered by B", report.coverage.a_in_b)
        + _bar("B covered by A", report.coverage.b_in_a)
        + "</div>"
        '<ul class="counts">'
        f"<li><b>{n_al}</b> aligned passage{'s' if n_al != 1 else ''} {kinds}</li>"
        f'<li><span class="chip added">{len(report.added)} added</span> '
        f"passages in B ({added_s} sentences)</li>"
        f'<li><span class="chip dropped">{len(report.dropped)} dropped</span> '
        f"passages of A ({dropped_s} sentences)</li>"
        f'<li><b>{len(report.changes)}</b> changes · <span class="chip boiler-chip">'
        f"{len(report.boilerplate_a)} + {len(report.boilerplate_b)} boilerplate</span> "
        "blocks excluded (A + B)</li>"
        + (f'<li class="why">{_e(report.why)}</li>' if report.why else "")
        + "</ul></section>"
    )


def _changes_table(report: Report) -> str:
    if not report.changes:
        return (
            '<section class="changes"><h2>Changes</h2>'
            '<p class="none">No changes found.</p></section>'
        )
    rows = []
    for j, ch in ordered_changes(report):
        rows.append(
            f'<tr class="row-{_e(ch.kind)}"><td><span class="ckind change-{_e(ch.kind)}">'
            f"{_e(ch.kind)}</span></td>"
            f'<td><a href="#a-ch-{j}">{_e(ch.a_text)}</a></td>'
            f'<td><a href="#b-ch-{j}">{_e(ch.b_text)}</a></td>'
            f"<td>{_e(ch.detail)}</td></tr>"
        )
    return (
        f'<section class="changes"><h2>Changes <small>({len(report.changes)})</small></h2>'
        "<table><thead><tr><th>kind</th><th>A</th><th>B</th><th>detail</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


_LEGEND = (
    '<div class="legend" aria-label="legend">'
    '<span class="al k-verbatim">verbatim</span>'
    '<span class="al k-near-verbatim">near-verbatim</span>'
    '<span class="al k-paraphrase">paraphrase</span>'
    f'<span class="legend-loose" title="{LOOSE_NOTE}">loose pair</span>'
    '<span class="dropped">dropped (only in A)</span>'
    '<span class="added">added (only in B)</span>'
    '<mark class="change change-quote">changed quote</mark>'
    '<mark class="change change-number">other change</mark>'
    '<mark class="change change-credit">credit</mark>'
    '<span class="legend-moved"><span class="num moved" data-n="\u2195"></span>moved passage</span>'
    '<span class="boiler">boilerplate</span>'
    '<span class="hint">hover or click a passage to find its counterpart</span>'
    "</div>"
)

_CSS = """
:root{--verbatim:#ffc9c9;--near:#ffe3a8;--para:#cfe0ff;--added:#c9f0c9;--dropped:#ead9ff;
--ink:#1d1d1f;--muted:#6b6b70;--line:#dcdce0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:#fafafa}
header,section,.legend{max-width:1500px;margin:0 auto;padding:0 20px}
h1{font-size:20px;margin:16px 0 4px}
h2{font-size:16px;margin:18px 0 8px}
small{color:var(--muted);font-weight:normal}
.docs{display:grid;grid-template-columns:1fr 1fr;gap:20px;color:var(--muted);font-size:13px}
.docs div{overflow-wrap:anywhere}
.side-tag{display:inline-block;background:var(--ink);color:#fff;border-radius:3px;padding:0 6px;
font-weight:700;font-size:12px}
.meta{display:block}
.summary{display:flex;flex-wrap:wrap;gap:14px 28px;align-items:center;margin-top:12px}
.verdict{display:flex;flex-direction:column;border-radius:8px;padding:8px 16px;color:#fff;
min-width:200px}
.verdict span{font-size:11px;text-transform:uppercase;letter-spacing:.08em;opacity:.85}
.verdict strong{font-size:24px;line-height:1.15}
.verdict small{color:inherit;opacity:.9}
.v-duplicate{background:#b3261e}.v-near-duplicate{background:#d9480f}.v-rewrite{background:#b7791f}
.v-same-story{background:#2b6cb0}.v-unrelated{background:#4a5568}
.stats{display:flex;flex-direction:column;gap:3px;font-size:13px}
.stat{display:flex;align-items:center;gap:8px}
.stat .lbl{width:110px;color:var(--muted)}
.bar{display:inline-block;width:140px;height:8px;background:#e5e5ea;border-radius:4px;overflow:hidden}
.bar span{display:block;height:100%;background:#555}
.counts{list-style:none;margin:0;padding:0;font-size:13px}
.counts li{margin:2px 0}
.counts li.why{white-space:pre-line}
.chip{border-radius:3px;padding:0 4px}
.boiler-chip{background:#ececef;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:14px;background:#fff}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f3;font-weight:600}
td a{color:inherit;text-decoration:none}
td a:hover{text-decoration:underline}
tr.row-quote td{background:#fff5f5}
.ckind{font-weight:600;white-space:nowrap}
.none{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:6px 10px;margin-top:16px;font-size:13px;align-items:center}
.legend>*{padding:1px 6px;border-radius:3px}
.legend .hint{color:var(--muted)}
.texts{display:grid;grid-template-columns:1fr 1fr;gap:16px;max-width:1500px;margin:10px auto 30px;
padding:0 20px}
.side{background:#fff;border:1px solid var(--line);border-radius:6px;min-width:0}
.side h2{margin:0;padding:8px 14px;border-bottom:1px solid var(--line);font-size:14px;
background:#f6f6f8;border-radius:6px 6px 0 0}
.text{padding:4px 16px;max-height:80vh;overflow-y:auto;overflow-wrap:anywhere;font-family:Georgia,
"Times New Roman",serif;font-size:16px;line-height:1.6}
.text p{margin:.6em 0}
.text p:empty{display:none}
.k-verbatim{background:var(--verbatim)}
.k-near-verbatim{background:var(--near)}
.k-paraphrase{background:var(--para)}
.added{background:var(--added);text-decoration:underline 1px #2f855a;text-underline-offset:3px}
.dropped{background:var(--dropped);text-decoration:underline dashed 1px #6b46c1;
text-underline-offset:3px}
mark{color:inherit;background:transparent}
mark.change{border-bottom:3px solid #805ad5;font-weight:600}
mark.change-quote{border-bottom-color:#c53030;background-image:linear-gradient(#fff3,#fff3)}
mark.change-number,mark.change-date{border-bottom-color:#d69e2e}
mark.change-name,mark.change-title{border-bottom-color:#2b6cb0}
mark.change-negation{border-bottom-color:#000}
mark.change-credit{border-bottom-color:#805ad5}
tr.row-credit td{background:#faf5ff}
.ckind.change-quote{color:#c53030}
.boiler{color:#9a9aa0;text-decoration:line-through;background:none}
.al{cursor:pointer}
.hl{outline:2px solid #1d1d1f;outline-offset:0;filter:saturate(2)}
.num::before{content:attr(data-n);font:700 10px/1 system-ui,sans-serif;color:#fff;
background:#555;border-radius:7px;padding:1px 4px;margin-right:2px;vertical-align:super}
.num{cursor:pointer}
.num.moved::before{background:#6b46c1}
.moved-chip{background:#ede7f6;color:#44337a}
.al.loose{background:none;border-bottom:2px dashed var(--para)}
.loose-chip{background:none;border:1px dashed #999}
.legend-loose{border-bottom:2px dashed var(--para)}
@media (max-width:800px){.texts,.docs{grid-template-columns:1fr}.text{max-height:none}}
@media print{
body{background:#fff;font-size:10pt}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.text{max-height:none;overflow:visible;font-size:10pt}
.texts{gap:8px;padding:0}
header,section,.legend{padding:0}
.legend .hint{display:none}
.side{border:none}
tr{break-inside:avoid}
a{color:inherit;text-decoration:none}
}
"""

# Index every element by alignment id once, then hover/click only touch that index.
_JS = """
(function(){var m={},cur=[];
document.querySelectorAll('[data-al]').forEach(function(e){e.dataset.al.split(' ').forEach(
function(k){(m[k]=m[k]||[]).push(e);});});
function ids(t){var e=t.closest&&t.closest('[data-al]');return e?e.dataset.al.split(' '):[];}
function show(l){cur.forEach(function(e){e.classList.remove('hl');});cur=[];
l.forEach(function(k){(m[k]||[]).forEach(function(e){e.classList.add('hl');cur.push(e);});});}
document.addEventListener('mouseover',function(ev){show(ids(ev.target));});
document.addEventListener('click',function(ev){var l=ids(ev.target);if(!l.length)return;
var side=ev.target.closest('.side');show(l);var t=(m[l[0]]||[]).find(function(e){
return e.closest('.side')!==side;});if(t)t.scrollIntoView({block:'center',behavior:'smooth'});});
})();
"""


def render_html(report: Report, *, title: str = "retold report") -> str:
    """The report as one self-contained HTML page (inline CSS and JS, no external assets)."""
    sides = []
    for side, doc in (("a", report.a), ("b", report.b)):
        lang = f' lang="{_e(doc.language)}"' if doc.language else ""
        name = shorten(doc.title or doc.id or doc.url or doc.source, 90)
        sides.append(
            f'<div class="side side-{side}" id="side-{side}"{lang}>'
            f'<h2><span class="side-tag">{side.upper()}</span> {_e(name)}</h2>'
            f'<div class="text">{_render_text(doc.text, _layers(report, side))}</div></div>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="retold">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(title)}</h1>"
        f'<div class="docs"><div>{_doc_label(report.a, "A")}</div>'
        f"<div>{_doc_label(report.b, 'B')}</div></div></header>\n"
        + _summary(report)
        + "\n"
        + _changes_table(report)
        + "\n"
        + _LEGEND
        + '\n<main class="texts">\n'
        + "\n".join(sides)
        + f"\n</main>\n<script>{_JS}</script>\n</body>\n</html>\n"
    )
