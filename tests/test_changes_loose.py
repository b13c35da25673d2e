"""Loose pairs: changes inside rewrite sentences the aligner leaves out (real encoder)."""

from __future__ import annotations

import pytest

from retold.changes.loose import loose_pairs
from retold.comparison import compare_prepared, prepare
from retold.types import Alignment, Change, Document, Report

SOURCE = [
    "Flooding closed the main bridge in Harwick on Tuesday after two days of heavy rain.",
    "The river rose 2.4 metres overnight, the highest level recorded since 1998.",
    "Council engineer Maria Vendramin said the bridge would stay shut until inspectors had "
    "checked its supports.",
    "About 340 homes were left without power, and the electricity company said repairs could "
    "take a week.",
    "Volunteers filled sandbags at the town hall through the night.",
    "Local schools will remain closed on Wednesday as a precaution.",
    "The Environment Agency has issued flood warnings for three more villages downstream.",
    "Residents were told to avoid the riverside path, which is partly under water.",
    "The mayor, Thomas Okafor, thanked emergency crews for their work.",
    "Forecasters expect drier weather by the weekend.",
]


def rewrite(merged: str, *, without: tuple[int, ...], extra: str = "") -> tuple[str, str]:
    """The source, and a copy of it with sentences ``without`` folded into ``merged``
    (put after the first six kept ones) and ``extra`` at the end."""
    kept = [s for i, s in enumerate(SOURCE) if i not in without]
    b = [*kept[:6], merged, *kept[6:]] + ([extra] if extra else [])
    return "\n".join(SOURCE), "\n".join(b)


def compared(a: str, b: str) -> Report:
    return compare_prepared(prepare(Document(a)), prepare(Document(b)))


def unaligned(rep: Report, sentence: str, *, loose: bool = False) -> bool:
    """No alignment holds the sentence (the aligner's; with ``loose``, loose ones too)."""
    start = rep.b.text.index(sentence)
    return not any(al.b[0] <= start < al.b[1] for al in rep.alignments if loose or not al.loose)


def strict(rep: Report) -> list[Alignment]:
    return [al for al in rep.alignments if not al.loose]


def inside(rep: Report, sentence: str) -> list[Change]:
    start = rep.b.text.index(sentence)
    end = start + len(sentence)
    return [c for c in rep.changes if start <= c.b[0] and c.b[1] <= end]


def test_a_name_changed_in_a_sentence_merging_two_is_reported() -> None:
    merged = (
        "Nobody will drive over the crossing before inspectors sign it off, Maria Castellan "
        "of the council insisted, while some 340 homes wait up to a week for electricity."
    )
    rep = compared(*rewrite(merged, without=(2, 3)))
    assert rep.verdict in ("rewrite", "near-duplicate")
    assert unaligned(rep, merged), "the aligner now holds the merged sentence: test moot"
    found = [(c.kind, c.a_text, c.b_text) for c in inside(rep, merged)]
    assert ("name", "Maria Vendramin", "Maria Castellan") in found


def test_a_figure_changed_in_a_sentence_merging_distant_ones_is_reported() -> None:
    merged = (
        "Forecasters promise a drier weekend after a night in which the river climbed "
        "3.1 metres, a height not seen since 1998."
    )
    rep = compared(*rewrite(merged, without=(1, 9)))
    assert unaligned(rep, merged), "the aligner now holds the merged sentence: test moot"
    numbers = [c for c in inside(rep, merged) if c.kind == "number"]
    assert [(c.a_text, c.b_text) for c in numbers] == [("2.4 metres", "3.1 metres")]


@pytest.mark.parametrize(
    "extra",
    [
        # shares "local" with "Local schools will remain closed on Wednesday"
        "Local shops will open late on Thursday.",
        # shares "town hall" with the volunteers' sentence, and a name nowhere in A
        "Tickets for the town hall concert with Anna Berg cost 12 pounds.",
    ],
)
def test_an_unrelated_sentence_sharing_a_common_word_is_left_alone(extra: str) -> None:
    merged = (
        "Nobody will drive over the crossing before inspectors sign it off, Maria Vendramin "
        "of the council insisted, while some 340 homes wait up to a week for electricity."
    )
    a, b = rewrite(merged, without=(2, 3), extra=extra)
    pa, pb = prepare(Document(a)), prepare(Document(b))
    rep = compare_prepared(pa, pb)
    assert unaligned(rep, extra, loose=True)
    assert inside(rep, extra) == []
    pairs = loose_pairs(pa.body, pb.body, pa.vectors, pb.vectors, strict(rep), "en")
    assert not [p for p in pairs if p[1][0] == b.index(extra)]
    # the merged sentence, unchanged, is paired and reports nothing; the report
    # shows it aligned loosely, and not as added
    assert any(p[1][0] == b.index(merged) for p in pairs)
    assert inside(rep, merged) == []
    assert not unaligned(rep, merged, loose=True)
    assert not any(p.start <= b.index(merged) < p.end for p in rep.added)
    assert any(p.start <= b.index(extra) < p.end for p in rep.added)


def test_loose_pairs_leave_verdict_and_alignments_alone() -> None:
    a, b = rewrite(
        "Forecasters promise a drier weekend after a night in which the river climbed "
        "3.1 metres, a height not seen since 1998.",
        without=(1, 9),
    )
    pa, pb = prepare(Document(a)), prepare(Document(b))
    full = compare_prepared(pa, pb)
    bare = compare_prepared(pa, pb, with_changes=False)
    # the loose pairs are shown beside the aligner's alignments, which they leave
    # as they were, as the evidence and verdict
    assert strict(full) == bare.alignments and not any(al.loose for al in bare.alignments)
    assert [al.b_sentences for al in full.alignments if al.loose] == [(6,)]
    assert full.features == bare.features and full.verdict == bare.verdict
