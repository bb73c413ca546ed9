"""The change model: which differences between two snapshot texts are cosmetic. Pure, stdlib only.

One module decides it for everything: the commit decision of `atlas fetch`
(`texts_cosmetic`, with `stream_hash` as its cached fast path), the diff's
cosmetic flags (`lines_cosmetic`, `line_cosmetic`, `block_cosmetic`), and so the
fetch report and the commit message, which are made from the diff.

A text is read as a sequence of units, one per line: headings (with their level),
list items (with their nesting), table rows (with their cells) and text lines.
Each unit has a key; two texts differ only cosmetically when the keys, joined,
are the same characters (the *stream*), and every unit belongs to the same
provision in both (the structural check, below). Anything not in a cosmetic class
below is a real change.

COSMETIC_CLASSES, each folded in the keys (README: "How it stays safe"):

- whitespace: spaces, tabs and line breaks, including a space inserted into or
  removed from a run of characters (`privacypolicyor` = `privacy policy or`);
  only a space between two digits counts (`1 000` ≠ `1000`).
- typography: quote variants (‘ ’ ‚ ‛ ′ ‹ › “ ” „ ‟ ″ « »), dash variants (‐ ‑ ‒ – — ―
  − ⁃), the ellipsis, non-breaking, zero-width and other invisible characters,
  emoji variation selectors, and Unicode compatibility forms (NFKC: full-width
  letters, ligatures).
- markdown syntax and structure flips: bullet characters and list markers (`-`,
  `*`, `+`, `1.` = `1)`), heading syntax (`#`), emphasis and code marks (`*`,
  `_`, `~~`, backticks at word edges), block-quote marks, backslash escapes,
  thematic breaks, table separator rows (`|---|:--:|`), link and image syntax
  (the text and the target are both compared, not the brackets), the full stop
  or colon closing a heading or an ALL-CAPS title line; and a structure flip: a
  heading written as a paragraph of the same words (bold or not), a list
  written as paragraphs, when no sentence changes provision.
- volatile lines and tracking parameters: a line that is only an "updated N
  days ago" or "N min read" stamp, only a request / trace / ray id, or only a
  render timestamp ("Rendered at 2026-11-24T10:00:00Z", or a bare date and time
  with seconds), recognised by the shape of the whole line, never inside a
  sentence; and tracking parameters in URLs (utm_*, gclid, fbclid, msclkid,
  mc_cid, _hsenc, ref, …).
- ignore lines: a line on which one of the document's `ignore` regexes matches.
- dates written another way: a calendar date with an English month name, spelled
  out, abbreviated or capitalised otherwise (`Oct 6, 2025` = `October 6, 2025` =
  `6 October 2025` = `6th OCT. 2025`); and a line that is only a date stamp
  ("Last updated: June 13, 2025" = "Last Updated June 13, 2025"), compared by its
  label's words in any case and its date. The date itself always counts.

NEVER_COSMETIC, kept in every key and by the structural check:

- any change of letters (case included) or digits, so of negations and modal verbs
  (the month and the stamp label of a date written another way aside).
- punctuation (a comma moved, a colon dropped, `#3` → `3`): it is in no class above.
- comparison and math signs `< > ≤ ≥ = ≠ ± %`.
- currency and legal signs `$ € £ ¥ § ¶`.
- check marks and crosses `✓ ✔ ✗ ✘ ☑ ☐ ✅ ❌`.
- table structure: a cell changing column, a row or column added or removed, a
  table row turned into text or text into a table.
- a heading's level or a list item's nesting when it changes which provision a
  sentence belongs to (`## B` → `### B` after a `## A`: B's sentences move under A).

The structural check: headings that are headings in both texts (the same keys at
the same place of the stream) and list items that are items in both give every
unit its provision (the trail of enclosing headings by level, and for a list
item the trail of enclosing items by nesting). A unit whose provision differs is
a real change. A heading in only one of the texts (the flip) places nothing, so
it moves nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from conductatlas_cli.snapshot.dates import fold_dates, has_year, stamp_key
from conductatlas_cli.snapshot.ignore import IgnoreRules

COSMETIC_CLASSES = (
    "whitespace",
    "typography",
    "markdown syntax and structure flips",
    "volatile lines and tracking parameters",
    "ignore lines",
    "dates written another way",
)
NEVER_COSMETIC_SIGNS = "<>≤≥=≠±%$€£¥§¶✓✔✗✘☑☐✅❌"


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
_FENCE = re.compile(r"^ *(?:`{3,}|~{3,})")
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
_DIGIT_SPACE = re.compile(r"(?<=\d)\s+(?=\d)")


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


def _squeeze(text: str) -> str:
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
    key: str  # the folded text, whitespace removed (see _squeeze)


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
        key = _squeeze(_spaced(line))
        return Unit("text", 0, 0, key) if key else None
    if not line.strip() or _RULE.match(line) or _FENCE.match(line):
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
        cells = [_squeeze(_spaced(c)) for c in _CELL_SPLIT.split(inner)]
        return Unit("row", 0, 0, "\ufdd0" + "\ufdd1".join(cells))
    indent = len(line) - len(line.lstrip(" "))
    if (m := _ITEM.match(line)) is not None:
        body = line[m.end() :]
        body = _title_stop(body) if _is_title(body) else body
        number = f"{m.group(3)}." if m.group(3) else ""
        if not number and is_volatile(body):
            return None
        key = _squeeze(number + _spaced(body))
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
    return _squeeze(stamp) if stamp else _squeeze(spaced)


def text_units(
    text: str, *, ignore: Sequence[str] = (), known: dict[str, Unit | None] | None = None
) -> list[Unit]:
    """The units of TEXT in order, `ignore` lines and empty units dropped; items get nesting.

    KNOWN (a dict the caller keeps, for two texts that share most lines): each line's
    `line_unit` outside a code fence, so a line the other text has too is read once.
    """
    rules = IgnoreRules(ignore)
    units: list[Unit] = []
    stack: list[int] = []  # content columns of the open list items
    in_fence = False
    known = {} if known is None else known
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if rules and rules.matches(line):
            continue
        if in_fence:
            unit = line_unit(line, in_fence=True)
        elif line in known:
            unit = known[line]
        else:
            unit = known[line] = line_unit(line)
        if unit is None:
            continue
        if unit.kind == "item":
            start = len(line) - len(line.lstrip(" "))
            while stack and stack[-1] > start:  # close items this one is not inside
                stack.pop()
            stack.append(unit.indent)
            unit = Unit("item", len(stack), unit.indent, unit.key)
        elif unit.kind == "text" and unit.indent:
            while stack and stack[-1] > unit.indent:
                stack.pop()
        else:
            stack.clear()
        units.append(unit)
    return units


def stream(units: Sequence[Unit]) -> str:
    """The units' keys joined: equal streams hold the same characters in the same order."""
    return _squeeze(" ".join(u.key for u in units))


def stream_hash(text: str, *, ignore: Sequence[str] = ()) -> str:
    """A hash of TEXT's stream: different hashes always mean a real change."""
    return hashlib.sha256(stream(text_units(text, ignore=ignore)).encode("utf-8")).hexdigest()


def _places(units: Sequence[Unit]) -> list[tuple[int, int, Unit]]:
    """(start, end, unit) with offsets in the stream without any whitespace."""
    out: list[tuple[int, int, Unit]] = []
    at = 0
    for u in units:
        size = len(u.key.replace(" ", ""))
        out.append((at, at + size, u))
        at += size
    return out


def _provisions(
    places: list[tuple[int, int, Unit]], headings: set[tuple[int, int]], items: set[tuple[int, int]]
) -> list[tuple[int, tuple[int, ...]]]:
    """(start, provision) of every unit: the starts of the shared headings and items enclosing it."""
    trail: list[tuple[int, int]] = []  # (level, start) of shared headings
    nest: list[tuple[int, int, bool]] = []  # (depth, start, shared) of open items
    out: list[tuple[int, tuple[int, ...]]] = []
    for start, end, u in places:
        if u.kind == "heading":
            nest.clear()
            if (start, end) in headings:
                while trail and trail[-1][0] >= u.level:
                    trail.pop()
                out.append((start, tuple(s for _, s in trail)))
                trail.append((u.level, start))
                continue
        elif u.kind == "item":
            while nest and nest[-1][0] >= u.level:
                nest.pop()
        elif not (u.kind == "text" and u.indent):  # an indented line continues the item
            nest.clear()
        # Only a list item's nesting places it: a paragraph's provision is its headings.
        enclosing = tuple(s for _, s, shared in nest if shared) if u.kind == "item" else ()
        out.append((start, tuple(s for _, s in trail) + (-1,) + enclosing))
        if u.kind == "item":
            nest.append((u.level, start, (start, end) in items))
    return out


def _at(provisions: list[tuple[int, tuple[int, ...]]], offset: int, hint: int) -> int:
    """Index of the unit holding OFFSET, searching forward from HINT."""
    i = hint
    while i + 1 < len(provisions) and provisions[i + 1][0] <= offset:
        i += 1
    return i


def units_cosmetic(a: Sequence[Unit], b: Sequence[Unit]) -> bool:
    """Whether units A → units B is cosmetic: the same stream, every unit in the same provision."""
    if stream(a) != stream(b):
        return False
    pa, pb = _places(a), _places(b)
    shared_headings = {(s, e) for s, e, u in pa if u.kind == "heading"} & {
        (s, e) for s, e, u in pb if u.kind == "heading"
    }
    shared_items = {(s, e) for s, e, u in pa if u.kind == "item"} & {
        (s, e) for s, e, u in pb if u.kind == "item"
    }
    prov_a = _provisions(pa, shared_headings, shared_items)
    prov_b = _provisions(pb, shared_headings, shared_items)
    starts = sorted({s for s, _ in prov_a} | {s for s, _ in prov_b})
    ia = ib = 0
    for offset in starts:
        ia = _at(prov_a, offset, ia)
        ib = _at(prov_b, offset, ib)
        if prov_a[ia][1] != prov_b[ib][1]:
            return False
    return True


def texts_cosmetic(old: str, new: str, *, ignore: Sequence[str] = ()) -> bool:
    """Whether every difference between snapshot texts OLD and NEW is cosmetic."""
    if old == new:
        return True
    known: dict[str, Unit | None] = {}
    if not ignore and not _same_characters(old, new, known):
        return False  # the streams differ: no need to read either text to its end
    return units_cosmetic(
        text_units(old, ignore=ignore, known=known), text_units(new, ignore=ignore, known=known)
    )


def _bare_keys(lines: list[str], start: int, known: dict[str, Unit | None]) -> Iterator[str]:
    """The keys, spaces removed, of LINES[START:] (no `ignore` rules), empty ones skipped."""
    in_fence = False
    for line in lines[:start]:
        if _FENCE.match(line):
            in_fence = not in_fence
    for line in lines[start:]:
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            unit = line_unit(line, in_fence=True)
        elif line in known:
            unit = known[line]
        else:
            unit = known[line] = line_unit(line)
        if unit is not None and (bare := unit.key.replace(" ", "")):
            yield bare


def _same_characters(old: str, new: str, known: dict[str, Unit | None]) -> bool:
    """Whether OLD's and NEW's keys, spaces removed and joined, are the same characters.

    Equal streams need it (a stream's only whitespace is the spaces between digits), so
    False means "not cosmetic". The lines both texts open with give the same keys and are
    skipped; the rest is read only up to the first character that differs.
    """
    a, b = old.split("\n"), new.split("\n")
    start = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        start += 1
    keys_a, keys_b = _bare_keys(a, start, known), _bare_keys(b, start, known)
    left = right = ""
    while True:
        if not left:
            left = next(keys_a, "")
        if not right:
            right = next(keys_b, "")
        if not left or not right:
            return not left and not right
        n = min(len(left), len(right))
        if left[:n] != right[:n]:
            return False
        left, right = left[n:], right[n:]


def line_key(line: str) -> str:
    """LINE's key alone ("" when it holds nothing compared): equal keys differ cosmetically."""
    unit = line_unit(line)
    return unit.key if unit else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def lines_cosmetic(old: str, new: str) -> bool:
    """Whether a line pair OLD → NEW (one sentence or row each) differs only cosmetically."""
    if old == new:
        return True
    a, b = line_unit(old), line_unit(new)
    if a is None or b is None:
        return a is None and b is None
    if (a.kind == "row") != (b.kind == "row"):
        return False
    if a.kind == b.kind == "item" and _indent(old) != _indent(new):
        return False  # nested deeper or shallower: under another item
    return a.key == b.key


def line_cosmetic(line: str) -> bool:
    """Whether adding or removing LINE alone is cosmetic (blank, a rule, a volatile line)."""
    return line_unit(line) is None


def block_cosmetic(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether lines OLD → NEW (a replaced block of one section) are only re-wrapped or retyped.

    The same stream, and every list item that is an item on both sides keeps its nesting.
    """
    a = [(u, x) for u, x in ((line_unit(x), x) for x in old) if u is not None]
    b = [(u, y) for u, y in ((line_unit(y), y) for y in new) if u is not None]
    if stream([u for u, _ in a]) != stream([u for u, _ in b]):
        return False
    indents_b = _item_indents(b)
    return all(indents_b.get(at, indent) == indent for at, indent in _item_indents(a).items())


def _item_indents(units: Sequence[tuple[Unit, str]]) -> dict[int, int]:
    """{stream offset: indentation} of the list items among UNITS."""
    out: dict[int, int] = {}
    at = 0
    for u, line in units:
        if u.kind == "item":
            out[at] = _indent(line)
        at += len(u.key.replace(" ", ""))
    return out
