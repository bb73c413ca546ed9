"""An HTML tree cleaned of what is never document text: the first step of HTML extraction.

`clean_tree(root)` drops scripts, hidden elements that no control opens
(`controls.py` keeps accordion and tab panels), navigation, cookie/consent
banners, share and feedback widgets, skip-links and headings that are menus of
links; a link list that the text introduces stays. No per-site rules. It
returns the text sizes it measured, which `container.find_container` reuses.

lxml is imported lazily (inside functions): this module walks trees it is given.
"""

from __future__ import annotations

import functools
import re

# Elements whose content is never document text.
_JUNK_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
    "embed", "video", "audio", "picture", "img", "button", "input", "select",
    "textarea", "option", "dialog", "head", "link", "meta", "map", "math",
}  # fmt: skip
_NAV_ROLES = {"navigation", "search", "dialog", "alertdialog", "menu", "menubar", "toolbar"}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul", "center", "caption", "legend", "menu",
}  # fmt: skip
# Elements that can hold a document; a list or a table is part of one, never all of it.
CONTAINER_TAGS = {"div", "section", "article", "main", "form", "center", "font", "span"}
HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SR_ONLY = re.compile(
    r"(?:^|[\s_-])(sr-only|visually-hidden|screen-reader-text|screenreader)", re.I
)
_RESPONSIVE_SHOW = re.compile(r":(?:block|flex|grid|inline|inline-block|table|contents)$")
# Consent UI: always a banner or preference centre, never the document.
_CONSENT = re.compile(
    r"consent|gdpr|onetrust|cookiebot|cookielaw|cc-(?:banner|window)|didomi|usercentrics|"
    r"truste|osano|cookie-?(?:banner|bar|notice|popup|modal|prompt|wall)",
    re.I,
)
_COOKIE = re.compile(r"cookie", re.I)
# Page furniture: dropped when it is mostly links or has no text of its own.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|sidebar|toc|table-of-contents|"
    r"related|share|sharing|social|pagination|pager|skip|footer|header|topbar|feedback|"
    r"banner|toolbar|subscribe|newsletter)(?:$|[\s_-])",
    re.I,
)
_FEEDBACK_TEXT = re.compile(
    r"^(?:was this (?:page |article |information )?helpful|did this (?:page |article )?"
    r"(?:help|answer)|is this page helpful|rate this (?:page|article)|give feedback|"
    r"share this (?:page|article)|skip to (?:main )?content|back to top)\b",
    re.I,
)
# The same on text not yet whitespace-normalized: whatever _FEEDBACK_TEXT matches, this does.
_FEEDBACK_LOOSE = re.compile(r"\s*" + _FEEDBACK_TEXT.pattern[1:].replace(" ", r"\s+"), re.I)
# Its first letters, same case rules: an element whose own text starts otherwise never matches.
_FEEDBACK_HEAD = re.compile(r"\s*(?:w|d|i|r|g|s|b)", re.I)
_WS = re.compile(r"\s+")
_UTILITY_VARIANT = re.compile(r"[:\[@]")


def _attribute_getter(el):
    """A `get` over el's attributes (one lxml call for all of them), or None if it has none."""
    items = el.items()
    return dict(items).get if items else None


def text_length(el) -> int:
    return len(_WS.sub("", el.text_content()))


def link_length(el) -> int:
    return sum(len(_WS.sub("", a.text_content())) for a in el.iter("a"))


def _is_hidden(get) -> bool:
    """Whether the attributes (`get`: the element's `get`) hide the element."""
    if get("hidden") is not None or get("aria-hidden", "").lower() == "true":
        return True
    style = get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    return _hidden_class(get("class", ""))


@functools.lru_cache(maxsize=4096)
def _hidden_class(classes: str) -> bool:
    """Whether a class attribute hides its element (pages repeat a few class strings)."""
    if _SR_ONLY.search(classes):
        return True
    tokens = classes.split()
    return "hidden" in tokens and not any(_RESPONSIVE_SHOW.search(t) for t in tokens)


@functools.lru_cache(maxsize=4096)
def _attr_flags(attrs: str) -> tuple[bool, bool, bool]:
    """Whether id + class words name consent UI, cookies, page furniture.

    Utility-class variants (`toc-visible:@md:col-start-2`, `[&>a]:underline`) are styling
    conditions, not names: a layout's redesign renames them, so they name nothing here.
    """
    if ":" in attrs or "[" in attrs or "@" in attrs:
        attrs = " ".join(t for t in attrs.split() if not _UTILITY_VARIANT.search(t))
    return bool(_CONSENT.search(attrs)), bool(_COOKIE.search(attrs)), bool(_FURNITURE.search(attrs))


def drop_element(el) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def clean_tree(root) -> dict:
    """Drop from `root` every element that is never document text (see module doc).

    Class-based rules never drop an element that holds half or more of the page's
    text: a cookie *policy* may well live in a `div.cookie-policy`. Returns the text
    sizes of what is left, for `find_container(root, sizes=…)`.
    """
    from lxml import etree

    from conductatlas_cli.extract.controls import open_disclosures

    panels = open_disclosures(root)  # accordions, tabs: what a user can open stays
    junk = []
    # comments, processing instructions and junk tags, in document order
    for el in root.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity, *_JUNK_TAGS):
        if el.tag == "button" and any(a.tag in HEADING_TAGS for a in el.iterancestors()):
            continue  # accordion headings: <h3><button>Title</button></h3>
        junk.append(el)
    icons = _cell_icons(root)
    for el in junk:
        if el in icons:
            _replace_by_text(el, icons[el])
        else:
            drop_element(el)
    for el, label in icons.items():
        if el.tag not in _JUNK_TAGS:
            el.text = label

    body = root.find("body") if root.tag == "html" else root
    if body is None:
        body = root

    sizes = text_sizes(body)
    total = max(sizes.get(body, (0, 0))[0], 1)
    candidates = []
    for el, size in sizes.items():  # in document order
        if el is not body:
            kind = _junk_kind(el, size)
            if kind:
                candidates.append((el, kind))

    removed: list = []
    removed_set: set = set()
    hidden_total = 0
    for el, kind in candidates:
        if any(anc in removed_set for anc in el.iterancestors()):
            continue
        size, links = sizes.get(el, (0, 0))
        if kind != "tag" and size * 2 >= total:
            continue  # never drop the bulk of the page on a class name or an attribute
        if kind in ("furniture", "tag") and not _is_furniture(el, size, links):
            continue
        if kind == "furniture" and _is_introduced_list(el):
            continue  # a list of links the text presents ("see the links below:")
        if kind == "hidden":
            if el in panels or _answers_heading(el):
                continue  # a collapsed panel a control (or its heading) opens
            hidden_total += size
        removed.append((el, kind, size))
        removed_set.add(el)
    # Collapsed accordions hide most of a document until a click: when hidden
    # elements hold much of the page's text, only the small hidden bits go.
    collapsed = hidden_total * 5 >= total * 2
    for el, kind, size in removed:
        if collapsed and kind == "hidden" and (size >= 200 or _has_blocks(el)):
            continue
        _, links = sizes.get(el, (0, 0))
        for ancestor in el.iterancestors():  # its tail stays with its parent: size unchanged
            if ancestor in sizes:
                n, a_links = sizes[ancestor]
                sizes[ancestor] = (n - size, a_links - links)
            if ancestor is body:
                break
        drop_element(el)
    return sizes


_ICON_XPATH = (
    "//td//*[@alt or @aria-label or @title] | //th//*[@alt or @aria-label or @title]"
    " | //td//svg[title] | //th//svg[title]"
)
_ICON_TAGS = {"img", "svg", "i", "span"}


def _cell_icons(root) -> dict:
    """{icon: its label} for a table cell whose only content is a labelled icon.

    A ✓ or ✗ drawn as an image (`<img alt="Yes">`, `<svg aria-label="Not sold">`,
    `<span role="img" aria-label="✓">`, `<svg><title>Included</title>…`) is the cell's
    value: its label is the text. An icon marked `aria-hidden` is decoration.
    """
    icons: dict = {}
    valued: set = set()  # the cells that have their icon
    if root.find(".//td") is None and root.find(".//th") is None:
        return icons
    for el in root.xpath(_ICON_XPATH):
        if el.tag not in _ICON_TAGS or (el.tag in ("i", "span") and el.get("role") != "img"):
            continue
        if el.get("aria-hidden", "").lower() == "true":
            continue
        label = el.get("alt") or el.get("aria-label") or el.get("title")
        if label is None and el.tag == "svg":
            label = el.findtext("title")
        label = _WS.sub(" ", label or "").strip()
        cell = next((a for a in el.iterancestors() if a.tag in ("td", "th")), None)
        if not label or cell is None or cell in valued or _visible_text(cell):
            continue  # no label, no cell, a cell valued already (one value per cell), or text
        valued.add(cell)
        icons[el] = label
    return icons


def _visible_text(el) -> bool:
    """Whether EL holds text outside the tags that are never text (an icon's <title>)."""
    if el.tag in _JUNK_TAGS:
        return False
    if (el.text and el.text.strip()) or any(
        c.tail and c.tail.strip() for c in el if isinstance(c.tag, str)
    ):
        return True
    return any(_visible_text(c) for c in el if isinstance(c.tag, str))


def _replace_by_text(el, text: str) -> None:
    """Remove an element, leaving TEXT (then its tail) where it was."""
    el.tail = f"{text}{el.tail or ''}"
    drop_element(el)


def _answers_heading(el) -> bool:
    """Whether hidden `el` is the collapsed answer of the visible heading right before it.

    `<h3>Can I cancel?</h3><div hidden><p>Yes, within 14 days.</p></div>`: a FAQ whose
    heading opens its answer by script, with no ARIA to say so. The heading promises the
    text; what no user can open (a duplicate of the next block) is not such an answer.
    """
    prev = el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is None or not (prev.tag in HEADING_TAGS or prev.get("role") == "heading"):
        return False
    get = _attribute_getter(prev)
    if (get is not None and _is_hidden(get)) or not _WS.sub("", prev.text_content()):
        return False
    text = _WS.sub(" ", el.text_content()).strip()
    if not text:
        return False
    after = el.getnext()
    return after is None or _WS.sub(" ", after.text_content()).strip() != text


def _has_blocks(el) -> bool:
    """Whether `el` holds paragraphs, lists or tables (content, not a label)."""
    return any(d.tag in ("p", "li", "table", "dd", "blockquote") for d in el.iterdescendants())


def _junk_kind(el, size: tuple[int, int]) -> str | None:
    """Why `el` is page furniture, or None: "hidden", "tag", "consent", "furniture"."""
    tag = el.tag
    get = _attribute_getter(el)
    if get is None:  # no attributes: only the tag and the text can tell
        if tag in HEADING_TAGS:
            return "nav" if _is_menu_heading(el, size) else None
        if tag in ("nav", "footer"):
            return "tag"
        if tag == "aside":
            return "nav"
        if tag == "header":
            return "furniture"
        return _feedback_kind(el, size, "")
    role = get("role", "").lower()
    hidden = _is_hidden(get)
    if tag in HEADING_TAGS and not hidden:
        # a heading is never a banner, whatever its id ("cookie-notice"); it may be a menu
        return "nav" if _is_menu_heading(el, size) else None
    consent, cookie, furniture = _attr_flags(f"{get('id', '')} {get('class', '')}")
    if consent or (
        cookie
        and (role in ("region", "dialog", "alertdialog", "alert") or _is_banner_text(el, size))
    ):
        return "consent"
    if role in _NAV_ROLES or get("aria-modal") == "true":
        return "consent" if role in ("dialog", "alertdialog") else "nav"
    if hidden:
        return "hidden"
    if tag in ("nav", "footer") or role == "contentinfo":
        return "tag"
    if tag == "aside":
        return "nav"
    if tag == "header" or role == "banner" or furniture:
        return "furniture"
    return _feedback_kind(el, size, get("href", ""))


def _is_menu_heading(el, size: tuple[int, int]) -> bool:
    """A heading made of links to other pages with nothing after it: a side menu.

    `<h2>Other policies <a href="/terms">Terms</a> <a href="/cookies">Cookies</a></h2>`
    at the end of its block: two or more such links, holding half or more of its text,
    the rest at most a short label. A heading followed by text is a section's.
    """
    if size[1] * 2 < size[0] or not size[0]:
        return False  # cheap: not even half of it is link text
    links = [a for a in el.iter("a") if not a.get("href", "#").startswith("#")]
    linked = sum(len("".join(a.text_content().split())) for a in links)
    if len(links) < 2 or linked * 2 < size[0] or size[0] - linked > 40:
        return False
    if el.tail and el.tail.strip():
        return False
    return not any(
        sib.text_content().strip() or (sib.tail or "").strip() for sib in el.itersiblings()
    )


def _feedback_kind(el, size: tuple[int, int], href: str) -> str | None:
    """The kind "nav" for a short feedback, share or skip widget ("Was this page helpful?")."""
    if size[0] >= 200:
        return None
    if el.tag == "a" and href.startswith("#"):
        raw = el.text_content()
        if _FEEDBACK_LOOSE.match(raw) and _FEEDBACK_TEXT.match(_WS.sub(" ", raw).strip()):
            return "nav"
    elif el.tag in BLOCK_TAGS and len(el) <= 8:
        own = el.text
        if own and not own.isspace() and not _FEEDBACK_HEAD.match(own):
            return None  # its text starts with no feedback phrase's first letter
        raw = el.text_content()
        if _FEEDBACK_LOOSE.match(raw):  # cheap: most blocks fail here, unnormalized
            text = _WS.sub(" ", raw).strip()
            if text and len(text) < 200 and _FEEDBACK_TEXT.match(text):
                return "nav"
    return None


_BANNER_TEXT = re.compile(
    r"\b(?:accept|reject|decline|allow all|deny|manage (?:cookies|preferences|settings)|"
    r"cookie settings|cookie preferences|got it)\b",
    re.I,
)


def _is_banner_text(el, size: tuple[int, int]) -> bool:
    """A short block offering to accept or reject cookies."""
    return size[0] < 1500 and bool(_BANNER_TEXT.search(el.text_content()))


def _is_furniture(el, size: int, links: int) -> bool:
    """A header/footer/menu-like block: mostly links, or no text; a header without a heading."""
    if size == 0:
        return True
    if links * 2 >= size:
        return True
    if el.tag in ("nav", "footer") or el.get("role", "").lower() == "contentinfo":
        return True  # navigation; a page's footer: links, newsletter forms, copyright
    if el.tag == "header" or el.get("role", "").lower() == "banner":
        # an article's own header holds its title: keep one that has a heading
        return not any(h.tag in HEADING_TAGS for h in el.iter())
    return False  # a class name alone (utility classes say "toc-visible:…") is not enough


_INTRO = re.compile(r":\s*$|\b(?:below|following)\b[^.!?]*[.!?]?\s*$", re.I)


def _is_introduced_list(el) -> bool:
    """A list of links that the sentence just before it introduces: content, not a menu.

    Only for furniture by class name (`div.toc-visible`, `ul.links`): the previous
    block is prose (six words or more) whose last sentence ends with a colon or
    points at the list ("follow the links below"). A header's links stay furniture.
    """
    if el.tag == "header" or el.get("role", "").lower() == "banner":
        return False
    if el.tag not in ("ul", "ol") and el.find(".//li") is None:
        return False
    prev = el.getprevious()
    while prev is not None and not (prev.tail or "").strip() and not prev.text_content().strip():
        prev = prev.getprevious()
    if prev is None or (prev.tail or "").strip() or prev.tag in HEADING_TAGS:
        return False
    text = " ".join(prev.text_content().split())
    return len(text.split()) >= 6 and bool(_INTRO.search(text))


def text_sizes(body) -> dict:
    """(all text, link text) characters under each element, whitespace excluded; one pass.

    The dict's order is the document's (an element's entry is made when it opens).
    """
    from lxml import etree

    sizes: dict = {}
    stack: list = []  # per open element: [text, link text, inside a link]
    for event, el in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue  # a comment's text and tail are not the page's
        if event == "start":
            linked = el.tag == "a" or (stack[-1][2] if stack else False)
            text = el.text
            n = len("".join(text.split())) if text else 0  # str.split: the same spaces as \s
            stack.append([n, n if linked else 0, linked])
            sizes[el] = None  # its place in document order; the sizes come at its end
            continue
        n, links, _ = stack.pop()
        sizes[el] = (n, links)
        if stack:
            parent = stack[-1]
            parent[0] += n
            parent[1] += links
            tail = el.tail
            if tail:
                n = len("".join(tail.split()))
                parent[0] += n
                if parent[2]:
                    parent[1] += n
    return sizes
