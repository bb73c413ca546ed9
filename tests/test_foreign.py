"""Commits made outside atlas never lose a snapshot: fetch restores it in one repair commit."""

from __future__ import annotations

import subprocess
import time

from test_cli_fetch import policy_html
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()


def _fetch():
    result = runner.invoke(app, ["fetch"])
    return result


def _two_documents(in_project, server):
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "policy": {"url": server.set("/policy", policy_html())},
                    "terms": {"url": server.set("/terms", policy_html(title="Terms"))},
                }
            }
        }
    )


def test_a_user_commit_that_dropped_a_snapshot_is_repaired(in_project, server):
    """A plain `git commit` from an index without a snapshot: the next fetch restores it."""
    _two_documents(in_project, server)
    assert _fetch().exit_code == 0
    in_project.git("rm", "-q", "--cached", "snapshots/acme/policy.md")
    in_project.git("commit", "-qm", "user note 175")
    result = _fetch()
    assert result.exit_code == 0, result.output
    assert "restored them in" in result.stderr
    assert "acme/policy" in in_project.git("ls-tree", "-r", "--name-only", "HEAD")
    subject, body = in_project.git("log", "-1", "--format=%s%n%b").split("\n", 1)
    assert subject == "atlas: restore 1 snapshot(s) a commit made outside atlas dropped"
    assert "acme/policy (version " in body and "Atlas-Repair:" in body
    log = runner.invoke(app, ["log"]).output
    assert "user note" not in log and "restore" not in log
    assert len(log.splitlines()) == 2
    assert in_project.git("status", "--porcelain", "snapshots") == ""


def test_a_user_commit_that_put_an_older_text_back_is_repaired(in_project, server):
    """A commit whose tree holds an older version than atlas's latest: restored at fetch."""
    _two_documents(in_project, server)
    _fetch()
    server.set("/policy", policy_html(extra="<p>" + "A new clause on data retention. " * 5))
    _fetch()
    latest = in_project.snapshot("acme/policy").read_text()
    old = in_project.git("show", "HEAD~1:snapshots/acme/policy.md")
    in_project.snapshot("acme/policy").write_text(old)
    in_project.git("commit", "-qam", "user note")
    assert _fetch().exit_code == 0
    assert in_project.git("show", "HEAD:snapshots/acme/policy.md") == latest
    assert in_project.snapshot("acme/policy").read_text() == latest


def test_a_commit_made_during_a_fetch_is_repaired_before_it_ends(in_project, server):
    """A user commit between two of atlas's commits that drops one: restored in the same run."""
    root = in_project.root

    def terms(handler):
        # Wait for the policy's version, then commit its removal as a user would.
        for _ in range(200):
            done = subprocess.run(
                ["git", "ls-tree", "--name-only", "-r", "HEAD"],
                cwd=root,
                capture_output=True,
                text=True,
            ).stdout
            if "acme/policy.md" in done:
                break
            time.sleep(0.05)
        subprocess.run(["git", "rm", "-q", "--cached", "snapshots/acme/policy.md"], cwd=root)
        subprocess.run(["git", "commit", "-qm", "user work"], cwd=root)
        body = policy_html(title="Terms").encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.routes["/terms"] = terms
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "policy": {"url": server.set("/policy", policy_html())},
                    "terms": {"url": server.url("/terms")},
                }
            }
        },
        settings={"jobs": 1, "per_host": 1},
    )
    result = _fetch()
    assert result.exit_code == 0, result.output
    files = in_project.git("ls-tree", "-r", "--name-only", "HEAD").split()
    assert "snapshots/acme/policy.md" in files and "snapshots/acme/terms.md" in files
