"""Changes stage: shares said in words, ratios, ranks and pence
(retold.changes._shares and the numbers pass that compares them)."""

from __future__ import annotations

import pytest

from retold.changes import find_changes
from retold.types import Change


def numbers(a: str, b: str, *, lang_a: str = "en", lang_b: str = "en") -> list[Change]:
    pairs = [((0, len(a)), (0, len(b)))]
    return [
        c for c in find_changes(a, b, pairs, lang_a=lang_a, lang_b=lang_b) if c.kind == "number"
    ]


TAIL = " of the 9,000 residents of the town were evacuated by Friday night."


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nearly half", "About 50%"),
        ("A third", "Some 33 percent"),
        ("A third", "30%"),
        ("Two-thirds", "About 67%"),
        ("A quarter", "25 per cent"),
        ("One in five", "20%"),
        ("One in five", "A fifth"),
        ("Three quarters", "75%"),
    ],
)
def test_a_share_in_words_is_the_percentage_it_states(a: str, b: str) -> None:
    assert numbers(a + TAIL, b + TAIL) == []
    assert numbers(b + TAIL, a + TAIL) == []


@pytest.mark.parametrize(
    ("a", "b", "detail"),
    [
        ("A third", "Half", "value changed: A third → Half"),
        ("One in five", "One in four", "value changed: One in five → One in four"),
        ("A quarter", "20%", "value changed: A quarter → 20%"),
        ("Nearly half", "More than 60%", "value changed: half → 60%"),
    ],
)
def test_a_share_changed_is_reported(a: str, b: str, detail: str) -> None:
    (n,) = numbers(a + TAIL, b + TAIL)
    assert n.detail.startswith(detail)


def test_a_share_keeps_its_qualifier_when_it_claims_more() -> None:
    (n,) = numbers("More than half" + TAIL, "About 50%" + TAIL)
    assert n.detail == "qualifier changed: more than → about"


def test_a_half_that_is_no_share_is_never_reported_alone() -> None:
    a = "The meeting lasted an hour and a half, officials in Paris said on Monday."
    b = "The meeting was long, officials in Paris said on Monday."
    assert numbers(a, b) == []
    a = "He scored in the second half of the match in Madrid on Sunday."
    b = "He scored late in the match in Madrid on Sunday."
    assert numbers(a, b) == []


@pytest.mark.parametrize(
    ("a", "b", "lang_a"),
    [
        (
            "Un tercio de los 9.000 vecinos fue evacuado.",
            "A third of the 9,000 residents left.",
            "es",
        ),
        (
            "Deux tiers des 9 000 habitants ont été évacués.",
            "About 67% of the 9,000 residents left.",
            "fr",
        ),
        (
            "Die Hälfte der 9000 Einwohner wurde evakuiert.",
            "Half of the 9,000 residents left.",
            "de",
        ),
        (
            "Uno su cinque dei 9.000 residenti è stato evacuato.",
            "20% of the 9,000 residents left.",
            "it",
        ),
    ],
)
def test_shares_in_other_languages(a: str, b: str, lang_a: str) -> None:
    assert numbers(a, b, lang_a=lang_a) == []


@pytest.mark.parametrize(
    ("a", "b", "lang_b"),
    [
        (
            "He was the 44th president, elected in 2008.",
            "He was the forty-fourth president, elected in 2008.",
            "en",
        ),
        ("He finished third in Boston on Sunday.", "He finished 3rd in Boston on Sunday.", "en"),
        (
            "It is the 2nd time the bank raised rates.",
            "It is the second time the bank raised rates.",
            "en",
        ),
        (
            "He was the 44th president, elected in 2008.",
            "Fue el presidente número 44, elegido en 2008.",
            "es",
        ),
        (
            "He was the 44th president, elected in 2008.",
            "Fue el 44.º presidente, elegido en 2008.",
            "es",
        ),
        ("It was the 21st edition of the race.", "C'était la 21e édition de la course.", "fr"),
    ],
)
def test_a_rank_is_its_number(a: str, b: str, lang_b: str) -> None:
    assert numbers(a, b, lang_b=lang_b) == []


def test_a_changed_rank_is_reported() -> None:
    (n,) = numbers("He was the 44th president.", "He was the forty-fifth president.")
    assert (n.a_text, n.b_text) == ("44th", "forty-fifth")


def test_a_rank_is_no_count_of_something() -> None:
    # "3 days" is new; the rank, unpaired, is not said to have become a count
    (n,) = numbers("It was his 3rd win this season.", "It was his win in 3 days this season.")
    assert (n.detail, n.b_text) == ("number added", "3 days")


def test_a_rank_or_a_share_is_never_reported_alone() -> None:
    assert numbers("It was the first time in a decade.", "It was a rare event in a decade.") == []
    assert numbers("He scored in the 62nd minute.", "He scored late in the game.") == []
    assert numbers("A third of them left.", "Many of them left.") == []


def test_pence_glued_to_the_figure() -> None:
    assert numbers("Bread rose to 85p a loaf.", "Bread rose to 85 pence a loaf.") == []
    assert numbers("Bread rose to £1.20 a loaf.", "Bread rose to 120p a loaf.") == []
    (n,) = numbers("Bread rose to 85p a loaf.", "Bread rose to 95p a loaf.")
    assert (n.a_text, n.b_text) == ("85p", "95p")


@pytest.mark.parametrize(
    ("a", "b", "lang_a", "lang_b"),
    [
        (
            "Camilla, alors âgée d'une vingtaine d'années, est partie.",
            "Camilla, then 20, left.",
            "fr",
            "en",
        ),
        ("Hubo casi una docena de heridos.", "Nearly a dozen people were hurt.", "es", "en"),
        ("Un centinaio di persone ha protestato.", "About 100 people protested.", "it", "en"),
    ],
)
def test_a_round_count_is_its_number(a: str, b: str, lang_a: str, lang_b: str) -> None:
    assert numbers(a, b, lang_a=lang_a, lang_b=lang_b) == []


def test_a_round_count_is_never_reported_alone() -> None:
    a = "Une vingtaine de personnes ont été blessées lundi."
    assert numbers(a, "Des personnes ont été blessées lundi.", lang_a="fr", lang_b="fr") == []


def test_a_round_count_changed_is_reported() -> None:
    a = "Une vingtaine de personnes ont été blessées lundi à Paris."
    b = "Une trentaine de personnes ont été blessées lundi à Paris."
    (n,) = numbers(a, b, lang_a="fr", lang_b="fr")
    assert (n.a_text, n.b_text) == ("Une vingtaine", "Une trentaine")


def test_a_figure_in_the_plural_pairs_with_the_figure() -> None:
    a = "Arrests used to be in the 100s for spectators."
    b = "Los arrestos solían estar en los 100 para los espectadores."
    assert numbers(a, b, lang_b="es") == []
    # and says too little to be a value changed: "45" is a new figure
    (n,) = numbers("He was in his 40s when he left.", "He was 45 when he left.")
    assert (n.detail, n.b_text) == ("number added", "45")


def test_a_possessive_is_no_plural() -> None:
    (n,) = numbers("He spoke to Channel 7's news desk.", "He spoke to Channel 9's news desk.")
    assert (n.a_text, n.b_text) == ("7", "9")
