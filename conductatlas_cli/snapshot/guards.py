"""Is an extraction the document? Guards that keep junk out of the archive.

Two questions, asked in this order by the pipeline:

- `check_page`: is this text a policy at all, or an empty page, a bot wall, a
  captcha, a login wall, an error page or a cookie-consent dialog served with
  status 200? Such a page is a *failure* of this fetch (also on a document's
  first fetch); the last good snapshot stays.
- `check_shrink`: would recording it lose most of the document's content?
  Such a change is *held back* (recorded only with `--force`).

A wall is recognised by evidence about the whole page, never by a phrase or a
number somewhere in it: the page's title or first heading reads as a wall, or
most of its words are in lines of wall phrasing, or it carries challenge
markup; and only on a short page (at most WALL_MAX_WORDS words). A consent
dialog is a short page with at least two lines that are consent buttons
("Accept all", "Reject all", "Manage preferences", …) whose words are mostly
consent phrasing. Words are counted by `snapshot.words`, as everywhere.
"""

from __future__ import annotations

import re

from conductatlas_cli.snapshot.words import count_words

# A page with more words than this is a document, whatever phrases it contains.
WALL_MAX_WORDS = 400
# Share of a short page's words in lines of wall phrasing that makes it a wall.
WALL_SHARE = 0.5
# A consent dialog: at most this many words, and this share of them consent phrasing.
CONSENT_MAX_WORDS = 600
CONSENT_SHARE = 0.5
# Shrink: the new text has fewer than this share of the reference version's words ...
MIN_KEPT_SHARE = 0.5
# ... fewer than this share of the old sentences survive ...
MIN_SURVIVING_SENTENCES = 0.5
# ... and what is left is mostly old text (a truncation), or almost nothing is left.
TRUNCATION_SHARE = 0.6
COLLAPSE_SHARE = 0.2

# Phrasing of each kind of wall, searched line by line (a line is a sentence).
_WALLS: list[tuple[str, re.Pattern[str]]] = [
    (
        "bot wall",
        re.compile(
            r"just a moment|checking (?:if the site connection is secure|your browser)"
            r"|verify(?:ing)? (?:that )?you are (?:a )?human|are you a robot|i'?m not a robot"
            r"|attention required|enable javascript and cookies to continue"
            r"|please enable (?:javascript|cookies)|unusual traffic from your"
            r"|pardon our interruption|ddos protection by|performance & security by cloudflare"
            r"|request unsuccessful\. incapsula|bot (?:detection|protection)|ray id",
            re.I,
        ),
    ),
    (
        "captcha",
        re.compile(r"\b(?:re)?captcha\b|hcaptcha|complete the security check", re.I),
    ),
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
            r"|you (?:must|need to) (?:be logged in|sign in|log in)|session (?:has )?expired"
            r"|^(?:e-?mail(?: address)?|password|username|(?:sign|log) ?in|forgot (?:your )?password\??"
            r"|remember me|continue with (?:google|apple|microsoft|github|email))$",
            re.I,
        ),
    ),
    (
        "error page",
        re.compile(
            r"page (?:was )?not found|\b404\b(?: error| not found| page)|\berror 404\b|^404$"
            r"|this page (?:could not|can'?t|cannot) be found"
            r"|page (?:you (?:are|were) looking for|you requested) (?:does not|doesn'?t|could not|can'?t)"
            r"|\binternal server error\b|\b50[234]\b.{0,20}(?:error|gateway|unavailable)"
            r"|service (?:temporarily )?unavailable|bad gateway|something went wrong"
            r"|an error (?:has )?occurred|please try again later|go (?:back )?(?:to the )?home ?page",
            re.I,
        ),
    ),
]
# What the title or the first heading of a wall says, as a whole.
_WALL_TITLES: list[tuple[str, re.Pattern[str]]] = [
    ("bot wall", re.compile(r"just a moment\W*|attention required!?(?: \W cloudflare)?", re.I)),
    ("access denied", re.compile(r"(?:403 )?(?:access denied|forbidden)\W*", re.I)),
    (
        "login wall",
        re.compile(r"(?:sign|log) ?(?:in|on)(?: to .{1,40})?|login|session expired", re.I),
    ),
    (
        "error page",
        re.compile(
            r"(?:error )?(?:404|500|502|503)(?: error)?(?: [-:] .{0,40}| (?:page )?not found"
            r"| internal server error| bad gateway| service unavailable)?"
            r"|(?:page |file )?not found|something went wrong|(?:an )?error(?: occurred)?\W*",
            re.I,
        ),
    ),
]
_CONSENT_BUTTON = re.compile(
    r"(?:accept|allow|reject|decline|deny|refuse)(?: all| only)?(?: (?:optional|non-essential"
    r"|necessary|essential|additional|all))?(?: cookies)?|ok(?:ay)?,? (?:got it|i agree)|got it"
    r"|i (?:agree|accept)|agree(?: and (?:close|continue))?|(?:manage|customi[sz]e|change)"
    r"(?: cookie)? (?:preferences|settings|options|choices)|cookie (?:settings|preferences)"
    r"|(?:save|confirm) (?:my )?(?:choices|preferences|settings)|necessary only|more options",
    re.I,
)
_CONSENT = re.compile(
    r"cookie|consent|\bon this (?:browser|device)\b|tracking technolog|similar technolog"
    r"|your (?:privacy )?(?:choices|preferences)|personali[sz]ed (?:ads|content|advertising)"
    r"|\b(?:strictly )?necessary\b|\banalytics\b|\badvertising\b|\bfunctional\b"
    r"|\bpartners?\b|\bvendors?\b|\bwithdraw\b",
    re.I,
)
_FIRST_HEADING = re.compile(r"^#{1,6} +(.+)$", re.M)
_MARKS = re.compile(r"^[ >#*_|\-\d.)]+|[ *_|]+$")

# Markers in raw HTML that only challenge pages carry. Cloudflare's "JavaScript
# detections" script (/cdn-cgi/challenge-platform/scripts/jsd/main.js) is not one: it
# is injected into every page of a site behind bot management, real documents included.
_RAW_WALL = re.compile(
    rb"cf-chl-|cf_chl_opt|g-recaptcha|h-captcha|_Incapsula_Resource"
    rb"|captcha-delivery\.com|px-captcha|/cdn-cgi/challenge(?!-platform/scripts/jsd/)",
    re.I,
)
_TITLE = re.compile(rb"<title[^>]*>(.{0,300}?)</title", re.I | re.S)


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
    words = count_words(stripped[: CONSENT_MAX_WORDS * 40])
    if words <= CONSENT_MAX_WORDS:
        wall = _wall(stripped, body, words) if words <= WALL_MAX_WORDS else None
        wall = wall or _consent(stripped, body, words)
        if wall:
            return wall
    if len(stripped) < min_chars:
        return f"extracted text too short ({len(stripped)} characters, minimum {min_chars})"
    return None


def _lines(text: str) -> list[str]:
    """TEXT's non-empty lines without Markdown marks."""
    out = []
    for line in text.split("\n"):
        line = _MARKS.sub("", line.strip()).strip()
        if line:
            out.append(line)
    return out


def _share(lines: list[str], pattern: re.Pattern[str], words: int) -> float:
    """The share of WORDS that are in lines PATTERN matches."""
    hit = sum(count_words(line) for line in lines if pattern.search(line))
    return hit / max(words, 1)


def _named(title: str, text: str) -> tuple[str, str]:
    """The page's title and its first heading (or first line)."""
    heading = _FIRST_HEADING.search(text)
    first = heading.group(1) if heading else text.split("\n", 1)[0]
    return title, _MARKS.sub("", first.strip()).strip()


# Each kind of wall in plain words, for the one-line reason.
_PLAIN = {
    "bot wall": "a bot wall",
    "captcha": "a captcha",
    "access denied": "an access-denied page",
    "login wall": "a login wall",
    "error page": "an error page",
}


def _wall(text: str, body: bytes, words: int) -> str | None:
    """What kind of wall or error page a short TEXT (from BODY) is, if any."""
    title, first = _named(page_title(body), text)
    shown = title or first
    for name, pattern in _WALL_TITLES:
        for name_line in (title, first):
            # The title may carry the site's name: "Page not found | Example".
            head = re.split(r" [|\u2013\u2014] ", name_line, maxsplit=1)[0].strip(" .!")
            if head and pattern.fullmatch(head):
                return f"looks like {_PLAIN[name]}, not the document ('{shown[:60]}')"
    lines = _lines(text)
    for name, pattern in _WALLS:
        if _share(lines, pattern, words) >= WALL_SHARE:
            return f"looks like {_PLAIN[name]}, not the document ('{shown[:60]}')"
    if body and _RAW_WALL.search(body[:262144]):
        return "looks like a bot wall, not the document (challenge markup in the page)"
    return None


def _consent(text: str, body: bytes, words: int) -> str | None:
    """Whether a short TEXT is a cookie or consent dialog rather than the document."""
    lines = _lines(text)
    buttons = {line.lower() for line in lines if _CONSENT_BUTTON.fullmatch(line.rstrip(".!"))}
    if len(buttons) < 2:
        return None
    button_words = sum(count_words(b) for b in buttons)
    if (button_words + _share(lines, _CONSENT, words) * words) / max(words, 1) < CONSENT_SHARE:
        return None
    shown = page_title(body) or lines[0]
    return f"looks like a cookie consent dialog, not the document ('{shown[:60]}')"


def _sentences(text: str) -> set[str]:
    """TEXT's sentences (snapshot lines) by their change-model keys."""
    from conductatlas_cli.snapshot.change_model import line_key
    from conductatlas_cli.snapshot.normalize import normalize_text

    return {k for k in (line_key(line) for line in normalize_text(text).split("\n")) if k}


def lost_content(old: str, new: str) -> bool:
    """Whether NEW is mostly OLD's own text (TRUNCATION_SHARE of its sentences): content lost."""
    new_sentences = _sentences(new)
    if not new_sentences:
        return True
    return len(_sentences(old) & new_sentences) / len(new_sentences) >= TRUNCATION_SHARE


def has_challenge_markup(body: bytes) -> bool:
    """True when BODY carries markup only challenge pages have (Cloudflare, captchas)."""
    return bool(body and _RAW_WALL.search(body[:262144]))


def is_challenge(text: str, body: bytes) -> bool:
    """A bot wall or captcha, not a login wall or error page: a browser may get past it."""
    head = f"{page_title(body)}\n{text.strip()[:1500]}"
    walls = (pattern for name, pattern in _WALLS if name in ("bot wall", "captcha"))
    return any(p.search(head) for p in walls) or has_challenge_markup(body)


def check_shrink(old: str, new: str, *, peak_words: int = 0) -> str | None:
    """Why recording NEW over OLD loses most of the document's content (hold it), or None.

    Held only when all of these say so: NEW has fewer than MIN_KEPT_SHARE of the
    words of OLD (or of PEAK_WORDS, the largest recent version when the document has
    been shrinking); fewer than MIN_SURVIVING_SENTENCES of OLD's sentences survive; and
    what is left is mostly OLD's text (TRUNCATION_SHARE of NEW's sentences) or almost
    nothing (under COLLAPSE_SHARE of the words). A document that grows, or one rewritten
    shorter in new words, is never held.
    """
    old_words, new_words = count_words(old), count_words(new)
    reference = max(old_words, peak_words)
    if reference < 50 or new_words >= MIN_KEPT_SHARE * reference:
        return None
    old_sentences, new_sentences = _sentences(old), _sentences(new)
    if not old_sentences:
        return None
    kept = old_sentences & new_sentences
    # Against the largest version, OLD's sentences are only OLD's share of what it had.
    surviving = len(kept) / len(old_sentences) * old_words / reference
    if surviving >= MIN_SURVIVING_SENTENCES:
        return None
    truncated = bool(new_sentences) and len(kept) / len(new_sentences) >= TRUNCATION_SHARE
    if not (truncated or new_words < COLLAPSE_SHARE * reference):
        return None
    largest = " at its largest recent version" if reference > old_words else ""
    return (
        f"change would keep {new_words} of the document's {reference} words{largest} "
        f"and {round(100 * surviving)}% of its sentences; run with --force to record it"
    )
