"""Notification targets: validation, `${VAR}` expansion, redaction, URL checks via apprise."""

from __future__ import annotations

import pytest

from conductatlas_cli.config.notify import (
    DEFAULT_ON,
    Event,
    Target,
    build_target,
    target_problems,
)
from conductatlas_cli.notify.targets import NotifyError, expand, redact, url_problems

PROBLEM_CASES = [
    ({"url": "json://127.0.0.1/hook"}, []),
    ({}, [(None, "a notify target has no 'url'")]),
    ({"url": ["a", "b"]}, [("url", "a notify target's 'url' must be a string")]),
    (
        {"url": "127.0.0.1/hook"},
        [("url", "the notify URL has no scheme (an apprise URL such as mailto://… or json://…)")],
    ),
    (
        {"url": "json://h/x y"},
        [("url", "the notify URL contains spaces or control characters")],
    ),
    (
        {"url": "json://u:${1BAD}@h/"},
        [("url", "'${1BAD}' in the notify URL is not a variable name")],
    ),
    ({"url": "json://u:${OPEN@h/"}, [("url", "the notify URL has a '${' without a closing '}'")]),
    (
        {"url": "json://h/", "on": ["changed", "deleted"]},
        [("on", "unknown event 'deleted' in 'on' (known: new, changed, failed, held)")],
    ),
    (
        {"url": "json://h/", "on": []},
        [("on", "'on' must be a list of: new, changed, failed, held")],
    ),
    (
        {"url": "json://h/", "platforms": ["Open AI"]},
        [("platforms", "'Open AI' in 'platforms' is not an id (a slug)")],
    ),
    (
        {"url": "json://h/", "format": "pdf"},
        [("format", "unknown format 'pdf' (choose from text, markdown, html)")],
    ),
    (
        {"url": "json://h/", "timeout": "0"},
        [("timeout", "'timeout' must be a number of seconds above 0")],
    ),
    (
        {"url": "json://h/", "when": "always"},
        [
            (
                "when",
                "unknown key 'when' in a notify target (known: format, on, platforms, timeout, "
                "topics, url)",
            )
        ],
    ),
]


@pytest.mark.parametrize(("fields", "expected"), PROBLEM_CASES)
def test_target_problems_name_the_field(fields, expected):
    """Each bad field of a notify entry is one problem naming that field (for its line)."""
    assert target_problems(fields) == expected


def test_unknown_platform_in_filter_is_a_problem():
    """A `platforms` filter naming a platform that sources.yaml does not have is an error."""
    problems = target_problems(
        {"url": "json://h/", "platforms": ["openai", "nimbus"]}, platforms=frozenset({"openai"})
    )
    assert problems == [("platforms", "platform 'nimbus' in 'platforms' is not in 'platforms:'")]


def test_build_target_defaults():
    """Without `on`, a target hears about changes, failures and held-back changes, not new ones."""
    target = build_target({"url": "json://127.0.0.1/hook"}, index=3, line=12)
    assert target.on == DEFAULT_ON == {Event.CHANGED, Event.FAILED, Event.HELD}
    assert (target.format, target.platforms, target.topics) == (None, (), ())
    assert target.label == "notify #3 (json)"


def test_expand_replaces_variables_from_the_environment():
    """`${VAR}` is replaced by the variable's value, verbatim."""
    target = Target(url="mailto://atlas:${SMTP_PASSWORD}@smtp.example.org?to=legal@example.org")
    url, secrets = expand(target, {"SMTP_PASSWORD": "pa55word"})
    assert url == "mailto://atlas:pa55word@smtp.example.org?to=legal@example.org"
    assert "pa55word" in secrets


def test_missing_variable_is_named():
    """An unset variable is an error that names it (and nothing of the URL)."""
    target = Target(url="slack://${SLACK_A}/${SLACK_B}/fixed-part", index=2)
    with pytest.raises(NotifyError) as caught:
        expand(target, {"SLACK_A": "x"})
    assert str(caught.value) == "notify #2 (slack): environment variable 'SLACK_B' not set"


def test_redact_hides_password_tokens_and_values():
    """Redaction removes the password, path tokens, query values and the variables' values."""
    target = Target(url="json://user:${PW}@hooks.example.org/T0KEN-123456/abc?key=${KEY}")
    url, secrets = expand(target, {"PW": "hunter22", "KEY": "k-987654"})
    text = f"failed to post to {url} (password hunter22, key k-987654, token T0KEN-123456)"
    shown = redact(text, secrets)
    for secret in ("hunter22", "k-987654", "T0KEN-123456", url):
        assert secret not in shown
    assert "failed to post to ***" in shown


def test_label_never_shows_the_url():
    """A target is shown by position and scheme only, whatever its URL holds."""
    target = Target(url="discord://123456789/SECRET-WEBHOOK-TOKEN", index=1)
    assert target.label == "notify #1 (discord)"
    assert "SECRET" not in target.label and "123456789" not in target.label


def test_url_problems_accepts_a_known_scheme():
    """`atlas check`'s URL test passes a well-formed apprise URL without sending anything."""
    assert url_problems(Target(url="json://127.0.0.1:9/hook")) == []


def test_url_problems_names_an_unknown_scheme():
    """A scheme apprise does not know is named, with the target, never the URL."""
    problems = url_problems(Target(url="bogus://user:secret-pw@host/path", index=4))
    assert problems == [
        "notify #4 (bogus)'s URL has the scheme 'bogus', which apprise does not know"
    ]


def test_url_problems_reports_a_bad_url_redacted():
    """A URL apprise rejects (a Slack URL with one token) is reported without its secrets."""
    problems = url_problems(Target(url="slack://${TOKEN}", index=1), env={"TOKEN": "t0ken-secret1"})
    assert len(problems) == 1
    assert problems[0].startswith("notify #1 (slack)'s URL is not a valid slack:// URL: ")
    assert "t0ken-secret1" not in problems[0]


def test_url_problems_names_a_missing_variable():
    """`atlas check` names a variable the environment does not set."""
    problems = url_problems(Target(url="mailto://a:${SMTP_PASSWORD}@h?to=x@y.org"), env={})
    assert problems == ["notify #1 (mailto): environment variable 'SMTP_PASSWORD' not set"]
