"""retold on Apache Spark: the corpus job for corpora one machine cannot hold.

``retold spark stories INPUT... --out DIR`` (or ``spark-submit -m
retold.spark ...``) reads WARC, JSON lines and Parquet inputs, prepares every
document with retold's own per-document functions, finds and verifies the
links between documents, and writes stories and derivation edges as Parquet
under ``DIR`` (see :mod:`retold.spark.job` for the stages). With ``exact``
the stories and edges are those ``retold index add`` + ``retold stories`` give
on the same input.
"""

from __future__ import annotations

from retold.spark.job import JobParams, run
from retold.spark.session import check_runtime, get_session

__all__ = ["JobParams", "check_runtime", "get_session", "run"]
