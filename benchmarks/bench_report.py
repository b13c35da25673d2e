"""Speed of the HTML report on a megabyte, against escaping the same text, in one process.

    .venv/bin/python benchmarks/bench_report.py

The report is the test suite's megabyte case (tests/test_report.py): a million
characters on each side with an alignment per sentence (14k of them) and a
change every fifth. The baseline is ``html.escape`` of both texts, the least
any HTML rendering of them must do. Goal (issue 4): under a second.

It also renders a quarter of the text and prints the growth of the time from a
quarter to the whole: about 4 is linear, 16 quadratic. The test suite checks the
growth by counting lines run, which cannot see work done inside C; this sees it.
"""

from __future__ import annotations

import html
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from retold.report import render_html
from test_report import _megabyte_report


def _best(fn: object, runs: int = 3) -> float:
    assert callable(fn)
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    report, n = _megabyte_report(1_000_000)
    quarter, _ = _megabyte_report(250_000)
    t_render = _best(lambda: render_html(report))
    t_quarter = _best(lambda: render_html(quarter))
    t_escape = _best(lambda: (html.escape(report.a.text), html.escape(report.b.text)))
    print(
        json.dumps(
            {
                "chars": len(report.a.text),
                "alignments": n,
                "render_html_s": round(t_render, 3),
                "escape_baseline_s": round(t_escape, 4),
                "ratio_to_baseline": round(t_render / t_escape, 1),
                "growth_quarter_to_whole": round(t_render / t_quarter, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
