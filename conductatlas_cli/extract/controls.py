"""Disclosure widgets (accordions, tabs, `<details>`): what a user can open is document text.

`open_disclosures(root)` runs before cleaning. A control is an element with
`aria-expanded` or `aria-controls`, a `role="tab"`, or a `<summary>`; its panel is
the element its `aria-controls` names, else (for `aria-expanded`) the element
right after it. Then:

- a panel holding text that is not mostly links is content, however it is hidden
  until opened (`hidden`, `aria-hidden`, `display: none`, a `hidden` class): it
  stays, and the control's label becomes its heading, one level below the
  section heading the widget sits under (`<summary>` in place, the others at the
  start of, or just before, their panel);
- a control whose panel is a menu (mostly links, a `menu`/`listbox`/`navigation`
  role, a dialog) is navigation: both go (a language picker, a menu toggle); a
  control whose panel is empty goes;
- a control inside a heading (`<h3><button>…</button></h3>`) already has one;
- a `role="tabpanel"` that no control names is a tab's panel all the same (its tabs
  are wired by script): it stays, with the text of the element its
  `aria-labelledby` names as its heading when that element is outside it.

What no user can see still goes in cleaning: templates, hidden elements that no
control opens (off-screen duplicates), empty modals.
"""

from __future__ import annotations

import re

from conductatlas_cli.extract.clean import HEADING_TAGS, drop_element

_CONTROL_XPATH = (
    "//*[@aria-expanded or @aria-controls or @role='tab' or @role='tabpanel'] | //summary"
)
_CONTROL_TAGS = {"button", "a", "div", "span", "li", "summary", "p", "dt", "label"}
_MENU_ROLES = {"menu", "menubar", "listbox", "navigation", "dialog", "alertdialog", "tooltip"}
_FURNITURE_TAGS = {"nav", "header", "footer", "dialog"}
_INLINE_PANELS = {"ul", "ol", "table", "p", "dl", "tbody", "pre", "blockquote"}
_SKIP_TEXT = {"svg", "style", "script", "template", "noscript"}
_WS = re.compile(r"\s+")
MAX_LABEL = 200


def _label(el) -> str:
    """The control's visible text (icons and scripts aside), on one line."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIP_TEXT:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return _WS.sub(" ", "".join(parts)).strip()


def _sizes(el) -> tuple[int, int]:
    text = len(_WS.sub("", el.text_content()))
    links = sum(len(_WS.sub("", a.text_content())) for a in el.iter("a"))
    return text, links


def _in_furniture(el) -> bool:
    for anc in el.iterancestors():
        if anc.tag in _FURNITURE_TAGS or (anc.get("role") or "").lower() in _MENU_ROLES:
            return True
    return False


def _panel_after(control, label: str):
    """The element right after the control (or after the wrapper it is the only text of)."""
    node = control
    for _ in range(3):
        sibling = node.getnext()
        while sibling is not None and not isinstance(sibling.tag, str):
            sibling = sibling.getnext()
        if sibling is not None:
            return sibling
        parent = node.getparent()
        if parent is None or _label(parent) != label:
            return None
        node = parent
    return None


def _panel(control, label: str, ids: dict):
    for ref in (control.get("aria-controls") or "").split():
        panel = ids.get(ref)
        if panel is not None:
            return panel
    if control.get("aria-expanded") is not None:
        return _panel_after(control, label)
    return None


def _is_menu(panel) -> str | None:
    """ "menu" for a menu or dialog, "empty" for a panel with no text, else None."""
    role = (panel.get("role") or "").lower()
    if role in _MENU_ROLES or panel.get("aria-modal") == "true" or panel.tag in _FURNITURE_TAGS:
        return "menu"
    text, links = _sizes(panel)
    if text == 0:
        return "empty"
    return "menu" if links * 2 >= text else None


def _heading_levels(root, controls: list, panels: set) -> dict:
    """Per control: one below the last heading before it that is not inside a panel."""
    wanted = set(controls)
    levels: dict = {}
    last = 1
    for el in root.iter():
        if el in wanted:
            levels[el] = min(last + 1, 6)
            continue
        tag = el.tag
        level = HEADING_TAGS.get(tag) if isinstance(tag, str) else None
        if level is None and isinstance(tag, str) and el.get("role") == "heading":
            level = 2
        if level is not None and not any(a in panels for a in el.iterancestors()):
            last = level
    return levels


def open_disclosures(root) -> set:
    """Turn disclosure controls into headings of their panels; the panels to keep (see doc)."""
    found = root.xpath(_CONTROL_XPATH)
    if not found:
        return set()
    tab_panels = [el for el in found if el.get("role") == "tabpanel"]
    if tab_panels:
        found = [
            el
            for el in found
            if el.get("role") != "tabpanel"
            or el.get("aria-controls") is not None
            or el.get("aria-expanded") is not None
        ]
    ids = {}
    if any(el.get("aria-controls") for el in found) or tab_panels:
        ids = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    content: list = []  # (control, label, panel or None for a summary)
    panels: set = set()
    for control in found:
        if control.tag not in _CONTROL_TAGS or _in_furniture(control):
            continue
        label = _label(control)
        if control.tag == "summary":
            if control.getparent() is not None and control.getparent().tag == "details":
                content.append((control, label, None))
            continue
        panel = _panel(control, label, ids)
        if panel is None or panel is control or panel in set(control.iterancestors()):
            continue
        if control in set(panel.iterancestors()):
            continue  # the control wraps its panel: nothing to move
        menu = _is_menu(panel)
        if menu:
            drop_element(control)
            if menu == "menu":
                drop_element(panel)  # a menu a control toggles is navigation
            continue
        panels.add(panel)
        content.append((control, label, panel))
    for panel in tab_panels:
        if panel in panels or _in_furniture(panel) or _is_menu(panel):
            continue
        panels.add(panel)
        refs = (panel.get("aria-labelledby") or "").split()
        tab = next((ids[r] for r in refs if r in ids), None)
        if tab is None or tab.tag not in _CONTROL_TAGS or _in_furniture(tab):
            continue
        if tab in set(panel.iterancestors()) or panel in set(tab.iterancestors()):
            continue  # labelled by a heading of its own, or by what wraps it
        content.append((tab, _label(tab), panel))
    if not content:
        return panels
    levels = _heading_levels(root, [c for c, _, _ in content], panels)
    import lxml.html

    for control, label, panel in content:
        in_heading = any(
            a.tag in HEADING_TAGS or a.get("role") == "heading" for a in control.iterancestors()
        )
        if in_heading:
            continue  # <h3><button>Title</button></h3>: the heading is there already
        if not label or len(label) > MAX_LABEL:
            if panel is not None:
                drop_element(control)
            continue
        tag = f"h{levels.get(control, 2)}"
        if panel is None:  # <summary>: a heading where it is
            tail = control.tail
            control.clear()
            control.tag, control.text, control.tail = tag, label, tail
            continue
        heading = lxml.html.Element(tag)
        heading.text = label
        if panel.tag in _INLINE_PANELS:  # a list or a paragraph holds no heading
            panel.addprevious(heading)
        else:
            heading.tail = panel.text
            panel.text = None
            panel.insert(0, heading)
        drop_element(control)
    return panels
