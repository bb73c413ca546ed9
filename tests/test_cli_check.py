"""`atlas check`: validation without fetching, and `--live` stability."""

from __future__ import annotations

import itertools

from conftest import Page
from test_cli_fetch import policy_html
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()


def test_check_valid_file(in_project, server):
    """A valid sources.yaml: one ok line, exit 0, nothing fetched."""
    in_project.write_sources({"acme": {"documents": {"policy": server.url("/p")}}})
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0
    assert result.output == "sources.yaml: ok (1 documents)\n"
    assert server.hits["/p"] == 0


def test_check_live_stable_and_unstable(in_project, server):
    """--live fetches each document twice: a stable page passes, a changing one is named."""
    server.set("/stable", policy_html())
    counter = itertools.count()
    clauses = [("1. Scope", "This policy applies to every operator who builds on our API.")]
    server.routes["/moving"] = [
        Page(body=policy_html(clauses + [("2. Counter", f"Visitor number {next(counter)} today.")]))
        for _ in range(2)
    ]
    in_project.write_sources(
        {"acme": {"documents": {"stable": server.url("/stable"), "moving": server.url("/moving")}}}
    )
    result = runner.invoke(app, ["check", "--live"])
    assert result.exit_code == 1
    assert "acme/stable: stable" in result.output
    assert "acme/moving: unstable" in result.output
    assert not (in_project.root / "snapshots").exists()
