"""The calibrated decision: evidence in, probabilities, verdict and a reason out.

Three models, each boosted trees (depth 3) blended with a logistic
regression (:class:`Model`), trained by ``scripts/train_decision.py`` on the
shared development data (cross-validated by source text; the blend beats
either alone there, see the script) and shipped as plain arrays
(``models/decision-v2.json``; the runtime is numpy):

- **derived**: P(B was made from A, or A from B);
- **same story**: P(a reader would call the two articles the same story);
  graded, so it is also the report's ``similarity``;
- **direction**: P(A is the source of B) against P(B is the source of A),
  from antisymmetric evidence only (coverage, specifics and rare words one
  side holds, lengths, style, the wording of the words only one side uses,
  :func:`retold.wording.wording`, and how much more one text reads as a
  first draft than the other to a learned model of rewriting models' style,
  :func:`retold.wording.draft_score`), the trees read both ways round and
  averaged, the regression without intercept, so swapping the texts gives
  ``1 - p``.

Copies are told apart from rewrites by rule (verbatim shares), since a copy
is unmistakable and "duplicate"/"near-duplicate" are definitions, not guesses.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from retold.evidence import CHARACTER_PAIRS, derived_features
from retold.types import REUSE, Verdict, published_first, source_of

__all__ = ["MODEL_FILE", "Decision", "decide", "model", "model_of", "predict"]

MODEL_FILE = "decision-v2.json"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    p_derived: float
    p_same_story: float
    p_a_source: float
    why: str

    @property
    def similarity(self) -> float:
        return self.p_same_story


@lru_cache(maxsize=1)
def model() -> dict[str, Any]:
    """The shipped parameters (see the module docstring)."""
    text = resources.files("retold.models").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A short digest of the shipped parameters: what judged a stored verdict,
    so stores of verdicts (the stories' links) can tell when it has changed."""
    data = resources.files("retold.models").joinpath(MODEL_FILE).read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Model:
    """One model as arrays: boosted trees (complete binary trees of ``depth`` in
    heap order: (feature, threshold) of the internal nodes, values of the
    leaves; a leaf above full depth is repeated below itself) and a
    standardised logistic regression, whose log-odds are averaged with weight
    ``tree_weight`` (the trees rank better, the line extrapolates more soberly
    to data unlike most of the training pairs, e.g. Clough's short answers)."""

    feature: np.ndarray
    threshold: np.ndarray
    leaf: np.ndarray
    baseline: float
    depth: int
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    tree_weight: float
    #: the direction: read ``x`` and ``-x`` (the texts swapped), so p(-x) = 1 - p(x)
    antisymmetric: bool


def model_of(m: dict[str, Any]) -> Model:
    """A :class:`Model` from its entry in the model file."""
    lin = m["linear"]
    return Model(
        np.asarray(m["feature"], dtype=np.intp),
        np.asarray(m["threshold"], dtype=np.float64),
        np.asarray(m["leaf"], dtype=np.float64),
        float(m["baseline"]),
        int(m["depth"]),
        np.asarray(lin["mean"], dtype=np.float64),
        np.asarray(lin["scale"], dtype=np.float64),
        np.asarray(lin["coef"], dtype=np.float64),
        float(lin["intercept"]),
        float(m["tree_weight"]),
        bool(m["antisymmetric"]),
    )


@lru_cache(maxsize=4)
def _shipped(name: str) -> Model:
    return model_of(model()["models"][name])


def tree_scores(m: Model, x: np.ndarray) -> np.ndarray:
    """The trees' log-odds for the feature rows ``x`` (n, features)."""
    t = np.arange(m.feature.shape[0])
    node = np.zeros((x.shape[0], m.feature.shape[0]), dtype=np.intp)
    for _ in range(m.depth):
        # x <= threshold goes left (child 2i+1), as in scikit-learn's trees
        value = np.take_along_axis(x, m.feature[t, node], axis=1)
        node = 2 * node + 1 + (value > m.threshold[t, node])
    out: np.ndarray = m.baseline + m.leaf[t, node - (2**m.depth - 1)].sum(axis=1)
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return out


def predict(m: Model, x: np.ndarray) -> np.ndarray:
    """Probabilities of model ``m`` for the feature rows ``x`` (n, features)."""
    x = np.nan_to_num(np.atleast_2d(np.asarray(x, dtype=np.float64)))
    line = ((x - m.mean) / m.scale) @ m.coef + m.intercept
    if m.tree_weight == 0.0:  # a regression alone: its trees are not read
        return _sigmoid(line)
    tree = tree_scores(m, x)
    if m.antisymmetric:
        # the mean of both readings' probabilities, back to log-odds
        p = 0.5 * (_sigmoid(tree) + 1.0 - _sigmoid(tree_scores(m, -x)))
        p = np.clip(p, 1e-12, 1 - 1e-12)
        tree = np.log(p / (1.0 - p))
    return _sigmoid(m.tree_weight * tree + (1.0 - m.tree_weight) * line)


def probabilities(f: dict[str, float]) -> dict[str, float]:
    """P(derived), P(same story) and P(A is the source) from pair features."""
    g = f | derived_features(f)
    ms = model()["models"]
    out = {}
    for key, name in (
        ("p_derived", "derived"),
        ("p_same_story", "same_story"),
        ("p_a_source", "direction"),
    ):
        x = np.array([[g[k] for k in ms[name]["features"]]], dtype=np.float64)
        out[key] = float(predict(_shipped(name), x)[0])
    return out


def _copy_verdict(f: dict[str, float]) -> Verdict | None:
    cov_min = min(f["coverage_a_in_b"], f["coverage_b_in_a"])
    if cov_min >= 0.9 and f["verbatim_share"] >= 0.95 and f["length_ratio"] >= 0.9:
        return "duplicate"
    if cov_min >= 0.75 and f["verbatim_share"] + f["near_verbatim_share"] >= 0.75:
        return "near-duplicate"
    return None


def verdict_from(f: dict[str, float], p: dict[str, float]) -> Verdict:
    """The verdict from features and probabilities (thresholds in the model file)."""
    th = model()["thresholds"]
    copy = _copy_verdict(f)
    if copy is not None:
        return copy
    if p["p_derived"] >= th["derived"] and p["p_same_story"] >= th.get(
        "derived_min_same_story", 0.0
    ):
        return "rewrite"
    if p["p_same_story"] >= th["same_story"]:
        return "same-story"
    return "unrelated"


#: headline vectors this close say the same thing (see retold.comparison.headline)
_HEADS_AGREE = 0.75
#: the style evidence (:func:`retold.wording.draft_score`, A's minus B's) a
#: reason names: alone, its sign is right for 0.95 of (source, rewrite) pairs
#: at 1 to 2, 0.998 above 2, and 0.83 from 0.5 to 1 (out of sample)
_STYLE_SAYS = 1.0


def _count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless one ("no names", "1 name", "3 names")."""
    return f"no {noun}s" if n <= 0 else f"1 {noun}" if n == 1 else f"{n} {noun}s"


def explain(
    f: dict[str, float],
    p: dict[str, float],
    verdict: Verdict,
    words: tuple[list[str], list[str]] | None = None,
    dates: tuple[str | None, str | None] = (None, None),
    pairs: bool = False,
) -> str:
    """One or two lines a reader can check: what the decision rests on
    (``dates``: when each page says it was published, if it does; ``pairs``:
    a text is read in character pairs, as Chinese and Japanese are)."""
    parts: list[str] = []
    keep = max(f.get("a_soft", 0.0), f.get("coverage_a_in_b", 0.0))
    ratio = math.exp(-f.get("log_length_ratio", 0.0))
    if verdict in ("duplicate", "near-duplicate"):
        literal = f["verbatim_share"] + f["near_verbatim_share"]
        parts.append(f"{literal:.0%} of the aligned text is verbatim or nearly")
    elif verdict != "rewrite":
        # not a rewrite: only aligned passages are restatements (the soft,
        # windowed coverage of two reports of one event measures their topic)
        cov_a, cov_b = f.get("coverage_a_in_b", 0.0), f.get("coverage_b_in_a", 0.0)
        if max(cov_a, cov_b) >= 0.005:
            parts.append(f"B restates {cov_a:.0%} of A, A {cov_b:.0%} of B")
        else:
            parts.append("no passage of either text restates the other")
    elif ratio < 0.8 and keep >= 0.3:
        parts.append(f"B condenses {keep:.0%} of A into {ratio:.0%} of its length")
    else:
        back = max(f.get("b_soft", 0.0), f.get("coverage_b_in_a", 0.0))
        parts.append(f"B restates {keep:.0%} of A, A {back:.0%} of B")
    rare = round(math.expm1(f.get("rare_shared", 0.0)))
    terms = "words or character pairs" if pairs else "words"
    if rare:
        order = ", in A's order" if f.get("rare_order", 0.0) >= 0.5 else ""
        names = _count(round(math.expm1(f.get("names_shared", 0.0))), "name")
        nums = _count(round(math.expm1(f.get("numbers_shared", 0.0))), "number")
        one = "word or character pair" if pairs else "word"
        shared = f"1 rare {one}" if rare == 1 else f"{rare} rare {terms}"
        parts.append(f"{shared} shared, {names} and {nums}{order}")
    else:
        parts.append(f"no rare {terms} shared")
    if verdict == "same-story" and (
        f.get("head", 0.0) >= _HEADS_AGREE or f.get("head_lex_max", 0.0) >= 0.5
    ):
        # what a reader checks first, and all a crawl that kept little else shows
        parts.append("the headlines agree")
    head = f"P(derived) {p['p_derived']:.0%}, P(same story) {p['p_same_story']:.0%}"
    picked = source_of(p["p_a_source"])
    first = published_first(*dates)
    if verdict in REUSE and first is not None:
        # the dates decide, as in stories; the text's reading is said beside them
        src, other = ("A", "B") if first == "a" else ("B", "A")
        when = dict(zip("AB", dates, strict=True))
        head += f", {src} was published first ({when[src]}; {other} {when[other]})"
        if picked is None:
            head += ", its text could be either's"
        else:
            said = "A" if picked == "a" else "B"
            agree = "agrees" if said == src else f"reads {said} as the source"
            head += f", its text {agree} ({max(p['p_a_source'], 1 - p['p_a_source']):.0%})"
    elif verdict in REUSE and picked is None:
        # a coin toss (two copies of one text read the same both ways round)
        head += f", either could be the source (A {p['p_a_source']:.0%})"
    elif verdict in REUSE:
        head += _direction(f, p, "A" if picked == "a" else "B", words)
    return "; ".join(parts) + ".\n" + head + "."


def _direction(
    f: dict[str, float], p: dict[str, float], src: str, words: tuple[list[str], list[str]] | None
) -> str:
    """ ", {src} is likelier the source (..%)" and the evidence behind it, said
    of the derived text."""
    out = f", {src} is likelier the source ({max(p['p_a_source'], 1 - p['p_a_source']):.0%})"
    wording = f.get("wording", 0.0)
    style = f.get("draft_style", 0.0)
    reasons = _content_reasons(f, src)
    if (wording > 0) == (src == "A"):
        reasons.append(_wording_reason(src, words))
    if abs(style) >= _STYLE_SAYS and (style > 0) == (src == "A"):
        reasons.append("reads as a rewriting model's text")
    chatter = f.get("chatter_diff", 0.0)
    if chatter and (chatter < 0) == (src == "A"):
        reasons.append("keeps a language model's reply around it (set aside)")
    reasons = [r for r in reasons if r]  # a wording reason may name no word
    if reasons:
        listed = ", ".join(reasons[:-1]) + " and " + reasons[-1] if len(reasons) > 1 else reasons[0]
        out += f": {'B' if src == 'A' else 'A'} {listed}"
    return out


#: what the direction reads in the two texts' content, as (its features, what
#: that says of the derived text): the source says more than its rewrite, and
#: names more people, places and figures
_CONTENT_REASONS = (
    (
        ("d_coverage", "d_soft", "d_best", "d_lex", "d_trigrams", "d_condensed"),
        "leaves out much of {src}",
    ),
    (("d_specifics",), "lacks names and numbers {src} has"),
)
#: log-odds a group of evidence must add toward the picked source to be named
#: (the direction's regression terms; its trees are not split by feature)
_REASON_LOGODDS = 0.5


def _content_reasons(f: dict[str, float], src: str) -> list[str]:
    """The content evidence behind the direction, said of the derived text:
    each group of :data:`_CONTENT_REASONS` whose terms in the direction's
    regression add at least :data:`_REASON_LOGODDS` toward source ``src``."""
    entry = model()["models"]["direction"]
    m = _shipped("direction")
    g = f | derived_features(f)
    x = np.nan_to_num(np.array([g[k] for k in entry["features"]], dtype=np.float64))
    terms = dict(zip(entry["features"], (x - m.mean) / m.scale * m.coef, strict=True))
    toward = 1.0 if src == "A" else -1.0
    return [
        said.format(src=src)
        for names, said in _CONTENT_REASONS
        if toward * sum(terms.get(k, 0.0) for k in names) >= _REASON_LOGODDS
    ]


def _wording_reason(src: str, words: tuple[list[str], list[str]] | None) -> str:
    """Where the wording backs the direction: the derived text's own words
    that read as a rewriter's (``words``: A's, B's, see
    :func:`retold.wording.telling_words`)."""
    if not words:
        return ""
    own = words[1] if src == "A" else words[0]
    if not own:
        return ""
    quoted = ", ".join(f"“{w}”" for w in own)
    return f"words things as rewriters do ({quoted})"


def decide(
    f: dict[str, float],
    words: tuple[list[str], list[str]] | None = None,
    dates: tuple[str | None, str | None] = (None, None),
    languages: tuple[str, str] = ("en", "en"),
) -> Decision:
    """Probabilities, verdict and reason for a pair's features (``words``: each
    side's own words a rewriter would use, for the reason; ``dates``: when each
    page says it was published; ``languages``: each text's)."""
    p = probabilities(f)
    v = verdict_from(f, p)
    why = explain(f, p, v, words, dates, pairs=not CHARACTER_PAIRS.isdisjoint(languages))
    return Decision(v, p["p_derived"], p["p_same_story"], p["p_a_source"], why)
