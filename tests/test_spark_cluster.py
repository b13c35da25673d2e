"""The Spark job on a standalone cluster: a master and two workers on localhost,
started with the pyspark package's own ``sbin/spark-daemon.sh`` and stopped after.

The exact mode ships its index to the executors (``addFile``), which local
mode never does; the result must still equal the embedded path's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_spark import _comparable, build_fixture, embedded_stories, spark_stories

pytestmark = [pytest.mark.spark, pytest.mark.slow]

_MASTER = "org.apache.spark.deploy.master.Master"
_WORKER = "org.apache.spark.deploy.worker.Worker"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _daemon(env: dict[str, str], *args: str) -> None:
    home = Path(env["SPARK_HOME"])
    subprocess.run([str(home / "sbin" / "spark-daemon.sh"), *args], env=env, check=True)


def _wait_workers(web: int, n: int, timeout: float = 90.0) -> None:
    import json
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web}/json/", timeout=2) as r:
                state = json.load(r)
            if sum(w.get("state") == "ALIVE" for w in state.get("workers", [])) >= n:
                return
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"{n} workers did not register with the master in {timeout} s")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import pyspark

    home = str(Path(pyspark.__file__).parent)
    tmp = tmp_path_factory.mktemp("cluster")
    env = {
        **os.environ,
        "SPARK_HOME": home,
        "SPARK_LOG_DIR": str(tmp / "logs"),
        "SPARK_PID_DIR": str(tmp / "pids"),
        "SPARK_WORKER_DIR": str(tmp / "work"),
    }
    port, web = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    started: list[tuple[str, str]] = []
    try:
        _daemon(env, "start", _MASTER, "1", "--host", "127.0.0.1", "--port", str(port),
                "--webui-port", str(web))  # fmt: skip
        started.append((_MASTER, "1"))
        for i in ("1", "2"):
            _daemon(env, "start", _WORKER, i, "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "2g", "--webui-port", "0", url)  # fmt: skip
            started.append((_WORKER, i))
        _wait_workers(web, 2)
        yield url
    finally:
        for cls, i in reversed(started):
            _daemon(env, "stop", cls, i)


def test_standalone_cluster_exact(cluster: str, tmp_path: Path) -> None:
    from retold.embed import HashingEncoder
    from retold.spark import JobParams, get_session, run

    corpus = tmp_path / "corpus"
    build_fixture(corpus)
    (corpus / "a.warc.gz").unlink()  # a smaller input: this test shows the cluster path
    spark: Any = get_session(cluster, conf={"spark.executor.memory": "1g"})
    try:
        assert spark.sparkContext.master == cluster
        params = JobParams(
            inputs=(str(corpus),), out=str(tmp_path / "out"), exact=True, encoder="hashing:256"
        )
        manifest = run(spark, params)
    finally:
        spark.stop()
    assert manifest["master"] == cluster
    want = embedded_stories(corpus, tmp_path / "ix", HashingEncoder(256))
    assert len(want) >= 5
    assert _comparable(spark_stories(tmp_path / "out")) == _comparable(want)
