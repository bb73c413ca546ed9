"""Preview before forcing: `atlas fetch --dry-run` and `atlas diff TARGET --pending`."""

from __future__ import annotations

import json

import pytest
from test_cli_fetch import CLAUSES, policy_html
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()
KEY = "acme/usage-policy"


def atlas(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def held(in_project, server):
    """A recorded policy whose page then shrinks to its first clause: a held-back change."""
    server.set("/policy", policy_html())
    in_project.write_sources(
        {"acme": {"name": "Acme AI", "documents": {"usage-policy": server.url("/policy")}}}
    )
    assert atlas("fetch").exit_code == 0
    server.set("/policy", policy_html(CLAUSES[:1]))
    return in_project


def pending_file(project):
    return project.root / ".atlas" / "pending" / "acme" / "usage-policy.json"


def test_dry_run_prints_the_held_back_change_and_writes_nothing(held):
    """--dry-run on a held-back change prints its diff-style summary; no file, no commit."""
    before = held.commits()
    result = atlas("fetch", "--dry-run")
    assert result.exit_code == 1, result.output
    assert "held back" in result.output
    head = held.git("rev-parse", "--short=10", "HEAD").strip()
    assert (
        f"Acme AI — usage-policy ({KEY}): {head} (" in result.output
        and "→ this fetch (held back: --force records it)" in result.output
    )
    assert "- Usage Policy › 4. Liability  [liability-limitation]" in result.output
    assert "3 sections changed (+0 -109 words)" in result.output
    assert held.commits() == before
    assert not pending_file(held).exists()


def test_dry_run_previews_any_change_and_json_has_the_summary(held, server):
    """A dry run previews an ordinary change too, and --json carries it as `preview`."""
    changed = [
        CLAUSES[0],
        ("2. Prohibited Uses", "You may not use the services for spam."),
        *CLAUSES[2:],
    ]
    server.set("/policy", policy_html(changed))
    text = atlas("fetch", "--dry-run")
    assert (
        "→ this fetch (dry run)" in text.output
        and "~ Usage Policy › 2. Prohibited Uses" in text.output
    )
    report = json.loads(atlas("fetch", "--dry-run", "--json").stdout)
    (doc,) = report["documents"]
    assert doc["status"] == "changed"
    assert doc["preview"]["to"] is None
    assert [s["kind"] for s in doc["preview"]["sections"]] == ["modified"]


def test_diff_pending_shows_the_last_held_back_fetch(held):
    """After a held fetch, `diff --pending` shows the same summary and how to record it."""
    assert atlas("fetch").exit_code == 1
    assert json.loads(pending_file(held).read_text())["reason"]
    result = atlas("diff", KEY, "--pending")
    assert result.exit_code == 0, result.output
    assert "→ held back 20" in result.output
    assert "- Usage Policy › 4. Liability" in result.output
    assert f"'atlas fetch --force {KEY}' records it" in result.output
    data = json.loads(atlas("diff", "acme", "--pending", "--format", "json").stdout)
    (doc,) = data["documents"]
    assert doc["key"] == KEY and doc["held_back"]["reason"].startswith("change would keep 37 of")
    assert atlas("diff", KEY, "--pending", "--exit-code").exit_code == 3


def test_recording_the_change_clears_what_was_pending(held):
    """--force records the held change; then nothing is pending: exit 2, a clear message."""
    atlas("fetch")
    assert atlas("fetch", "--force").exit_code == 0
    assert not pending_file(held).exists()
    result = atlas("diff", KEY, "--pending")
    assert result.exit_code == 2
    assert f"nothing is held back for '{KEY}'" in result.output


def test_the_page_back_at_the_recorded_text_clears_what_was_pending(held, server):
    """A fetch that finds the recorded text again forgets the held-back change."""
    atlas("fetch")
    server.set("/policy", policy_html())
    assert atlas("fetch").exit_code == 0
    assert not pending_file(held).exists()


def test_pending_with_a_range_is_a_usage_error(held):
    """--pending compares with the held fetch only: --from is refused."""
    result = atlas("diff", KEY, "--pending", "--from", "@~1")
    assert result.exit_code == 2 and "--pending takes a TARGET" in result.output


def test_rm_forgets_what_was_pending(held):
    """`atlas rm` of a document with a held-back change leaves no pending file behind."""
    assert atlas("fetch").exit_code == 1
    assert pending_file(held).exists()
    assert atlas("rm", KEY).exit_code == 0
    assert not pending_file(held).exists()
