"""retold: where did this news story come from, and what was changed on the way?

>>> import retold
>>> report = retold.compare(wire_text, rewrite_text)   # doctest: +SKIP
>>> report.verdict, report.coverage.a_in_b             # doctest: +SKIP
('rewrite', 0.91)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from retold.errors import (
    FetchError,
    InputError,
    ModelError,
    RetoldError,
    UnsafeURLError,
    UsageError,
)
from retold.types import Alignment, Change, Coverage, Document, Passage, Report

if TYPE_CHECKING:
    from retold.comparison import compare as compare
    from retold.index import Index as Index
    from retold.ingest import load as read

__version__ = "0.1.0"

__all__ = [
    "Alignment",
    "Change",
    "Coverage",
    "Document",
    "FetchError",
    "Index",
    "InputError",
    "ModelError",
    "Passage",
    "Report",
    "RetoldError",
    "UnsafeURLError",
    "UsageError",
    "__version__",
    "compare",
    "read",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    # The engine pulls in numpy and the encoder; `import retold` stays instant.
    if name == "compare":
        from retold.comparison import compare

        return compare
    if name == "read":
        from retold.ingest import load

        return load
    if name == "Index":
        from retold.index import Index

        return Index
    raise AttributeError(f"module 'retold' has no attribute {name!r}")
