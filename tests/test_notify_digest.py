"""The weekly digest: changes since a moment, per platform, from then to now; failing at the end."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
from alertkit import Bench
from receivers import receiver  # noqa: F401 (fixture)

from conductatlas_cli.archive.state import load_state
from conductatlas_cli.config.notify import build_target
from conductatlas_cli.notify import service
from conductatlas_cli.notify.digest import build_digest, digest_messages, render_digest

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=timezone.utc)


@pytest.fixture
def week(project, server):
    """v1 of three documents, then SINCE, then two changes of cohere's and openai/terms failing."""
    bench = Bench(project, server)
    bench.track(
        {
            "cohere/usage-policy": {"type": "Acceptable Use Policy"},
            "openai/terms": {"type": "Terms of Use"},
            "openai/usage": {"type": "Usage Policies"},
        },
        names={"cohere": "Cohere", "openai": "OpenAI"},
    )
    bench.fetch()
    time.sleep(1.1)  # versions are dated to the second
    since = datetime.now(timezone.utc).replace(microsecond=0)
    bench.publish("cohere/usage-policy", 60)
    bench.fetch()
    bench.publish("cohere/usage-policy", 90)
    bench.serve("openai/terms", "gone", status=404)
    bench.fetch()
    sources = bench.sources()
    with bench.archive() as archive:
        digest = build_digest(archive, sources, load_state(sources.state_dir), since=since)
    return bench, digest


def test_digest_compares_the_version_in_force_then_with_the_latest(week):
    """One entry per changed document: from the version in force at SINCE to the latest."""
    _, digest = week
    assert [g.platform for g in digest.groups] == ["cohere"]
    (event,) = digest.groups[0].events
    assert event.key == "cohere/usage-policy"
    assert event.stat == "1 section changed (+1 -1 words)"
    text = render_digest(digest, "text")
    assert "We keep API inputs for [-30-]{+90+} days" in text
    assert f"Versions: {event.from_commit[:10]} ({event.from_date:%Y-%m-%d}) → " in text


def test_digest_lists_failing_documents_at_the_end(week):
    """Documents failing now follow the changes, with their reason and failing-since."""
    _, digest = week
    text = render_digest(digest, "text")
    assert [e.key for e in digest.failing] == ["openai/terms"]
    assert text.index("Failing documents") > text.index("Cohere — Acceptable Use Policy")
    assert "Failed: HTTP 404 Not Found (failing since " in text
    assert text.splitlines()[0].endswith(": 1 document changed, 1 failing")


def test_digest_markdown_groups_by_platform(week):
    """Markdown: a heading per platform, a sub-heading per document."""
    _, digest = week
    text = render_digest(digest, "markdown")
    assert "\n## Cohere\n\n### Cohere — Acceptable Use Policy (cohere/usage-policy)\n" in text
    assert "\n## Failing documents\n\n### OpenAI — Terms of Use (openai/terms)\n" in text


def test_digest_json(week):
    """JSON: platforms → documents with from/to commits, the change summary; failing list."""
    _, digest = week
    data = json.loads(render_digest(digest, "json"))
    (platform,) = data["platforms"]
    (doc,) = platform["documents"]
    assert (platform["platform"], platform["name"], doc["key"]) == (
        "cohere",
        "Cohere",
        "cohere/usage-policy",
    )
    assert doc["from"] != doc["to"] and doc["summary"] == "1 section changed (+1 -1 words)"
    assert doc["changes"]["stats"]["sections_changed"] == 1
    assert [f["key"] for f in data["failing"]] == ["openai/terms"]


def test_digest_messages_apply_target_filters(week):
    """--notify: each target gets the part its filters keep; none when nothing is kept."""
    _, digest = week
    targets = [
        build_target({"url": "json://h/a"}, index=1),
        build_target({"url": "json://h/b", "platforms": ["openai"], "on": ["changed"]}, index=2),
        build_target({"url": "json://h/c", "on": ["failed"]}, index=3),
    ]
    messages = digest_messages(digest, targets, fmt_of=lambda t: "text")
    assert [m.target for m in messages] == [targets[0].id, targets[2].id]
    assert messages[0].title.endswith(": 1 document changed, 1 failing")
    assert messages[1].title.endswith(": no changes, 1 failing")
    assert "cohere" not in messages[1].body


def test_digest_notify_sends_through_the_outbox(week, receiver):  # noqa: F811
    """The digest is queued and sent like an alert (its title names the digest)."""
    bench, digest = week
    target = build_target({"url": receiver.url("json")})
    messages = digest_messages(digest, [target], fmt_of=service.default_format)
    (result,) = service.queue_and_send(bench.sources().state_dir, messages, [target])
    assert result.sent
    (got,) = receiver.wait_for(1)
    assert got.data["title"].startswith("atlas digest since ")
    assert "[-30-]{+90+}" in got.data["message"]
