"""Old home of the readers of ``retold index add``; they live in :mod:`retold.ingest`.

Kept so that ``from retold.index.readers import iter_inputs`` (and the Spark
job's imports) go on working; new code imports :mod:`retold.ingest.readers`.
"""

from __future__ import annotations

from retold.ingest.readers import SUPPORTED, iter_inputs, read_jsonl, read_warc
from retold.ingest.records import Item, RawDoc, Rejected

__all__ = ["SUPPORTED", "Item", "RawDoc", "Rejected", "iter_inputs", "read_jsonl", "read_warc"]
