"""Is an extraction the document? Guards that keep junk out of the archive.

Two questions, asked in this order by the pipeline:

- `check_page`: is this text a policy at all, or an empty page, a bot wall,
  a captcha, a login wall or an error page served with status 200? Such a
  page is a *failure* of this fetch; the last good snapshot stays.
- `check_shrink`: would recording it remove most of the document? Such a
  change is *held back* (recorded only with `--force`): a real policy rarely
  loses half its words overnight, while a half-rendered page often does.

The wall and error phrases are only trusted on short pages, so a privacy
policy that mentions "access denied" or "captcha" in a clause is never
mistaken for a wall.
"""

from __future__ import annotations

import re
from collections import Counter

# A page with more words than this is a document, whatever phrases it contains.
WALL_MAX_WORDS = 400
# Share of the previous version's words a change may remove before it is held.
MAX_REMOVED_SHARE = 0.5

_WALLS: list[tuple[str, re.Pattern[str]]] = [
    (
        "bot wall",
        re.compile(
            r"just a moment|checking (?:if the site connection is secure|your browser)"
            r"|verify(?:ing)? (?:that )?you are (?:a )?human|are you a robot|i'?m not a robot"
            r"|attention required|enable javascript and cookies to continue"
            r"|please enable (?:javascript|cookies)|unusual traffic from your"
            r"|pardon our interruption|ddos protection by|performance & security by cloudflare"
            r"|request unsuccessful\. incapsula|bot (?:detection|protection)",
            re.I,
        ),
    ),
    ("captcha", re.compile(r"\b(?:re)?captcha\b|hcaptcha|complete the security check", re.I)),
    (
        "access denied",
        re.compile(
            r"access denied|access to this page has been denied|403 forbidden"
            r"|you don'?t have permission to access|request blocked|error 10(?:0|2)\d",
            re.I,
        ),
    ),
    (
        "login wall",
        re.compile(
            r"(?:sign|log) ?in to (?:continue|view|access)|please (?:sign|log) ?in\b"
            r"|you (?:must|need to) (?:be logged in|sign in|log in)|session (?:has )?expired",
            re.I,
        ),
    ),
    (
        "error page",
        re.compile(
            r"page (?:was )?not found|\b404\b|this page (?:could not|can'?t|cannot) be found"
            r"|page (?:you (?:are|were) looking for|you requested) (?:does not|doesn'?t|could not|can'?t)"
            r"|\b(?:500 )?internal server error\b|\b50[234]\b.{0,20}(?:error|gateway|unavailable)"
            r"|service (?:temporarily )?unavailable|bad gateway|something went wrong"
            r"|an error (?:has )?occurred",
            re.I,
        ),
    ),
]

# Markers in raw HTML that only challenge pages carry. Cloudflare's "JavaScript
# detections" script (/cdn-cgi/challenge-platform/scripts/jsd/main.js) is not one: it
# is injected into every page of a site behind bot management, real documents included.
_RAW_WALL = re.compile(
    rb"cf-chl-|cf_chl_opt|g-recaptcha|h-captcha|_Incapsula_Resource"
    rb"|captcha-delivery\.com|px-captcha|/cdn-cgi/challenge(?!-platform/scripts/jsd/)",
    re.I,
)
_TITLE = re.compile(rb"<title[^>]*>(.{0,300}?)</title", re.I | re.S)
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def words(text: str) -> list[str]:
    """The words of TEXT, lower-cased (Markdown markers are not words)."""
    return [w.lower() for w in _WORD.findall(text)]


def page_title(body: bytes) -> str:
    """The <title> of an HTML body, or "" (only the first 64 KB are looked at)."""
    match = _TITLE.search(body[:65536])
    if not match:
        return ""
    return re.sub(r"\s+", " ", match.group(1).decode("utf-8", "replace")).strip()


def check_page(text: str, *, body: bytes = b"", min_chars: int = 0) -> str | None:
    """Why TEXT (extracted from BODY) is not a document, or None when it looks like one."""
    stripped = text.strip()
    if not stripped:
        return "the page has no text"
    # Counting the words of a long page is wasted work: its start alone has enough.
    if len(words(stripped[: WALL_MAX_WORDS * 40])) <= WALL_MAX_WORDS:
        wall = _wall(stripped, body)
        if wall:
            return wall
    if len(stripped) < min_chars:
        return f"extracted text too short ({len(stripped)} characters, minimum {min_chars})"
    return None


def _wall(text: str, body: bytes) -> str | None:
    """What kind of wall or error page a short TEXT (from BODY) is, if any."""
    title = page_title(body)
    head = f"{title}\n{text[:1500]}"
    for name, pattern in _WALLS:
        if pattern.search(head):
            shown = title or text.splitlines()[0]
            return f"looks like a {name}, not the document ('{shown[:60]}')"
    if body and _RAW_WALL.search(body[:262144]):
        return "looks like a bot wall, not the document (challenge markup in the page)"
    return None


def has_challenge_markup(body: bytes) -> bool:
    """True when BODY carries markup only challenge pages have (Cloudflare, captchas)."""
    return bool(body and _RAW_WALL.search(body[:262144]))


def is_challenge(text: str, body: bytes) -> bool:
    """A bot wall or captcha, not a login wall or error page: a browser may get past it."""
    head = f"{page_title(body)}\n{text.strip()[:1500]}"
    walls = (pattern for name, pattern in _WALLS if name in ("bot wall", "captcha"))
    return any(p.search(head) for p in walls) or has_challenge_markup(body)


def check_shrink(old: str, new: str) -> str | None:
    """Why recording NEW over OLD should wait for --force, or None."""
    old_words = Counter(words(old))
    total = sum(old_words.values())
    if total < 50:
        return None
    removed = sum((old_words - Counter(words(new))).values())
    if removed > MAX_REMOVED_SHARE * total:
        share = round(100 * removed / total)
        return (
            f"change would remove {share}% of the document's words ({removed} of {total}); "
            "run with --force to record it"
        )
    return None
