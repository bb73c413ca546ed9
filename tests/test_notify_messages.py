"""Alert messages: one per target per run, filtered, with the provision-level summary."""

from __future__ import annotations

import pytest
from alertkit import Bench

from conductatlas_cli.archive.state import load_state
from conductatlas_cli.config.notify import Event, build_target
from conductatlas_cli.notify import archive_view as view
from conductatlas_cli.notify.events import DocumentEvent, document_title, select_events
from conductatlas_cli.notify.message import Message, merged, run_message

COMMIT_URL = "https://github.com/org/archive/commit/{commit}"
OPERATORS = ("5. Operators", "Operators must tell their end users that they talk to an AI system.")


@pytest.fixture
def run(project, server):
    """A second fetch: cohere's policy changed (30 → 60 days, a new clause), openai's fails."""
    bench = Bench(project, server)
    bench.track(
        {
            "cohere/usage-policy": {"type": "Acceptable Use Policy"},
            "openai/terms": {"type": "Terms of Use"},
        },
        names={"cohere": "Cohere", "openai": "OpenAI"},
    )
    bench.fetch()
    bench.publish("cohere/usage-policy", 60, extra=OPERATORS)
    bench.serve("openai/terms", "gone", status=404)
    report = bench.fetch()
    sources = bench.sources()
    with bench.archive() as archive:
        events = view.report_events(
            archive, sources, report, load_state(sources.state_dir), commit_url=COMMIT_URL
        )
    commit = next(d.commit for d in report.documents if d.key == "cohere/usage-policy")
    return events, commit


def test_text_message_names_documents_sections_and_words(run):
    """The text body: title and key, the stat line, the commit link, sections with word marks."""
    events, commit = run
    message = run_message(events, build_target({"url": "json://h/"}), fmt="text")
    assert message.title == "atlas: 1 document changed, 1 failed"
    body = message.body.replace(commit, "<sha>")
    since = next(e.failing_since for e in events if e.event == Event.FAILED)
    assert (
        body
        == (
            "Cohere — Acceptable Use Policy (cohere/usage-policy)\n"
            "Changed: 2 sections changed (+38 -1 words)\n"
            "Topics: data-retention\n"  # the commit's Atlas-Topics trailer (issue 13)
            "Commit: https://github.com/org/archive/commit/<sha>\n"
            "\n"
            "~ Acceptable Use Policy › 3. Data Retention\n"
            "  ~ We keep API inputs for [-30-]{+60+} days and then delete them.\n"
            "+ Acceptable Use Policy › 5. Operators\n"
            "  + Operators must tell their end users that they talk to an AI system.\n"
            "  + Each operator's end users must follow it too - without exception.\n"
            "  + This obligation continues for as long as the operator uses the services.\n"
            "\n"
            "OpenAI — Terms of Use (openai/terms)\n"
            f"Failed: HTTP 404 Not Found (failing since {since[:10]} {since[11:16]} UTC)\n"
        )
    )


def test_markdown_message_marks_words(run):
    """The Markdown body strikes removed words and bolds inserted ones, under section headings."""
    events, _ = run
    message = run_message(events, build_target({"url": "json://h/"}), fmt="markdown")
    assert "## Cohere — Acceptable Use Policy (cohere/usage-policy)" in message.body
    assert "### Modified: Acceptable Use Policy › 3. Data Retention" in message.body
    assert "- **Changed:** We keep API inputs for ~~30~~**60** days" in message.body
    assert "**Failed:** HTTP 404 Not Found" in message.body


def test_html_message_escapes_and_marks(run):
    """The HTML body uses <del>/<ins> for words and links the commit."""
    events, commit = run
    message = run_message(events, build_target({"url": "json://h/"}), fmt="html")
    assert "We keep API inputs for <del>30</del><ins>60</ins> days" in message.body
    assert f'<a href="https://github.com/org/archive/commit/{commit}">' in message.body


def test_platform_filter(run):
    """A target for one platform hears only about that platform's documents."""
    events, _ = run
    message = run_message(
        events, build_target({"url": "json://h/", "platforms": ["openai"]}), fmt="text"
    )
    assert message.title == "atlas: 1 failed"
    assert "cohere" not in message.body


def test_on_filter(run):
    """A target `on: [failed]` is not told about changes."""
    events, _ = run
    message = run_message(events, build_target({"url": "json://h/", "on": ["failed"]}), fmt="text")
    assert message.title == "atlas: 1 failed"


def test_nothing_matched_means_no_message(run):
    """When no event passes a target's filters, that target gets no message at all."""
    events, _ = run
    target = build_target({"url": "json://h/", "on": ["changed"], "platforms": ["openai"]})
    assert run_message(events, target, fmt="text") is None


def _event(key: str, event: Event, topics=()) -> DocumentEvent:
    platform = key.split("/")[0]
    return DocumentEvent(key, platform, platform, key, event, "x", topics=tuple(topics))


def test_topics_filter_keeps_matching_changes_and_all_failures():
    """A topics filter keeps changes touching those topics; failures always pass it."""
    events = [
        _event("a/x", Event.CHANGED, ["data-retention"]),
        _event("a/y", Event.CHANGED, ["minors"]),
        _event("a/z", Event.CHANGED),
        _event("b/w", Event.FAILED),
    ]
    target = build_target({"url": "json://h/", "topics": ["data-retention"]})
    assert [e.key for e in select_events(events, target)] == ["a/x", "b/w"]


def test_topics_and_watched_are_shown():
    """A change's topics and a watched provision are named in the message."""
    event = DocumentEvent(
        "a/x", "a", "A", "A — Terms", Event.CHANGED, "1 section changed (+1 -1 words)",
        topics=("training-on-user-data",), watched=True,
    )  # fmt: skip
    message = run_message([event], build_target({"url": "json://h/"}), fmt="text")
    assert "Topics: training-on-user-data (a watched provision changed)\n" in message.body


def test_document_title():
    """Titles come from the platform name and the document type, else the id as words."""
    assert document_title("Cohere", "Acceptable Use Policy", "usage-policy") == (
        "Cohere — Acceptable Use Policy"
    )
    assert document_title("Cohere", "", "usage-policy") == "Cohere — Usage Policy"


def _message(title: str, body: str, created: str) -> Message:
    return Message("id-" + created, "t", "fetch", created, title, body, "text")


def test_merged_message_leads_with_the_newest_and_marks_the_delayed():
    """Queued messages merge into one: the newest first, each earlier one headed 'Delayed'."""
    old = _message("atlas: 1 failed", "OLD BODY\n", "2026-11-23T06:17:00Z")
    new = _message("atlas: 1 document changed", "NEW BODY\n", "2026-11-24T06:17:00Z")
    title, body = merged([old, new])
    assert title == "atlas: 1 document changed (and 1 delayed message)"
    assert body == (
        "NEW BODY\n"
        "\n"
        "Delayed: atlas: 1 failed, from 2026-11-23 06:17 UTC\n"
        "===================================================\n"
        "\n"
        "OLD BODY\n"
    )


def test_held_back_change_says_why_and_how_to_record_it(project, server):
    """A held-back change is in the message with the guard's reason and the --force hint."""
    from test_cli_fetch import CLAUSES, policy_html

    bench = Bench(project, server)
    bench.track({"acme/terms": {"type": "Terms"}}, names={"acme": "Acme AI"})
    bench.fetch()
    bench.serve("acme/terms", policy_html(CLAUSES[:1], title="Terms"))
    report = bench.fetch()
    assert [d.status for d in report.documents] == ["held"]
    sources = bench.sources()
    with bench.archive() as archive:
        events = view.report_events(archive, sources, report, load_state(sources.state_dir))
    message = run_message(events, build_target({"url": "json://h/"}), fmt="text")
    assert message.title == "atlas: 1 held back"
    reason = report.documents[0].reason
    assert f"Held back: {reason}; 'atlas fetch --force' records it\n" in message.body
