"""Guards: walls, error pages and consent dialogs fail; a change losing most content is held."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conductatlas_cli.cli import app
from conductatlas_cli.snapshot.guards import check_page, check_shrink, page_title

runner = CliRunner()

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


def test_shrink_holds_a_truncation():
    """A new version that is a fifth of the old one, all of it old text, is held back."""
    reason = check_shrink(POLICY, POLICY[: len(POLICY) // 5])
    assert reason is not None and "--force" in reason
    assert reason.startswith("change would keep 209 of the document's 1040 words")


def test_shrink_never_holds_growth_or_a_shorter_rewrite():
    """Growing, replacing a short version with a longer one, or a shorter rewrite is recorded."""
    assert check_shrink(POLICY[:400], POLICY) is None
    rewrite = " ".join(f"Rule {i}: products stay within the new policy." for i in range(45))
    assert check_shrink(POLICY, rewrite) is None
    assert check_shrink(CONSENT_DIALOG, POLICY) is None


def test_shrink_compares_with_the_largest_recent_version():
    """A slow shrink is held once it has lost most of the largest recent version."""
    step = POLICY[: len(POLICY) * 55 // 100]
    assert check_shrink(POLICY, step) is None
    smaller = step[: len(step) * 55 // 100]
    assert check_shrink(step, smaller) is None
    reason = check_shrink(step, smaller, peak_words=1040)
    assert reason is not None and "1040 words at its largest recent version" in reason


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


REFUND = (
    "# Refund policy\n\nYou can ask for a refund of any annual plan within fourteen days of "
    "paying for it.\nMonthly plans are not refunded, but you can cancel them at any time and keep "
    "access until the end of the month you paid for.\nTo ask for a refund, write to "
    "billing@example.com from the address on your account and give the date of the payment.\n"
    "We answer every request within five working days.\nRefunds go back to the card or account "
    "you paid with, and banks may take up to ten days to show them.\n"
)


@pytest.mark.parametrize(
    "sentence",
    [
        "A cancellation fee of $404 applies to enterprise plans.",
        "Records are kept as Section 404 of the Sarbanes-Oxley Act requires.",
        "If something went wrong with a payment, tell us.",
        "Where an error occurred in billing, we refund the difference.",
        "Sign in to view your invoices and the refunds made to you.",
        "If your session has expired during a payment, no charge is made.",
    ],
)
def test_short_policy_with_wall_phrases_is_a_document(sentence):
    """A ~100-word policy mentioning an error, a login or a 404 in a sentence is a document."""
    body = b"<html><head><title>Refund policy</title></head></html>"
    assert check_page(REFUND + sentence + "\n", body=body, min_chars=200) is None


def test_wall_recognised_by_its_title_or_first_heading():
    """A short page titled or headed like an error or login page fails, naming it."""
    body = b"<html><head><title>Page not found | Example</title></head></html>"
    assert "error page" in check_page("We looked everywhere.\nGo to the home page.", body=body)
    assert "login wall" in check_page("# Sign in\n\nEmail\n\nPassword\n\nForgot password?")


CONSENT_DIALOG = """# Allow the use of cookies from Example on this browser?

We use cookies and similar technologies to help provide and improve content on Example Products.
We also use them to provide a safer experience by using information we receive from cookies on and off Example, and to provide and improve Example Products for people who have an account.

Essential cookies: These cookies are required to use Example Products and are necessary for our sites to work as intended.

Cookies from other companies: We use these cookies to show you ads off of Example Products and to provide features like maps and videos on Example Products.
These cookies are optional.

You have control over the optional cookies we use.
Learn more about cookies and how we use them, and review or change your choices at any time in our Cookie Policy.

About cookies

What are cookies?

Cookies are small pieces of text used to store information on web browsers.

Why do we use cookies?

Cookies help us provide, protect and improve Example Products, such as by personalising content, tailoring and measuring ads, and providing a safer experience.

Allow all cookies

Decline optional cookies
"""


def test_consent_dialog_fails_as_a_consent_wall():
    """A page that is mostly a cookie dialog with its buttons fails, in one line."""
    reason = check_page(CONSENT_DIALOG, body=b"<title>Example</title>", min_chars=200)
    assert reason == "looks like a cookie consent dialog, not the document ('Example')"


def test_short_cookie_policy_is_a_document():
    """A short cookie policy, without the dialog's buttons, is a document."""
    policy = CONSENT_DIALOG.replace("Allow all cookies\n\nDecline optional cookies\n", "")
    assert check_page(policy, min_chars=200) is None


def test_consent_dialog_is_not_recorded_on_a_first_fetch(in_project, server):
    """A first fetch that gets the consent dialog fails; the real policy is then recorded."""
    in_project.write_sources({"acme": {"documents": {"privacy": server.url("/p")}}})
    html = "<html><head><title>Example</title></head><body><main>{}</main></body></html>"
    dialog = "".join(
        f"<h1>{line[2:]}</h1>" if line.startswith("# ") else f"<p>{line}</p>"
        for line in CONSENT_DIALOG.split("\n")
        if line
    )
    server.set("/p", html.format(dialog))
    first = json.loads(runner.invoke(app, ["fetch", "--json"]).output)["documents"][0]
    assert first["status"] == "failed" and "cookie consent dialog" in first["reason"]
    assert not in_project.snapshot("acme/privacy").exists()
    policy = "".join(f"<p>{s}.</p>" for s in POLICY.split(". ") if s)
    server.set("/p", html.format(f"<h1>Privacy policy</h1>{policy}"))
    second = json.loads(runner.invoke(app, ["fetch", "--json"]).output)["documents"][0]
    assert second["status"] == "new"


def test_slow_shrink_is_held_at_the_third_fetch(in_project, server):
    """Losing 45% per fetch is recorded twice, then held: most of the largest version is gone."""
    in_project.write_sources({"acme": {"documents": {"terms": server.url("/t")}}})
    clauses = [
        f"<p>Clause {i}. Operators must keep products within this policy.</p>" for i in range(100)
    ]
    statuses = []
    for keep in (100, 55, 30):
        html = f"<html><head><title>Terms</title></head><body><main><h1>Terms</h1>{''.join(clauses[:keep])}</main></body></html>"
        server.set("/t", html)
        statuses.append(json.loads(runner.invoke(app, ["fetch", "--json"]).output)["documents"][0])
    assert [d["status"] for d in statuses] == ["new", "changed", "held"]
    assert "at its largest recent version" in statuses[2]["reason"]
    state = json.loads((in_project.root / ".atlas" / "state.json").read_text("utf-8"))
    assert state["documents"]["acme/terms"]["extra"]["peak_words"] > 0


def test_wall_reasons_read_as_plain_words():
    """A wall's reason is plain English (an access-denied page, not 'a access denied')."""
    text = "# Access Denied\n\nYou don't have permission to access this server.\n"
    assert check_page(text) == (
        "looks like an access-denied page, not the document ('Access Denied')"
    )
