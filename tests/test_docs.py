"""Docs that are tested: every command has help and appears in the README, and
the README's test command is the one CI runs."""

from __future__ import annotations

import click
from click.testing import CliRunner

from conftest import ROOT
from retold.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")


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


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_lines = [ln.strip() for ln in ci.splitlines() if "pytest" in ln and not ln.startswith("#")]
    assert test_lines and all(line in README for line in test_lines)


def test_readme_quick_start_runs_the_bundled_example() -> None:
    assert "retold compare examples/wire.txt examples/rewrite.txt" in README
    assert (ROOT / "examples" / "wire.txt").exists() and (
        ROOT / "examples" / "rewrite.txt"
    ).exists()
