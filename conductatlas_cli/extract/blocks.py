"""A cleaned page's text blocks: their fingerprints, and the evidence applied to them.

A text block is a paragraph, a heading, a whole list, table, definition list,
quote or `<pre>` (one block each), or the loose text of a `div`-like element
(its own text beside its child blocks). `text_blocks(body, sizes)` lists them in
document order with their fingerprint (`evidence.fingerprint`) and the non-link
characters they hold. Used by `extractor.extract_page`:

- `weights_without(…)`: the container weights with the chrome and volatile blocks
  taken out, so a banner or a menu left on the page does not decide the container;
- `strip_leading(…)`: drop the run of such blocks that opens the container before
  the document's first block of its own (never a heading, never a dated line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from conductatlas_cli.extract.clean import BLOCK_TAGS, drop_element
from conductatlas_cli.extract.evidence import MIN_BLOCK, fingerprint

_ATOMIC = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "dl", "pre",
    "blockquote", "address", "figcaption", "caption", "summary", "menu",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\.?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b(?:19|20)\d\d\b",
    re.I,
)


@dataclass(frozen=True)
class Block:
    element: Any  # the lxml element
    fingerprint: int
    weight: int  # non-link characters, whitespace aside
    atomic: bool  # the element is the block (else the block is its loose text)


def text_blocks(body, sizes: dict) -> list[Block]:
    """The text blocks under `body`, in document order (see the module doc)."""
    out: list[Block] = []
    _walk(body, sizes, out)
    return out


def _walk(el, sizes: dict, out: list[Block]) -> None:
    own: list[str] = [el.text or ""]
    children = []
    for child in el:
        if not isinstance(child.tag, str):
            own.append(child.tail or "")
            continue
        if child.tag in _ATOMIC or child.tag in BLOCK_TAGS:
            children.append(child)
        else:  # inline: its text is this element's own
            own.append(child.text_content())
        own.append(child.tail or "")
    text = "".join(own)
    if not text.isspace():
        fp = fingerprint(text)
        if fp is not None:
            out.append(Block(el, fp, len("".join(text.split())), False))
    for child in children:
        if child.tag in _ATOMIC:
            n, links = sizes.get(child) or (0, 0)
            if n < MIN_BLOCK:
                continue  # too short to fingerprint: no need to read its text
            fp = fingerprint(child.text_content())
            if fp is not None:
                out.append(Block(child, fp, n - links, True))
        else:
            _walk(child, sizes, out)


def weights_without(sizes: dict, blocks: list[Block], noise: frozenset[int], body) -> dict | None:
    """Container weights (non-link text) with the NOISE blocks taken out.

    None when there is nothing to take out, or when it would be half the page's text
    (the page is another document's double, not a template around a document).
    """
    weights = {el: n - links for el, (n, links) in sizes.items()}
    dropped = [b for b in blocks if b.fingerprint in noise]
    if not dropped:
        return None
    if sum(b.weight for b in dropped) * 2 >= weights.get(body, 0):
        return None
    for block in dropped:
        el = block.element
        if block.atomic and el in weights:
            weights[el] -= block.weight
        for ancestor in el.iterancestors():
            if ancestor in weights:
                weights[ancestor] -= block.weight
            if ancestor is body:
                break
    return weights


def strip_leading(container, blocks: list[Block], noise: frozenset[int]) -> int:
    """Drop the NOISE blocks that open `container` before a block of its own; how many."""
    inside = {b.element: b for b in blocks if b.atomic}
    loose = {b.element for b in blocks if not b.atomic}
    leading = []
    for el in container.iter():
        if el in loose:
            break  # loose text comes first: the document's own
        block = inside.get(el)
        if block is None:
            continue
        if block.fingerprint not in noise or el.tag in _HEADINGS:
            break  # a title is the document's own, even when a menu elsewhere says the same
        if _DATE.search(el.text_content()):
            break  # "Last updated: 1 May 2026" is the document's, whoever else shows it
        leading.append(el)
    for el in leading:
        drop_element(el)
    return len(leading)


def region_unchanged(blocks: list[Block], known: frozenset[int]):
    """A test for `choose_container`: do the blocks in one element and not the other all
    belong to KNOWN (the page's blocks at its last extraction)?"""

    def unchanged(a, b) -> bool:
        outer, inner = (b, a) if b in set(a.iterancestors()) else (a, b)
        for block in blocks:
            chain = set(block.element.iterancestors())
            chain.add(block.element)
            if outer in chain and inner not in chain and block.fingerprint not in known:
                return False
        return True

    return unchanged
