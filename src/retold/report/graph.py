"""Stories as graphs for graph tools (GraphML, GEXF) and as HTML pages.

Nodes are articles, with their story, title, publication time and URL;
directed edges are derivations (source → derived article) with the verdict and
the share of the derived article that came from the source.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from retold.stories import Article, Story

__all__ = ["render_stories_index", "render_story_html", "to_gexf", "to_graphml"]


def _nodes(
    stories: Sequence[Story], articles: Mapping[str, Article]
) -> list[tuple[str, str, Article]]:
    return [(m, s.id, articles.get(m) or Article(m)) for s in stories for m in s.articles]


def to_graphml(stories: Sequence[Story], articles: Mapping[str, Article]) -> str:
    """One GraphML document with every story's articles and derivation edges."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        '  <key id="story" for="node" attr.name="story" attr.type="string"/>',
        '  <key id="title" for="node" attr.name="title" attr.type="string"/>',
        '  <key id="published" for="node" attr.name="published" attr.type="string"/>',
        '  <key id="url" for="node" attr.name="url" attr.type="string"/>',
        '  <key id="verdict" for="edge" attr.name="verdict" attr.type="string"/>',
        '  <key id="coverage" for="edge" attr.name="coverage" attr.type="double"/>',
        '  <key id="evidence" for="edge" attr.name="evidence" attr.type="string"/>',
        '  <key id="credits" for="edge" attr.name="credits" attr.type="string"/>',
        '  <graph id="stories" edgedefault="directed">',
    ]
    for node, story, art in _nodes(stories, articles):
        out.append(f"    <node id={quoteattr(node)}>")
        out.append(f'      <data key="story">{escape(story)}</data>')
        for key in ("title", "published", "url"):
            value = getattr(art, key)
            if value:
                out.append(f'      <data key="{key}">{escape(value)}</data>')
        out.append("    </node>")
    for s in stories:
        for n, e in enumerate(s.edges):
            out.append(
                f"    <edge id={quoteattr(f'{s.id}-{n}')} source={quoteattr(e.source)} "
                f"target={quoteattr(e.target)}>"
            )
            out.append(f'      <data key="verdict">{escape(e.verdict)}</data>')
            out.append(f'      <data key="coverage">{e.coverage:.4f}</data>')
            out.append(f'      <data key="evidence">{escape(e.evidence)}</data>')
            if e.credits:  # one line per credit the target dropped or garbled
                out.append(f'      <data key="credits">{escape(chr(10).join(e.credits))}</data>')
            out.append("    </edge>")
    out += ["  </graph>", "</graphml>", ""]
    return "\n".join(out)


def to_gexf(stories: Sequence[Story], articles: Mapping[str, Article]) -> str:
    """The same graph as GEXF 1.3 (Gephi's format)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
        "  <meta><creator>retold</creator></meta>",
        '  <graph defaultedgetype="directed" mode="static">',
        '    <attributes class="node">',
        '      <attribute id="story" title="story" type="string"/>',
        '      <attribute id="published" title="published" type="string"/>',
        '      <attribute id="url" title="url" type="string"/>',
        "    </attributes>",
        '    <attributes class="edge">',
        '      <attribute id="verdict" title="verdict" type="string"/>',
        '      <attribute id="coverage" title="coverage" type="double"/>',
        "    </attributes>",
        "    <nodes>",
    ]
    for node, story, art in _nodes(stories, articles):
        out.append(f"      <node id={quoteattr(node)} label={quoteattr(art.title or node)}>")
        out.append("        <attvalues>")
        out.append(f'          <attvalue for="story" value={quoteattr(story)}/>')
        for key in ("published", "url"):
            value = getattr(art, key)
            if value:
                out.append(f'          <attvalue for="{key}" value={quoteattr(value)}/>')
        out.append("        </attvalues>")
        out.append("      </node>")
    out += ["    </nodes>", "    <edges>"]
    for s in stories:
        for n, e in enumerate(s.edges):
            out.append(
                f"      <edge id={quoteattr(f'{s.id}-{n}')} source={quoteattr(e.source)} "
                f'target={quoteattr(e.target)} weight="{e.coverage:.4f}">'
            )
            out.append(
                f'        <attvalues><attvalue for="verdict" value={quoteattr(e.verdict)}/>'
                f'<attvalue for="coverage" value="{e.coverage:.4f}"/></attvalues>'
            )
            out.append("      </edge>")
    out += ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join(out)


_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:1100px}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}.muted{color:#777}
svg{border:1px solid #e3e3e8;border-radius:6px;background:#fbfbfd}
.node rect{fill:#fff;stroke:#445;stroke-width:1.2}.node.root rect{fill:#fff4d6;stroke:#b07d00}
.node text{font-size:12px}.edge{stroke:#667;stroke-width:1.5;fill:none}
.edge-label{font-size:11px;fill:#445}.credit{color:#553c9a;font-size:13px}
"""


def _layout(story: Story) -> dict[str, tuple[int, int]]:
    """Layered positions: depth in the derivation forest, then order in the layer."""
    parent = {e.target: e.source for e in story.edges}

    def depth(x: str) -> int:
        d = 0
        while x in parent and d < len(story.articles):
            x, d = parent[x], d + 1
        return d

    layers: dict[int, list[str]] = {}
    for m in story.articles:
        layers.setdefault(depth(m), []).append(m)
    return {m: (col, d) for d, ms in layers.items() for col, m in enumerate(ms)}


def render_story_html(
    story: Story,
    articles: Mapping[str, Article],
    *,
    pair_link: Callable[[str, str], str | None] | None = None,
) -> str:
    """A self-contained page: timeline, derivation graph (SVG), links to pair reports.

    ``pair_link(source, target)`` gives the href of the pair report of an edge.
    """
    pos = _layout(story)
    w_box, h_box, gap_x, gap_y = 180, 40, 40, 70
    cols = max((c for c, _ in pos.values()), default=0) + 1
    rows = max((r for _, r in pos.values()), default=0) + 1
    width, height = cols * (w_box + gap_x) + gap_x, rows * (h_box + gap_y) + gap_y

    def xy(m: str) -> tuple[int, int]:
        c, r = pos[m]
        return gap_x + c * (w_box + gap_x), gap_y // 2 + r * (h_box + gap_y)

    targets = {e.target for e in story.edges}
    svg = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="derivation graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>',
    ]
    for e in story.edges:
        (x1, y1), (x2, y2) = xy(e.source), xy(e.target)
        sx, sy, tx, ty = x1 + w_box // 2, y1 + h_box, x2 + w_box // 2, y2
        svg.append(
            f'<path class="edge" marker-end="url(#arrow)" d="M{sx},{sy} C{sx},{sy + 30} '
            f'{tx},{ty - 30} {tx},{ty}"/>'
        )
        svg.append(
            f'<text class="edge-label" x="{(sx + tx) // 2 + 4}" y="{(sy + ty) // 2}">'
            f"{html.escape(e.verdict)} {e.coverage:.0%}</text>"
        )
    for m in story.articles:
        x, y = xy(m)
        art = articles.get(m) or Article(m)
        label = (art.title or m)[:26] + ("…" if len(art.title or m) > 26 else "")
        cls = "node" if m in targets else "node root"
        svg.append(
            f'<g class="{cls}"><title>{html.escape(art.title or m)}</title>'
            f'<rect x="{x}" y="{y}" width="{w_box}" height="{h_box}" rx="6"/>'
            f'<text x="{x + 8}" y="{y + 17}">{html.escape(label)}</text>'
            f'<text x="{x + 8}" y="{y + 32}" class="muted">{html.escape(m[:28])}</text></g>'
        )
    svg.append("</svg>")

    timeline = sorted(
        story.articles, key=lambda m: ((articles.get(m) or Article(m)).published or "~", m)
    )
    parent = {e.target: e for e in story.edges}
    rows_html = []
    for m in timeline:
        art = articles.get(m) or Article(m)
        pe = parent.get(m)
        if pe is None:
            origin = '<span class="muted">original or independent</span>'
        else:
            href = pair_link(pe.source, m) if pair_link else None
            what = f"{html.escape(pe.verdict)} of {html.escape(pe.source)} ({pe.coverage:.0%})"
            origin = f'<a href="{html.escape(href)}">{what}</a>' if href else what
            origin += "".join(
                f'<div class="credit">credit: {html.escape(c)}</div>' for c in pe.credits or ()
            )
        title = html.escape(art.title or "")
        if art.url and art.url.startswith(("http://", "https://")):
            title = f'<a href="{html.escape(art.url)}">{title or html.escape(art.url)}</a>'
        rows_html.append(
            f"<tr><td>{html.escape(art.published or '—')}</td><td>{html.escape(m)}</td>"
            f"<td>{title}</td><td>{origin}</td></tr>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="generator" content="retold">'
        f"<title>{html.escape(story.label)} · retold story</title><style>{_CSS}</style></head>"
        f"<body><h1>{html.escape(story.label)}</h1>"
        f'<p class="muted">story {html.escape(story.id)} · {len(story.articles)} articles · '
        f"{len(story.edges)} derivations</p>"
        "<h2>Derivation graph</h2>" + "".join(svg) + "<h2>Timeline</h2>"
        "<table><thead><tr><th>published</th><th>id</th><th>title</th><th>derived from</th>"
        "</tr></thead><tbody>" + "".join(rows_html) + "</tbody></table></body></html>"
    )


def render_stories_index(stories: Sequence[Story], page_of: Callable[[Story], str]) -> str:
    """The contents page of the story pages: each story's label, size and link
    (``page_of(story)`` is the href of its page)."""
    items = "".join(
        f'<li><a href="{html.escape(page_of(s))}">{html.escape(s.label)}</a> · '
        f"{len(s.articles)} articles, {len(s.edges)} derivations</li>"
        for s in stories
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>retold stories</title>'
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem}</style></head><body>"
        f"<h1>Stories ({len(stories)})</h1><ul>{items}</ul></body></html>"
    )
