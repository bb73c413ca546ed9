"""A cleaned HTML tree → the element holding the document.

- `apply_selectors(root, select=…, remove=…)`: a source's own CSS selectors.
- `find_container(root)`: the element that holds the document (most of the
  non-link text), plus the page title when it sits outside that element.

Cleaning comes first (`clean.clean_tree`); the conversion of the chosen element
to Markdown is in `markdown.py`. No per-site rules. lxml is imported lazily
(inside functions): this module walks trees it is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from conductatlas_cli.extract.clean import (
    CONTAINER_TAGS,
    drop_element,
    link_length,
    text_length,
    text_sizes,
)


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
    """The deepest element holding `share` of the page's non-link text, or the body.

    When the page's only `<h1>` (its title) lies before that element, it is
    prepended to a wrapper so the document keeps its title. `sizes`: what
    `clean_tree(root)` returned, to save counting the text again.
    """
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root
    if sizes is None:
        sizes = text_sizes(body)
    weights = {el: n - links for el, (n, links) in sizes.items()}
    total = weights.get(body, 0)
    if total == 0:
        return body
    node = body
    mains = [el for el in body.iter() if el.tag == "main" or el.get("role") == "main"]
    if len(mains) == 1 and weights.get(mains[0], 0) >= 0.5 * total:
        node, total = mains[0], weights.get(mains[0], 0)  # the page names its content
    while True:
        best = None
        for child in node:
            if child.tag in CONTAINER_TAGS and weights.get(child, 0) >= share * total:
                best = child
                break
        if best is None:
            break
        node = best
    if node is body or any(el.tag == "h1" for el in node.iter()):
        return node
    import lxml.html

    titles = [h for h in body.iter("h1")]
    order = {el: i for i, el in enumerate(body.iter())}
    before = [h for h in titles if order[h] < order[node]]
    if not titles:  # a title styled by CSS alone: take a short block just before, if any
        lead = _lead_block(node, body, limit=max(300, min(2000, total // 20)))
        if lead is None:
            return node
        wrapper = lxml.html.Element("div")
        wrapper.append(lead)
        wrapper.append(node)
        return wrapper
    if len(titles) != 1 or not before:
        return node

    # The title's own block (a hero: the title, a date line) comes along, if short.
    block = before[0]
    ancestors = set(node.iterancestors())
    while True:
        parent = block.getparent()
        if parent is None or parent in ancestors or parent is body:
            break
        size = text_length(parent)
        if size > 400 or link_length(parent) * 2 > size:
            break
        block = parent
    wrapper = lxml.html.Element("div")
    wrapper.append(block)
    wrapper.append(node)
    return wrapper


def _lead_block(node, body, *, limit: int = 300):
    """The element just before `node` (at its level or an ancestor's) if it is short prose.

    Short: at most `limit` characters (a title, a date, an introduction).
    """
    current = node
    while current is not body and current is not None:
        sibling = current.getprevious()
        while sibling is not None and (
            not isinstance(sibling.tag, str) or not sibling.text_content().strip()
        ):
            sibling = sibling.getprevious()
        if sibling is not None:
            size = text_length(sibling)
            if size <= limit and link_length(sibling) * 2 < size:
                return sibling
            return None
        current = current.getparent()
    return None
