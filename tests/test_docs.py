"""Docs that are tested: every command has help and appears in the README, the
README's lint and test commands are the ones CI runs, and the README's code
blocks run.

Each ```sh and ```python block of the README is run as written, line by line,
in a temporary directory holding the bundled examples and the files the
examples name (``SOURCE``, ``wire.html``, ``articles/``, ``crawl.warc.gz``, ...).
``https://example.org/story`` is served by a real HTTP server on localhost.
The index the corpus block builds uses the hashing encoder (``--encoder
hashing``), the cheap path for a test; everything else is as a user runs it.
Blocks that are not run say why in ``NOT_RUN`` and are checked otherwise.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from retold.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent

#: README sections whose blocks are checked but not run, and why
NOT_RUN = {
    "Development": "the lint commands: .ci/run runs them (checked to be the same lines)",
    "Measuring": "benchmarks take minutes each (checked that the scripts exist)",
    "A corpus on Apache Spark": "needs Java, a cluster or a cloud; tests/test_spark*.py run the job",
}
#: README sections whose blocks this file runs (one test each)
RUN = {"Quick start", "Using it", "A corpus: index, search, stories", "The web service"}
#: the story served for https://example.org/story
URL = "https://example.org/story"


@dataclass(frozen=True)
class Block:
    section: str
    lang: str
    code: str

    def lines(self) -> list[str]:
        """The commands of a shell block, comments dropped."""
        out = []
        for raw in self.code.splitlines():
            line = re.sub(r"\s+#\s.*$", "", raw).strip()
            if line and not line.startswith("#"):
                out.append(line)
        return out


def readme_blocks() -> list[Block]:
    blocks = []
    section = ""
    for m in re.finditer(r"^(#+) ([^\n]+)$|^```(\w*)\n(.*?)^```$", README, re.M | re.S):
        if m.group(1):
            section = m.group(2).strip()
        else:
            blocks.append(Block(section, m.group(3), m.group(4)))
    return blocks


def _section(name: str, lang: str = "sh") -> list[Block]:
    found = [b for b in readme_blocks() if b.section == name and b.lang == lang]
    assert found, f"README has no ```{lang} block under '{name}'"
    return found


# --- checks that need nothing run --------------------------------------------


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full + " "))
    return out


def test_every_command_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    for cmd in _commands(main):
        res = runner.invoke(main, [*cmd.split(), "--help"])
        assert res.exit_code == 0, (cmd, res.output)
        assert f"retold {cmd}" in README, f"'retold {cmd}' is not documented in README.md"


def test_every_readme_block_is_run_or_says_why_not() -> None:
    for b in readme_blocks():
        assert b.lang in ("sh", "python"), f"a ```{b.lang} block under '{b.section}'"
        assert b.section in RUN or b.section in NOT_RUN, (
            f"a README block under '{b.section}': run it in tests/test_docs.py "
            "or say in NOT_RUN why not"
        )


def test_ci_runs_the_readme_lint_and_test_commands() -> None:
    ci = [ln.strip() for ln in CI_RUN.splitlines() if ln.startswith(".venv/")]
    dev = _section("Development")[0].lines()
    test = [ln for b in _section("Quick start") for ln in b.lines() if "pytest" in ln]
    assert test == ['.venv/bin/python -m pytest -m "slow or not slow"']
    assert ci == [*dev, *test], "README's Development and test commands must be .ci/run's"


def test_measuring_names_scripts_that_exist() -> None:
    for line in _section("Measuring")[0].lines():
        script = line.split()[1]
        assert (ROOT / script).is_file(), script


# --- running the blocks --------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory with the examples and every file the README names, and the URL
    standing in for https://example.org/story."""
    wire = (EXAMPLES / "wire.txt").read_text(encoding="utf-8")
    rewrite = (EXAMPLES / "rewrite.txt").read_text(encoding="utf-8")
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    for name, text in (("wire.txt", wire), ("SOURCE", wire), ("rewrite.txt", rewrite)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "REWRITE").write_text(rewrite, encoding="utf-8")
    paras = "".join(f"<p>{p}</p>" for p in wire.split("\n\n") if p.strip())
    page = f"<html><head><title>Wire</title></head><body><article>{paras}</article></body></html>"
    (tmp_path / "wire.html").write_text(page, encoding="utf-8")
    (tmp_path / "story.html").write_text(page.replace("Wire", "Story"), encoding="utf-8")
    (tmp_path / "pairs.jsonl").write_text(
        json.dumps({"id": "p1", "a": wire, "b": rewrite}) + "\n", encoding="utf-8"
    )
    _corpus(tmp_path, wire, rewrite)
    handler = lambda *a: _Quiet(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}/story.html"
    finally:
        server.shutdown()
        server.server_close()


_FILLER = [
    "The city council approved a new budget for road repairs on Tuesday after a long debate.",
    "A regional orchestra announced its summer programme, with three new commissions.",
    "Farmers in the valley reported an early harvest after a warm and dry spring.",
]


def _corpus(d: Path, wire: str, rewrite: str) -> None:
    """articles/, feed.jsonl, crawl.warc.gz and queries.jsonl for the corpus block."""
    (d / "articles").mkdir()
    for i, text in enumerate(_FILLER):
        (d / "articles" / f"filler-{i}.txt").write_text(text * 3, encoding="utf-8")
    feed = [
        {"id": "wire-1", "text": wire, "published": "2026-03-02T09:00:00Z"},
        {"id": "filler-feed", "text": _FILLER[2] * 2},
    ]
    (d / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in feed), encoding="utf-8")
    html = f"<html><body><article><p>{_FILLER[0]}</p><p>{_FILLER[1]}</p></article></body></html>"
    http_block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + html.encode()
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/1\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http_block)}"
        "\r\n\r\n"
    )
    (d / "crawl.warc.gz").write_bytes(gzip.compress(head.encode() + http_block + b"\r\n\r\n"))
    (d / "queries.jsonl").write_text(
        json.dumps({"id": "q1", "text": rewrite}) + "\n", encoding="utf-8"
    )


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def _run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    line = line.replace(".venv/bin/", f"{BIN}/")
    res = subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, f"{line}\nexit {res.returncode}\n{res.stderr[-2000:]}"
    return res


@pytest.mark.slow
def test_readme_quick_start_runs(sandbox: tuple[Path, str]) -> None:
    d, _ = sandbox
    (line,) = [ln for ln in _section("Quick start")[0].lines() if "retold compare" in ln]
    # scripts/setup.sh is what CI ran before this suite; the rest runs as written
    res = _run(line.split("&&", 1)[1].strip() if "setup.sh" in line else line, d)
    # the terminal report is printed only to a terminal when --html is given
    assert "report.html" in res.stderr and "<html" in (d / "report.html").read_text()


@pytest.mark.slow
def test_readme_compare_examples_run(sandbox: tuple[Path, str]) -> None:
    d, url = sandbox
    for line in _section("Using it")[0].lines():
        _run(line.replace(URL, url), d)
    assert (d / "r.html").exists()
    assert json.loads((d / "reports.jsonl").read_text().splitlines()[0])["id"] == "p1"
    (py,) = _section("Using it", "python")
    wire, rewrite = (d / "wire.txt").read_text(), (d / "rewrite.txt").read_text()
    script = f"wire_text = {wire!r}\nrewrite_text = {rewrite!r}\n" + py.code.replace(URL, url)
    (d / "block.py").write_text(script, encoding="utf-8")
    res = _run("python block.py", d)  # the PATH starts with this venv
    assert "->" in res.stdout  # the changes loop printed something


@pytest.mark.slow
def test_readme_corpus_block_runs(sandbox: tuple[Path, str]) -> None:
    d, _ = sandbox
    for line in _section("A corpus: index, search, stories")[0].lines():
        if line.startswith("retold index add"):
            line = line.replace("retold index add", "retold index add --encoder hashing", 1)
        # a filler article is removed; the wire story is the one explained
        doc_id = "filler-feed" if " remove " in line else "wire-1"
        res = _run(re.sub(r"\bID\b(?:\.\.\.)?", doc_id, line), d)  # "ID..." is one or more
        if line.startswith("retold search") and "--explain" not in line and "--queries" not in line:
            assert "wire-1" in res.stdout
    assert json.loads((d / "stories.json").read_text())
    assert (d / "stories.graphml").exists() and (d / "stories.gexf").exists()
    assert any((d / "stories").iterdir())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_readme_serve_block_runs(sandbox: tuple[Path, str]) -> None:
    d, _ = sandbox
    _run("retold index add --encoder hashing --index news-index feed.jsonl", d)
    install, line = _section("The web service")[0].lines()
    # not run: it would install from PyPI; the extra it names must be ours (and installed)
    extra = re.fullmatch(r"pip install 'retold\[(\w+)\]'", install)
    assert extra and f"\n{extra.group(1)} = [" in (ROOT / "pyproject.toml").read_text()
    port = _free_port()
    cmd = line.replace(".venv/bin/", f"{BIN}/") + f" --port {port}"
    proc = subprocess.Popen(
        ["bash", "-c", f"exec {cmd}"],
        cwd=d,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json") as r:
                    assert json.load(r)["paths"]
                break
            except OSError:
                assert time.monotonic() < deadline, "retold serve did not answer in 120 s"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
