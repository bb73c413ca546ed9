"""Noise seen on real policy pages, reproduced on pages written for these tests.

Each case is a pair of versions of one page whose words are the same: `atlas fetch`
over the second must make no commit. A control pair with one changed word must.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()

INTRO = (
    "<p>These terms govern your access to and use of the services provided by Example Inc. "
    "Please read them carefully before you create an account or send any request.</p>"
)
CLAUSES = (
    "<p>You must keep your credentials secret and tell us at once about any misuse.</p>"
    "<p>We may suspend access that puts the services or other customers at risk.</p>"
    "<p>Either party may end these terms with thirty days of written notice.</p>"
)


def page(body: str, *, title: str = "Terms of Service") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<main><h1>{title}</h1>{INTRO}{body}{CLAUSES}</main>"
        "<footer>Example Inc.</footer></body></html>"
    )


# (id, old body, new body): the same words, different markup, spacing or punctuation.
SAME_WORDS = [
    (
        "heading-level",
        "<h2>Contact us</h2><p>Write to legal@example.com with any question.</p>",
        "<h3>Contact us</h3><p>Write to legal@example.com with any question.</p>",
    ),
    (
        "heading-to-bold-paragraph",
        "<h2>Acceptable use</h2><p>Do not use the services to send spam.</p>",
        "<p><strong>Acceptable use</strong></p><p>Do not use the services to send spam.</p>",
    ),
    (
        "space-before-colon",
        "<p>User Content :We collect the prompts and files that you upload.</p>",
        "<p>User Content:We collect the prompts and files that you upload.</p>",
    ),
    (
        "space-after-quote",
        '<p>By clicking "Agree" on the sign-up screen, you accept these terms.</p>',
        '<p>By clicking "Agree"on the sign-up screen, you accept these terms.</p>',
    ),
]


def fetch(*args: str):
    return runner.invoke(app, ["fetch", *args])


@pytest.fixture
def tracked(in_project, server):
    """A project tracking one document served by the local server at /terms."""
    in_project.write_sources({"acme": {"documents": {"terms": server.url("/terms")}}})
    return in_project


@pytest.mark.parametrize(
    ("old", "new"), [c[1:] for c in SAME_WORDS], ids=[c[0] for c in SAME_WORDS]
)
def test_same_words_make_no_commit(tracked, server, old, new):
    """A version whose words are unchanged (markup, spacing, punctuation) is not recorded."""
    server.set("/terms", page(old))
    assert fetch().exit_code == 0
    first = tracked.snapshot("acme/terms").read_text("utf-8")
    commits = tracked.commits()
    server.set("/terms", page(new))
    result = fetch("--json")
    assert result.exit_code == 0, result.output
    assert '"status": "unchanged"' in result.output
    assert tracked.commits() == commits
    assert tracked.snapshot("acme/terms").read_text("utf-8") == first


def test_changed_word_is_recorded(tracked, server):
    """The control: one changed word in the same page is a new version."""
    server.set("/terms", page("<p>Either party may end these terms at any time.</p>"))
    fetch()
    commits = tracked.commits()
    server.set("/terms", page("<p>Neither party may end these terms at any time.</p>"))
    result = fetch("--json")
    assert '"status": "changed"' in result.output
    assert len(tracked.commits()) == len(commits) + 1


def test_short_policy_behind_cloudflare_bot_management_is_recorded(tracked, server):
    """A short policy whose HTML carries Cloudflare's JS-detection script is the document."""
    script = (
        "<script>(function(){var a=document.createElement('script');"
        "a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
        "document.getElementsByTagName('head')[0].appendChild(a);})();</script>"
    )
    server.set("/terms", page("<p>Report security issues to security@example.com.</p>") + script)
    result = fetch("--json")
    assert result.exit_code == 0, result.output
    assert '"status": "new"' in result.output
