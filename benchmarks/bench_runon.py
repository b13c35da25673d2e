"""Peak memory of ``retold compare`` on run-on texts, against a normal pair.

    .venv/bin/python benchmarks/bench_runon.py [--varied] [--self]

Each case runs the real command line in its own process and reads that
process's peak resident size (``os.wait4``); the baseline is the bundled
example pair, measured in the same run. Cases:

- ``wire.txt`` vs ``'word ' * 1800000`` (9 MB without a sentence break: the
  reproduction of issue 16, target <= 2 GB; it grew past 23 GB before the
  sentence cap);
- ``--varied``: ``wire.txt`` vs 9 MB of made-up words from a 200,000-word
  vocabulary, so that no piece repeats and every stem is new (slow: ~2-3 min
  of encoding on one core);
- ``--self``: the 9 MB run-on against itself (9,000 x 9,000 sentence pieces:
  the aligner's score matrices are quadratic in the number of sentences).

Then, in this process, the segmentation alone of 3 MB run-ons whose words
are set off by two spaces (where the segmenter looks for lost full stops:
before lower-case words, no cut; before capitals, a cut every 4 words), as
ratios to the plain run-on's. The look was quadratic in the run's length
before it was measured here (5 s for 1.8 MB); linear now.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "examples" / "wire.txt"
REWRITE = ROOT / "examples" / "rewrite.txt"


def peak(a: Path, b: Path) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of ``retold compare a b --json``."""
    t = time.perf_counter()
    cli = [sys.executable, "-c", "from retold.cli import run; run()"]
    proc = subprocess.Popen(
        [*cli, "compare", str(a), str(b), "--json", "--no-text"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - t, proc.returncode


def varied(n_chars: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(200_000)]
    out: list[str] = []
    size = 0
    while size < n_chars:
        w = rng.choice(vocab)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def segmentation_ratios() -> None:
    from retold.segment import segment

    cases = {
        "plain run-on (baseline)": "word " * 500_000,
        "two spaces, lower case": "word  " * 500_000,
        "two spaces, capitals": "Word  " * 500_000,
    }
    base = None
    print(f"{'segmentation, 3 MB':32} {'seconds':>8} {'x baseline':>11} {'sentences':>10}")
    for name, text in cases.items():
        t = time.perf_counter()
        n = len(segment(text, "en").sentences)
        secs = time.perf_counter() - t
        base = base or secs
        print(f"{name:32} {secs:8.2f} {secs / base:10.1f}x {n:10d}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--varied", action="store_true", help="also 9 MB of varied words (slow)")
    ap.add_argument("--self", action="store_true", help="also the run-on against itself (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runon = Path(tmp) / "r.txt"
        runon.write_text("word " * 1_800_000, encoding="utf-8")
        cases = [("example pair (baseline)", WIRE, REWRITE), ("wire vs 9 MB run-on", WIRE, runon)]
        if args.varied:
            v = Path(tmp) / "v.txt"
            v.write_text(varied(9_000_000), encoding="utf-8")
            cases.append(("wire vs 9 MB varied run-on", WIRE, v))
        if args.self:
            cases.append(("9 MB run-on vs itself", runon, runon))
        base = None
        print(f"{'case':32} {'peak RSS':>10} {'x baseline':>11} {'seconds':>8}  exit")
        for name, a, b in cases:
            mb, secs, rc = peak(a, b)
            base = base or mb
            print(f"{name:32} {mb:8.0f} MB {mb / base:10.1f}x {secs:8.1f}  {rc}", flush=True)
    segmentation_ratios()


if __name__ == "__main__":
    main()
