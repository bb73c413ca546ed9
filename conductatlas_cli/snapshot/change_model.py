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
from collections.abc import Iterator, Sequence

from conductatlas_cli.snapshot.ignore import IgnoreRules
from conductatlas_cli.snapshot.units import FENCE, Unit, line_unit, squeeze  # the line level

COSMETIC_CLASSES = (
    "whitespace",
    "typography",
    "markdown syntax and structure flips",
    "volatile lines and tracking parameters",
    "ignore lines",
    "dates written another way",
)
NEVER_COSMETIC_SIGNS = "<>≤≥=≠±%$€£¥§¶✓✔✗✘☑☐✅❌"


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
    known = {} if known is None else known
    for line, unit in _line_units(text.split("\n"), known, rules=rules):
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
    return squeeze(" ".join(u.key for u in units))


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


def _line_units(
    lines: Sequence[str],
    known: dict[str, Unit | None],
    *,
    rules: IgnoreRules | None = None,
    in_fence: bool = False,
) -> Iterator[tuple[str, Unit]]:
    """(line, unit) of each of LINES that holds one (fence marks and RULES' lines skipped);
    IN_FENCE: LINES start inside a code fence. KNOWN: see `text_units`."""
    for line in lines:
        if FENCE.match(line):
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
        if unit is not None:
            yield line, unit


def _bare_keys(lines: list[str], start: int, known: dict[str, Unit | None]) -> Iterator[str]:
    """The keys, spaces removed, of LINES[START:] (no `ignore` rules), empty ones skipped."""
    in_fence = False
    for line in lines[:start]:
        if FENCE.match(line):
            in_fence = not in_fence
    for _, unit in _line_units(lines[start:], known, in_fence=in_fence):
        if bare := unit.key.replace(" ", ""):
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
