"""Guards: walls and error pages fail, a change removing most words is held."""

from __future__ import annotations

import pytest

from conductatlas_cli.snapshot.guards import check_page, check_shrink, page_title

POLICY = " ".join(
    f"Clause {i}. Operators must keep their products within this policy at all times."
    for i in range(80)
)

WALLS = [
    ("cloudflare", "Just a moment...\nEnable JavaScript and cookies to continue", b""),
    ("captcha", "Please complete the captcha below to continue to the site.", b""),
    ("access-denied", "Access Denied\nYou don't have permission to access this server.", b""),
    ("login", "Sign in to continue to your account.\nEmail\nPassword", b""),
    ("soft-404", "Page not found\nThe page you are looking for does not exist.", b""),
    ("server-error", "Something went wrong. Please try again later.", b""),
    (
        "raw-challenge",
        "One more step before you proceed to the site, thank you.",
        b"<html><script src='/cdn-cgi/challenge-platform/h/b/orchestrate'></script></html>",
    ),
    (
        "title-only",
        "Please wait while we check a few things about this visit to the site.",
        b"<html><head><title>Attention Required! | Cloudflare</title></head></html>",
    ),
]


@pytest.mark.parametrize("text, body", [(t, b) for _, t, b in WALLS], ids=[w[0] for w in WALLS])
def test_walls_and_error_pages_fail(text, body):
    """A bot wall, captcha, login wall or error page served with 200 is not a document."""
    assert check_page(text, body=body) is not None


def test_policy_mentioning_wall_words_passes():
    """A long policy that mentions 'access denied' and 'captcha' is still a document."""
    text = POLICY + " Access denied to accounts that break a captcha or show a 404 page."
    assert check_page(text, min_chars=200) is None


def test_empty_and_short_text_fail():
    """No text, or less than min_chars, fails with the reason."""
    assert check_page("   \n") == "the page has no text"
    assert "too short (5 characters, minimum 200)" in check_page("Hello", min_chars=200)


def test_shrink_holds_a_change_removing_most_words():
    """A new version keeping less than half the old words is held back."""
    reason = check_shrink(POLICY, POLICY[: len(POLICY) // 5])
    assert reason is not None and "--force" in reason


def test_shrink_allows_ordinary_edits():
    """Editing or adding clauses is not held back."""
    edited = POLICY.replace("at all times", "whenever they operate") + " A new clause."
    assert check_shrink(POLICY, edited) is None


def test_page_title():
    """The <title> is read from raw HTML, whitespace folded."""
    assert page_title(b"<html><title>\n Just a\n moment </title>") == "Just a moment"
    assert page_title(b"<p>no title</p>") == ""


def test_short_policy_behind_cloudflare_bot_management_passes():
    """A short real policy whose HTML carries Cloudflare's JS-detection script is a document."""
    text = (
        "# Disclosure policy\n\nWe welcome reports of security issues in our services. "
        "Report them to our security team and give us time to fix them before you publish."
    )
    body = (
        b"<html><head><title>Disclosure policy</title></head><body><main><h1>Disclosure policy"
        b"</h1><p>We welcome reports.</p></main><script>(function(){var a=document."
        b"createElement('script');a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
        b"document.getElementsByTagName('head')[0].appendChild(a);})();</script></body></html>"
    )
    assert check_page(text, body=body, min_chars=100) is None
    challenge = body.replace(b"scripts/jsd/main.js", b"h/g/orchestrate/chl_page/v1")
    assert check_page(text, body=challenge, min_chars=100) is not None
