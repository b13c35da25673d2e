"""The Spark session of a job: local mode by default, any master URL, or the one
``spark-submit`` provides."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from typing import Any

from retold.errors import UsageError


def check_runtime() -> None:
    """A clear error when PySpark or Java is missing (instead of a JVM traceback)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError(
            "PySpark is not installed; install the Spark extra: pip install 'retold[spark]'"
        ) from None
    home = os.environ.get("JAVA_HOME")
    java = shutil.which("java") or (home and shutil.which("java", path=f"{home}/bin"))
    if not java:
        raise UsageError(
            "Java is missing: Spark needs a Java runtime (17 or newer), "
            "e.g. apt-get install openjdk-17-jre-headless, or set JAVA_HOME"
        )


def _local_python(master: str) -> bool:
    """Do the executors run on this machine (so they can use this Python)?"""
    if master.startswith("local"):
        return True
    host = master.removeprefix("spark://").split(":")[0]
    return host in ("localhost", "127.0.0.1")


def _local_cores(master: str) -> int:
    """Cores of a local master (0: not local)."""
    if not master.startswith("local"):
        return 0
    inner = master.partition("[")[2].partition("]")[0].split(",")[0]
    return int(inner) if inner.isdigit() else os.cpu_count() or 1


def get_session(
    master: str | None = None, *, conf: dict[str, str] | None = None, app: str = "retold"
) -> Any:
    """A SparkSession for the job. Without ``master`` (and outside spark-submit),
    local mode on every core."""
    check_runtime()
    from pyspark.sql import SparkSession

    if master and master.startswith("sc://"):
        return _connect(master, conf or {})
    # PySpark marks the process as a Spark Connect client for good once a
    # Connect session was made (stopping it clears the mark only for a local
    # Connect server), and every later classic session would then fail with
    # CONNECT_URL_NOT_SET: a notebook that ran on a cluster and then locally
    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # running under spark-submit
    builder = SparkSession.builder.appName(app)
    if master or not submitted:
        master = master or "local[*]"
        builder = builder.master(master)
        if _local_python(master) and "PYSPARK_PYTHON" not in os.environ:
            # without it the workers start another python, without retold
            os.environ["PYSPARK_PYTHON"] = sys.executable
            builder = builder.config("spark.pyspark.python", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    cores = _local_cores(master or "")
    settings = {
        "spark.ui.showConsoleProgress": "false",
        # Spark's 200 shuffle partitions cost more than they bring on one machine
        "spark.sql.shuffle.partitions": str(2 * cores) if cores else "200",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # rows here are whole articles with their vectors (verification: two
        # per row): Spark's 10,000 a batch held hundreds of MB per Python worker
        "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
        # one Python worker per core, reused: the encoder loads once per process
        "spark.python.worker.reuse": "true",
        "spark.executorEnv.HF_HUB_OFFLINE": "1",
        **(conf or {}),
    }
    for k, v in settings.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    with contextlib.suppress(Exception):  # Spark Connect: no SparkContext on the client
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def _connect(url: str, conf: dict[str, str]) -> Any:
    """A Spark Connect session (``sc://host:port``): the cluster's own settings
    hold (executors, their Python and its retold are the server's business);
    only session settings are sent."""
    from pyspark.sql import SparkSession

    try:
        builder = SparkSession.builder.remote(url)
    except ImportError as e:  # grpcio and friends: PySpark's "connect" extra
        raise UsageError(
            f"Spark Connect needs PySpark's connect extra ({e}): pip install 'retold[spark]'"
        ) from None
    for k, v in {"spark.sql.execution.arrow.pyspark.enabled": "true", **conf}.items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


def master_of(spark: Any) -> str:
    """The master URL ("" when the session does not say, as on Spark Connect)."""
    try:
        return str(spark.sparkContext.master)
    except Exception:
        return str(spark.conf.get("spark.master", ""))


def parallelism(spark: Any) -> int:
    """Tasks to split per-document work into: twice the cores (or the shuffle partitions)."""
    try:
        return max(2, 2 * int(spark.sparkContext.defaultParallelism))
    except Exception:
        return max(2, int(spark.conf.get("spark.sql.shuffle.partitions", "8")))


def ship(spark: Any, path: str) -> None:
    """Make a file available to every executor (``SparkFiles.get(name)`` there)."""
    try:
        spark.sparkContext.addFile(path)
    except Exception:  # Spark Connect ships files as artifacts
        spark.addArtifacts(path, file=True)
