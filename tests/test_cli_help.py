"""The README's command table and each command's --help say the same thing."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
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
    names = {command.name for command in COMMANDS}
    assert {name for name, _ in readme_rows()} == names


@pytest.mark.parametrize("name, usage", readme_rows(), ids=[n for n, _ in readme_rows()])
def test_options_in_the_table_exist_in_help(name, usage):
    """Every option a README row shows is one the command's --help lists."""
    result = runner.invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", usage):
        assert option in result.output, f"atlas {name} --help lacks {option}"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_each_command_has_a_one_line_summary_that_fits(command):
    """Every command's summary is one sentence of at most 120 columns, ending in a full stop."""
    summary = (command.load().__doc__ or "").strip().splitlines()[0]
    assert summary.endswith(".") and len(summary) <= 120, summary


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_the_table_summary_is_the_docstring_summary(command):
    """The one-line help `atlas --help` lists from the table is the command's own first paragraph."""
    function = command.load()
    assert function.__name__ == command.name
    assert inspect.getdoc(function).split("\n\n")[0] == command.summary


def loaded_command_modules(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `atlas ARGV` in a fresh interpreter; its stderr ends with the `commands_*` modules loaded."""
    probe = (
        "import sys\n"
        "from conductatlas_cli.cli import main\n"
        f"sys.argv = ['atlas', *{argv!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if '.commands_' in m), file=sys.stderr)\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=cwd)


def test_help_imports_no_command_module():
    """`atlas --help` lists every command without importing a `commands_*` module."""
    result = loaded_command_modules(["--help"])
    assert "  log        Versions, newest first" in result.stdout
    assert result.stderr.rstrip().endswith("LOADED []")


def test_a_command_imports_its_own_module_alone(tmp_path):
    """`atlas log` imports the module of `log`, and no other command family's."""
    result = loaded_command_modules(["log"], cwd=tmp_path)
    assert result.stderr.rstrip().endswith("LOADED ['conductatlas_cli.cli.commands_history']")
