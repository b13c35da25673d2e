"""Quality gates: fail when quality on the shared development data drops below
the floors pinned in quality_floors.json (see benchmarks/quality.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, shared_path

sys.path.insert(0, str(ROOT / "benchmarks"))

FLOORS: dict[str, Any] = json.loads((Path(__file__).with_name("quality_floors.json")).read_text())

pytestmark = pytest.mark.slow


def check(section: str, measured: dict[str, Any]) -> None:
    failures = []
    for key, bound in FLOORS[section].items():
        value = measured[key]
        if "min" in bound and value < bound["min"]:
            failures.append(f"{section}.{key} = {value:.4f} < floor {bound['min']}")
        if "max" in bound and value > bound["max"]:
            failures.append(f"{section}.{key} = {value:.4f} > ceiling {bound['max']}")
    assert not failures, "; ".join(failures)


def test_l2r_news_rewrites() -> None:
    shared_path("data", "l2r_news_dev", "rewrites.jsonl")
    import quality

    check("l2r_news", quality.l2r_news_quality())


def test_semeval_similarity_tracks_people() -> None:
    shared_path("data", "semeval2022_task8_train", "semeval_train.jsonl")
    import quality

    check("semeval", quality.semeval_quality())


def test_clough_reuse_ladder() -> None:
    shared_path("data", "clough_short_answers", "clough.jsonl")
    import quality

    check("clough", quality.clough_quality())
