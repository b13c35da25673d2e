"""The shared text helpers: one folding, one tokenizer, one stop-word list, URL and HTML shapes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retold.text import (
    HTML_START_RE,
    HTML_TAG_RE,
    STOP_WORDS,
    URL_LINE_RE,
    URL_SCHEME_RE,
    fold,
    tokens,
)


def test_fold_drops_case_accents_and_apostrophe_shapes() -> None:
    assert fold("Rodríguez") == fold("RODRIGUEZ") == "rodriguez"
    assert fold("don’t") == fold("don't") == fold("don`t") == "don't"
    assert fold("Straße") == fold("STRASSE") == "strasse"  # casefold, not lower
    assert fold("São Paulo") == "sao paulo"


def test_fold_keeps_marks_that_make_another_letter() -> None:
    # Japanese voicing makes "ga" of "ka": dropped like an accent, two words were one
    assert fold("がっこう") != fold("かっこう")
    assert fold("か\u3099") == fold("が") == "が"  # however it was typed
    assert fold("ｶﾞｯｺｳ") == fold("ガッコウ")  # half-width kana are the full-width ones
    assert fold("กุ") != fold("ก")  # a Thai vowel sign is a letter
    assert fold("أحمد") == fold("احمد")  # an Arabic hamza is an accent
    assert fold("йод") == "иод"  # as a Cyrillic breve is


@given(st.text(max_size=30))
def test_fold_is_idempotent(word: str) -> None:
    assert fold(fold(word)) == fold(word)


def test_tokens_fold_and_keep_number_separators() -> None:
    assert tokens("El Niño cost $2,000.50 in 2025.") == [
        "el",
        "nino",
        "cost",
        "2,000.50",
        "in",
        "2025",
    ]


def test_each_cjk_character_is_a_token() -> None:
    # no spaces in these scripts: a run of characters is a clause, not a word
    assert tokens("市长王丽华说 Cope报 2,000人") == [
        *"市长王丽华说",
        "cope",
        "报",
        "2,000",
        "人",
    ]
    assert tokens("ひらとカタカナ") == list("ひらとカタカナ")


def test_stop_words_are_stored_folded() -> None:
    # tokens are folded before the lookup, so an accented entry ("für", "más") would never match
    assert all(fold(w) == w for w in STOP_WORDS)
    assert {"the", "und", "para", "mas", "fur", "nao", "said"} <= STOP_WORDS
    assert not {"council", "minister", "budget"} & STOP_WORDS


def test_url_and_html_shapes() -> None:
    assert URL_SCHEME_RE.match("https://example.org/a") and URL_SCHEME_RE.match("ftp://x")
    assert not URL_SCHEME_RE.match("example.org/a")
    assert URL_LINE_RE.match("www.example.org/story") and not URL_LINE_RE.match("see www.x.org")
    assert HTML_START_RE.match("  <?xml version='1.0'?><!-- c --><!DOCTYPE html><p>")
    assert HTML_TAG_RE.search("text <p class='x'>para</p>") and not HTML_TAG_RE.search("a < b > c")
