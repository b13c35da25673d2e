"""Imported once by the worker pool's forkserver: load what every worker needs.

Importing this module is its purpose (``multiprocessing`` preloads modules by
name): the pipeline's modules and the sentence encoder are loaded here once,
and every worker forked afterwards starts with them in shared memory.
"""

from __future__ import annotations

import contextlib

import retold.comparison
import retold.index
import retold.ingest
import retold.service.jobs  # noqa: F401  (imported for the workers)
from retold.errors import RetoldError

# a model that cannot load is reported by the first request that needs it
with contextlib.suppress(RetoldError):
    from retold.embed import default_encoder

    default_encoder().encode(["warm up the sentence encoder"])
