"""Boilerplate: link lists, prompts, bylines and headlines are set aside with a reason."""

from __future__ import annotations

from retold.boilerplate import classify_paragraphs
from retold.segment import paragraph_spans


def reasons(text: str) -> dict[str, str]:
    paras = paragraph_spans(text)
    found = classify_paragraphs(text, paras)
    return {text[paras[i][0] : paras[i][1]]: r for i, r in found.items()}


PAGE = """Storm floods the valley
By ANNA LUND, Example Wire
March 3, 2026
The river rose two meters overnight and flooded the lower town, officials said on Friday.
Related Articles
Ferry strike ends after two weeks
New bridge opens in the north
Rescue teams worked through the night to reach stranded drivers, the mayor said.
Reporter Ola Berg contributed to this report.
Follow us on social media for updates.
...read more
Leave a Comment
___
"""


def test_each_kind_is_found_with_its_reason() -> None:
    r = reasons(PAGE)
    assert r["Storm floods the valley"] == "headline"
    assert r["By ANNA LUND, Example Wire"] == "byline"
    assert r["March 3, 2026"] == "date-line"
    assert r["Related Articles"] == "related-links"
    assert r["Ferry strike ends after two weeks"] == "related-links"
    assert r["New bridge opens in the north"] == "related-links"
    assert r["Reporter Ola Berg contributed to this report."] == "contributor-line"
    assert r["Follow us on social media for updates."] == "share-prompt"
    assert r["...read more"] == "read-more"
    assert r["Leave a Comment"] == "comment-prompt"
    assert r["___"] == "separator"


def test_body_paragraphs_are_kept() -> None:
    r = reasons(PAGE)
    assert (
        "The river rose two meters overnight and flooded the lower town, officials said on Friday."
        not in r
    )
    assert (
        "Rescue teams worked through the night to reach stranded drivers, the mayor said." not in r
    )


def test_unpunctuated_text_is_not_swallowed_as_headlines() -> None:
    text = "\n".join(f"line {i} of a poem without any punctuation at all" for i in range(10))
    assert reasons(text) == {}


def test_spanish_prompts() -> None:
    text = "El río se desbordó durante la noche, dijeron las autoridades.\nLee también\nOtra noticia aquí\nDeja un comentario"
    r = reasons(text)
    assert r["Lee también"] == "related-links"
    assert r["Deja un comentario"] == "comment-prompt"


def test_ap_example_boilerplate(ap_pair: tuple[str, str]) -> None:
    ap, rewrite = ap_pair
    r = reasons(ap)
    assert r["Related Articles"] == "related-links"
    assert sum(1 for v in r.values() if v == "related-links") >= 6
    assert any(v == "byline" for v in r.values())
    assert any(v == "contributor-line" for v in r.values())
    assert any(v == "read-more" for v in r.values())
    r2 = reasons(rewrite)
    assert r2["Leave a Comment"] == "comment-prompt"
    assert any(v == "contributor-line" for v in r2.values())
