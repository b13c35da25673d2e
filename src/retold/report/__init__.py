"""Renderers for a :class:`~retold.types.Report`: terminal (rich) and self-contained HTML.

The terminal renderer is imported lazily so ``render_html`` needs only the stdlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retold.report.html import render_html

if TYPE_CHECKING:
    from retold.report.terminal import render_terminal

__all__ = ["render_html", "render_terminal"]


def __getattr__(name: str) -> Any:
    if name == "render_terminal":
        from retold.report.terminal import render_terminal

        return render_terminal
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
