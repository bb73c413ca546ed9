"""Delivery through apprise to real receivers: a local webhook and a local SMTP server."""

from __future__ import annotations

import time

from receivers import free_port, receiver, smtp  # noqa: F401 (fixtures)

from conductatlas_cli.config.notify import build_target
from conductatlas_cli.notify.deliver import send
from conductatlas_cli.notify.service import default_format

PASSWORD = "s3cret-pw"


def test_json_webhook_gets_title_and_body(receiver):  # noqa: F811
    """A json:// target receives one POST carrying the title and the body."""
    target = build_target({"url": receiver.url("json")})
    outcome = send(
        target,
        title="atlas: 1 document changed",
        body="~ 3. Data Retention\n  ~ [-30-]{+60+}",
        fmt="text",
    )
    assert outcome.sent and outcome.error is None
    (got,) = receiver.wait_for(1)
    assert got.path == "/hook"
    assert got.data["title"] == "atlas: 1 document changed"
    assert got.data["message"] == "~ 3. Data Retention\n  ~ [-30-]{+60+}"


def test_form_webhook_gets_title_and_body(receiver):  # noqa: F811
    """A form:// target receives a form POST with the same fields."""
    target = build_target({"url": receiver.url("form")})
    assert send(target, title="T", body="B", fmt="text").sent
    (got,) = receiver.wait_for(1)
    assert (got.data["title"], got.data["message"]) == ("T", "B")


def test_mail_over_plain_smtp_with_login_from_the_environment(smtp):  # noqa: F811
    """mailto:// logs in with the password from ${VAR} and delivers an HTML mail."""
    url = smtp.url(password="${SMTP_PASSWORD}")
    target = build_target({"url": url})
    body = "<p>We keep data for <del>30</del><ins>60</ins> days.</p>"
    outcome = send(target, title="atlas: 1 document changed", body=body, fmt="html",
                   env={"SMTP_PASSWORD": PASSWORD})  # fmt: skip
    assert outcome.sent, outcome.error
    ((sender, recipients, mail),) = smtp.wait_for(1)
    assert (sender, recipients) == ("atlas@example.org", ["legal@example.org"])
    assert mail["Subject"] == "atlas: 1 document changed"
    html = mail.get_body(("html",)).get_content()
    assert "<del>30</del><ins>60</ins>" in html
    assert smtp.logins == [("atlas", True)]


def test_mail_target_defaults_to_html_and_webhook_to_text():
    """Without `format`, a target gets what its service takes best (apprise says which)."""
    assert default_format(build_target({"url": "mailto://a:b@h?to=x@y.org"})) == "html"
    assert default_format(build_target({"url": "json://h/"})) == "text"
    assert default_format(build_target({"url": "slack://a/b/c"})) == "markdown"
    assert default_format(build_target({"url": "json://h/", "format": "markdown"})) == "markdown"


def test_receiver_down_is_a_failed_send():
    """Nobody listening: not sent, with a one-line reason."""
    target = build_target({"url": f"json://127.0.0.1:{free_port()}/hook", "timeout": 2})
    outcome = send(target, title="t", body="b", fmt="text")
    assert not outcome.sent
    assert "Connection error" in outcome.error and "\n" not in outcome.error


def test_slow_receiver_times_out(receiver):  # noqa: F811
    """A receiver slower than the target's timeout is a failed send, after about that long."""
    receiver.delay = 5
    target = build_target({"url": receiver.url("json"), "timeout": 0.5})
    started = time.monotonic()
    outcome = send(target, title="t", body="b", fmt="text")
    elapsed = time.monotonic() - started
    assert not outcome.sent
    assert "timed out" in outcome.error.lower()
    assert elapsed < 2.5


def test_receiver_answering_500_is_a_failed_send(receiver):  # noqa: F811
    """An HTTP 500 from the receiver is a failed send that says so."""
    receiver.status = 500
    outcome = send(build_target({"url": receiver.url("json")}), title="t", body="b", fmt="text")
    assert not outcome.sent
    assert "500" in outcome.error


def test_smtp_refusing_auth_is_a_failed_send_without_the_password(smtp):  # noqa: F811
    """An SMTP server refusing the login: not sent, the reason says so, the password is hidden."""
    smtp.refuse_auth = True
    target = build_target({"url": smtp.url(password="${SMTP_PASSWORD}"), "timeout": 5})
    outcome = send(target, title="t", body="b", fmt="text", env={"SMTP_PASSWORD": PASSWORD})
    assert not outcome.sent
    assert "535" in outcome.error
    assert PASSWORD not in outcome.error
    assert smtp.messages == []


def test_unknown_scheme_is_a_failed_send():
    """A URL apprise does not take fails the send, naming only the scheme."""
    outcome = send(build_target({"url": "nosuch://user:pw@host/"}), title="t", body="b", fmt="text")
    assert outcome == outcome.__class__(
        False, "the URL has the scheme 'nosuch', which apprise does not know"
    )
