"""A line as the change model reads it: its unit (kind, level, indent) and its key.

The key is the line's text with every cosmetic class folded (`change_model`'s
docstring lists them) and its whitespace removed (`squeeze`); `change_model` joins
the keys of a text into its stream and decides from there. Pure, stdlib only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from conductatlas_cli.snapshot.dates import fold_dates, has_year, stamp_key

_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2039\u203a", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
        **dict.fromkeys(
            "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063"
            "\u2064\ufeff\ufe0e\ufe0f",
            None,
        ),
        "`": None,
    }
)
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^ *([-*_])(?: *\1){2,} *$")
FENCE = re.compile(r"^ *(?:`{3,}|~{3,})")
_ITEM = re.compile(r"^( *)(?:([-*+\u2022\u25e6\u25aa\u2023\u25cf\u2219])|([0-9]{1,9})[.)])(?: +|$)")
_QUOTE = re.compile(r"^ *(?:> ?)+")
_TABLE_SEPARATOR = re.compile(r"^\|?(?: *:?-+:? *\|)* *:?-+:? *\|?$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINK = re.compile(
    r"(!?)\[([^\[\]\n]*)\]\(<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?: \"[^\"\n]*\")?\)"
)
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
_EMPHASIS = re.compile(r"[*_]+|~~+")
_URL = re.compile(r"https?://[^\s<>\"')\]]*[^\s<>\"')\].,;:!?]")
_TRACKING = re.compile(
    r"(?:utm_\w*|gclid|gclsrc|dclid|gbraid|wbraid|fbclid|msclkid|yclid|igshid|twclid|"
    r"mc_cid|mc_eid|_hsenc|_hsmi|hsctatracking|_ga|_gl|ref|ref_src|spm|trk|si)",
    re.IGNORECASE,
)

# Volatile lines, matched on the whole line (Markdown marks and emphasis removed).
_AGO = (
    r"(?:about |over |almost |nearly )?(?:\d+|an?|one|a few|few|several)\s+(?:seconds?|secs?"
    r"|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago"
)
_STAMP_VERBS = r"(?:last )?(?:updated|edited|modified|changed|published|posted|reviewed|revised)"
_TIMESTAMP = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"
)
_VOLATILE = re.compile(
    rf"(?:{_STAMP_VERBS}:? )?{_AGO}\.?"
    rf"|(?:{_STAMP_VERBS} )?{_AGO} ?[·|•-] ?\d+ ?-?min(?:ute)?s? read"
    r"|\d+ ?-?min(?:ute)?s? read"
    r"|(?:cloudflare )?(?:request|trace|correlation|ray|incident|reference|support|error|event)"
    r"[ _-]?id ?[:#]? ?(?=[0-9a-z-]*\d)[0-9a-f][0-9a-f-]{7,}[0-9a-f](?: ?[•·|] ?.{0,40})?"
    rf"|(?:(?:page )?(?:rendered|generated|built|cached|served)(?: at| on)?:? )?{_TIMESTAMP}",
    re.IGNORECASE,
)
# Whitespace between two digits. Written to start with the space, not with the look-behind,
# so `re` skips in C to the next space instead of trying every position of a text.
_DIGIT_SPACE = re.compile(r"\s(?<=\d\s)\s*(?=\d)")


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


def _link(match: re.Match[str]) -> str:
    return f"{match.group(2)} <{match.group(3)}>"


def squeeze(text: str) -> str:
    """TEXT without whitespace, except one space between two digits."""
    text = _DIGIT_SPACE.sub("\0", text)
    return "".join(text.split()).replace("\0", " ")


def _spaced(text: str) -> str:
    """TEXT with every cosmetic class but whitespace folded (whitespace still there)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY)
    elif "`" in text:
        text = text.replace("`", "")
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "](" in text:
        text = _LINK.sub(_link, text)
    if "<http" in text:
        text = _AUTOLINK.sub(r"\1", text)
    if "*" in text or "_" in text or "~~" in text:
        text = _EMPHASIS.sub(_drop_emphasis, text)
    if "http" in text and "?" in text:
        text = _URL.sub(_strip_tracking, text)
    if has_year(text):
        text = fold_dates(text)
    return text


def is_volatile(text: str) -> bool:
    """Whether a line's text (Markdown marks removed) is, as a whole, a volatile fragment."""
    text = " ".join(text.replace("*", " ").replace("_", " ").split()).strip(" ()[]")
    return bool(text) and len(text) <= 120 and _VOLATILE.fullmatch(text) is not None


@dataclass(frozen=True)
class Unit:
    """One line of a text as the change model reads it."""

    kind: str  # "heading", "item", "row", "text"
    level: int  # heading level; list nesting (1 = top) for an item; else 0
    indent: int  # the line's indentation (where an item's content starts, for an item)
    key: str  # the folded text, whitespace removed (see squeeze)


def _title_stop(text: str) -> str:
    """TEXT without the full stop or colon closing it when it is a heading or a title line."""
    stripped = text.rstrip(" *_")
    if stripped[-1:] in (".", ":") and not stripped.endswith(".."):
        return stripped[:-1]
    return text


def _is_title(text: str) -> bool:
    """An ALL-CAPS line of at most 80 characters (a title, however it is marked up)."""
    return len(text) <= 80 and text.upper() == text and sum(c.isalpha() for c in text) >= 2


@lru_cache(maxsize=8192)  # a changed line is asked about by each of the diff's line tests
def line_unit(line: str, *, in_fence: bool = False) -> Unit | None:
    """LINE as a unit, or None when it holds nothing the model compares."""
    if in_fence:
        key = squeeze(_spaced(line))
        return Unit("text", 0, 0, key) if key else None
    if not line.strip() or _RULE.match(line) or FENCE.match(line):
        return None
    if (m := _HEADING.match(line)) is not None:
        body = _title_stop(m.group(2) or "")
        if is_volatile(body):
            return None
        key = _body_key(body)
        return Unit("heading", len(m.group(1)), 0, key) if key else None
    stripped = line.strip()
    if stripped.startswith("|"):
        if _TABLE_SEPARATOR.match(stripped):
            return None
        inner = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
        cells = [squeeze(_spaced(c)) for c in _CELL_SPLIT.split(inner)]
        return Unit("row", 0, 0, "\ufdd0" + "\ufdd1".join(cells))
    indent = len(line) - len(line.lstrip(" "))
    if (m := _ITEM.match(line)) is not None:
        body = line[m.end() :]
        body = _title_stop(body) if _is_title(body) else body
        number = f"{m.group(3)}." if m.group(3) else ""
        if not number and is_volatile(body):
            return None
        key = squeeze(number + _spaced(body))
        return Unit("item", 1, m.end(), key) if key else None
    body = _QUOTE.sub("", line) if stripped.startswith(">") else stripped
    body = _title_stop(body) if _is_title(body) else body
    if is_volatile(body):
        return None
    key = _body_key(body)
    return Unit("text", 0, indent, key) if key else None


def _body_key(body: str) -> str:
    """The key of a heading's or a text line's BODY: a date stamp's own key, else its text's."""
    spaced = _spaced(body)
    stamp = stamp_key(spaced)
    return squeeze(stamp) if stamp else squeeze(spaced)
