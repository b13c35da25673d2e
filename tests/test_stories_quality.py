"""Stories quality gate: derivation edges on the synthetic corpus with known history."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, shared_path

sys.path.insert(0, str(ROOT / "benchmarks"))

pytestmark = pytest.mark.slow


def test_derivation_edges_and_stories() -> None:
    shared_path("data", "l2r_news_dev", "rewrites.jsonl")
    import bench_stories

    floors = json.loads(Path(__file__).with_name("stories_floors.json").read_text())
    measured = bench_stories.evaluate()
    failures = [
        f"{k} = {measured[k]:.4f} < floor {b['min']}"
        for k, b in floors.items()
        if not k.startswith("_") and measured[k] < b["min"]
    ]
    assert not failures, "; ".join(failures)
