"""Shallow clones: said once per command; no first version or user commit claimed."""

from __future__ import annotations

import json

import pytest
from conftest import git
from test_index import record
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()
V1 = "# Policy\n\n## 1. Data\n\nWe keep inputs for 30 days.\n"
V2 = V1.replace("30 days", "60 days")


@pytest.fixture
def origin(project):
    """Two versions of acme/policy, one of acme/terms, then a user's commit on top."""
    project.write_sources(
        {"acme": {"documents": {"policy": "https://a.test/p", "terms": "https://a.test/t"}}}
    )
    record(project, "acme/terms", "# Terms\n\nBe nice.\n", "2026-01-05")
    record(project, "acme/policy", V1, "2026-01-10")
    record(project, "acme/policy", V2, "2026-02-10")
    project.git("add", "sources.yaml")
    project.git("commit", "-qm", "user note: add sources")
    return project


def clone(origin, tmp_path, monkeypatch, depth: int):
    target = tmp_path / f"depth{depth}"
    git(tmp_path, "clone", "-q", "--depth", str(depth), f"file://{origin.root}", str(target))
    monkeypatch.chdir(target)
    return target


def test_a_shallow_clone_is_said_once_per_command(origin, tmp_path, monkeypatch):
    """log and status print 'history before <date> is not in this clone' once, on stderr."""
    clone(origin, tmp_path, monkeypatch, depth=2)
    for command in (["log"], ["status"], ["diff", "acme/policy"]):
        result = runner.invoke(app, command)
        lines = [ln for ln in result.stderr.splitlines() if "not in this clone" in ln]
        assert len(lines) == 1, (command, result.stderr)
        assert lines[0].startswith("atlas: warning: history before 20")


def test_a_boundary_commit_is_no_version_of_every_document(origin, tmp_path, monkeypatch):
    """The boundary commit lists every file as added: only its own document's version counts."""
    clone(origin, tmp_path, monkeypatch, depth=2)
    rows = json.loads(runner.invoke(app, ["log", "--json"]).stdout)
    assert [row["key"] for row in rows] == ["acme/policy"]


def test_a_user_commit_at_the_boundary_is_no_version(origin, tmp_path, monkeypatch):
    """Cloned at depth 1 the tip is the user's commit: log lists no version at all."""
    clone(origin, tmp_path, monkeypatch, depth=1)
    result = runner.invoke(app, ["log"])
    assert "user note" not in result.stdout
    assert result.stdout == "no versions recorded yet (run 'atlas fetch')\n"


def test_diff_never_claims_a_first_version_it_cannot_see(origin, tmp_path, monkeypatch):
    """The oldest version in the clone is not shown as a first snapshot with every word added."""
    clone(origin, tmp_path, monkeypatch, depth=2)
    result = runner.invoke(app, ["diff", "acme/policy"])
    assert "first snapshot" not in result.stdout
    assert "is the oldest version in this clone; the one before it is not here" in result.stdout
    data = json.loads(runner.invoke(app, ["diff", "acme/policy", "--format", "json"]).stdout)
    assert data["documents"][0]["earlier_history"] == "not in this clone"


def test_a_full_clone_says_nothing_and_shows_the_first_version(origin, tmp_path, monkeypatch):
    """Without a boundary there is no note, and the first version is a first snapshot."""
    clone_dir = tmp_path / "full"
    git(tmp_path, "clone", "-q", str(origin.root), str(clone_dir))
    monkeypatch.chdir(clone_dir)
    result = runner.invoke(app, ["diff", "acme/terms"])
    assert "not in this clone" not in result.stderr
    assert "first snapshot" in result.stdout
