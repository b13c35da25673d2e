"""Main-text extraction from HTML, with trafilatura and an lxml fallback."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import islice
from typing import Any

from retold.errors import ExtractionError, RetoldError
from retold.ingest.decode import has_words, repair_mojibake
from retold.text import HTML_START_RE, HTML_TAG_RE
from retold.types import Document

__all__ = ["extract", "find_dateline", "looks_like_html", "to_document"]


_UP = "A-ZÀ-ÖØ-Þ"
# GUATIRE, Venezuela (AP) —   MADRID (Reuters) -   NEW YORK, March 3 (Reuters) -   WASHINGTON —
_DATELINE = re.compile(
    rf"""
    (?P<dateline>
      [{_UP}][{_UP}'’.\-]+(?:[ ][{_UP}][{_UP}'’.\-]*){{0,4}}        # PLACE in capitals
      (?:,[ ](?:[{_UP}][\w'’.\-]*(?:[ ][{_UP}][\w'’.\-]*){{0,3}}    # , Region / , Country
               |\d{{1,2}}[ ][{_UP}][a-z]+\.?                       # , 3 March
               |[{_UP}][a-z]+\.?[ ]\d{{1,2}}                        # , March 3
      )){{0,3}}
      (?:[ ]?\([A-Za-z][A-Za-z&.\- ]{{0,30}}\))?                    # (AP)
    )
    (?:[ ]?(?:—|–|--)|[ ]-|:)[ ]                                    # the dash after it
    """,
    re.X,
)
# capitalised lead-ins that are not places
_NOT_PLACES = frozenset(
    {"BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "ANALYSIS", "OPINION", "EDITORIAL", "NOTE"}
    | {"WATCH", "LIVE", "CORRECTION", "FILE", "PHOTO", "PHOTOS", "VIDEO", "LISTEN", "READ"}
    | {"MORE", "ALSO", "EDITOR'S", "EDITOR’S", "WARNING", "ADVERTISEMENT", "SPONSORED"}
)


def looks_like_html(text: str) -> bool:
    """True when ``text`` starts like an HTML document or has body tags in its first KB."""
    head = text[:4096].lstrip("\ufeff")
    return bool(HTML_START_RE.match(head) or HTML_TAG_RE.search(head))


def find_dateline(text: str) -> str | None:
    """A news dateline (``"MADRID (Reuters)"``) opening one of the first paragraphs."""
    lines = [ln.strip() for ln in text.split("\n", 6)[:6]]
    for line in [ln for ln in lines if ln][:3]:
        m = _DATELINE.match(line)
        if not m:
            continue
        dateline = m.group("dateline").strip()
        first = dateline.split(",")[0].split(" (")[0]
        if first.split()[0] in _NOT_PLACES or first in _NOT_PLACES:
            continue
        return dateline
    return None


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


# trafilatura's second opinion (jusText and readability) is quadratic in the
# number of consecutive short blocks: 5,000 one-line paragraphs took 14 s, and
# a 7 MB page of 200,000 ran for over ten minutes. News pages have a few
# hundred blocks; past this many, trafilatura's own extractor answers alone.
_MANY_BLOCKS = 3000
_BLOCK_RE = re.compile(
    r"<(?:p|div|li|td|tr|h[1-6]|br|dd|dt|section|article|blockquote|pre)\b", re.IGNORECASE
)


def _many_blocks(html: str) -> bool:
    found = islice(_BLOCK_RE.finditer(html), _MANY_BLOCKS + 1)
    return sum(1 for _ in found) > _MANY_BLOCKS


def _trafilatura(html: str, url: str | None) -> Any:
    import trafilatura  # lazy: importing it takes most of a second

    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            fast=_many_blocks(html),
        )
    except Exception:  # trafilatura and its date/URL helpers can trip on odd markup
        return None


def _fallback(html: str) -> tuple[str, str | None]:
    """Text of the paragraph, heading and list elements outside nav/footer, and the <title>."""
    import lxml.html
    from lxml import etree

    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        root = lxml.html.fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return "", None
    skip = {"nav", "footer", "script", "style", "noscript", "template", "aside", "form"}
    blocks = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
    lines: list[str] = []
    for el in root.iter("p", "li", "h1", "h2", "h3", "h4", "h5", "h6"):
        ancestors = {str(a.tag).lower() for a in el.iterancestors()}
        if ancestors & skip or ancestors & blocks:
            continue  # boilerplate, or text already taken with its enclosing block
        line = " ".join(el.text_content().split())
        if line:
            lines.append(line)
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    return "\n".join(lines), title or None


def extract(html: str, *, url: str | None = None, name: str | None = None) -> Document:
    """Extract the article text and metadata from an HTML page.

    The first paragraph repeating the title is dropped, so the text starts with
    the body (and its dateline, which is kept in the text). ``name`` is used in
    error messages. Raises ExtractionError when the page has no article text.
    """
    label = name or url or "<html>"
    try:
        result = _trafilatura(html, url)
        text = (result.text or "").strip() if result is not None else ""
        title = (result.title or None) if result is not None else None
        byline = (result.author or None) if result is not None else None
        date = (result.date or None) if result is not None else None
        found_url = (result.url or None) if result is not None else None
        if not text:
            text, title = _fallback(html)
        elif "\n" not in text:
            # trafilatura answers a short page (under about 250 characters of
            # text) with its baseline, every block joined by spaces: the
            # headline and byline run into the first sentence. Ours keeps the
            # blocks as lines; taken when it holds as much text
            lines, own_title = _fallback(html)
            if "\n" in lines and len(lines) >= 0.9 * len(text):
                text, title = lines, title or own_title
    except RetoldError:
        raise
    except Exception as exc:  # whatever the markup, the caller gets a RetoldError
        raise ExtractionError(f"{label}: HTML could not be parsed ({exc}); check the file") from exc

    if not text.strip():
        raise ExtractionError(
            f"{label}: HTML has no article text (no paragraphs in its body); "
            "give the page of the article itself"
        )
    if title and "\n" in text:
        head, rest = text.split("\n", 1)
        if _norm(head) == _norm(title) and rest.strip():
            text = rest.lstrip("\n")
    return Document(
        text=text,
        title=title,
        byline=byline,
        date=date,
        dateline=find_dateline(text),
        url=url or found_url,
        source="html",
    )


def to_document(
    text: str,
    *,
    name: str,
    kind: str,
    url: str | None,
    source: str,
    encoding: str | None,
) -> Document:
    """A decoded text or page as a :class:`Document`: mojibake repaired, HTML
    (``kind`` "html", or "auto" and it looks like markup) reduced to its main
    text, ``source`` and ``encoding`` recorded. Files, strings and stdin read
    this way, and so do fetched pages (``source`` "url"), so a URL and the same
    page saved to disk give one document."""
    # before extraction: the extractor drops what mojibake makes of some
    # letters (a soft hyphen, a control character), and then they are lost
    text, note = repair_mojibake(text)
    if kind == "html" or (kind == "auto" and looks_like_html(text)):
        doc = extract(text, url=url, name=name)
        if not has_words(doc.text):
            raise ExtractionError(
                f"{name}: the page's main text has no words (only punctuation or symbols); "
                "give the article's own page, or its text"
            )
        # stdin and URLs keep their own source name; files and strings say "html"
        source = source if source in ("stdin", "url") else "html"
        return replace(doc, source=source, encoding=encoding, repaired=note)
    return Document(
        text=text,
        dateline=find_dateline(text),
        url=url,
        source=source,
        encoding=encoding,
        repaired=note,
    )
