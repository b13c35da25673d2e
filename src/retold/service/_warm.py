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


def _warm_token_tables(n: int = 4096) -> None:
    """Fill the encoder's per-token tables with the first ``n`` vocabulary ids.

    The fast forward pass (:mod:`retold.embed_use`) computes each token id's
    first-layer rows the first time it meets the id and keeps them per
    process. The old threaded server warmed one set of tables with every
    request and every add; a worker forked from a forkserver that had seen two
    sentences started cold and paid for every new id itself. Measured on 30
    unseen news rewrites (2 loaded cores): 0.87 s cold, 0.67 s after encoding
    150 articles first, 0.67 s after this (0.35 s once, here; the SentencePiece
    vocabulary lists frequent pieces first). The rows are shared copy-on-write
    by every worker forked afterwards, replacements included. Speed only: an
    encoder without the fast pass (or a changed one) is left as it is.
    """
    import numpy as np

    from retold.embed import default_encoder

    fast = getattr(default_encoder().inner, "_fast", None)
    admit = getattr(fast, "_admit", None)
    n = min(n, getattr(fast, "capacity", 0) // 2, len(getattr(fast, "_slot", ())))
    if admit is not None and n > 0:
        with contextlib.suppress(Exception):  # a warm-up must never stop the server
            admit(np.arange(n, dtype=np.int64))


_warm_token_tables()
