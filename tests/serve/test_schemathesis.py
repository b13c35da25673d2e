"""Schemathesis fuzzes a real ``retold serve`` from its own ``/openapi.json``.

Property-based: requests are generated from the document (valid ones, and
ones that break it on purpose), then every answer is checked: no 5xx, status,
content type, headers and body as documented, and every request that breaks
the document refused. The run is bounded (a few examples per operation, a
fixed seed), so it takes well under a minute.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TOKEN, Server, start_server, stop_server

pytestmark = pytest.mark.slow

ST = str(Path(sys.executable).with_name("st"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    index = tmp_path_factory.mktemp("fuzz") / "index"
    srv = start_server("--index", str(index), "--quiet", env={"RETOLD_TOKEN": TOKEN})
    yield srv
    stop_server(srv)


def test_the_running_server_keeps_its_own_contract(fuzzed: Server, tmp_path: Path) -> None:
    res = subprocess.run(
        [
            ST,
            "run",
            f"{fuzzed.url}/openapi.json",
            *("--checks", CHECKS),
            *("--header", f"Authorization: Bearer {TOKEN}"),
            *("--max-examples", "4", "--seed", "15", "--no-shrink"),
            *("--request-timeout", "30", "--max-time", "30"),
            *("--report-dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    tail = res.stdout[-6000:]
    assert res.returncode == 0, tail
    assert "no issues found" in tail.lower() or " passed" in tail, tail
    # the fuzzing reached every operation
    assert "Tested: 12" in tail, tail
