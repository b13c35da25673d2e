"""How a text is worded: the learned evidence of which text is the draft.

Two models trained by ``scripts/train_decision.py`` on the development pairs
(human source against LLM rewrite) and shipped as data:

- the **wording table** (``models/rewriter-words-v1.json``): a weight for each
  word a text uses and the other does not; rewriters swap plain words for
  their own ("said" becomes "stated", "also" "additionally");
- the **style model** (``models/draft-style-v1.npz``): a logistic regression on
  a text's hashed words, word pairs and in-word letter runs, read as how much
  the text reads as a first draft rather than a rewriting model's output.

:mod:`retold.evidence` turns both into direction evidence for a pair.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

__all__ = [
    "STYLE_BITS",
    "STYLE_FILE",
    "WORDS_FILE",
    "draft_score",
    "style_features",
    "telling_words",
    "wording",
]

#: the learned table of wording (see :func:`wording`)
WORDS_FILE = "rewriter-words-v1.json"
#: the learned model of a rewriter's style (see :func:`draft_score`)
STYLE_FILE = "draft-style-v1.npz"
#: :func:`style_features` hashes into 2**STYLE_BITS buckets (2**16: the
#: direction right for 0.948 of GPT-3.5's and GPT-4o's rewrites, 2**17: 0.951)
STYLE_BITS = 17
_STYLE_MASK = (1 << STYLE_BITS) - 1
#: words and single punctuation marks, case kept: style lives in both
_STYLE_TOKEN = re.compile(r"\w+|[^\w\s]")
#: the style of a text is read in its first characters: a 10 MB text would
#: otherwise hold tens of millions of bucket ids at once (no development text
#: is longer: the longest has 12,701 characters)
_STYLE_CHARS = 20_000


@lru_cache(maxsize=1)
def _word_weights() -> dict[str, float]:
    text = resources.files("retold.models").joinpath(WORDS_FILE).read_text(encoding="utf-8")
    weights: dict[str, float] = json.loads(text)["weights"]
    return weights


def wording(
    a: Iterable[str],
    b: Iterable[str],
    weights: dict[str, float] | None = None,
) -> float:
    """How much more A's own words look a first draft's than B's own words do.

    Each word type only one side uses weighs as the learned table says
    (positive: a source's word, "said"; negative: a rewriter's, "stated");
    A's sum minus B's, over the square root of their number. Positive: A is
    the likelier source. Antisymmetric: ``wording(b, a) == -wording(a, b)``.
    """
    w = _word_weights() if weights is None else weights
    sa, sb = set(a), set(b)
    only_a, only_b = sa - sb, sb - sa
    # fsum: sets iterate in an order that changes with the process's string
    # hashing, and a plain sum's last bits with the order
    total = math.fsum(w.get(t, 0.0) for t in only_a) - math.fsum(w.get(t, 0.0) for t in only_b)
    return total / math.sqrt(max(1, len(only_a) + len(only_b)))


def telling_words(
    a: Iterable[str], b: Iterable[str], k: int = 3, floor: float = 1.5
) -> tuple[list[str], list[str]]:
    """Each side's own words the wording table reads most as a rewriter's
    (weight at most ``-floor``), at most ``k`` each, strongest first: what a
    reader can check of :func:`wording`."""
    w = _word_weights()
    sa, sb = set(a), set(b)

    def strongest(own: set[str]) -> list[str]:
        scored = sorted((w.get(t, 0.0), t) for t in own)
        return [t for x, t in scored[:k] if x <= -floor]

    return strongest(sa - sb), strongest(sb - sa)


@lru_cache(maxsize=200_000)
def _style_word(token: str) -> tuple[int, ...]:
    """The buckets of a token: itself and its runs of four characters (the
    word padded with a space each side: prefixes and suffixes count)."""
    padded = f" {token} "
    grams = (("#" + padded[i : i + 4]).encode() for i in range(len(padded) - 3))
    return (zlib.crc32(token.encode()) & _STYLE_MASK, *(zlib.crc32(g) & _STYLE_MASK for g in grams))


def style_features(
    text: str, idf: npt.NDArray[np.float64] | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """A text's style as a sparse vector: hashed counts of its tokens, token
    pairs and in-word four-character runs, sublinear (1 + log count), times
    ``idf``, L2-normalised; (bucket indices, values). Only the first
    :data:`_STYLE_CHARS` characters are read.

    crc32 hashing, not Python's ``hash``: buckets must be the same in every
    process, as when the model was trained (``scripts/train_decision.py``).
    """
    toks = _STYLE_TOKEN.findall(text[:_STYLE_CHARS])
    ids: list[int] = []
    for t in toks:
        ids.extend(_style_word(t))
    crc = zlib.crc32
    ids.extend(crc(f"{x} {y}".encode()) & _STYLE_MASK for x, y in itertools.pairwise(toks))
    keys, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
    vals = 1.0 + np.log(counts)
    if idf is not None:
        vals *= idf[keys]
    norm = float(np.linalg.norm(vals))
    return keys, vals / norm if norm else vals


@lru_cache(maxsize=1)
def _style_model() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """(weights, idf) of the style model, or None before one is trained."""
    import io

    path = resources.files("retold.models").joinpath(STYLE_FILE)
    if not path.is_file():
        return None
    with np.load(io.BytesIO(path.read_bytes())) as data:
        return data["weights"].astype(np.float64), data["idf"].astype(np.float64)


def draft_score(text: str) -> float:
    """How much ``text`` reads as a first draft rather than a rewriting model's
    output, by a logistic regression on :func:`style_features` learned from the
    development pairs (human source against LLM rewrite). The intercept is left
    out: only the difference of two texts' scores is read (the direction)."""
    model = _style_model()
    if model is None or not text:
        return 0.0
    weights, idf = model
    keys, vals = style_features(text, idf)
    return float(vals @ weights[keys])
