"""`atlas mv OLD NEW` keeps a document's history, and a changed URL is reported as a moved source."""

from __future__ import annotations

import json

import pytest
from test_cli_fetch import CLAUSES, policy_html
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()

SOURCES = """\
# Tracked policies. Keep this comment.
platforms:
  acme:
    name: Acme AI   # the vendor
    documents:
      privacy: {url}   # moved here in 2026
      terms: {url}
"""


def atlas(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def two_versions(in_project, server):
    """acme/privacy recorded twice (a clause reworded in between), captures on."""
    url = server.set("/p", policy_html())
    (in_project.root / "sources.yaml").write_text(SOURCES.format(url=url))
    assert atlas("fetch", "acme/privacy").exit_code == 0
    reworded = [
        CLAUSES[0],
        ("2. Prohibited Uses", "You may not use the services for spam."),
        *CLAUSES[2:],
    ]
    server.set("/p", policy_html(reworded))
    assert atlas("fetch", "acme/privacy").exit_code == 0
    return in_project


def test_mv_moves_files_in_one_commit_and_keeps_comments(two_versions):
    """One commit renames snapshot and capture (git sees renames); sources.yaml keeps its text."""
    before = two_versions.commits()
    result = atlas("mv", "acme/privacy", "acme/privacy-policy")
    assert result.exit_code == 0, result.output
    head = two_versions.git("rev-parse", "--short=10", "HEAD").strip()
    assert (
        result.output
        == f"moved acme/privacy to acme/privacy-policy in {head}; sources.yaml updated\n"
    )
    assert len(two_versions.commits()) == len(before) + 1
    renames = two_versions.git("show", "-M", "--name-status", "--format=", "HEAD").split("\n")
    assert "R100\tsnapshots/acme/privacy.md\tsnapshots/acme/privacy-policy.md" in renames
    assert (
        "R100\tcaptures/acme/privacy/meta.json\tcaptures/acme/privacy-policy/meta.json" in renames
    )
    assert "Atlas-Renamed-From: acme/privacy" in two_versions.git("log", "-1", "--format=%B")
    text = (two_versions.root / "sources.yaml").read_text()
    assert "      privacy-policy: http" in text and " # moved here in 2026\n" in text
    assert text.startswith("# Tracked policies. Keep this comment.\n")
    assert text.index("privacy-policy:") < text.index("terms:")
    assert two_versions.snapshot("acme/privacy-policy").exists()
    assert not two_versions.snapshot("acme/privacy").exists()
    assert two_versions.git("status", "--porcelain", "--", "snapshots", "captures") == ""
    assert not (two_versions.root / "captures" / "acme" / "privacy").exists()


def test_history_follows_the_rename(two_versions, server):
    """`log NEW` and `diff NEW` show the versions recorded under OLD; the next fetch adds one."""
    atlas("mv", "acme/privacy", "acme/privacy-policy")
    log = atlas("log", "acme/privacy-policy", "--json")
    assert [e["summary"].split(" (")[0] for e in json.loads(log.stdout)] == [
        "1 section changed",
        "first snapshot",
    ]
    (two_versions.root / ".git" / "atlas" / "history.json").unlink()  # rebuilt from git alone
    assert len(json.loads(atlas("log", "acme/privacy-policy", "--json").stdout)) == 2
    assert atlas("log", "acme/privacy").exit_code == 2  # OLD is no longer a tracked key
    diff = atlas("diff", "acme/privacy-policy")
    assert diff.exit_code == 0 and "~ Usage Policy › 2. Prohibited Uses" in diff.output
    assert atlas("show", "acme/privacy-policy", "--at", "@~1", "--raw").exit_code == 0
    commits = two_versions.commits()
    fetched = atlas("fetch", "acme/privacy-policy", "--json")
    assert two_versions.commits() == commits  # nothing to restore: the move was atlas's own
    docs = {d["key"]: d for d in json.loads(fetched.stdout)["documents"]}
    assert docs["acme/privacy-policy"]["status"] == "unchanged"  # the state moved too
    assert docs["acme/privacy-policy"]["moved_from"] is None


def test_mv_refuses_like_add_and_changes_nothing(two_versions):
    """An unknown OLD, a tracked NEW or a bad key: exit 2, one line, nothing changed."""
    before = two_versions.commits()
    text = (two_versions.root / "sources.yaml").read_text()
    cases = [
        (("acme/nope", "acme/x"), "'acme/nope' is not in 'sources.yaml'"),
        (("acme/privacy", "acme/terms"), "'acme/terms' is already in 'sources.yaml'"),
        (
            ("acme/privacy", "Acme/X"),
            "'Acme/X' is not a document key (expected 'platform/document')",
        ),
    ]
    for args, message in cases:
        result = atlas("mv", *args)
        assert result.exit_code == 2 and f"atlas: error: {message}\n" in result.output
    assert two_versions.commits() == before
    assert (two_versions.root / "sources.yaml").read_text() == text


def test_mv_to_another_platform_keeps_the_platform_name(two_versions):
    """Moved to a new platform, the document keeps its platform's name there."""
    assert atlas("mv", "acme/privacy", "acme-ai/privacy").exit_code == 0
    text = (two_versions.root / "sources.yaml").read_text()
    assert "  acme-ai:\n    name: Acme AI\n    documents:\n      privacy: http" in text
    log = atlas("log", "acme-ai/privacy")
    assert log.output.startswith("Acme AI — privacy (acme-ai/privacy)\n")
    assert len(log.output.splitlines()) == 3


def test_a_changed_url_is_reported_and_recorded(two_versions, server):
    """A new URL: the fetch says the source moved (text and JSON); the next version's trailer has it."""
    new_url = server.set("/p2", policy_html(CLAUSES[:3] + [("4. Liability", "Nothing.")]))
    path = two_versions.root / "sources.yaml"
    old_url = server.url("/p")
    path.write_text(path.read_text().replace(f"privacy: {old_url}", f"privacy: {new_url}"))
    result = atlas("fetch", "acme/privacy", "--json")
    (doc,) = json.loads(result.stdout)["documents"]
    assert doc["moved_from"] == old_url and doc["url"] == new_url and doc["status"] == "changed"
    assert f"Atlas-Source: {new_url}\n" in two_versions.git("log", "-1", "--format=%B")
    assert (
        json.loads(atlas("fetch", "acme/privacy", "--json").stdout)["documents"][0]["moved_from"]
        is None
    )  # said once, on the run that found the move


def test_plain_report_says_the_source_moved(two_versions, server):
    """The plain report has 'source moved: OLD → NEW' under the document, also when unchanged."""
    new_url = server.set("/p2", server.routes["/p"].body)
    path = two_versions.root / "sources.yaml"
    old_url = server.url("/p")
    path.write_text(path.read_text().replace(f"privacy: {old_url}", f"privacy: {new_url}"))
    result = atlas("fetch", "acme/privacy")
    assert result.exit_code == 0, result.output
    assert f"source moved: {old_url} → {new_url}" in result.output.splitlines()[1]
