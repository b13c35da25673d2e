"""Changes content farms make beyond rewording, applied to development texts:
context added to a rewrite, a source the rewriter had in a fuller version.

Both work on sentence boundaries of the text as it is (its paragraphs kept),
with the caller's random generator, so a seed gives the same texts every run.
Used by benchmarks/bench_direction_context.py to measure the direction on
such pairs and by scripts/train_decision.py to train it on others.
"""

from __future__ import annotations

import random

from retold.segment import sentence_spans


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (English rules: the development texts are)."""
    return sentence_spans(text, 0, len(text))


def first_sentences(text: str, n: int) -> str:
    """The first ``n`` sentences of ``text``, as one run of text."""
    return " ".join(text[s:e] for s, e in sentences(text)[:n])


def add_context(text: str, context: str, rng: random.Random) -> str:
    """``context`` put into ``text`` after one of its sentences (never before
    the first: the lede stays the lede)."""
    spans = sentences(text)
    if len(spans) < 2:
        return f"{text} {context}"
    end = spans[rng.randrange(0, len(spans) - 1)][1]
    return f"{text[:end]} {context}{text[end:]}"


def leave_out(text: str, rng: random.Random, share: float = 0.3) -> str:
    """``text`` without a run of ``share`` of its sentences (at least one; the
    first sentence kept when there are more than two)."""
    spans = sentences(text)
    if len(spans) < 2:
        return text
    drop = min(len(spans) - 1, max(1, round(len(spans) * share)))
    first = 1 if len(spans) - drop >= 2 else 0
    i = rng.randrange(first, len(spans) - drop + 1)
    start = spans[i][0]
    stop = spans[i + drop][0] if i + drop < len(spans) else len(text)
    return (text[:start] + text[stop:]).rstrip()


def every_other(text: str) -> str:
    """The first, third, fifth... sentences of ``text``: a rewrite condensed to
    about half, the story's order kept (an LLM asked for a shorter version
    keeps the lede and drops detail all through)."""
    return " ".join(text[s:e] for k, (s, e) in enumerate(sentences(text)) if k % 2 == 0)


def trimmed(text: str, keep: float = 0.55) -> str:
    """Each sentence of ``text`` cut to about ``keep`` of its words (at least
    six), ending where a sentence ends: detail dropped inside sentences, a
    condensation of another kind than :func:`every_other`'s."""
    out = []
    for s, e in sentences(text):
        words = text[s:e].split()
        cut = " ".join(words[: max(6, int(len(words) * keep))]).rstrip(",;:")
        out.append(cut if cut.endswith((".", "!", "?", '"', "”")) else cut + ".")
    return " ".join(out)
