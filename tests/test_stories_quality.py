"""Stories quality gate: derivation edges on the synthetic corpus with known history."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT, check_floors, shared_path

sys.path.insert(0, str(ROOT / "benchmarks"))

pytestmark = pytest.mark.slow


def test_derivation_edges_and_stories() -> None:
    shared_path("data", "l2r_news_dev", "rewrites.jsonl")
    import bench_stories

    check_floors("stories_floors.json", "stories", bench_stories.evaluate())


def test_derivation_edges_without_publication_times() -> None:
    """Every time removed: each direction comes from the learned text evidence."""
    shared_path("data", "l2r_news_dev", "rewrites.jsonl")
    import bench_stories

    check_floors("stories_floors.json", "stories_untimed", bench_stories.evaluate(p_known=0.0))
