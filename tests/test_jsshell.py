"""Which short pages are JavaScript shells (and say 'needs a browser'), which are not."""

from __future__ import annotations

import re

import pytest

from conductatlas_cli.run.pages import PageJob, process_page
from conductatlas_cli.snapshot.jsshell import NEEDS_BROWSER, looks_like_js_shell

SHELLS = [
    "<html><body><div id='root'></div><noscript>You need to enable JavaScript to run this app."
    "</noscript><script src='/app.js'></script></body></html>",
    '<html><body><div id="__next"></div><script>self.__next_f=[]</script></body></html>',
    "<html><body><app-root></app-root><script src='main.js'></script></body></html>",
    "<html><body><p>Please turn on JavaScript to view this page.</p><script></script></body></html>",
    "<html><body><noscript><p>This site requires JavaScript.</p></noscript>"
    "<div id='app'><!-- rendered by the client --></div><script src=x.js></script></body></html>",
]
NOT_SHELLS = [
    # No script: nothing a browser could add.
    "<html><body><noscript>Enable JavaScript</noscript><p>Short.</p></body></html>",
    # A challenge page is a bot wall, not a shell.
    "<html><body><noscript>Enable JavaScript and cookies to continue</noscript>"
    "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script>"
    "<div id='cf-chl-widget'></div></body></html>",
    # An analytics <noscript> (an image, no words) on a short page with an empty-less body.
    "<html><body><p>Contact us at legal@example.com.</p><noscript><img src='/px'></noscript>"
    "<script>track()</script></body></html>",
]


def visible_text(html: str) -> str:
    """Roughly what extraction keeps: no scripts, no <noscript>, no tags."""
    return " ".join(
        re.sub(r"(?s)<script.*?</script>|<noscript.*?</noscript>|<[^>]+>", " ", html).split()
    )


@pytest.mark.parametrize("html", SHELLS)
def test_shells_are_recognised(html):
    """Short pages with scripts that ask for JavaScript or leave an empty app root are shells."""
    assert looks_like_js_shell(visible_text(html), html.encode(), min_chars=200)


@pytest.mark.parametrize("html", NOT_SHELLS)
def test_other_short_pages_are_not_shells(html):
    """No scripts, a challenge page, or an analytics <noscript> is not a shell."""
    assert not looks_like_js_shell("Contact us at legal@example.com.", html.encode(), min_chars=200)


def test_enough_text_is_never_a_shell():
    """A page with at least min_chars of text is a document, whatever its <noscript> says."""
    html = SHELLS[0].encode()
    assert not looks_like_js_shell("x" * 300, html, min_chars=200)


def test_a_shell_over_http_fails_with_needs_a_browser():
    """process_page fails a shell with the needs-a-browser line and asks for a retry."""
    page = process_page(
        PageJob(
            body=SHELLS[0].encode(),
            content_type="text/html",
            url="http://x/",
            charset="utf-8",
            min_chars=200,
        )
    )
    assert (page.error, page.needs_browser) == (NEEDS_BROWSER, True)


def test_a_rendered_page_is_never_called_a_shell():
    """The same short page from the browser fails as too short, not as needing a browser."""
    page = process_page(
        PageJob(
            body=SHELLS[3].encode(),
            content_type="text/html",
            url="http://x/",
            charset="utf-8",
            min_chars=200,
            rendered=True,
        )
    )
    assert page.error != NEEDS_BROWSER and not page.needs_browser
