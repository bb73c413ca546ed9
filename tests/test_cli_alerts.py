"""The alert commands end to end: check, fetch with alerts, notify --test, digest, feed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml
from alertkit import Bench
from receivers import free_port, receiver, smtp  # noqa: F401 (fixtures)
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()
KEY = "acme/usage-policy"
CHANGE = "We keep API inputs for [-30-]{+60+} days and then delete them."
COMMIT_URL = "https://github.com/org/archive/commit/{commit}"


def atlas(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def bench(in_project, server):
    return Bench(in_project, server)


def write_notify(bench, notify, **settings) -> None:
    bench.track({KEY: {"type": "Usage Policy"}}, names={"acme": "Acme AI"}, notify=notify,
                settings=settings or None)  # fmt: skip


# -- atlas check ---------------------------------------------------------------------------


def test_check_names_the_line_of_a_bad_notify_entry(bench):
    """A bad notify entry is exit 2 with one line per problem, each naming its line."""
    write_notify(bench, [{"url": "json://127.0.0.1/hook", "on": ["deleted"], "colour": "red"}])
    lines = (bench.project.root / "sources.yaml").read_text().splitlines()
    on_line = next(i for i, line in enumerate(lines, 1) if line.strip() == "'on':")
    colour_line = next(i for i, line in enumerate(lines, 1) if "colour" in line)
    result = atlas("check")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"atlas: error: sources.yaml:{on_line}: notify target 1: unknown event 'deleted' in 'on' "
        "(known: new, changed, failed, held)",
        f"atlas: error: sources.yaml:{colour_line}: notify target 1: unknown key 'colour' in a "
        "notify target (known: format, on, platforms, timeout, topics, url)",
    ]


def test_check_names_a_missing_variable_and_an_unknown_scheme(bench):
    """`atlas check` names an unset ${VAR} and a scheme apprise does not know; sends nothing."""
    write_notify(
        bench,
        [{"url": "mailto://atlas:${ATLAS_NO_SUCH_VAR}@smtp.example.org?to=a@example.org"},
         {"url": "nosuch://user:hunter22@host/"}],
    )  # fmt: skip
    result = atlas("check")
    assert result.exit_code == 2
    assert "environment variable 'ATLAS_NO_SUCH_VAR' not set" in result.stderr
    assert "notify #2 (nosuch)'s URL has the scheme 'nosuch'" in result.stderr
    assert "hunter22" not in result.stderr


def test_check_accepts_good_targets(bench, receiver):  # noqa: F811
    """Well-formed targets with their variables set pass `atlas check`, and nothing is sent."""
    write_notify(bench, [{"url": receiver.url("json")}], commit_url=COMMIT_URL)
    result = atlas("check")
    assert result.exit_code == 0, result.output
    time.sleep(0.2)
    assert receiver.received == []


# -- atlas fetch ---------------------------------------------------------------------------


def test_fetch_sends_the_change_and_reports_it_in_json(bench, receiver):  # noqa: F811
    """`atlas fetch --json`: the change reaches the target; the report lists the notification."""
    write_notify(bench, [{"url": receiver.url("json"), "format": "text"}], commit_url=COMMIT_URL)
    assert atlas("fetch", "-q").exit_code == 0
    bench.publish(KEY, 60)
    result = atlas("fetch", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["notifications"] == [
        {"target": "notify #1 (json)", "sent": True, "error": None, "delayed": 0}
    ]
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: 1 document changed"
    commit = data["documents"][0]["commit"]
    assert f"Commit: https://github.com/org/archive/commit/{commit}" in got.data["message"]
    assert CHANGE in got.data["message"]


def test_failed_delivery_warns_exits_1_and_is_sent_next_run(bench, receiver):  # noqa: F811
    """An unreachable target: one warning line, exit 1; the next run delivers it, delayed."""
    write_notify(bench, [{"url": receiver.url("json")}])
    atlas("fetch", "-q")
    receiver.status = 500
    bench.publish(KEY, 60)
    result = atlas("fetch", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["exit_code"] == 1 and data["notifications"][0]["sent"] is False
    (warning,) = result.stderr.splitlines()
    assert warning.startswith("atlas: warning: notify #1 (json): not delivered (")
    assert warning.endswith("; queued for the next run")
    receiver.status = 200
    result = atlas("fetch", "-q")
    assert result.exit_code == 0, result.output
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: 1 document changed (delayed)"


def test_dry_run_sends_nothing(bench, receiver):  # noqa: F811
    """`atlas fetch --dry-run` records nothing and sends nothing."""
    write_notify(bench, [{"url": receiver.url("json"), "on": ["new", "changed"]}])
    result = atlas("fetch", "--dry-run", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["notifications"] == []
    time.sleep(0.2)
    assert receiver.received == []
    assert not (bench.project.root / ".atlas" / "outbox.json").exists()


def test_fetch_feed_refreshes_the_feeds(bench):
    """`atlas fetch --feed DIR` writes the Atom feeds after recording."""
    write_notify(bench, None)
    result = atlas("fetch", "-q", "--feed", "public")
    assert result.exit_code == 0, result.output
    feed = (bench.project.root / "public" / "acme.atom").read_text()
    assert "<title>Acme AI — Usage Policy: first snapshot</title>" in feed


def test_secrets_stay_out_of_output_state_outbox_and_history(bench, smtp):  # noqa: F811
    """The SMTP password from ${VAR} is in no output, state, outbox or commit."""
    secret = smtp.password
    write_notify(bench, [{"url": smtp.url(password="${ATLAS_SMTP_PW}"), "on": ["new", "changed"]}])
    smtp.refuse_auth = True
    result = atlas("fetch", "--json", env={"ATLAS_SMTP_PW": secret})
    assert result.exit_code == 1
    assert "535" in json.loads(result.stdout)["notifications"][0]["error"]
    smtp.refuse_auth = False
    assert atlas("fetch", "-q", env={"ATLAS_SMTP_PW": secret}).exit_code == 0
    (mail,) = smtp.wait_for(1)
    assert "(delayed)" in mail[2]["Subject"]
    root = bench.project.root
    stored = [p.read_text() for p in (root / ".atlas").glob("*.json")]
    history = bench.project.git("log", "-p", "--all")
    for text in [result.stdout, result.stderr, history, *stored]:
        assert secret not in text and "ATLAS_SMTP_PW" not in text


# -- atlas notify, digest, feed --------------------------------------------------------------


def test_notify_test_sends_a_test_message(bench, receiver):  # noqa: F811
    """`atlas notify --test` sends a test message to every target and says so."""
    write_notify(bench, [{"url": receiver.url("json")}])
    result = atlas("notify", "--test")
    assert result.exit_code == 0, result.output
    assert result.stdout == "notify #1 (json): sent\n"
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: test message"


def test_notify_sends_what_is_queued(bench, receiver):  # noqa: F811
    """`atlas notify` sends queued alerts now, and says when nothing is queued."""
    write_notify(bench, [{"url": receiver.url("json")}])
    atlas("fetch", "-q")
    assert atlas("notify").stdout == "nothing queued\n"
    receiver.status = 500
    bench.publish(KEY, 60)
    assert atlas("fetch", "-q").exit_code == 1
    receiver.status = 200
    result = atlas("notify")
    assert result.exit_code == 0, result.output
    assert result.stdout == "notify #1 (json): sent (with 1 delayed)\n"
    (got,) = receiver.wait_for(1)
    assert got.data["title"] == "atlas: 1 document changed (delayed)"


def test_notify_test_reports_an_unreachable_target(bench):
    """A test message that cannot be delivered is a line saying why, and exit 1."""
    write_notify(bench, [{"url": f"json://127.0.0.1:{free_port()}/hook", "timeout": 2}])
    result = atlas("notify", "--test")
    assert result.exit_code == 1
    assert result.stdout.startswith("notify #1 (json): not delivered (A Connection error")


def test_digest_prints_and_sends(bench, receiver):  # noqa: F811
    """`atlas digest` prints the digest; `--notify` sends it to the targets."""
    write_notify(bench, [{"url": receiver.url("json"), "on": ["new", "changed", "failed"]}])
    atlas("fetch", "-q")
    result = atlas("digest", "--since", "2000-01-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("atlas digest since 2000-01-01 00:00 UTC: 1 new document\n")
    assert "Acme AI — Usage Policy (acme/usage-policy)" in result.stdout
    data = json.loads(atlas("digest", "--since", "2000-01-01", "--format", "json").stdout)
    assert data["platforms"][0]["documents"][0]["key"] == KEY
    result = atlas("digest", "--since", "2000-01-01", "--notify")
    assert result.stdout == "notify #1 (json): sent\n"
    got = receiver.wait_for(2)
    assert got[-1].data["title"] == "atlas digest since 2000-01-01 00:00 UTC: 1 new document"


def test_digest_refuses_a_bad_since(bench):
    """A --since that is not a date or a span is exit 2 naming it."""
    write_notify(bench, None)
    result = atlas("digest", "--since", "last tuesday")
    assert result.exit_code == 2
    assert "'last tuesday' is not a date" in result.stderr


def test_feed_writes_the_feeds(bench):
    """`atlas feed DIR` writes feed.atom and one feed per platform, and lists them."""
    write_notify(bench, None)
    atlas("fetch", "-q")
    result = atlas("feed", "out")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["out/feed.atom", "out/acme.atom"]


# -- kill -9 of a real `atlas fetch` ---------------------------------------------------------


def test_kill_9_of_atlas_fetch_during_the_send_loses_nothing(bench, receiver):  # noqa: F811
    """kill -9 of `atlas fetch` while its alert is being sent: the next fetch delivers it."""
    write_notify(bench, [{"url": receiver.url("json")}])
    assert atlas("fetch", "-q").exit_code == 0
    bench.publish(KEY, 60)
    receiver.hold.clear()
    proc = subprocess.Popen(
        [sys.executable, "-m", "conductatlas_cli", "fetch", "-q"],
        cwd=bench.project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while receiver.started == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    receiver.hold.set()
    result = atlas("fetch", "-q")
    assert result.exit_code == 0, result.output
    got = receiver.wait_for(2)
    assert all(CHANGE in item.data["message"] for item in got) and len(got) == 2
    outbox = yaml.safe_load((bench.project.root / ".atlas" / "outbox.json").read_text())
    assert outbox["messages"] == []
