"""Shared fixtures: paths to the bundled examples and the shared development data."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared. If it is absent the test is skipped with a reason, except
    in CI (``CI=true``), where a quality gate that cannot run must not pass quietly."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        why = f"{p} is not present (../shared sits beside the project root)"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"{why}; CI=true, so the quality gates fail instead of skipping")
        pytest.skip(why)
    return p


def check_floors(name: str, section: str, measured: Mapping[str, float]) -> None:
    """Compare ``measured`` with the bounds of ``section`` in the floors file ``name``.

    Every floors file (tests/*_floors.json) has one shape: ``"_comment"`` (a list of
    lines: where the figures come from) and sections of ``{"metric": {"min": x}}`` or
    ``{"max": x}`` bounds. Every bounded metric must be measured; all that are out of
    bounds are named in one failure.
    """
    bounds: dict[str, dict[str, float]] = json.loads(
        (ROOT / "tests" / name).read_text(encoding="utf-8")
    )[section]
    failures = []
    for key, bound in bounds.items():
        value = measured[key]
        if "min" in bound and value < bound["min"]:
            failures.append(f"{section}.{key} = {value:.4f} < floor {bound['min']}")
        if "max" in bound and value > bound["max"]:
            failures.append(f"{section}.{key} = {value:.4f} > ceiling {bound['max']}")
    assert not failures, f"{name}: " + "; ".join(failures)


@pytest.fixture(scope="session")
def ap_pair() -> tuple[str, str]:
    """The motivating pair: an AP story and a scraped rewrite of a later version."""
    a = shared_path("examples", "ap-original.txt").read_text(encoding="utf-8")
    b = shared_path("examples", "scraped-rewrite.txt").read_text(encoding="utf-8")
    return a, b


@pytest.fixture(scope="session")
def example_pair() -> tuple[str, str]:
    """The project's own bundled example pair."""
    return (
        (EXAMPLES / "wire.txt").read_text(encoding="utf-8"),
        (EXAMPLES / "rewrite.txt").read_text(encoding="utf-8"),
    )
