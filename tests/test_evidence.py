"""Pair evidence: the learned wording and style of the direction decision."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

import retold
from retold import decision
from retold.evidence import (
    _meaning,
    _shared_stems,
    head_overlap,
    language_features,
    opening_terms,
    profile,
    word_types,
)
from retold.wording import STYLE_BITS, draft_score, style_features, telling_words, wording

DRAFT = (
    "The mayor said on Monday that the bridge would reopen next week. "
    "Workers have fixed most of the cracks, she told reporters."
)
REWORDED = (
    "On Monday, the mayor stated that the bridge is set to reopen next week. "
    "Additionally, workers have addressed various cracks, she emphasized."
)


def test_wording_is_antisymmetric_and_zero_for_one_text() -> None:
    a, b = word_types(DRAFT), word_types(REWORDED)
    assert wording(a, b) == pytest.approx(-wording(b, a))
    assert wording(a, a) == 0.0
    assert wording(frozenset(), frozenset()) == 0.0


def test_a_rewriters_words_point_to_the_draft() -> None:
    """The shipped table reads plain reporting verbs as a draft's and the
    register rewriting models lift them to as a rewrite's."""
    assert wording(word_types(DRAFT), word_types(REWORDED)) > 1.0


def test_words_the_table_does_not_know_weigh_nothing() -> None:
    a, b = word_types("zqxv blorft"), word_types("plimb quarn")
    assert wording(a, b) == 0.0
    assert wording(a, b, weights={"zqxv": 2.0}) == pytest.approx(2.0 / 2.0)


def test_word_types_fold_case_and_keep_numbers() -> None:
    assert word_types("Said SAID said 3,500 people") == {"said", "3,500", "people"}


def test_elided_words_are_the_words_the_other_text_writes_bare() -> None:
    fr = profile(["Selon l'Élysée, qu’Emmanuel Macron rentre aujourd'hui."], "fr")
    assert {"élysée", "emmanuel", "macron"} <= fr.names
    assert {"élysée", "emmanuel", "aujourd'hui"} <= fr.tf.keys() and "l'élysée" not in fr.tf
    it = profile(["Il presidente dell'Italia parla all'ONU."], "it")
    assert {"italia", "onu"} <= it.names
    # English contractions and possessives are one word each
    en = profile(["They don't know the council's plan."], "en")
    assert {"don't", "council's"} <= en.tf.keys()


def test_chinese_is_read_in_character_pairs_not_clauses() -> None:
    a = profile(["英国的街道上堆满了圣诞垃圾", "伯明翰的数百户家庭受到干扰"], "zh")
    b = profile(["圣诞节后垃圾堆积如山"], "zh")
    assert {"圣诞", "垃圾"} <= a.tf.keys() & b.tf.keys()
    assert all(len(t) == 2 for t in a.tf)
    assert opening_terms("圣诞垃圾 Balsall Heath", "zh")[0][0] == "圣诞"


def test_telling_words_name_the_rewriters_own_words() -> None:
    a, b = word_types(DRAFT), word_types(REWORDED)
    of_a, of_b = telling_words(a, b)
    assert of_a == []  # the draft's own words ("said", "told") are a draft's
    assert of_b and set(of_b) <= b - a
    assert len(telling_words(a, b, k=1)[1]) == 1


def test_head_overlap_reads_the_headlines_rare_words_in_the_other_opening() -> None:
    a = opening_terms("2 injured when snowmobile crashes into tree in New Hampshire", "en")
    b = opening_terms(
        "Two hurt when snowmobile crashed into tree. You have reached the limit", "en"
    )
    other = opening_terms("Parliament votes on the budget after a long night of talks", "en")
    same = head_overlap(a, b)
    assert same["head_lex_max"] >= same["head_lex_min"] > 0.4
    apart = head_overlap(a, other)
    assert apart["head_lex_max"] == 0.0
    # symmetric, and nothing from a side without content words
    assert head_overlap(b, a) == same
    assert head_overlap(opening_terms("the and of", "en"), b)["head_lex_min"] == 0.0
    # only the opening counts: a shared word far into the text does not
    late = opening_terms(" ".join(["word"] * 60) + " snowmobile", "en")
    assert head_overlap(a, late)["head_lex_max"] == 0.0


_DRAFT = (
    "Police said the fire started around 2am in a kitchen on Elm St. Nobody was hurt, "
    "but two cats are missing -- neighbours are out looking. The landlord couldn't be "
    "reached Tuesday."
)
_POLISHED = (
    "In a concerning development, authorities have confirmed that a fire broke out in "
    "the early hours of the morning. Fortunately, no injuries were reported. "
    "Furthermore, the incident underscores the importance of robust fire safety measures."
)


def test_style_features_are_stable_hashed_and_normalised() -> None:
    keys, vals = style_features("Said, said.")
    # crc32 buckets, the same in every process (Python's hash() is salted)
    mask = (1 << STYLE_BITS) - 1
    assert zlib.crc32(b"said") & mask in set(keys.tolist())
    assert zlib.crc32(b"Said ,") & mask in set(keys.tolist())  # a token pair
    assert np.linalg.norm(vals) == pytest.approx(1.0)
    assert len(set(keys.tolist())) == len(keys)
    assert style_features("")[0].size == 0
    # a huge text is read in its opening (its first 20,000 characters)
    huge = " ".join(f"token{i}" for i in range(200_000))
    assert np.array_equal(style_features(huge)[0], style_features(huge[:20_000])[0])


def test_the_style_model_reads_a_rewriting_models_polish_as_the_later_text() -> None:
    assert draft_score(_DRAFT) > draft_score(_POLISHED)
    assert draft_score("") == 0.0


def _unit(rows: list[list[float]]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    out: np.ndarray = m / np.linalg.norm(m, axis=1, keepdims=True)
    return out


def test_margin_tells_a_restatement_from_a_text_close_to_everything() -> None:
    """A rewrite's sentences each match one source sentence far better than the
    next; a formulaic text on the same topic is about as close to all of them
    (as close at best), so its margin is near 0."""
    src = _unit([[1, 0.3, 0.3, 0.3], [0.3, 1, 0.3, 0.3], [0.3, 0.3, 1, 0.3]])
    rewrite = _unit([[1, 0.35, 0.3, 0.3], [0.35, 1, 0.3, 0.3], [0.3, 0.3, 1, 0.35]])
    generic = _unit([[1, 1, 1, 0.6], [1, 1, 1, 0.5], [1, 1, 1, 0.4]])
    w = np.ones(3, dtype=np.float32)
    got = _meaning(src, rewrite, w, w)
    other = _meaning(src, generic, w, w)
    assert got["a_margin"] > 0.3 and got["b_margin"] > 0.3
    assert other["b_margin"] < 0.05
    # against one sentence there is no runner-up: no evidence either way
    one = _meaning(src[:1], rewrite, np.ones(1, dtype=np.float32), w)
    assert one["b_margin"] == 0.0 and one["a_margin"] > 0.0


_LONG_A = (
    "The regional council approved a new flood defence plan for the valley on Tuesday, "
    "after two winters in which the river burst its banks and closed the main road for weeks. "
    "Engineers will raise the embankments near the old mill, widen the culverts under the "
    "railway and plant willows along the northern meadows to slow the water. Farmers said "
    "the compensation offered for flooded fields was too low, and the mayor promised to "
    "review it before the spring planting season begins in March."
)
_LONG_B = (
    "On Tuesday the valley's regional council backed a flood defence scheme, following two "
    "winters of the river bursting its banks and shutting the main road for weeks. Embankments "
    "near the old mill are to be raised, culverts under the railway widened and willows planted "
    "across the northern meadows to slow the water. Compensation for flooded fields was too "
    "low, farmers said; the mayor pledged a review ahead of the March planting season."
)


def test_evidence_is_the_same_bits_in_every_process() -> None:
    """Python orders a set of words by a hash seeded per process; sums over
    such sets must not carry that order into the evidence's last bits, or
    training (and a verdict right at a threshold) differs from run to run."""
    code = (
        "import json, sys, retold; from retold.embed import HashingEncoder; "
        "r = retold.compare(sys.argv[1], sys.argv[2], encoder=HashingEncoder(64)); "
        "print(json.dumps({k: v.hex() for k, v in sorted(r.features.items())}))"
    )
    outs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code, _LONG_A, _LONG_B],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outs.add(run.stdout)
    assert len(outs) == 1


def test_the_same_story_model_knows_the_language_both_texts_are_in() -> None:
    assert language_features("pl", "pl")["lang_pl"] == 1.0
    assert sum(language_features("pl", "pl").values()) == 1.0
    # two languages, English, and a language with no rated pairs: read as before
    for a, b in (("pl", "en"), ("en", "en"), ("nl", "nl")):
        assert not any(language_features(a, b).values())
    models = decision.model()["models"]
    flags = set(language_features("pl", "pl"))
    assert flags <= set(models["same_story"]["features"])
    assert not flags & set(models["derived"]["features"])


def test_a_comparison_reports_the_shared_language_to_the_decision() -> None:
    a = (
        "Rada miasta przyjęła w czwartek nowy budżet na przyszły rok. "
        "Najwięcej pieniędzy trafi na remonty szkół i dróg w dzielnicach."
    )
    b = (
        "W czwartek radni zatwierdzili budżet miasta na kolejny rok. "
        "Największa część środków pójdzie na remonty dróg oraz szkół."
    )
    report = retold.compare(a, b)
    assert report.features["lang_pl"] == 1.0
    assert report.features["lang_de"] == 0.0


def _stems(a: str, b: str, lang: str = "en") -> float:
    return _shared_stems(profile([a], lang), profile([b], lang))


def test_shared_stems_count_words_too_rare_to_meet_by_chance() -> None:
    common = "The people said that the work was good and the day was long."
    other = "They said the day was long and that people did good work there."
    assert _stems(common, other) < _stems(DRAFT, REWORDED)
    # only the rarer words count, and inflections meet on their stem
    a = "Inspectors found corroded girders under the viaduct near Harwick."
    b = "Corrosion of the viaduct's girders worried the inspector at Harwick."
    # inspe, corro, girde, viadu, harwi; and, in texts this short, "the":
    # 5 % of English words, expected less than once in ten
    assert _stems(a, b) == pytest.approx(np.log1p(6))
    assert _stems(a, b) == _stems(b, a)


def test_shared_stems_raise_the_bar_with_length() -> None:
    """A word of middling frequency ("bridge", Zipf about 4.6) is evidence in
    two short texts but can meet by chance in two very long ones."""
    short = _stems("The bridge closed.", "A bridge opened.")
    filler = " and the" * 50_000  # 100,000 tokens: the bar is Zipf 4
    long_ = _stems(f"The bridge closed.{filler}", f"A bridge opened.{filler}")
    assert short == pytest.approx(np.log1p(1))
    assert long_ == 0.0
