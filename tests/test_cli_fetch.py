"""`atlas fetch` end to end: a real local HTTP server, real extraction, real git."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import Page
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()

CLAUSES = [
    ("1. Scope", "This policy applies to every operator who builds on our API."),
    ("2. Prohibited Uses", "You may not use the services to generate malware or spam."),
    ("3. Data Retention", "We keep API inputs for 30 days and then delete them."),
    ("4. Liability", "Our liability is limited to the fees paid in the last 12 months."),
]


def policy_html(clauses=CLAUSES, *, title="Usage Policy", extra="", banner="") -> str:
    """A small policy page: nav, a cookie banner, main content with headings, footer."""
    body = "".join(
        f"<h2>{heading}</h2><p>{text} Each operator's end users must follow it too - without exception."
        f" This obligation continues for as long as the operator uses the services.</p>"
        for heading, text in clauses
    )
    return (
        f"<html><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a><a href='/pricing'>Pricing</a></nav>{banner}"
        f"<main><h1>{title}</h1>{body}{extra}</main>"
        "<footer>© Example Inc. All rights reserved.</footer></body></html>"
    )


def fetch(*args: str):
    return runner.invoke(app, ["fetch", *args])


@pytest.fixture
def tracked(in_project, server):
    """A project tracking one document served by the local server at /policy."""
    server.set("/policy", policy_html())
    in_project.write_sources({"acme": {"documents": {"usage-policy": server.url("/policy")}}})
    return in_project


def subjects(project) -> list[str]:
    return project.git("log", "--format=%s").splitlines()


def test_first_fetch_records_a_snapshot_commit(tracked):
    """The first fetch writes the snapshot and commits it with the spec's subject and trailers."""
    result = fetch()
    assert result.exit_code == 0, result.output
    text = tracked.snapshot("acme/usage-policy").read_text()
    assert "## 2. Prohibited Uses" in text
    assert "We keep API inputs for 30 days and then delete them." in text
    subject = subjects(tracked)[0]
    assert subject.startswith("acme/usage-policy: first snapshot (") and subject.endswith(" words)")
    message = tracked.git("log", "-1", "--format=%B")
    for trailer in (
        "Atlas-Title: acme — usage-policy",
        "Atlas-Source: http://127.0.0.1",
        "Atlas-Fetched-At: ",
        "Atlas-Content-SHA256: ",
        "Atlas-Extractor: atlas ",
    ):
        assert trailer in message
    assert tracked.git("show", "--name-only", "--format=", "HEAD").split() == [
        "captures/acme/usage-policy/meta.json",  # the body as served, kept as evidence
        "captures/acme/usage-policy/served.gz",
        "snapshots/acme/usage-policy.md",
    ]


def test_unchanged_page_makes_no_commit(tracked):
    """Fetching the same page again records nothing."""
    fetch()
    before = tracked.commits()
    result = fetch()
    assert result.exit_code == 0
    assert tracked.commits() == before


def test_changed_page_commits_only_its_path(tracked, server):
    """A real change is one commit naming the changed section, touching only that file."""
    fetch()
    changed = [
        c if c[0] != "3. Data Retention" else (c[0], c[1].replace("30 days", "60 days"))
        for c in CLAUSES
    ]
    server.set("/policy", policy_html(changed))
    result = fetch()
    assert result.exit_code == 0, result.output
    assert "60 days" in tracked.snapshot("acme/usage-policy").read_text()
    subject = subjects(tracked)[0]
    assert subject.startswith("acme/usage-policy: 1 section")
    assert "3. Data Retention" in tracked.git("log", "-1", "--format=%b")
    assert tracked.git("show", "--name-only", "--format=", "HEAD").split() == [
        "captures/acme/usage-policy/meta.json",  # the body as served, kept as evidence
        "captures/acme/usage-policy/served.gz",
        "snapshots/acme/usage-policy.md",
    ]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda h: h.replace("You may not", "You\u00a0may\u00a0not"), id="nbsp"),
        pytest.param(
            lambda h: h.replace("operator's", "operator’s").replace(" - ", " – "), id="quotes"
        ),
        pytest.param(
            lambda h: h.replace("<p>", "<p>\n   ").replace(". ", ".  \n "), id="whitespace"
        ),
        pytest.param(lambda h: h.replace("API", "A\u200bPI"), id="zero-width"),
        pytest.param(
            lambda h: h.replace(
                "<footer>", "<div id='cookie-banner'>We use cookies. Accept?</div><footer>"
            ),
            id="cookie-banner",
        ),
    ],
)
def test_noise_only_changes_make_no_commit(tracked, server, mutate):
    """Whitespace, typography, invisible characters and banners are not a new version."""
    fetch()
    before = tracked.commits()
    server.set("/policy", mutate(policy_html()))
    result = fetch()
    assert result.exit_code == 0, result.output
    assert tracked.commits() == before


def test_ignore_lines_are_noise(in_project, server):
    """A change confined to a line matching the document's `ignore` regex is not recorded."""
    extra = "<p>Last updated: March 3, 2026</p>"
    server.set("/policy", policy_html(extra=extra))
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "usage-policy": {"url": server.url("/policy"), "ignore": ["^Last updated: "]}
                }
            }
        }
    )
    fetch()
    before = in_project.commits()
    server.set("/policy", policy_html(extra="<p>Last updated: April 9, 2026</p>"))
    fetch()
    assert in_project.commits() == before


def test_ab_flip_does_not_commit_every_flip(tracked, server):
    """A page alternating between two versions records each at most once."""
    variant = [
        c if c[0] != "4. Liability" else (c[0], "Our liability is capped at one hundred dollars.")
        for c in CLAUSES
    ]
    fetch()
    for i in range(6):
        server.set("/policy", policy_html(variant if i % 2 == 0 else CLAUSES))
        fetch()
    assert len(tracked.commits("snapshots")) <= 2


def test_bot_wall_fails_and_keeps_the_snapshot(tracked, server):
    """A 'Just a moment…' page served with 200 fails; the last good snapshot stays."""
    fetch()
    good = tracked.snapshot("acme/usage-policy").read_text()
    server.set(
        "/policy",
        "<html><title>Just a moment...</title><body><p>Checking your browser before accessing the site. Enable JavaScript and cookies to continue.</p></body></html>",
    )
    result = fetch()
    assert result.exit_code == 1
    assert "acme/usage-policy" in result.output and "bot wall" in result.output
    assert tracked.snapshot("acme/usage-policy").read_text() == good


def test_shrunken_page_is_held_back_until_forced(tracked, server):
    """A change removing most of the words is held (exit 1); --force records it."""
    fetch()
    before = tracked.commits()
    server.set("/policy", policy_html(CLAUSES[:1]))
    result = fetch()
    assert result.exit_code == 1
    assert "held back" in result.output and "--force" in result.output
    assert tracked.commits() == before
    forced = fetch("--force")
    assert forced.exit_code == 0, forced.output
    assert len(tracked.commits()) == len(before) + 1


def test_one_failure_does_not_stop_the_others(in_project, server):
    """A 404 on one document fails that one; the other is still recorded; exit 1."""
    server.set("/policy", policy_html())
    in_project.write_sources(
        {
            "acme": {
                "documents": {"usage-policy": server.url("/policy"), "gone": server.url("/gone")}
            }
        }
    )
    result = fetch()
    assert result.exit_code == 1
    assert "HTTP 404" in result.output
    assert in_project.snapshot("acme/usage-policy").exists()
    assert not in_project.snapshot("acme/gone").exists()


def test_quiet_prints_nothing_when_nothing_changed(tracked):
    """-q is silent when nothing changed and nothing failed."""
    fetch()
    result = fetch("-q")
    assert result.exit_code == 0
    assert result.output == ""


def test_quiet_reports_changes(tracked, server):
    """-q still reports a change."""
    result = fetch("-q")
    assert "new" in result.output and "acme/usage-policy" in result.output


def test_json_report(tracked):
    """--json prints one report: per document status, words, commit; counts; exit code."""
    result = fetch("--json")
    report = json.loads(result.stdout)
    (doc,) = report["documents"]
    assert doc["key"] == "acme/usage-policy" and doc["status"] == "new"
    assert doc["words"] > 50 and doc["words_added"] == doc["words"] and doc["words_removed"] == 0
    assert doc["commit"] == tracked.git("rev-parse", "HEAD").strip()
    assert report["counts"]["new"] == 1 and report["exit_code"] == 0


def test_dry_run_writes_nothing(tracked):
    """--dry-run reports what would change but writes no file, commit or state."""
    before = tracked.commits()
    result = fetch("--dry-run")
    assert result.exit_code == 0
    assert "new" in result.output
    assert tracked.commits() == before
    assert not tracked.snapshot("acme/usage-policy").exists()
    assert not (tracked.root / ".atlas" / "state.json").exists()


def test_conditional_request_304_is_unchanged(in_project, server):
    """The ETag is kept; the next fetch sends If-None-Match and a 304 records nothing."""
    server.routes["/policy"] = [
        Page(body=policy_html(), headers={"ETag": '"v1"'}),
        Page(status=304, headers={"ETag": '"v1"'}),
    ]
    in_project.write_sources({"acme": {"documents": {"usage-policy": server.url("/policy")}}})
    fetch()
    before = in_project.commits()
    result = fetch()
    assert result.exit_code == 0, result.output
    assert server.requests[-1][2].get("If-None-Match") == '"v1"'
    assert in_project.commits() == before


def test_unrelated_staged_change_stays_staged(tracked):
    """A file the user staged is neither committed nor unstaged by a fetch."""
    (tracked.root / "notes.txt").write_text("mine\n")
    tracked.git("add", "notes.txt")
    fetch()
    assert "notes.txt" not in tracked.git("show", "--name-only", "--format=", "HEAD")
    assert "A  notes.txt" in tracked.git("status", "--porcelain")


def test_no_git_identity_uses_conductatlas(tracked):
    """Without a configured identity commits are by ConductAtlas <atlas@localhost>."""
    tracked.git("config", "--unset", "user.name")
    tracked.git("config", "--unset", "user.email")
    fetch()
    assert (
        tracked.git("log", "-1", "--format=%an <%ae>").strip() == "ConductAtlas <atlas@localhost>"
    )


def test_cron_environment_without_home(tracked):
    """Under cron's bare environment (no HOME, minimal PATH) fetch works as a real process."""
    tracked.git("config", "--unset", "user.name")
    tracked.git("config", "--unset", "user.email")
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "conductatlas_cli", "fetch", "-q"],
        cwd=tracked.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert tracked.snapshot("acme/usage-policy").exists()
    assert "Traceback" not in proc.stderr


def test_lock_held_exits_75(tracked):
    """While another fetch holds the lock, a second one exits 75 with a clear message."""
    from conductatlas_cli.archive.archive import Archive
    from conductatlas_cli.config.load import load_sources

    sources = load_sources(tracked.root / "sources.yaml")
    with Archive.from_sources(sources).lock():
        result = fetch()
    assert result.exit_code == 75
    assert "another 'atlas fetch' is running" in result.output


def test_bad_config_exits_2_and_writes_nothing(in_project, server):
    """An invalid sources.yaml is exit 2, one line naming file:line, nothing fetched."""
    (in_project.root / "sources.yaml").write_text(
        f"platforms:\n  acme:\n    documents:\n      x: {server.url('/policy')}\n      x: {server.url('/policy')}\n"
    )
    result = fetch()
    assert result.exit_code == 2
    assert "sources.yaml:5: duplicate key 'x'" in result.output
    assert server.hits["/policy"] == 0
    assert not (in_project.root / "snapshots").exists()


def test_an_unchanged_document_says_why(tracked, server):
    """--json: an unchanged document's reason says whether the server said 304 or sent the
    same body."""
    assert fetch().exit_code == 0
    same = json.loads(fetch("--json").stdout)["documents"][0]
    assert (same["status"], same["reason"]) == ("unchanged", "same body as last fetch")
    server.set("/policy", policy_html(), headers={"ETag": '"v1"'})
    fetch()  # the validator is kept once this body is accepted
    server.routes["/policy"] = lambda handler: (
        handler.send_response(304),
        handler.send_header("Content-Length", "0"),
        handler.end_headers(),
    )
    not_modified = json.loads(fetch("--json").stdout)["documents"][0]
    assert (not_modified["status"], not_modified["reason"]) == ("unchanged", "not modified (304)")
