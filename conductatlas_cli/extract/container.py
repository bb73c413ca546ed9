"""A cleaned HTML tree → the element holding the document.

- `apply_selectors(root, select=…, remove=…)`: a source's own CSS selectors.
- `find_container(root)`: the element that holds the document (most of the
  non-link text), plus the page title when it sits outside that element. Menus of
  links and labels that open or close it (a site builder's header and footer, with
  no `<nav>` or `<footer>` to name them) are dropped from it.

Cleaning comes first (`clean.clean_tree`); the conversion of the chosen element
to Markdown is in `markdown.py`. No per-site rules. lxml is imported lazily
(inside functions): this module walks trees it is given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from conductatlas_cli.extract.clean import (
    CONTAINER_TAGS,
    HEADING_TAGS,
    drop_element,
    link_length,
    text_length,
    text_sizes,
)
from conductatlas_cli.extract.markdown import FULL_DATE


def _css(selector: str):
    """A compiled CSS selector; ValueError names a selector that is not valid CSS."""
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        return CSSSelector(selector)
    except SelectorError:
        raise ValueError(f"selector '{selector}' is not valid CSS") from None


def apply_selectors(root, *, select: Sequence[str], remove: Sequence[str]):
    """Drop `remove` matches, then keep only the outermost `select` matches.

    Returns (element to convert, whether `select` matched); when `select` matches
    nothing, the whole page is returned and the flag is False.
    """
    for selector in remove:
        for el in _css(selector)(root):
            drop_element(el)
    if not select:
        return root, True
    matches: list = []
    for selector in select:
        matches.extend(_css(selector)(root))
    if not matches:
        return root, False
    chosen = set(matches)
    outer = [el for el in matches if not any(a in chosen for a in el.iterancestors())]
    order = {el: i for i, el in enumerate(root.iter())}
    outer = sorted(set(outer), key=lambda el: order.get(el, 0))
    import lxml.html

    wrapper = lxml.html.Element("div")
    for el in outer:
        el.tail = None
        wrapper.append(el)
    return wrapper, True


def find_container(root, *, share: float = 0.9, sizes: dict | None = None):
    """The element holding the document (see `choose_container`), without its path."""
    return choose_container(root, share=share, sizes=sizes)[0]


def choose_container(
    root,
    *,
    share: float = 0.9,
    sizes: dict | None = None,
    weights: dict | None = None,
    previous: str | None = None,
    unchanged=None,
):
    """(the element holding the document, the path of its core element in the tree).

    The core is the deepest element holding `share` of the page's non-link text
    (`weights`: per element, the text that counts; by default its non-link text), or
    the body; a page's single `<main>` holding half of it bounds the search. When
    `previous` (the path chosen last time) still names an element on the same chain
    holding about as much text, and `unchanged(kept, fresh)` says the text between the
    two is what it was last time, that one stays the core: the layout did not change,
    so neither does the container (a document growing past a threshold does not flip
    it; a region beside it whose text changes is no reason to keep it).

    Around the core come, in a wrapper: the prose blocks just before it at each level
    up to the page's main when the core lacks the title (a preamble: a title, a date, an
    introduction; stopping at the first block of links or of mere labels), and the page's only `<h1>` with its short block when it
    lies further before. `sizes`: what `clean_tree(root)` returned.
    """
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root
    if sizes is None:
        sizes = text_sizes(body)
    if weights is None:
        weights = {el: n - links for el, (n, links) in sizes.items()}
    total = weights.get(body, 0)
    if total <= 0:
        return body, None
    top = body
    mains = [el for el in body.iter() if el.tag == "main" or el.get("role") == "main"]
    if len(mains) == 1 and weights.get(mains[0], 0) >= 0.5 * total:
        top, total = mains[0], weights.get(mains[0], 0)  # the page names its content
    node = top
    while True:
        best = None
        for child in node:
            if child.tag in CONTAINER_TAGS and weights.get(child, 0) >= share * total:
                best = child
                break
        if best is None:
            break
        node = best
    node = _stable(root, node, previous, weights, unchanged)
    path = root.getroottree().getpath(node)
    _trim_menus(node, sizes)
    if node is body:
        return node, path
    if any(el.tag == "h1" for el in node.iter()):
        # it holds a title; a hero before it may hold the page's own (title, date)
        hero = _hero_block(node, body, weights)
        if hero is None:
            return node, path
        import lxml.html

        wrapper = lxml.html.Element("div")
        wrapper.extend([hero, node])
        return wrapper, path
    lead = _preamble(node, top, sizes, weights)
    parts = [*lead, node]
    if not any(el.tag == "h1" for part in parts for el in part.iter()):
        title = _title_block(node, body, lead[0] if lead else node)
        if title is not None:
            parts.insert(0, title)
    if len(parts) == 1:
        return node, path
    import lxml.html

    wrapper = lxml.html.Element("div")
    for part in parts:
        wrapper.append(part)
    return wrapper, path


MENU_MIN_LINKS = 2  # a menu offers a choice: two links or more
PROSE_WORDS = 6  # a run of this many words is a sentence, not a label
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


def _trim_menus(node, sizes: dict) -> None:
    """Drop the link menus that open or close the container (a site header's, a footer's).

    Only whole children of the container at its two ends, and only blocks of links and
    labels: half or more of their text is link text, two links or more, no sentence
    (`_has_prose`); a trailing one that the text before it introduces ("see below:")
    stays. Never all of the container.
    """
    children = [c for c in node if isinstance(c.tag, str) and (sizes.get(c) or (0, 0))[0]]
    lead = 0
    while lead < len(children) and _is_menu(children[lead], sizes):
        lead += 1
    trail = len(children)
    while trail > lead and _is_menu(children[trail - 1], sizes):
        trail -= 1
    if trail == lead:
        return  # nothing but menus: not ours to judge here
    if trail < len(children) and children[trail - 1].text_content().rstrip().endswith(":"):
        trail += 1  # the text presents the first of them: a list of links of its own
    for child in children[:lead] + children[trail:]:
        drop_element(child)


def _is_menu(el, sizes: dict) -> bool:
    n, links = sizes.get(el) or (0, 0)
    if not n or links * 2 < n:
        return False
    if sum(1 for a in el.iter("a") if a.text_content().strip()) < MENU_MIN_LINKS:
        return False
    return not _has_prose(el)


def _has_prose(el) -> bool:
    """Whether a text of el reads as a sentence (six words, or four ending like one).

    A copyright line ("© Example AB 2026. All rights reserved.") is a footer's label.
    """
    for piece in el.itertext():
        words = piece.split()
        if len(words) >= PROSE_WORDS or (len(words) >= 4 and _SENTENCE_END.search(piece)):
            if "©" not in piece:
                return True
    return False


STABLE_RATIO = 0.8  # the core chosen last time stays while it holds this share of the new one


def _stable(root, node, previous: str | None, weights: dict, unchanged):
    """The element at `previous` when it is on `node`'s chain with about the same text."""
    if not previous or unchanged is None:
        return node
    try:
        found = root.getroottree().xpath(previous)
    except Exception:  # noqa: BLE001 - a path from an older state that is not valid XPath
        return node
    if len(found) != 1 or found[0] is node or found[0].tag not in CONTAINER_TAGS | {"body"}:
        return node
    kept = found[0]
    if kept in set(node.iterancestors()) or node in set(kept.iterancestors()):
        small, large = sorted((weights.get(kept, 0), weights.get(node, 0)))
        if large > 0 and small >= STABLE_RATIO * large and unchanged(kept, node):
            return kept
    return node


PREAMBLE_SHARE = 0.25  # a preamble holds at most this share of the core's text


def _preamble(node, top, sizes: dict, weights: dict) -> list:
    """The prose blocks just before `node` at each level up to `top`, in document order."""
    found: list = []
    budget = PREAMBLE_SHARE * max(weights.get(node, 0), 1)
    current = node
    while current is not top and current is not None:
        sibling = current.getprevious()
        while sibling is not None:
            if isinstance(sibling.tag, str):
                n, links = sizes.get(sibling, (0, 0))
                if n:
                    weight = weights.get(sibling, 0)
                    if weight <= 0 or links * 2 >= n or weight > budget or _label_like(sibling):
                        return found  # links, chrome, a logo, too much: the preamble ends
                    budget -= weight
                    found.insert(0, sibling)
            sibling = sibling.getprevious()
        current = current.getparent()
    return found


def _label_like(el) -> bool:
    """No heading and no run of four words: a logo, labels of a menu; not a preamble."""
    if el.tag in HEADING_TAGS or any(h.tag in HEADING_TAGS for h in el.iter()):
        return False
    return not any(len(piece.split()) >= 4 for piece in el.itertext())


def _hero_block(node, body, weights: dict):
    """The one `<h1>` before a core that holds an `<h1>` of its own, with its dated block.

    A page's hero ("Privacy Policy", "Tuesday, July 29, 2025") above a text that opens
    with the document's own title. Not a linked `<h1>` (a logo), not when several come
    before the core, not without a date (a banner: "Legal Hub", "Information about our
    policies"), not when the site's other pages show the same (`weights` leave it no text).
    """
    inside = set(node.iter("h1"))
    before = []
    for el in body.iter():
        if el is node:
            break
        if el.tag == "h1" and el not in inside:
            before.append(el)
    if len(before) != 1 or link_length(before[0]) * 2 >= max(text_length(before[0]), 1):
        return None
    hero = _title_block(node, body, node, titles=before)
    if hero is None or weights.get(hero, 0) <= 0 or not FULL_DATE.search(hero.text_content()):
        return None
    return hero


def _title_block(node, body, first, titles=None):
    """The page's only `<h1>`, before `first`, with its short block (a hero: a date line)."""
    titles = list(body.iter("h1")) if titles is None else titles
    if len(titles) != 1:
        return None
    order = {el: i for i, el in enumerate(body.iter())}
    if order[titles[0]] >= order[first]:
        return None
    block = titles[0]
    ancestors = set(node.iterancestors())
    while True:
        parent = block.getparent()
        if parent is None or parent in ancestors or parent is body:
            break
        size = text_length(parent)
        if size > 400 or link_length(parent) * 2 > size:
            break
        block = parent
    return block
