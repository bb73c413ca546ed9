"""Noise keys: equal keys mean two snapshot texts differ only by noise. Pure.

noise_key(text, *, ignore=()) -> str: equal keys mean the texts differ only by noise.
  1. normalize_text; drop every line on which any `ignore` regex matches (a search with
     the `regex` module, re's syntax, under a time limit of IGNORE_TIME_LIMIT seconds for
     all rules on one document: a rule that backtracks catastrophically raises
     ExtractError naming it, so that document fails alone);
  2. NFKC (full-width, ligatures, `…` → `...`, NBSP);
  3. quotes ‘’‚‛′‹› → ', “”„‟″«» → ", dashes ‐‑‒–—―−⁃ → -;
  4. Markdown: `![alt](url)` → alt, `[text](url)` → text, `<url>` → url, backticks
     dropped, emphasis runs of `*`, `_`, `~~` at word edges dropped (snake_case stays);
  5. URLs lose tracking query parameters (utm_*, gclid, fbclid, mc_cid, mc_eid,
     _hsenc, _hsmi, hsCtaTracking, ref, msclkid, …);
  6. volatile fragments: "N minutes/hours/days/weeks/months/years ago" (also "a",
     "an", "a few") → "<ago>", "N min read" → "<read>", a year after © or
     "Copyright" → "YEAR". Absolute dates ("Last updated: March 3, 2026") are kept;
  7. punctuation and Markdown markers (`#`, `-`, `|`, `>`, …) become spaces, so a
     heading that turns into a paragraph, a list that turns into a table, a space
     before a colon or a comma moved is noise, as `changes` already calls it cosmetic.
     Kept: punctuation between two digits (`3.5`, `1,000`, `2026-01-01`, `10:30`),
     `%`, `§`, `&`, currency and other symbols;
  8. all whitespace, line breaks included, collapsed to one space. Case is kept.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from collections.abc import Sequence

from conductatlas_cli.errors import ExtractError
from conductatlas_cli.snapshot.normalize import normalize_text
from conductatlas_cli.snapshot.words import LINK as _LINK

_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2039\u203a", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
        "`": None,
    }
)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
_EMPHASIS = re.compile(r"[*_]+|~~+")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_TRACKING = re.compile(
    r"(?:utm_\w*|gclid|gclsrc|dclid|gbraid|wbraid|fbclid|msclkid|yclid|igshid|twclid|"
    r"mc_cid|mc_eid|_hsenc|_hsmi|hsctatracking|_ga|_gl|ref|ref_src|spm|trk|si)",
    re.IGNORECASE,
)
_AGO = re.compile(
    r"\b(?:\d+|an?|one|a few|few|several)\s+(?:seconds?|secs?|minutes?|mins?|hours?|hrs?"
    r"|days?|weeks?|months?|years?)\s+ago\b",
    re.IGNORECASE,
)
_READ_TIME = re.compile(r"\b\d+(?:\s*|-)(?:min|mins|minute|minutes)\s+read\b", re.IGNORECASE)
_COPYRIGHT = re.compile(r"(©|\bCopyright\b)(\s*©)?(\s*)\d{4}(?:\s*-\s*\d{4})?\b", re.IGNORECASE)
# Anything but a word character, whitespace or a symbol that carries meaning, except
# number punctuation between two digits.
_PUNCTUATION = re.compile(r"(?!(?<=\d)[.,:/-](?=\d))[^\w\s%§&$€£¥¢₹+=©®™°]")
# Seconds all `ignore` rules may take on one document (the regex module checks its
# timeout every so often, so a runaway rule stops within about a second of it).
IGNORE_TIME_LIMIT = 1.0


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str):
    import regex

    return regex.compile(pattern)


def drop_ignored(lines: list[str], ignore: Sequence[str]) -> list[str]:
    """LINES without those an `ignore` rule matches; ExtractError when the rules run too long."""
    patterns = [(p, _compiled(p)) for p in ignore]
    deadline = time.monotonic() + IGNORE_TIME_LIMIT
    kept = []
    for line in lines:
        for text, pattern in patterns:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                if pattern.search(line, timeout=left):
                    break
            except TimeoutError:
                raise ExtractError(
                    f"ignore rule '{text[:80]}' took more than {IGNORE_TIME_LIMIT:g} s on this "
                    "document (it backtracks: avoid nested repeats such as '(a+)+')"
                ) from None
        else:
            kept.append(line)
    return kept


def _drop_emphasis(match: re.Match[str]) -> str:
    """Drop a run of `*`, `_` or `~~` that opens or closes emphasis (not one inside a word)."""
    text, (start, end) = match.string, match.span()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    opens = not (before.isalnum() or before == "_" or after.isspace())
    closes = not (before.isspace() or after.isalnum() or after == "_")
    return "" if opens or closes else match.group()


def _strip_tracking(match: re.Match[str]) -> str:
    url = match.group()
    base, sep, query = url.partition("?")
    if not sep:
        return url
    query, hash_, fragment = query.partition("#")
    kept = [p for p in query.split("&") if p and not _TRACKING.fullmatch(p.split("=", 1)[0])]
    return base + ("?" + "&".join(kept) if kept else "") + hash_ + fragment


def noise_key(text: str, *, ignore: Sequence[str] = (), normalized: bool = False) -> str:
    """A canonical form of TEXT: equal keys mean the only differences are noise.

    NORMALIZED says TEXT is already snapshot text (normalize_text's output), which
    spares normalizing it again.
    """
    lines = (text if normalized else normalize_text(text)).split("\n")
    if ignore:
        lines = drop_ignored(lines, ignore)
    key = unicodedata.normalize("NFKC", "\n".join(lines)).translate(_TYPOGRAPHY)
    key = _AUTOLINK.sub(r"\1", _LINK.sub(r"\1", key))
    key = _EMPHASIS.sub(_drop_emphasis, key)
    key = _URL.sub(_strip_tracking, key)
    lower = key.lower()  # the volatile patterns are slow: run them only where they can match
    if "ago" in lower:
        key = _AGO.sub("<ago>", key)
    if "read" in lower:
        key = _READ_TIME.sub("<read>", key)
    if "©" in key or "copyright" in lower:
        key = _COPYRIGHT.sub("© YEAR", key)
    return " ".join(_PUNCTUATION.sub(" ", key).split())
