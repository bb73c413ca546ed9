"""Is a page that gave almost no text a JavaScript shell? Then say so.

A page rendered in the browser (React, Next.js, Angular apps, help centres)
arrives over HTTP as a shell: a few words, an empty root element, scripts,
and often a `<noscript>` asking for JavaScript. Such a page fails with
NEEDS_BROWSER instead of "extracted text too short", and `render: auto`
fetches it again in the browser.

`looks_like_js_shell` is asked only about a page the guards already refused
(too short, empty, a wall asking for JavaScript) and fetched over HTTP. It says
yes when the text is short, the page has scripts, and it asks for JavaScript
(in its text or a `<noscript>`), or has a `<noscript>` with words in it, or an
empty application root (`<div id="root"></div>`, `__next`, `app`, `<app-root>`).
A challenge page (Cloudflare, reCAPTCHA markup) is a bot wall, not a shell.
"""

from __future__ import annotations

import re

from conductatlas_cli.snapshot.guards import has_challenge_markup

NEEDS_BROWSER = "needs a browser (set render: browser)"
SHELL_MAX_CHARS = 200  # a page with this much text (or `min_chars`) is no shell
HEAD_BYTES = 512 * 1024

_SCRIPT = re.compile(rb"<script\b", re.I)
_NOSCRIPT = re.compile(rb"<noscript\b[^>]*>(.*?)</noscript\s*>", re.I | re.S)
_TAG = re.compile(rb"<[^>]*>")
_ASKS = re.compile(
    r"(?:enable|turn on|activate|allow|requires?|needs?|without|use a browser (?:that|with))"
    r"\W+(?:\w+\W+){0,4}?javascript"
    r"|javascript\W+(?:is\W+)?(?:required|disabled|needed|must be (?:enabled|turned on)"
    r"|needs to be (?:enabled|turned on)|is not (?:enabled|available))",
    re.I,
)
_APP_ROOT = re.compile(
    rb"<(?:div|main|body)\b[^>]*\bid\s*=\s*[\"']?(?:root|app|__next|__nuxt|svelte|q-app)[\"']?"
    rb"[^>]*>\s*(?:<!--.*?-->\s*)*</(?:div|main|body)>"
    rb"|<app-root\b[^>]*>\s*</app-root>",
    re.I | re.S,
)


def looks_like_js_shell(text: str, body: bytes, *, min_chars: int = 0) -> bool:
    """True when BODY (whose extracted TEXT is short) is a page that needs JavaScript."""
    if len(text.strip()) >= max(min_chars, SHELL_MAX_CHARS):
        return False
    head = body[:HEAD_BYTES]
    if not _SCRIPT.search(head) or has_challenge_markup(head):
        return False
    if _ASKS.search(text):
        return True
    for match in _NOSCRIPT.finditer(head):
        inner = _TAG.sub(b" ", match.group(1)).decode("utf-8", "replace")
        if _ASKS.search(inner) or len(inner.split()) >= 3:
            return True
    return bool(_APP_ROOT.search(head))
