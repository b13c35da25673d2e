"""Shared fixtures: paths to the bundled examples and the shared development data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; the test is skipped with a reason if it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not present (../shared sits beside the project root)")
    return p


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
