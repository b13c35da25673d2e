"""Imported once by the worker pool's forkserver: load what every worker needs.

Importing this module is its purpose (``multiprocessing`` preloads modules by
name): the pipeline's modules, the sentence encoder and the data its stages
load on first use are loaded here once, by comparing two short texts, and
every worker forked afterwards starts with them in shared memory.
"""

from __future__ import annotations

import contextlib

import retold.index
import retold.service.jobs  # noqa: F401  (imported for the workers)
from retold.comparison import compare_prepared, prepare
from retold.errors import RetoldError
from retold.ingest import read_text

_A = (
    "The river council said on Tuesday that 1,200 homes near the old bridge would be "
    'evacuated. "We will not wait for the water," the mayor told reporters in Lisbon.'
)
_B = (
    "About 1,200 homes close to the old bridge are to be evacuated, the river council "
    'announced Tuesday. "We are not waiting for the water," Lisbon\'s mayor said.'
)

# a model that cannot load is reported by the first request that needs it
with contextlib.suppress(RetoldError):
    compare_prepared(prepare(read_text(_A)), prepare(read_text(_B)))
