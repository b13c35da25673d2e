"""Find the parts of a page that are not the story: link lists, prompts, bylines.

They are excluded from alignment and coverage (two copies of one story share
its "Follow us" line; two different stories can share it too) and reported,
so a reader sees what was set aside and why.

Rules work on paragraphs and are deliberately conservative: a line is only
boilerplate when it matches a known shape, and headline detection backs off
when it would swallow a large part of the text (text without punctuation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from retold.text import URL_LINE_RE
from retold.types import Span

__all__ = ["classify_paragraphs"]

_I = re.IGNORECASE

# Section headers that start a block of links to other stories.
_RELATED_HEAD = re.compile(
    r"^(?:related(?:\s+(?:articles?|stories|coverage|content|news|links|reading))?|"
    r"read\s+also|see\s+also|more\s+(?:from|on|stories|news)\b.*|recommended(?:\s+for\s+you)?|"
    r"most\s+(?:read|popular|viewed)|trending(?:\s+now)?|you\s+may\s+also\s+like|"
    r"lee\s+también|te\s+puede\s+interesar|más\s+noticias|noticias\s+relacionadas|"
    r"leia\s+também|à\s+lire\s+aussi|lire\s+aussi|mehr\s+zum\s+thema|leggi\s+anche)\s*:?$",
    _I,
)
_READ_MORE = re.compile(
    r"^(?:\.{3}|…)?\s*(?:read|show|see)\s+(?:more|less|full\s+(?:story|article))\b.*$|"
    r"^(?:continue|keep)\s+reading\b.*$|^(?:leer|ver)\s+(?:más|menos)\b.*$|^seguir\s+leyendo\b.*$",
    _I,
)
_COMMENT = re.compile(
    r"^(?:leave|add|post|write)\s+a\s+(?:comment|reply)\b.*$|^\d*\s*comments?$|"
    r"^join\s+the\s+(?:conversation|discussion)\b.*$|^deja\s+(?:un|tu)\s+comentario\b.*$|"
    r"^comentarios?$|^view\s+comments?$",
    _I,
)
_SHARE = re.compile(
    r"^(?:share|tweet|email|print)(?:\s+(?:this|on|via)\b.*)?$|"
    r"^follow\s+(?:us|@\w+|\S+[’']s\s+coverage|our\s+coverage)\b.*$|"
    r"^(?:sign\s+up|subscribe)\b.*$|^click\s+here\b.*$|^(?:síguenos|suscríbete|comparte)\b.*$|"
    r"^(?:copyright|©|\(c\))\s.*$|^all\s+rights\s+reserved\.?$|^advertisement$|^publicidad$",
    _I,
)
_BYLINE = re.compile(
    r"^(?:[Bb]y|[Pp]or|[Dd]e|[Vv]on|[Pp]ar)\s+[A-ZÁÉÍÓÚÑÄÖÜ][\w.’'\-]*(?:\s+[\w.’'\-]+){0,6}"
    r"(?:\s*[,|/]\s*[\w.’'\- ]{2,60})?$"
)
_CONTRIB = re.compile(
    r"(?:contributed(?:\s+\w+)?\s+to\s+this\s+(?:report|story)|contributed\s+reporting|"
    r"reported\s+from\s+[A-Z][\w .’'\-]{1,40}\.?$|^(?:additional\s+)?reporting\s+by\b|"
    r"^\(?(?:reporting|writing|editing)\s+by\b|^editing\s+by\b|"
    r"colaboró\s+con\s+este\s+(?:informe|reportaje)|^con\s+información\s+de\b)",
    _I,
)
_DATE_ONLY = re.compile(
    r"^(?:(?:updated|published|posted|actualizado|publicado)\s*:?\s*)?"
    r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+(?:de\s+)?[A-Za-zé]{3,10}\.?,?\s+(?:de\s+)?\d{4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?$",
    _I,
)
_SEPARATOR = re.compile(r"^[\s_*=\-–—~#.·•]{3,}$")
_TERMINAL = ".!?…"
_CLOSERS = "”’\"»)]' "


def _is_headline(line: str) -> bool:
    """A short line with no sentence-ending punctuation: a title or subhead."""
    body = line.rstrip(_CLOSERS)
    if not body or body[-1] in _TERMINAL or body[-1] in ",;":
        return False
    words = line.split()
    return 1 <= len(words) <= 20 and len(line) <= 160


def classify_paragraphs(text: str, paragraphs: Sequence[Span]) -> dict[int, str]:
    """Map paragraph index to the reason it is boilerplate; body paragraphs are absent."""
    reasons: dict[int, str] = {}
    lines = [text[s:e].strip() for s, e in paragraphs]
    in_related = False
    for i, line in enumerate(lines):
        explicit = _explicit(line)
        if in_related and explicit is None and _is_headline(line):
            # a related block runs until a line that reads like prose
            reasons[i] = "related-links"
            continue
        in_related = False
        if explicit is not None:
            reasons[i] = explicit
            in_related = explicit == "related-links"

    # Headlines last, and only if they leave the text mostly intact: prose
    # without punctuation (a transcript, a list) is not a page of headlines.
    heads = [
        i
        for i, line in enumerate(lines)
        # the first line of a page is its title and may run long
        if i not in reasons and _is_headline(line) and _word_count(line) <= (24 if i == 0 else 14)
    ]
    body_chars = sum(len(line) for i, line in enumerate(lines) if i not in reasons)
    head_chars = sum(len(lines[i]) for i in heads)
    if body_chars and head_chars <= 0.35 * body_chars:
        for i in heads:
            reasons[i] = "headline"
    return reasons


def _explicit(line: str) -> str | None:
    """The reason for a line that matches a known boilerplate shape, else None."""
    if _RELATED_HEAD.match(line):
        return "related-links"
    if _READ_MORE.match(line):
        return "read-more"
    if _COMMENT.match(line):
        return "comment-prompt"
    if _SHARE.match(line) or URL_LINE_RE.match(line):
        return "share-prompt"
    if _SEPARATOR.match(line):
        return "separator"
    if _DATE_ONLY.match(line):
        return "date-line"
    if len(line) <= 120 and _BYLINE.match(line) and _is_headline(line):
        return "byline"
    if len(line) <= 400 and _CONTRIB.search(line):
        return "contributor-line"
    return None


def _word_count(line: str) -> int:
    return len(line.split())
