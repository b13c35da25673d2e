"""The Spark job over Spark Connect: a Connect server started on localhost with
the pyspark package's own ``sbin/start-connect-server.sh``, the job driven from
a thin client (``--master sc://...``), as on Databricks serverless or any
cluster that offers Connect only.

Connect has no SparkContext and no RDDs on the client; the job must still give
the same stories and edges as the embedded path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_spark import _comparable, build_fixture, embedded_stories, spark_stories
from test_spark_cluster import _free_port

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _wait_port(port: int, log_dir: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in log_dir.glob("*.out"))
    raise AssertionError(f"the Connect server did not listen on {port} in {timeout} s:\n{logs}")


@pytest.fixture(scope="module")
def connect_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import pyspark

    home = Path(pyspark.__file__).parent
    tmp = tmp_path_factory.mktemp("connect")
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOG_DIR": str(tmp / "logs"),
        "SPARK_PID_DIR": str(tmp / "pids"),
        # the server's Python workers run the job's functions: this Python has retold
        "PYSPARK_PYTHON": sys.executable,
    }
    port = _free_port()
    subprocess.run(
        [
            str(home / "sbin" / "start-connect-server.sh"),
            "--master",
            "local[2]",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            "spark.driver.memory=2g",
        ],
        env=env,
        check=True,
    )
    try:
        _wait_port(port, tmp / "logs")
        yield f"sc://127.0.0.1:{port}"
    finally:
        subprocess.run([str(home / "sbin" / "stop-connect-server.sh")], env=env, check=False)


def test_spark_connect_exact(connect_url: str, tmp_path: Path) -> None:
    from retold.embed import HashingEncoder
    from retold.spark import JobParams, get_session, run

    corpus = tmp_path / "corpus"
    build_fixture(corpus)
    (corpus / "a.warc.gz").unlink()  # a smaller input: this test shows the Connect path
    spark: Any = get_session(connect_url)
    try:
        assert spark.__class__.__module__.startswith("pyspark.sql.connect")
        params = JobParams(
            inputs=(str(corpus),), out=str(tmp_path / "out"), exact=True, encoder="hashing:256"
        )
        manifest = run(spark, params)
    finally:
        spark.stop()
    # the same process can still make a classic session afterwards
    local: Any = get_session("local[1]")
    try:
        assert local.range(3).count() == 3
    finally:
        local.stop()
    assert manifest["counts"]["rejected"] >= 1  # the damaged record, reported, not fatal
    want = embedded_stories(corpus, tmp_path / "ix", HashingEncoder(256))
    assert len(want) >= 5
    assert _comparable(spark_stories(tmp_path / "out")) == _comparable(want)


def test_spark_connect_command_line(connect_url: str, tmp_path: Path) -> None:
    """``retold spark stories --master sc://...`` end to end, in its own process."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text(
        '{"id": "x1", "text": "The harbour bridge reopened on Monday after two years of repairs, '
        'the city council said."}\n'
        '{"id": "x2", "text": "The harbour bridge reopened on Monday after two years of repairs, '
        'the city council said."}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from retold.cli import run; run()",
            "spark",
            "stories",
            str(corpus),
            "--out",
            str(out),
            "--master",
            connect_url,
            "--encoder",
            "hashing",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "manifest.json").exists()
