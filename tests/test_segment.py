"""Segmentation: paragraphs, sentences, normalisation offsets, language guess."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retold.segment import (
    MAX_SENTENCE_CHARS,
    MAX_SENTENCE_WORDS,
    cap_span,
    guess_language,
    normalize,
    paragraph_spans,
    segment,
    tokens,
)


def test_stray_newline_inside_a_sentence_is_joined() -> None:
    text = (
        "GUATIRE, Venezuela (AP) — Officials said the leader was captured by U.S. forces\n"
        "to face charges in New York.\nA second paragraph starts here."
    )
    seg = segment(text)
    sents = [text[s.start : s.end] for s in seg.sentences]
    assert len(sents) == 2
    assert sents[0].endswith("New York.")
    assert "\n" in sents[0]  # the span covers the original newline
    assert seg.sentences[0].text.count("\n") == 0  # the matching text does not


def test_abbreviations_and_initialisms_do_not_split() -> None:
    text = "The U.S. envoy met Dr. Smith on Dec. 29 in Washington. He left on Friday."
    sents = [text[s.start : s.end] for s in segment(text, "en").sentences]
    assert sents == [
        "The U.S. envoy met Dr. Smith on Dec. 29 in Washington.",
        "He left on Friday.",
    ]


def test_quotes_close_with_their_sentence() -> None:
    text = "“We are waiting,” she said. “Nothing else matters.” The crowd chanted: “Libertad! Libertad!”"
    sents = [text[s.start : s.end] for s in segment(text, "en").sentences]
    assert sents[0] == "“We are waiting,” she said."
    assert sents[1] == "“Nothing else matters.”"


def test_spanish_sentences_and_abbreviations() -> None:
    text = (
        "El Sr. García llegó a EE.UU. el 3 de dic. de 2025. Dijo: «No tengo palabras». "
        "¿Quién lo sabe? ¡Nadie!"
    )
    seg = segment(text)
    assert seg.language == "es"
    sents = [text[s.start : s.end] for s in seg.sentences]
    assert sents[0] == "El Sr. García llegó a EE.UU. el 3 de dic. de 2025."
    assert len(sents) == 4


def test_blank_and_single_newlines_both_separate_paragraphs() -> None:
    text = "Title line\n\nFirst paragraph.\nSecond paragraph.\n\n\nThird."
    paras = [text[s:e] for s, e in paragraph_spans(text)]
    assert paras == ["Title line", "First paragraph.", "Second paragraph.", "Third."]


def test_ap_example_sentences_slice_back(ap_pair: tuple[str, str]) -> None:
    for text in ap_pair:
        seg = segment(text)
        assert seg.sentences
        prev_end = 0
        for s in seg.sentences:
            piece = text[s.start : s.end]
            assert piece == piece.strip() and piece
            assert s.start >= prev_end
            prev_end = s.end


@given(st.text(max_size=300))
def test_segment_spans_are_ordered_and_inside(text: str) -> None:
    seg = segment(text, "en")
    prev = 0
    for s in seg.sentences:
        assert 0 <= prev <= s.start < s.end <= len(text)
        assert text[s.start : s.end].strip() == text[s.start : s.end]
        prev = s.end


@given(st.text(max_size=200), st.integers(min_value=0, max_value=50))
def test_normalize_offsets_round_trip(text: str, offset: int) -> None:
    norm, omap = normalize(text, offset)
    assert "  " not in norm and "\n" not in norm
    for i, ch in enumerate(norm):
        s, e = omap.span(i, i + 1)
        original = text[s - offset : e - offset]
        expanded = unicodedata.normalize("NFKC", original)
        if ch == " ":
            assert any(c.isspace() for c in original + expanded)
        else:
            assert ch in expanded


def test_language_guess() -> None:
    assert guess_language("The minister said on Thursday that the talks were over.") == "en"
    assert (
        guess_language("El ministro dijo el jueves que las conversaciones habían terminado.")
        == "es"
    )
    assert (
        guess_language("Der Minister sagte am Donnerstag, dass die Gespräche beendet sind.") == "de"
    )
    assert guess_language("Xy") == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Bakan perşembe günü müzakerelerin sona erdiğini söyledi.", "tr"),
        ("Minister powiedział w czwartek, że rozmowy zostały zakończone.", "pl"),
        ("قال الوزير يوم الخميس إن المحادثات انتهت.", "ar"),
        ("Министр заявил в четверг, что переговоры завершены.", "ru"),
        ("De minister zei donderdag dat de gesprekken voorbij waren.", "nl"),
        ("O ministro disse na quinta-feira que as negociações tinham terminado.", "pt"),
        ("部长星期四说，会谈已经结束了。", "zh"),
    ],
)
def test_language_guess_covers_the_encoders_languages(text: str, lang: str) -> None:
    """Languages beyond the six a function-word guesser knew (Turkish, Polish and
    Arabic were taken for Portuguese or English)."""
    assert guess_language(text) == lang


def test_segmentation_uses_the_language_rules() -> None:
    """Polish rules: an abbreviation ("ul.") does not end a sentence."""
    text = "Spotkanie odbyło się przy ul. Marszałkowskiej w Warszawie. Potem wszyscy wyszli."
    sents = segment(text).sentences
    assert segment(text).language == "pl"
    assert len(sents) == 2


def test_thai_sentences_end_at_a_space() -> None:
    # Thai writes no full stop: a space ends a sentence, so a paragraph was one
    text = "รัฐบาลอนุมัติกฎหมายใหม่ในวันจันทร์ นายกรัฐมนตรีกล่าวว่ากฎหมายนี้สำคัญมากสำหรับประเทศ นาย ก ข กล่าว"
    seg = segment(text)
    assert seg.language == "th"
    # the short pieces a space sets off (a name) stay with their sentence
    assert [text[s.start : s.end] for s in seg.sentences] == [
        "รัฐบาลอนุมัติกฎหมายใหม่ในวันจันทร์",
        "นายกรัฐมนตรีกล่าวว่ากฎหมายนี้สำคัญมากสำหรับประเทศ นาย ก ข กล่าว",
    ]


def test_tokens_fold_case_and_accents() -> None:
    assert tokens("Rodríguez said 2,000.") == ["rodriguez", "said", "2,000"]


@given(st.text(max_size=200))
def test_fast_normalize_agrees_with_mapped_normalize(text: str) -> None:
    from retold.segment import normalize_text

    assert normalize_text(text) == normalize(text)[0].strip()


# --- the sentence cap ---------------------------------------------------------


def _uncovered(text: str, spans: list[tuple[int, int]]) -> str:
    """Characters of ``text`` outside every span, spaces aside (must be none)."""
    keep = list(text)
    for s, e in spans:
        keep[s:e] = [" "] * (e - s)
    return "".join(keep).strip()


def test_run_on_text_is_split_not_dropped() -> None:
    text = "word " * 1000
    seg = segment(text, "en")
    spans = [(s.start, s.end) for s in seg.sentences]
    assert len(spans) == 1000 // MAX_SENTENCE_WORDS
    assert all(len(text[s:e].split()) == MAX_SENTENCE_WORDS for s, e in spans)
    assert _uncovered(text, spans) == ""


def test_text_without_spaces_is_cut_at_the_character_cap() -> None:
    text = "x" * (2 * MAX_SENTENCE_CHARS + 7) + " tail."
    spans = [(s.start, s.end) for s in segment(text, "en").sentences]
    assert [e - s for s, e in spans][:2] == [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS]
    assert _uncovered(text, spans) == ""
    assert text[spans[-1][0] : spans[-1][1]].endswith("tail.")


def test_sentences_under_the_cap_are_untouched() -> None:
    sentence = " ".join(["alpha"] * (MAX_SENTENCE_WORDS - 1)) + "."
    assert cap_span(sentence, 0, len(sentence)) == [(0, len(sentence))]


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
            st.integers(1, 2500).map(lambda n: "y" * n),
            st.sampled_from([" ", "\n", "\n\n", ". ", "\u3000", "\t"]),
        ),
        max_size=400,
    )
)
def test_capped_sentences_cover_every_character(parts: list[str]) -> None:
    text = "".join(parts)
    seg = segment(text, "en")
    spans = [(s.start, s.end) for s in seg.sentences]
    prev = 0
    for s, e in spans:
        assert prev <= s < e <= len(text)
        piece = text[s:e]
        assert piece == piece.strip()
        assert len(piece.split()) <= MAX_SENTENCE_WORDS
        assert e - s <= MAX_SENTENCE_CHARS
        prev = e
    assert _uncovered(text, spans) == ""


@settings(max_examples=200)
@given(
    st.lists(
        st.sampled_from(["w", "word", " ", "\n", "  ", "\u3000", "x" * 900, "y" * 2500]),
        min_size=1,
        max_size=700,
    )
)
def test_fast_cap_cuts_the_same_pieces_as_the_word_loop(parts: list[str]) -> None:
    from retold.segment import _cap_words

    text = "".join(parts).strip()
    if len(text) > min(2 * MAX_SENTENCE_WORDS, MAX_SENTENCE_CHARS):
        assert cap_span(text, 0, len(text)) == _cap_words(text, 0, len(text))


def test_language_model_is_cached_unpacked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The identifier's model is unpacked into the user's cache on first use and
    read from there after (the same answers); a damaged cache file is rebuilt,
    and an unwritable cache only costs time."""
    from retold import segment as seg

    samples = [
        ("Bakan perşembe günü müzakerelerin sona erdiğini söyledi.", "tr"),
        ("部长星期四说，会谈已经结束了。", "zh"),
        ("The minister said on Thursday that the talks were over.", "en"),
    ]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    seg._identifier.cache_clear()
    try:
        first = seg._identifier()
        path = seg._langid_cache()
        assert path is not None and path.parent == tmp_path / "retold" and path.exists()
        seg._identifier.cache_clear()
        second = seg._identifier()
        assert second is not first
        for text, lang in samples:
            assert second.classify(text) == first.classify(text)
            assert seg.guess_language(text) == lang
        path.write_bytes(b"PK\x03\x04 not a model")
        seg._identifier.cache_clear()
        assert seg.guess_language(samples[0][0]) == "tr"
        assert path.stat().st_size > 1_000_000  # rebuilt
        blocked = tmp_path / "a-file"
        blocked.write_text("x")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
        seg._identifier.cache_clear()
        assert seg.guess_language(samples[1][0]) == "zh"
    finally:
        seg._identifier.cache_clear()


def test_a_quoted_paragraph_is_cut_into_its_sentences() -> None:
    """sentencex keeps a quotation whole; retold cuts a long one at its
    sentence ends (each piece keeps its quote marks), but not a short chant."""
    text = (
        "He said: “We have lost everything in the flood. Our house is gone and the "
        "school is closed. We will rebuild it anyway,” before leaving. "
        "The crowd chanted: “Libertad! Libertad!”"
    )
    sents = [text[s.start : s.end] for s in segment(text, "en").sentences]
    assert sents == [
        "He said: “We have lost everything in the flood.",
        "Our house is gone and the school is closed.",
        "We will rebuild it anyway,” before leaving.",
        "The crowd chanted: “Libertad! Libertad!”",
    ]
    fr = "Il a dit : « Nous avons tout perdu dans la crue. L'école restera fermée tout l'hiver. »"
    assert [fr[s.start : s.end] for s in segment(fr, "fr").sentences] == [
        "Il a dit : « Nous avons tout perdu dans la crue.",
        "L'école restera fermée tout l'hiver. »",
    ]


def _sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text, "en").sentences]


def test_lost_full_stops_are_found_at_the_spaces_they_left() -> None:
    # an export that dropped its full stops and kept the two spaces after them
    parts = [
        "The cooperative reviews its flood exposure with two outside modelling firms every spring",
        "Its board approved a new reinsurance tower after the storms of the last season",
        "Members in low-lying districts were offered grants to raise their pumps and meters",
        "A report on the programme goes to the state regulator before the end of each year",
    ]
    text = "  ".join(parts)
    assert _sentences(text) == parts


def test_a_double_space_inside_an_ordinary_sentence_stays() -> None:
    short = "The mayor said  Friday that the bridge would reopen."
    assert _sentences(short) == [short]
    # long, but the double space comes before a lower-case word or a figure,
    # or would leave a piece of under four words
    long = (
        "The council voted on the plan for the harbour  which had been debated for "
        "months by residents, traders, fishermen and the port authority, and the "
        "vote went  2024 style with every member of the chamber present and several "
        "speaking at length about the costs of dredging  Overall."
    )
    assert _sentences(long) == [long]


def test_lost_stop_pieces_cover_the_text() -> None:
    text = "  ".join(["Word " * 12 + "end"] * 6)
    spans = [(s.start, s.end) for s in segment(text, "en").sentences]
    assert len(spans) == 6
    assert _uncovered(text, spans) == ""


def test_two_spaces_of_the_layout_are_no_lost_stops() -> None:
    # justified text: two spaces between words wherever the line was stretched
    words = (
        "the regional  council said  on Tuesday that the  new harbour  wall would "
        "be  finished before  the winter storms and that  Mayor Ana Ruiz had  asked "
        "the  contractors to  report every  month on the  costs of the  work so far"
    )
    text = words[0].upper() + words[1:] + "."
    assert _sentences(text) == [text]
