"""Verdicts, similarity and direction, cross-validated, against a TF-IDF baseline.

    .venv/bin/python benchmarks/bench_verdicts.py [--per-domain 40] [--json] [--unseen-rewriter]

Uses the pairs, features and grouped folds of scripts/train_decision.py (the
feature table is cached; see there). Every retold figure is out-of-fold: the
model that scores a pair was fitted without the pair's source text. The
baseline is one TF-IDF cosine (sublinear TF, fitted on the dataset's texts)
with one threshold picked on the training folds of the same split.

Prints, per dataset, domain and model:
- L2R: "rewrite or closer" against the source, and against the most
  TF-IDF-similar other human text (false rewrites); the baseline's rate at
  retold's false-positive rate; both found at 1 % false rewrites, with a
  bootstrap interval of the difference; and the other-domain false rewrites
  again without the neighbours that repeat a passage of the source
  (:func:`shared_passage_table`);
- SemEval-2022 task 8: Pearson of similarity with the annotators (overall and
  per language pair) and same-story F1 (overall <= 2 counts as same story);
- Clough & Stevenson: share called rewrite or closer per reuse level;
- direction: share of (source, derived) pairs where the source is picked, per
  dataset and model, and by the shorter text's length in words;
- condensed news rewrites: each L2R news rewrite cut to about half in four
  ways (:data:`CONDENSE`), against its source and its neighbour, by models
  fitted without the pair's fold; the baseline's threshold picked on the
  other folds' news pairs as published; and the four cuts pooled, found by
  the cut rewrite's length (:data:`CONDENSED_BINS`);
- a text against itself (P(same story) of every source and SemEval article
  with itself);
- language identification on the SemEval texts, per language;
- with ``--unseen-rewriter``, each LLM's rewrites found, and its sources'
  neighbours called rewrites, by derived models that never saw that LLM
  (every pair of it left out of training, not only its fold).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import train_decision as td  # noqa: E402

import _perturb  # noqa: E402
from _data import semeval  # noqa: E402

CLOSE = ("duplicate", "near-duplicate")


def _tfidf_scores(texts: dict[str, str], pairs: list[td.Pair]) -> np.ndarray:
    """TF-IDF cosine of each pair, the vectoriser fitted per dataset."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = np.zeros(len(pairs))
    by: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by[p.dataset].append(i)
    for idx in by.values():
        ids = sorted({x for i in idx for x in (pairs[i].a, pairs[i].b)})
        vec = TfidfVectorizer(sublinear_tf=True).fit([texts[x] for x in ids])
        xa = vec.transform([texts[pairs[i].a] for i in idx])
        xb = vec.transform([texts[pairs[i].b] for i in idx])
        out[idx] = np.asarray(xa.multiply(xb).sum(axis=1)).ravel()
    return out


def _best_threshold(s: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """The threshold of highest weighted accuracy (classes weighed equally)."""
    pos = w * (y >= 0.5)
    neg = w * (y < 0.5)
    best, best_acc = 0.5, -1.0
    for t in np.unique(np.round(s, 4)):
        acc = pos[s >= t].sum() / max(pos.sum(), 1e-9) + neg[s < t].sum() / max(neg.sum(), 1e-9)
        if acc > best_acc:
            best, best_acc = float(t), acc
    return best


def _baseline_oof(
    scores: np.ndarray, task: td.Task, folds: dict[str, int], binary: np.ndarray
) -> np.ndarray:
    """Baseline decisions per task row, threshold picked on the other folds."""
    s = scores[task.rows]
    fold = np.array([folds[g] for g in task.groups])
    out = np.zeros(len(s), dtype=bool)
    for k in range(td.FOLDS):
        test = fold == k
        if test.any():
            t = _best_threshold(s[~test], binary[~test], task.w[~test])
            out[test] = s[test] >= t
    return out


def _p_same(res: dict[str, Any]) -> dict[int, float]:
    """P(same story) per pair: out-of-fold where the pair trained the same-story
    model, else from the model fitted without it (Clough, translations)."""
    s = res["tasks"]["same_story"]
    half = len(s.rows) // 2
    out = dict(zip(s.rows[:half].tolist(), res["oof"]["same_story"][:half].tolist(), strict=True))
    sm = res["models"]["same_story"]
    rest = [i for i in res["tasks"]["derived"].rows.tolist() if i not in out]
    if rest:
        pred = td.predict(sm, td._matrix([res["fwd"][i] for i in rest], tuple(sm["features"])))
        out |= dict(zip(rest, pred.tolist(), strict=True))
    return out


def _p_derived(res: dict[str, Any], idx: list[int]) -> np.ndarray:
    """P(derived) of pairs ``idx``: out of fold where the pair trained the
    derived model (SemEval's own reports), else from the model fitted on
    everything, which never saw the pair."""
    t = res["tasks"]["derived"]
    oof = dict(zip(t.rows.tolist(), res["oof"]["derived"].tolist(), strict=True))
    rest = [i for i in idx if i not in oof]
    if rest:
        dm = res["models"]["derived"]
        pred = td.predict(dm, td._matrix([res["fwd"][i] for i in rest], tuple(dm["features"])))
        oof |= dict(zip(rest, pred.tolist(), strict=True))
    return np.array([oof[i] for i in idx])


def _rewrite_or_closer(res: dict[str, Any], p_derived: np.ndarray | None = None) -> np.ndarray:
    """The verdict rule of retold.decision on out-of-fold probabilities, per
    derived-task row (``p_derived``: P(derived) per row, else the out-of-fold one)."""
    from retold.decision import model

    th = model()["thresholds"]
    t, fwd = res["tasks"]["derived"], res["fwd"]
    ps = _p_same(res)
    oof = res["oof"]["derived"] if p_derived is None else p_derived
    return np.array(
        [
            _copy(fwd[i])
            or (oof[r] >= th["derived"] and ps[i] >= th.get("derived_min_same_story", 0.0))
            for r, i in enumerate(t.rows)
        ]
    )


def unseen_rewriter_table(res: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per rewriting LLM, rewrites found and neighbours called rewrites when the
    derived model never saw that LLM: each fold's model is fitted without the
    fold and without any pair of the LLM (scored rows and extra rows alike),
    beside the cross-validated figures. What to expect of a rewriter retold
    was not trained on. (The same-story model, whose floor the verdict also
    asks for, stays the cross-validated one: it rules out few rewrites.)"""
    from _data import jsonl

    by_text = {r["text"]: r["model"] for r in jsonl("l2r_other_domains", "rewrites.jsonl.gz")}
    pairs, t = res["pairs"], res["tasks"]["derived"]
    ex, ey, ew = t.extra
    extra_model = np.array([by_text.get(b, "") for _, b in res["extra_docs"]] * 2)
    row_model = np.array(
        [pairs[i].model if pairs[i].dataset.startswith("l2r") else "" for i in t.rows]
    )
    folds = td.fold_of(p.group for p in pairs)
    fold = np.array([folds[g] for g in t.groups])
    seen = _rewrite_or_closer(res)
    out: dict[str, dict[str, float]] = {}
    for llm in sorted(set(row_model) - {""}):
        ok = extra_model != llm
        task = td.Task(t.x, t.y, t.w, t.groups, t.rows, extra=(ex[ok], ey[ok], ew[ok]))
        p = res["oof"]["derived"].copy()
        for k in range(td.FOLDS):
            test = (fold == k) & (row_model == llm)
            if test.any():
                p[test] = td.predict(td.fit(task, (fold != k) & (row_model != llm)), t.x[test])
        unseen = _rewrite_or_closer(res, p)
        for ds in ("l2r_other_domains", "l2r_news_dev"):
            rows = [
                r for r, i in enumerate(t.rows) if row_model[r] == llm and pairs[i].dataset == ds
            ]
            if not rows:
                continue
            cell: dict[str, float] = {"pairs": len(rows) / 2}
            for role, name in (("source", "found"), ("neighbour", "false_rewrite")):
                mine = [r for r in rows if pairs[t.rows[r]].role == role]
                cell[f"{name}_seen"] = float(np.mean(seen[mine]))
                cell[f"{name}_unseen"] = float(np.mean(unseen[mine]))
            out[f"{ds}/{llm}"] = cell
    return out


def _copy(f: dict[str, float]) -> bool:
    from retold.decision import _copy_verdict

    return _copy_verdict(f) is not None


#: the false-rewrite rate issue 13 asks for (both rankings are also read there)
FP_TARGET = 0.01


def _recall_at_fp(pos: list[float], neg: list[float], rate: float) -> float:
    """Share of ``pos`` scored above a threshold that lets at most ``rate`` of
    ``neg`` through (the threshold set on these very pairs: the most
    favourable reading, for either ranking)."""
    ranked = np.sort(neg)[::-1]
    k = int(np.floor(rate * len(ranked)))
    thr = ranked[k] if k < len(ranked) else -np.inf
    return float(np.mean(np.array(pos) > thr))


#: resamples of :func:`_at_fp_interval`
BOOTSTRAP = 1000


def _at_fp_interval(
    ours: tuple[list[float], list[float]], theirs: tuple[list[float], list[float]], rate: float
) -> tuple[float, float]:
    """95 % bootstrap interval of (ours - theirs) found at ``rate`` false
    rewrites, both rankings read on the same resampled pairs. At 1 % of a few
    hundred neighbours the threshold is set by the top handful of them, so a
    difference of a few points can be chance; this says how much can."""
    rng = np.random.default_rng(td.SEED)
    pos_o, neg_o = np.asarray(ours[0]), np.asarray(ours[1])
    pos_t, neg_t = np.asarray(theirs[0]), np.asarray(theirs[1])
    diffs = []
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, len(pos_o), len(pos_o))
        j = rng.integers(0, len(neg_o), len(neg_o))
        diffs.append(
            _recall_at_fp(list(pos_o[i]), list(neg_o[j]), rate)
            - _recall_at_fp(list(pos_t[i]), list(neg_t[j]), rate)
        )
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return float(lo), float(hi)


def l2r_table(res: dict[str, Any], base: np.ndarray, folds: dict[str, int]) -> dict[str, Any]:
    pairs, t = res["pairs"], res["tasks"]["derived"]
    close = _rewrite_or_closer(res)
    p_derived = res["oof"]["derived"]
    bdec = _baseline_oof(base, t, folds, t.y)
    cells: dict[tuple[str, str, str], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r, i in enumerate(t.rows):
        p = pairs[i]
        if not p.dataset.startswith("l2r"):
            continue
        for key in ((p.dataset, "all", p.model), (p.dataset, p.domain, "all")):
            c = cells[key]
            c[p.role].append(float(close[r]))
            c[p.role + "_base"].append(float(bdec[r]))
            c[p.role + "_score"].append(float(base[i]))
            c[p.role + "_p"].append(float(p_derived[r]))
    out = {}
    for (ds, dom, model), c in sorted(cells.items()):
        fp = float(np.mean(c["neighbour"]))
        tfidf = (c["source_score"], c["neighbour_score"])
        out[f"{ds}/{dom}/{model}"] = {
            "pairs": len(c["source"]),
            "retold_source_rewrite_or_closer": float(np.mean(c["source"])),
            "retold_neighbour_rewrite": fp,
            "tfidf_source_rewrite": float(np.mean(c["source_base"])),
            "tfidf_neighbour_rewrite": float(np.mean(c["neighbour_base"])),
            # the baseline's recall at retold's false-positive rate
            "tfidf_source_rewrite_at_retold_fp": _recall_at_fp(*tfidf, fp),
            # both rankings at the issue's rate (retold's by P(derived))
            "retold_source_at_1pct_fp": _recall_at_fp(c["source_p"], c["neighbour_p"], FP_TARGET),
            "tfidf_source_at_1pct_fp": _recall_at_fp(*tfidf, FP_TARGET),
            "at_1pct_fp_difference_95pct": _at_fp_interval(
                (c["source_p"], c["neighbour_p"]), tfidf, FP_TARGET
            ),
        }
    return out


#: a passage this many words long found verbatim in two texts: the neighbour
#: and the source are not independent (:func:`shared_passage_table`)
SHARED_PASSAGE = 8
_WORD = re.compile(r"\w+")


def _word_grams(text: str, n: int) -> set[tuple[str, ...]]:
    w = _WORD.findall(text.casefold())
    return set(zip(*(w[k:] for k in range(n)), strict=False))


def shared_passage_table(
    res: dict[str, Any], texts: dict[str, str], base: np.ndarray, folds: dict[str, int]
) -> dict[str, dict[str, float]]:
    """Other-domain false rewrites, with and without the neighbours that share a
    :data:`SHARED_PASSAGE`-word passage with the rewrite's source.

    The neighbour is the human text most like the rewrite besides its source;
    in formulaic domains it is often the same author's next answer and repeats
    some of the source word for word, so a rewrite of the source restates
    sentences the neighbour has too. Whether that is a false rewrite is a
    matter of the label; this says how much of the rate it is, for retold and
    for the TF-IDF baseline alike."""
    pairs, t = res["pairs"], res["tasks"]["derived"]
    close = _rewrite_or_closer(res)
    bdec = _baseline_oof(base, t, folds, t.y)
    source_of = {p.b: p.a for p in pairs if p.role == "source"}
    cells: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    grams: dict[str, set[tuple[str, ...]]] = {}

    def of(x: str) -> set[tuple[str, ...]]:
        if x not in grams:
            grams[x] = _word_grams(texts[x], SHARED_PASSAGE)
        return grams[x]

    for r, i in enumerate(t.rows):
        p = pairs[i]
        if p.dataset != "l2r_other_domains" or p.role != "neighbour" or p.b not in source_of:
            continue
        shared = bool(of(p.a) & of(source_of[p.b]))
        cells[p.model].append((shared, bool(close[r]), bool(bdec[r])))
    out = {}
    for model, rows in sorted(cells.items()):
        kept = [(c, b) for s, c, b in rows if not s]
        out[model] = {
            "neighbours": len(rows),
            "sharing_a_passage": sum(s for s, _, _ in rows),
            "sharing_called_rewrite": sum(s and c for s, c, _ in rows),
            "retold_neighbour_rewrite": float(np.mean([c for _, c, _ in rows])),
            "retold_neighbour_rewrite_without": float(np.mean([c for c, _ in kept])),
            "tfidf_neighbour_rewrite": float(np.mean([b for _, _, b in rows])),
            "tfidf_neighbour_rewrite_without": float(np.mean([b for _, b in kept])),
        }
    return out


#: ways a news rewrite is condensed to about half (or less) of its source:
#: LLMs asked for a shorter version drop sentences and detail inside them,
#: which the L2R rewrites (median 0.76 of the source's words) rarely do
CONDENSE: dict[str, Callable[[str, random.Random], str]] = {
    "half left out": lambda text, rng: _perturb.leave_out(text, rng, 0.5),
    "every other sentence": lambda text, rng: _perturb.every_other(text),
    "sentences trimmed": lambda text, rng: _perturb.trimmed(text),
    "trimmed, every other": lambda text, rng: _perturb.every_other(_perturb.trimmed(text, 0.7)),
}


#: bins of a condensed rewrite's length (of its source's words) in
#: ``condensed_by_length``: "about half" is the middle bin
CONDENSED_BINS = ((0.0, 0.25), (0.25, 0.35), (0.35, 0.7), (0.7, math.inf))


def condensed_table(
    res: dict[str, Any], texts: dict[str, str], folds: dict[str, int], jobs: int = 2
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """News rewrites condensed (:data:`CONDENSE`), out of fold: rewrite or
    closer against the source and against the neighbour, retold and TF-IDF;
    and, the four cuts pooled, found against the source by the condensed
    rewrite's length (:data:`CONDENSED_BINS`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from retold.decision import model
    from retold.evidence import DERIVED_FEATURES, SAME_STORY_FEATURES

    th = model()["thresholds"]
    pairs = res["pairs"]
    sel = [i for i, p in enumerate(pairs) if p.dataset == "l2r_news_dev"]
    fold = np.array([folds[pairs[i].group] for i in sel])
    src = np.array([pairs[i].role == "source" for i in sel])
    # the models the training's cross-validation fitted without each fold
    fitted = list(zip(res["fold_models"]["derived"], res["fold_models"]["same_story"], strict=True))
    ids = sorted({x for i in sel for x in (pairs[i].a, pairs[i].b)})
    vec = TfidfVectorizer(sublinear_tf=True).fit([texts[x] for x in ids])

    def cosines(a: list[str], b: list[str]) -> np.ndarray:
        return np.asarray(vec.transform(a).multiply(vec.transform(b)).sum(axis=1)).ravel()

    published = cosines([texts[pairs[i].a] for i in sel], [texts[pairs[i].b] for i in sel])
    w = np.ones(len(sel))
    out: dict[str, dict[str, float]] = {}
    pooled: list[tuple[float, bool, bool]] = []  # (length ratio, retold found, TF-IDF found)
    shorts: dict[str, dict[str, str]] = {}
    for name, condense in CONDENSE.items():
        rng = random.Random(td.SEED)
        shorts[name] = {pairs[i].b: condense(texts[pairs[i].b], rng) for i in sel}
    prepared = td.prepare_all(
        {pairs[i].a: texts[pairs[i].a] for i in sel}
        | {f"{name}:{b}": t for name, short in shorts.items() for b, t in short.items()},
        jobs,
    )
    for name, short in shorts.items():
        feats = [
            td.features_of(prepared[pairs[i].a], prepared[f"{name}:{pairs[i].b}"]) for i in sel
        ]
        xd, xs = td._matrix(feats, DERIVED_FEATURES), td._matrix(feats, SAME_STORY_FEATURES)
        pd, ps = np.zeros(len(sel)), np.zeros(len(sel))
        for k, (dm, sm) in enumerate(fitted):
            m = fold == k
            if m.any():
                pd[m], ps[m] = td.predict(dm, xd[m]), td.predict(sm, xs[m])
        close = np.array(
            [
                _copy(f) or (d >= th["derived"] and s >= th.get("derived_min_same_story", 0.0))
                for f, d, s in zip(feats, pd, ps, strict=True)
            ]
        )
        score = cosines([texts[pairs[i].a] for i in sel], [short[pairs[i].b] for i in sel])
        base = np.zeros(len(sel), dtype=bool)
        for k in range(td.FOLDS):
            m = fold == k
            base[m] = score[m] >= _best_threshold(published[~m], src[~m].astype(float), w[~m])
        words = [len(short[pairs[i].b].split()) / len(texts[pairs[i].a].split()) for i in sel]
        pooled += [
            (r, bool(c), bool(t)) for r, c, t, s in zip(words, close, base, src, strict=True) if s
        ]
        out[name] = {
            "pairs": int(src.sum()),
            "length_ratio": float(np.median(np.array(words)[src])),
            "retold_source_rewrite_or_closer": float(close[src].mean()),
            "retold_neighbour_rewrite": float(close[~src].mean()),
            "tfidf_source_rewrite": float(base[src].mean()),
            "tfidf_neighbour_rewrite": float(base[~src].mean()),
            # the baseline's recall at retold's false-positive rate
            "tfidf_source_rewrite_at_retold_fp": _recall_at_fp(
                score[src].tolist(), score[~src].tolist(), float(close[~src].mean())
            ),
        }
    by_length: dict[str, dict[str, float]] = {}
    for lo, hi in CONDENSED_BINS:
        got = [(c, t) for r, c, t in pooled if lo <= r < hi]
        name = f"{lo:.2f}-{hi:.2f}" if hi < math.inf else f"{lo:.2f} or more"
        by_length[name] = {
            "pairs": len(got),
            "retold_source_rewrite_or_closer": float(np.mean([c for c, _ in got])) if got else 0.0,
            "tfidf_source_rewrite": float(np.mean([t for _, t in got])) if got else 0.0,
        }
    return out, by_length


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float((pred & gold).sum())
    p = tp / max(1.0, float(pred.sum()))
    r = tp / max(1.0, float(gold.sum()))
    return 2 * p * r / max(1e-9, p + r)


def semeval_table(res: dict[str, Any], base: np.ndarray, folds: dict[str, int]) -> dict[str, Any]:
    pairs, t = res["pairs"], res["tasks"]["same_story"]
    half = len(t.rows) // 2
    rows, sim = t.rows[:half], res["oof"]["same_story"][:half]
    keep = [r for r, i in enumerate(rows) if pairs[i].dataset == "semeval"]
    pder = _p_derived(res, [int(rows[r]) for r in keep])
    sub = td.Task(
        t.x[:half][keep], t.y[:half][keep], t.w[:half][keep], t.groups[:half][keep], rows[keep]
    )
    gold_soft = np.array([pairs[rows[r]].same for r in keep])
    gold = gold_soft >= 2 / 3 - 1e-9
    bdec = _baseline_oof(base, sub, folds, gold.astype(float))
    pred = (sim[keep] >= 0.5) | (pder >= 0.5)
    s = sim[keep]
    out: dict[str, Any] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    for r, k in enumerate(keep):
        p = pairs[rows[k]]
        groups["all"].append(r)
        groups["original" if p.role == "semeval" else "augmented"].append(r)
        groups[p.domain].append(r)
    for name, idx in sorted(groups.items()):
        ix = np.array(idx)
        b = base[rows[keep][ix]]
        out[name] = {
            "pairs": len(ix),
            "retold_pearson": float(np.corrcoef(s[ix], gold_soft[ix])[0, 1])
            if len(ix) > 2
            else None,
            "tfidf_pearson": float(np.corrcoef(b, gold_soft[ix])[0, 1]) if len(ix) > 2 else None,
            "retold_same_story_f1": _f1(pred[ix], gold[ix]),
            "tfidf_same_story_f1": _f1(bdec[ix], gold[ix]),
        }
    return out


def _by_role(res: dict[str, Any], dataset: str) -> dict[str, float]:
    """Share called rewrite or closer, per role of the pairs of one dataset."""
    pairs, t = res["pairs"], res["tasks"]["derived"]
    close = _rewrite_or_closer(res)
    by: dict[str, list[float]] = defaultdict(list)
    for r, i in enumerate(t.rows):
        if pairs[i].dataset == dataset:
            by[pairs[i].role].append(float(close[r]))
    return {f"{k}_rewrite_or_closer": float(np.mean(v)) for k, v in sorted(by.items())}


def clough_table(res: dict[str, Any]) -> dict[str, float]:
    """Per reuse level, and the cut answers pasted from the source itself (two
    of the 19 were pasted from other texts: see train_decision._clough_pairs)."""
    out = _by_role(res, "clough")
    pairs, t = res["pairs"], res["tasks"]["derived"]
    close = _rewrite_or_closer(res)
    cut = [
        float(close[r])
        for r, i in enumerate(t.rows)
        if pairs[i].dataset == "clough" and pairs[i].role == "cut" and pairs[i].train
    ]
    out["cut_from_the_source_rewrite_or_closer"] = float(np.mean(cut))
    return out


def translations_table(res: dict[str, Any]) -> dict[str, float]:
    """Machine translations: called a rewrite of their original, and of the
    original's partner article (same story, not the source)."""
    return _by_role(res, "translations")


def copies_table(res: dict[str, Any], texts: dict[str, str]) -> dict[str, float]:
    """Each source text (L2R, Clough) and each SemEval article against itself:
    P(same story) by the model fitted on every pair, as shipped. None of these
    texts against itself trains it (other texts against themselves do, see
    ``COPIES`` in scripts/train_decision.py): before those, and before the
    SemEval pairs that are one scraped page left its training, it gave 0.13
    to 0.99, median 0.73. Texts whose every sentence is boilerplate are
    counted apart."""
    ids = sorted(
        {p.a for p in res["pairs"] if p.dataset != "translations"}
        | {p.b for p in res["pairs"] if p.role == "semeval"}
    )
    prepared = td.prepare_all({i: texts[i] for i in ids})
    # a crawl with no article text left (a consent wall, a bot check) is no copy of one
    empty = [i for i in ids if not prepared[i].body]
    ids = [i for i in ids if prepared[i].body]
    rows = [td.features_of(prepared[i], prepared[i]) for i in ids]
    sm = res["models"]["same_story"]
    p = td.predict(sm, td._matrix(rows, tuple(sm["features"])))
    return {
        "texts": float(len(ids)),
        "texts_without_article_text": float(len(empty)),
        "min_same_story": float(p.min()),
        "median_same_story": float(np.median(p)),
        "share_same_story_0.9": float(np.mean(p >= 0.9)),
    }


#: word counts (of the shorter text of a pair) the direction is also reported by
_LENGTHS = ((0, 30, "under 30 words"), (30, 60, "30-59 words"), (60, 10**9, "60 words or more"))


def direction_table(res: dict[str, Any], texts: dict[str, str]) -> dict[str, float]:
    pairs, t = res["pairs"], res["tasks"]["direction"]
    half = len(t.rows) // 2
    right = res["oof"]["direction"][:half] >= 0.5
    by: dict[str, list[float]] = defaultdict(list)
    for r, i in enumerate(t.rows[:half]):
        p = pairs[i]
        by[f"{p.dataset}/{p.model}"].append(float(right[r]))
        by["all"].append(float(right[r]))
        # a sentence or two carries little of either text's wording or style
        words = min(len(texts[p.a].split()), len(texts[p.b].split()))
        name = next(n for lo, hi, n in _LENGTHS if lo <= words < hi)
        by[f"by length/{name}"].append(float(right[r]))
    return {k: float(np.mean(v)) for k, v in sorted(by.items())}


def langid_table() -> dict[str, float]:
    from retold.segment import guess_language

    ok: dict[str, list[float]] = defaultdict(list)
    seen = set()
    for r in semeval():
        for k in "12":
            if r[f"text{k}"] in seen:
                continue
            seen.add(r[f"text{k}"])
            ok[r[f"lang{k}"]].append(float(guess_language(r[f"text{k}"]) == r[f"lang{k}"]))
    out = {k: float(np.mean(v)) for k, v in sorted(ok.items())}
    out["all"] = float(np.mean([x for v in ok.values() for x in v]))
    return out


def evaluate(per_domain: int = 40, jobs: int = 2, unseen_rewriter: bool = False) -> dict[str, Any]:
    res = td.train(per_domain, jobs)
    texts, pairs = td.build_pairs(per_domain)
    assert [p.b for p in pairs] == [p.b for p in res["pairs"]], "pair list changed"
    base = _tfidf_scores(texts, pairs)
    folds = td.fold_of(p.group for p in pairs)
    condensed, by_length = condensed_table(res, texts, folds, jobs)
    out = {
        "l2r": l2r_table(res, base, folds),
        "shared_passage": shared_passage_table(res, texts, base, folds),
        "semeval": semeval_table(res, base, folds),
        "clough": clough_table(res),
        "condensed": condensed,
        "condensed_by_length": by_length,
        "translations": translations_table(res),
        "direction": direction_table(res, texts),
        "copies": copies_table(res, texts),
        "langid": langid_table(),
    }
    if unseen_rewriter:
        out["unseen_rewriter"] = unseen_rewriter_table(res)
    return out


def gate_figures(out: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The figures tests/test_quality_gate.py pins, by floors-file section."""
    l2r: dict[str, float] = {}
    for k, v in out["l2r"].items():
        ds, dom, model = k.split("/")
        if dom == "all" or (model == "all" and ds == "l2r_news_dev"):
            name = f"{ds}/{model if dom == 'all' else dom}"
            l2r[f"{name}/source_rewrite_or_closer"] = v["retold_source_rewrite_or_closer"]
            l2r[f"{name}/neighbour_rewrite"] = v["retold_neighbour_rewrite"]
            l2r[f"{name}/source_at_1pct_fp"] = v["retold_source_at_1pct_fp"]
    sem: dict[str, float] = {}
    for k, v in out["semeval"].items():
        if v["retold_pearson"] is not None:
            sem[f"{k}/pearson"] = v["retold_pearson"]
        sem[f"{k}/same_story_f1"] = v["retold_same_story_f1"]
    return {
        "verdicts_l2r": l2r,
        "verdicts_semeval": sem,
        "verdicts_clough": dict(out["clough"]),
        "verdicts_condensed": {
            f"{k}/{m}": v[m]
            for k, v in out["condensed"].items()
            for m in ("retold_source_rewrite_or_closer", "retold_neighbour_rewrite")
        },
        "verdicts_translations": dict(out["translations"]),
        "direction": dict(out["direction"]),
        # the counts of texts are not figures to pin
        "copies": {k: v for k, v in out["copies"].items() if not k.startswith("texts")},
        "langid": dict(out["langid"]),
    }


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _print(out: dict[str, Any]) -> None:
    print("L2R, out-of-fold. Columns: retold source->rewrite+, neighbour->rewrite |")
    print("  TF-IDF source->rewrite, neighbour->rewrite, source->rewrite at retold's FP rate |")
    print("  source found at 1 % false rewrites, retold (by P(derived)) and TF-IDF,")
    print("  and the 95 % bootstrap interval of their difference")
    for k, v in out["l2r"].items():
        cols = [
            v["retold_source_rewrite_or_closer"],
            v["retold_neighbour_rewrite"],
            v["tfidf_source_rewrite"],
            v["tfidf_neighbour_rewrite"],
            v["tfidf_source_rewrite_at_retold_fp"],
            v["retold_source_at_1pct_fp"],
            v["tfidf_source_at_1pct_fp"],
        ]
        f = [_fmt(c) for c in cols]
        lo, hi = v["at_1pct_fp_difference_95pct"]
        print(
            f"  {k:<50} {f[0]} {f[1]} | {f[2]} {f[3]} {f[4]} | {f[5]} {f[6]} "
            f"[{lo:+.3f}, {hi:+.3f}]  (n={v['pairs']})"
        )
    print(
        f"Other-domain false rewrites, all neighbours and without those sharing a "
        f"{SHARED_PASSAGE}-word passage with the source."
    )
    print("  Columns: retold all, without | TF-IDF all, without | neighbours sharing a passage")
    print("  (of them called rewrite by retold)")
    for k, v in out["shared_passage"].items():
        print(
            f"  {k:<16} {v['retold_neighbour_rewrite']:.3f} "
            f"{v['retold_neighbour_rewrite_without']:.3f} | {v['tfidf_neighbour_rewrite']:.3f} "
            f"{v['tfidf_neighbour_rewrite_without']:.3f} | {v['sharing_a_passage']:g} of "
            f"{v['neighbours']:g} ({v['sharing_called_rewrite']:g})"
        )

    print("SemEval, out-of-fold. Columns: Pearson retold, TF-IDF | same-story F1 retold, TF-IDF")
    for k, v in out["semeval"].items():
        cols = [
            v["retold_pearson"],
            v["tfidf_pearson"],
            v["retold_same_story_f1"],
            v["tfidf_same_story_f1"],
        ]
        f = [_fmt(c) for c in cols]
        print(f"  {k:<12} {f[0]} {f[1]} | {f[2]} {f[3]}  (n={v['pairs']})")
    print("Clough", json.dumps({k: round(v, 3) for k, v in out["clough"].items()}))
    print("Condensed news rewrites, out-of-fold. Columns: median length (of the source's),")
    print("  retold source->rewrite+, neighbour->rewrite | TF-IDF the same,")
    print("  and its source->rewrite at retold's FP rate")
    for k, v in out["condensed"].items():
        print(
            f"  {k:<22} {v['length_ratio']:.2f}  {v['retold_source_rewrite_or_closer']:.3f} "
            f"{v['retold_neighbour_rewrite']:.3f} | {v['tfidf_source_rewrite']:.3f} "
            f"{v['tfidf_neighbour_rewrite']:.3f} {v['tfidf_source_rewrite_at_retold_fp']:.3f}"
            f"  (n={v['pairs']})"
        )
    print("  the four cuts pooled, by the condensed rewrite's length (of the source's words):")
    print("  retold source->rewrite+ | TF-IDF at its own threshold")
    for k, v in out["condensed_by_length"].items():
        print(
            f"  {k:<22} {v['retold_source_rewrite_or_closer']:.3f} | "
            f"{v['tfidf_source_rewrite']:.3f}  (n={v['pairs']:g})"
        )
    print("Translations", json.dumps({k: round(v, 3) for k, v in out["translations"].items()}))
    print("Direction", json.dumps({k: round(v, 3) for k, v in out["direction"].items()}))
    print("A text against itself", json.dumps({k: round(v, 3) for k, v in out["copies"].items()}))
    print("Language id", json.dumps({k: round(v, 4) for k, v in out["langid"].items()}))
    if "unseen_rewriter" in out:
        print("A rewriter never seen in training. Columns: found, false rewrites;")
        print("  cross-validated (the LLM's other pairs trained) | the LLM left out")
        for k, v in out["unseen_rewriter"].items():
            print(
                f"  {k:<35} {v['found_seen']:.3f} {v['false_rewrite_seen']:.3f} | "
                f"{v['found_unseen']:.3f} {v['false_rewrite_unseen']:.3f}  (n={v['pairs']:g})"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-domain", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--unseen-rewriter",
        action="store_true",
        help="also score each LLM's rewrites with a model that never saw that LLM (~4 min more)",
    )
    args = ap.parse_args()
    out = evaluate(args.per_domain, args.jobs, unseen_rewriter=args.unseen_rewriter)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        _print(out)


if __name__ == "__main__":
    main()
