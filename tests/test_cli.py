"""The command line, run as a real subprocess: outputs, batch mode and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES

RETOLD = str(Path(sys.executable).with_name("retold"))
WIRE = str(EXAMPLES / "wire.txt")
REWRITE = str(EXAMPLES / "rewrite.txt")


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    env.pop("RETOLD_DEBUG", None)
    return subprocess.run(
        [RETOLD, *args],
        input=stdin.decode("utf-8", "replace") if stdin is not None else None,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def assert_one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n.lower() in lines[0].lower(), lines[0]


def test_help_lists_commands() -> None:
    res = run("--help")
    assert res.returncode == 0
    assert "compare" in res.stdout


def test_compare_terminal_view() -> None:
    res = run("compare", WIRE, REWRITE)
    assert res.returncode == 0, res.stderr
    assert "rewrite" in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80


def test_compare_json_contract() -> None:
    res = run("compare", WIRE, REWRITE, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for key in (
        "verdict",
        "similarity",
        "coverage",
        "alignments",
        "changes",
        "boilerplate",
        "added",
        "dropped",
    ):
        assert key in out
    a = Path(WIRE).read_text(encoding="utf-8")
    b = Path(REWRITE).read_text(encoding="utf-8")
    for al in out["alignments"]:
        assert a[al["a"][0] : al["a"][1]].strip()
        assert al["kind"] in ("verbatim", "near-verbatim", "paraphrase")
    for ch in out["changes"]:
        assert a[ch["a"][0] : ch["a"][1]] == ch["a_text"]
        assert b[ch["b"][0] : ch["b"][1]] == ch["b_text"]


def test_compare_html_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = run("compare", WIRE, REWRITE, "--html", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert "<html" in html and "Halverstad" in html


def test_compare_reads_stdin() -> None:
    res = run("compare", "-", REWRITE, "--json", "--no-text", stdin=Path(WIRE).read_bytes())
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["verdict"] == "rewrite"


def test_batch_pairs(tmp_path: Path) -> None:
    a = Path(WIRE).read_text(encoding="utf-8")
    b = Path(REWRITE).read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "p1", "a": a, "b": b}),
        "this is not json",
        json.dumps({"id": "p2", "a": a, "b": ""}),
        json.dumps({"id": "p3", "a": a, "b": a}),
    ]
    src = tmp_path / "pairs.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("compare", "--pairs", str(src), "--no-text", "-j", "2")
    assert res.returncode == 3, res.stderr  # finished, some pairs failed
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    # a line without a usable id is named by its line number
    assert [r.get("id") for r in rows] == ["p1", 2, "p2", "p3"]
    assert rows[0]["verdict"] == "rewrite"
    assert "not JSON" in rows[1]["error"]
    assert "empty" in rows[2]["error"].lower()
    assert rows[3]["verdict"] == "duplicate"
    assert "compared 2 pairs, 2 failed" in res.stderr


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b"", ("empty",)),
        (b"   \n\t  \n", ("whitespace",)),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, ("png",)),
        (b"%PDF-1.7\n" + b"\x00\x01" * 50, ("pdf",)),
        (b"<html><head><title>x</title></head></html>", ("html",)),
    ],
)
def test_bad_inputs_give_one_line(tmp_path: Path, content: bytes, needles: tuple[str, ...]) -> None:
    bad = tmp_path / ("bad.html" if content.startswith(b"<html") else "bad.txt")
    bad.write_bytes(content)
    assert_one_line_error(run("compare", str(bad), REWRITE), *needles)


def test_invalid_utf8_is_read_not_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(Path(WIRE).read_text(encoding="utf-8").replace("—", "-").encode("cp1252"))
    res = run("compare", str(latin), REWRITE, "--json", "--no-text")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["documents"]["a"]["encoding"] == "cp1252"


def test_huge_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert_one_line_error(run("compare", str(big), REWRITE), "max-bytes")


def test_missing_file_and_unreachable_url() -> None:
    assert_one_line_error(run("compare", "no-such-file.txt", REWRITE), "no-such-file.txt")
    assert_one_line_error(
        run("compare", "http://127.0.0.1:9/x", REWRITE, "--timeout", "2"), "127.0.0.1"
    )


def test_usage_errors() -> None:
    res = run("compare", WIRE)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    res = run("compare", "-", "-")
    assert res.returncode == 2 and "stdin" in res.stderr


def test_cli_common_fail_and_progress(capsys: pytest.CaptureFixture[str]) -> None:
    from retold.cli._common import EXIT_PARTIAL, fail, progress

    with pytest.raises(SystemExit) as exc:
        fail("3 of 9 pairs failed", EXIT_PARTIAL)
    assert exc.value.code == 3
    assert capsys.readouterr().err == "retold: error: 3 of 9 pairs failed\n"
    # quiet: nothing drawn, updates are no-ops
    with progress("linking", show=False, counted=True) as bar:
        bar.update(1, 2, "note")
        assert bar.elapsed == 0.0
    assert capsys.readouterr() == ("", "")
    # shown: every column's field exists, whichever of done, total and note is given
    with progress("linking", show=True, counted=True) as bar:
        bar.update(0, 4)
        bar.update(2, note="1.0 docs/s")
        bar.update(note="still")
        assert bar.elapsed >= 0.0
