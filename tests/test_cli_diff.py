"""`atlas diff`, `log`, `show` and `demo` over a real archive in a real git repository."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.cli import app
from conductatlas_cli.config.load import load_sources

runner = CliRunner()

V1 = """# Usage Policy

## 1. Scope

This policy applies to every operator.

## 2. Data Retention

We keep API inputs for 30 days.
"""
V2 = V1.replace("30 days", "60 days")
V3 = V2 + "\n## 3. Enforcement\n\nWe may suspend accounts that break this policy.\n"


def record(project, key: str, text: str, day: str) -> str:
    sources = load_sources(project.root / "sources.yaml")
    message = f"{key}: update\n\nAtlas-Fetched-At: {day}T10:00:00Z\n"
    with Archive.from_sources(sources) as archive:
        return archive.record_version(key, text, message=message)


@pytest.fixture
def history(in_project):
    """acme/policy with three versions (Jan, Feb, Mar 2026) and acme/terms with one."""
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "policy": "https://acme.test/policy",
                    "terms": "https://acme.test/terms",
                }
            }
        }
    )
    commits = [
        record(in_project, "acme/policy", V1, "2026-01-10"),
        record(in_project, "acme/policy", V2, "2026-02-10"),
        record(in_project, "acme/terms", "# Terms\n\nBe nice.\n", "2026-02-20"),
        record(in_project, "acme/policy", V3, "2026-03-10"),
    ]
    in_project.commits_made = commits
    return in_project


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_default_diff_is_previous_to_latest(history):
    """Without refs, diff compares the previous version with the latest."""
    result = invoke("diff", "acme/policy", "--format", "plain")
    assert result.exit_code == 0, result.output
    assert "+ Usage Policy › 3. Enforcement" in result.output
    assert "[-30-]" not in result.output and "60 days" not in result.output


def test_from_date_is_the_version_in_force_that_day(history):
    """--from 2026-01-31 means the January version; the word change reads 30 → 60."""
    result = invoke("diff", "acme/policy", "--from", "2026-01-31", "--to", "2026-02-28")
    assert result.exit_code == 0, result.output
    assert "[-30-]{+60+}" in result.output
    assert "Enforcement" not in result.output


def test_from_tilde_n(history):
    """--from ~2 is two versions back from the latest."""
    result = invoke("diff", "acme/policy", "--from", "~2")
    assert "[-30-]{+60+}" in result.output and "3. Enforcement" in result.output


def test_from_commit(history):
    """--from accepts an abbreviated commit of a version."""
    first = history.commits_made[0][:10]
    result = invoke("diff", "acme/policy", "--from", first, "--to", "~1")
    assert "[-30-]{+60+}" in result.output


def test_from_later_than_to_is_an_error_not_a_swap(history):
    """--from a later version than --to is exit 2 saying so; nothing is diffed backwards."""
    result = invoke("diff", "acme/policy", "--from", "@~0", "--to", "@~2")
    assert result.exit_code == 2
    assert "is later than --to '@~2'" in result.output and "swap them" in result.output


def test_bad_ref_is_a_usage_error(history):
    """A date before the first version is exit 2 with one line naming the document."""
    result = invoke("diff", "acme/policy", "--from", "2025-01-01")
    assert result.exit_code == 2
    assert "no version of 'acme/policy' was in force at 2025-01-01" in result.output


def test_exit_code_3_when_different(history):
    """--exit-code exits 3 when there are differences, 0 when there are none."""
    assert invoke("diff", "acme/policy", "--exit-code").exit_code == 3
    same = invoke("diff", "acme/policy", "--from", "~0", "--to", "~0", "--exit-code")
    assert same.exit_code == 0 and "no changes" in same.output


def test_platform_target_covers_its_documents(history):
    """TARGET 'acme' diffs every document of the platform."""
    result = invoke("diff", "acme", "--stat")
    assert "(acme/policy):" in result.output and "(acme/terms):" in result.output
    assert "first snapshot" in result.output


def test_since_digest(history):
    """--since DATE lists each document changed since then, from the version in force then."""
    result = invoke("diff", "--since", "2026-03-01", "--stat")
    assert "(acme/policy):" in result.output and "acme/terms" not in result.output


def test_json_shape(history):
    """--format json prints documents with key, from, to, stats and sections."""
    result = invoke("diff", "acme/policy", "--format", "json")
    data = json.loads(result.stdout)
    (doc,) = data["documents"]
    assert doc["key"] == "acme/policy"
    assert {"from", "to", "stats", "sections"} <= set(doc)
    assert doc["stats"]["sections_added"] == 1
    assert doc["sections"][0]["kind"] == "added"


def test_markdown_format(history):
    """--format markdown gives a report to paste into a ticket."""
    result = invoke("diff", "acme/policy", "--from", "~2", "--format", "markdown")
    assert "~~30~~" in result.output and "**60**" in result.output


def test_log_lists_versions_newest_first(history):
    """atlas log prints date, commit and summary per version, newest first."""
    result = invoke("log", "acme/policy")
    lines = result.output.splitlines()
    assert lines[0] == "acme — policy (acme/policy)"
    assert len(lines) == 4
    assert lines[1].startswith("2026-03-10 10:00Z") and lines[-1].startswith("2026-01-10 10:00Z")
    rows = json.loads(invoke("log", "--json", "--since", "2026-02-15").stdout)
    assert [r["key"] for r in rows] == ["acme/policy", "acme/terms"]
    assert rows[0]["title"] == "acme — policy"


def test_log_n_limits_the_versions(history):
    """atlas log -n N lists the N newest versions."""
    result = invoke("log", "-n", "2")
    assert [line[:10] for line in result.output.splitlines()] == ["2026-03-10", "2026-02-20"]


def test_status_fits_80_columns_with_zoned_times(history, monkeypatch):
    """status: one row per document, times with their zone, no line past 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    history.write_sources(
        {
            "acme": {
                "name": "Acme Artificial Intelligence Incorporated",
                "documents": {
                    "policy": {"url": "https://acme.test/policy", "type": "Usage Policy"},
                    "terms": "https://acme.test/terms",
                },
            }
        }
    )
    result = invoke("status")
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "document",
        "versions",
        "last",
        "checked",
        "last",
        "changed",
    ]
    assert lines[1].split() == ["acme/policy", "3", "-", "2026-03-10", "10:00Z"]
    assert lines[2] == "  Acme Artificial Intelligence Incorporated — Usage Policy"
    assert all(len(line) <= 80 for line in lines)


def test_status_failing_and_json(history):
    """status --failing keeps failing documents only; --json gives typed rows."""
    assert invoke("status", "--failing").output == "no failing documents\n"
    rows = json.loads(invoke("status", "acme/terms", "--json").stdout)
    assert [(r["key"], r["versions"], r["last_changed"]) for r in rows] == [
        ("acme/terms", 1, "2026-02-20T10:00:00Z")
    ]


def test_show_at_date(history):
    """atlas show --at DATE prints that version's text."""
    result = invoke("show", "acme/policy", "--at", "2026-01-15")
    assert result.output == V1


def test_unknown_target_is_a_usage_error(history):
    """A target that sources.yaml does not name is exit 2 with a clear line and a suggestion."""
    result = invoke("diff", "acm")
    assert result.exit_code == 2
    assert "unknown target 'acm' (not in sources.yaml; did you mean 'acme'?)" in result.output


@pytest.mark.parametrize("command", ["diff", "log"])
def test_an_archive_with_no_versions_yet_is_not_an_error(in_project, server, command):
    """log and diff on a tracked document that has no version yet say so and exit 0."""
    in_project.write_sources({"acme": {"documents": {"policy": server.url("/p")}}})
    result = invoke(command, "acme")
    assert (result.exit_code, result.output) == (
        0,
        "no versions recorded yet (run 'atlas fetch')\n",
    )


def test_demo_runs_offline(tmp_path):
    """atlas demo fetches two versions from 127.0.0.1 and prints their diff."""
    result = invoke("demo", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    assert "first snapshot" in result.output
    assert "[-30-]{+60+}" in result.output
    assert "+ Example AI Usage Policy › 3. Operator Responsibility" in result.output


def test_demo_without_a_folder_uses_a_new_temporary_one(tmp_path, monkeypatch):
    """atlas demo with no DIR makes its archive in a new temporary folder and says where."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    (made,) = [p for p in tmp_path.iterdir() if p.name.startswith("atlas-demo-")]
    assert (made / "snapshots" / "example-ai" / "usage-policy.md").exists()
    assert f"The archive is in {made}" in result.output


def test_demo_refuses_a_used_folder(tmp_path):
    """atlas demo never overwrites an existing project: exit 2 and one line."""
    (tmp_path / "sources.yaml").write_text("platforms: {}\n")
    result = invoke("demo", str(tmp_path))
    assert result.exit_code == 2
    assert "already has a sources.yaml" in result.output


def test_diff_headers_carry_the_documents_title(history):
    """A diff names the document by its title and key, in text and in JSON."""
    history.write_sources(
        {
            "acme": {
                "name": "Acme AI",
                "documents": {
                    "policy": {"url": "https://acme.test/policy", "type": "Usage Policy"},
                    "terms": "https://acme.test/terms",
                },
            }
        }
    )
    out = invoke("diff", "acme/policy", "--format", "plain").output
    assert out.startswith("Acme AI — Usage Policy (acme/policy): ")
    data = json.loads(invoke("diff", "acme/policy", "--format", "json").stdout)
    assert data["documents"][0]["title"] == "Acme AI — Usage Policy"
