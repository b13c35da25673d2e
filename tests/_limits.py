"""Run a command in a subprocess under an address-space limit; report its peak memory.

The limit is set with ``resource.setrlimit(RLIMIT_AS)`` in a tiny launcher that
then ``exec``s the command, so the command itself runs limited (an allocation
past the limit fails inside it instead of growing the machine's memory), and
``os.wait4`` gives the peak resident size of exactly that process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

GiB = 1 << 30
MiB = 1 << 20
ROOT = Path(__file__).resolve().parent.parent
RETOLD = [sys.executable, "-c", "from retold.cli import run; run()"]

_LAUNCH = (
    "import os, resource, sys\n"
    "n = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (n, n))\n"
    "if os.environ.pop('LIMITED_CLOSE_STDIN', ''):\n"
    "    os.close(0)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


@dataclass(frozen=True)
class Limited:
    """What a limited run gave: exit code, output and peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    maxrss: int  # bytes

    @property
    def maxrss_mb(self) -> float:
        return self.maxrss / MiB


def run_limited(
    cmd: list[str],
    limit: int,
    *,
    timeout: float = 300.0,
    stdin: bytes | None = b"",
    cwd: Path | None = None,
) -> Limited:
    """Run ``cmd`` (an absolute program path first) with at most ``limit`` bytes of
    address space; killed after ``timeout`` seconds. ``stdin=None`` closes it."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "RETOLD_DEBUG": ""}
    if stdin is None:
        env["LIMITED_CLOSE_STDIN"] = "1"
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as inp,
    ):
        inp.write(stdin or b"")
        inp.seek(0)
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(limit), *cmd],
            stdin=inp,
            stdout=out,
            stderr=err,
            cwd=cwd or ROOT,
            env=env,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Limited(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            usage.ru_maxrss * 1024,  # Linux reports kilobytes
        )


def python_limited(code: str, limit: int, *, timeout: float = 300.0) -> Limited:
    """Run a Python snippet under the limit (see :func:`run_limited`)."""
    return run_limited([sys.executable, "-c", code], limit, timeout=timeout)
