"""The README's command table and each command's --help say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conductatlas_cli.cli import COMMANDS, app

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| `atlas (\w+)([^`]*)` \|", re.M)
runner = CliRunner()


def readme_rows() -> list[tuple[str, str]]:
    return ROW.findall(README.read_text(encoding="utf-8"))


def test_every_command_has_a_row_and_every_row_a_command():
    """The command table lists exactly the commands atlas has."""
    names = {command.__name__ for command in COMMANDS}
    assert {name for name, _ in readme_rows()} == names


@pytest.mark.parametrize("name, usage", readme_rows(), ids=[n for n, _ in readme_rows()])
def test_options_in_the_table_exist_in_help(name, usage):
    """Every option a README row shows is one the command's --help lists."""
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", usage):
        assert option in result.output, f"atlas {name} --help lacks {option}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_each_command_has_a_one_line_summary_that_fits(command):
    """Every command's summary is one sentence of at most 120 columns, ending in a full stop."""
    summary = (command.__doc__ or "").strip().splitlines()[0]
    assert summary.endswith(".") and len(summary) <= 120, summary
