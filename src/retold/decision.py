"""The calibrated decision: evidence in, probabilities, verdict and a reason out.

Three gradient-boosted tree ensembles (depth 3), trained by
``scripts/train_decision.py`` on the shared development data (cross-validated
by source text; trees beat logistic regressions there, see the script) and
shipped as plain arrays (``models/decision-v2.json``; the runtime is numpy):

- **derived**: P(B was made from A, or A from B);
- **same story**: P(a reader would call the two articles the same story);
  graded, so it is also the report's ``similarity``;
- **direction**: P(A is the source of B) against P(B is the source of A),
  from antisymmetric evidence only, read both ways round and averaged
  (``(f(x) + 1 - f(-x)) / 2``), so swapping the texts gives ``1 - p``.

Copies are told apart from rewrites by rule (verbatim shares), since a copy
is unmistakable and "duplicate"/"near-duplicate" are definitions, not guesses.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from retold.evidence import derived_features
from retold.types import Verdict

__all__ = ["MODEL_FILE", "Decision", "decide", "model", "predict", "trees_of"]

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


Trees = tuple[np.ndarray, np.ndarray, np.ndarray, float, int]


def trees_of(m: dict[str, Any]) -> Trees:
    """A model's trees as arrays: (feature, threshold) of each tree's internal
    nodes and the values of its leaves, in heap order of a complete binary tree
    of the model's depth (a leaf above full depth is repeated below itself)."""
    feat = np.asarray(m["feature"], dtype=np.intp)
    thr = np.asarray(m["threshold"], dtype=np.float64)
    leaf = np.asarray(m["leaf"], dtype=np.float64)
    return feat, thr, leaf, float(m["baseline"]), int(m["depth"])


@lru_cache(maxsize=4)
def _shipped(name: str) -> Trees:
    return trees_of(model()["models"][name])


def raw_scores(trees: Trees, x: np.ndarray) -> np.ndarray:
    """The log-odds of an ensemble for the feature rows ``x`` (n, features)."""
    feat, thr, leaf, base, depth = trees
    x = np.nan_to_num(np.atleast_2d(np.asarray(x, dtype=np.float64)))
    t = np.arange(feat.shape[0])
    node = np.zeros((x.shape[0], feat.shape[0]), dtype=np.intp)
    for _ in range(depth):
        # x <= threshold goes left (child 2i+1), as in scikit-learn's trees
        value = np.take_along_axis(x, feat[t, node], axis=1)
        node = 2 * node + 1 + (value > thr[t, node])
    out: np.ndarray = base + leaf[t, node - (2**depth - 1)].sum(axis=1)
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return out


def predict(trees: Trees, x: np.ndarray, *, antisymmetric: bool = False) -> np.ndarray:
    """Probabilities of an ensemble for the rows ``x``; ``antisymmetric`` (the
    direction) averages the reading of ``x`` and of ``-x`` (the texts swapped)."""
    p = _sigmoid(raw_scores(trees, x))
    if antisymmetric:
        p = 0.5 * (p + 1.0 - _sigmoid(raw_scores(trees, -np.asarray(x))))
    return p


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
        out[key] = float(predict(_shipped(name), x, antisymmetric=name == "direction")[0])
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


def explain(f: dict[str, float], p: dict[str, float], verdict: Verdict) -> str:
    """One or two lines a reader can check: what the decision rests on."""
    parts: list[str] = []
    keep = max(f.get("a_soft", 0.0), f.get("coverage_a_in_b", 0.0))
    ratio = math.exp(-f.get("log_length_ratio", 0.0))
    if verdict in ("duplicate", "near-duplicate"):
        literal = f["verbatim_share"] + f["near_verbatim_share"]
        parts.append(f"{literal:.0%} of the aligned text is verbatim or nearly")
    elif ratio < 0.8 and keep >= 0.3:
        parts.append(f"B condenses {keep:.0%} of A into {ratio:.0%} of its length")
    else:
        back = max(f.get("b_soft", 0.0), f.get("coverage_b_in_a", 0.0))
        parts.append(f"B restates {keep:.0%} of A, A {back:.0%} of B")
    rare = round(math.expm1(f.get("rare_shared", 0.0)))
    if rare:
        order = " in A's order" if f.get("rare_order", 0.0) >= 0.5 else ""
        names = round(math.expm1(f.get("names_shared", 0.0)))
        nums = round(math.expm1(f.get("numbers_shared", 0.0)))
        parts.append(f"{rare} rare words shared ({names} names, {nums} numbers){order}")
    else:
        parts.append("no rare words shared")
    head = f"P(derived) {p['p_derived']:.0%}, P(same story) {p['p_same_story']:.0%}"
    if verdict in ("duplicate", "near-duplicate", "rewrite"):
        src = "A" if p["p_a_source"] >= 0.5 else "B"
        head += f", {src} is likelier the source ({max(p['p_a_source'], 1 - p['p_a_source']):.0%})"
    return "; ".join(parts) + ".\n" + head + "."


def decide(f: dict[str, float]) -> Decision:
    """Probabilities, verdict and reason for a pair's features."""
    p = probabilities(f)
    v = verdict_from(f, p)
    return Decision(v, p["p_derived"], p["p_same_story"], p["p_a_source"], explain(f, p, v))
