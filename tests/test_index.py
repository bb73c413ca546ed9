"""The history index: one pass over git serves log, diff and status, whatever sources.yaml holds."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
from typer.testing import CliRunner

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.cli import app
from conductatlas_cli.config.load import load_sources

runner = CliRunner()


def record(project, key: str, text: str, day: str) -> str:
    """Record TEXT as KEY's version fetched on DAY, as atlas fetch does."""
    sources = load_sources(project.root / "sources.yaml")
    message = f"{key}: update\n\nAtlas-Fetched-At: {day}T10:00:00Z\n"
    with Archive.from_sources(sources) as archive:
        return archive.record_version(key, text, message=message)


@pytest.fixture
def git_calls(tmp_path, monkeypatch):
    """A real git behind a shim on PATH that writes each subcommand to a file."""
    real = shutil.which("git")
    folder = tmp_path / "shim"
    folder.mkdir()
    calls = tmp_path / "git-calls.txt"
    shim = folder / "git"
    shim.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in -c) ;; *=*) ;; -*) ;; *) '
        f'echo "$a" >> "{calls}"; break;; esac; done\n'
        f'exec "{real}" "$@"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def read() -> list[str]:
        return calls.read_text().split() if calls.exists() else []

    read.reset = lambda: calls.unlink(missing_ok=True)
    return read


@pytest.fixture
def many(in_project):
    """sources.yaml with 150 documents, of which two were ever recorded."""
    docs = {f"d{i}": f"https://p{i % 5}.test/d{i}" for i in range(150)}
    in_project.write_sources({"p0": {"documents": docs}})
    record(in_project, "p0/d0", "# D0\n\nOne.\n", "2026-01-10")
    record(in_project, "p0/d0", "# D0\n\nTwo.\n", "2026-02-10")
    record(in_project, "p0/d1", "# D1\n\nOther.\n", "2026-02-11")
    return in_project


def test_log_reads_history_once_whatever_sources_yaml_holds(many, git_calls):
    """`atlas log p0/d0` with 150 documents listed runs one `git log`, not one per document."""
    git_calls.reset()
    result = runner.invoke(app, ["log", "p0/d0"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 3  # the document's title, then its two versions
    assert git_calls().count("log") <= 1


def test_a_second_read_uses_the_index(many, git_calls):
    """Once built, the index at the same HEAD spares every `git log` (diff, status, log)."""
    runner.invoke(app, ["log"])
    git_calls.reset()
    for command in (["log"], ["diff", "p0/d0"], ["status"], ["diff", "--since", "2026-02-01"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
    assert "log" not in git_calls()


def test_the_index_follows_new_versions_and_rewritten_history(many):
    """A version recorded later shows up; after a reset the versions dropped are gone."""
    runner.invoke(app, ["log"])
    record(many, "p0/d2", "# D2\n\nNew.\n", "2026-03-01")
    result = runner.invoke(app, ["log", "--json"])
    assert [row["key"] for row in __import__("json").loads(result.output)] == [
        "p0/d2",
        "p0/d1",
        "p0/d0",
        "p0/d0",
    ]
    many.git("reset", "-q", "--hard", "HEAD~2")
    result = runner.invoke(app, ["log"])
    lines = result.output.splitlines()[1:]  # after the document's title
    assert [line.split()[3] for line in lines] == ["p0/d0", "p0/d0"]


def test_a_damaged_index_is_rebuilt(many):
    """A truncated index file is read again from git, not an error."""
    runner.invoke(app, ["log"])
    (path,) = (many.root / ".git" / "atlas").glob("history.json")
    path.write_text('{"format": 1, "head"')
    result = runner.invoke(app, ["log", "p0/d0"])
    assert result.exit_code == 0 and len(result.output.splitlines()) == 3  # title + 2


def test_log_lists_only_atlas_versions(many):
    """A user's commit that touches a snapshot is never listed as a version."""
    many.snapshot("p0/d0").write_text("hand edit\n")
    many.git("commit", "-qam", "user note 175")
    result = runner.invoke(app, ["log", "p0/d0"])
    assert "user note" not in result.output
    assert len(result.output.splitlines()) == 3  # the document's title, then its two versions


def test_renames_give_older_versions_to_the_new_key_only():
    """A rename marker gives OLD's earlier versions to NEW (chains too); a later OLD is its own."""
    from datetime import datetime, timezone

    from conductatlas_cli.archive.archive import Version
    from conductatlas_cli.archive.index import Entry, follow_renames

    def at(n: int) -> Version:
        return Version(f"{n:040d}", datetime(2026, 1, n, tzinfo=timezone.utc), "s")

    raw = [  # newest first
        Entry("a/old", at(6), "b6", True),  # a new document added under the old key
        Entry("a/newest", at(5), "", False, renamed_from="a/new"),
        Entry("a/new", at(4), "b4", False),
        Entry("a/new", at(3), "", False, renamed_from="a/old"),
        Entry("a/old", at(2), "b2", False),
        Entry("a/old", at(1), "b1", True),
    ]
    got = [(e.key, e.version.commit[-1], e.stored_as) for e in follow_renames(raw)]
    assert got == [
        ("a/old", "6", None),
        ("a/newest", "4", "a/new"),
        ("a/newest", "2", "a/old"),
        ("a/newest", "1", "a/old"),
    ]
