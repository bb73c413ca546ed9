"""Body bytes → the document's Markdown (headings, lists, tables), not yet normalized.

Public interface (used by conductatlas_cli/run/pages.py):

    extract_page(request: ExtractRequest) -> PageExtraction
        the text (`.text`), the page's block fingerprints and the container's path: what
        the run keeps to build the next Evidence (evidence.py). Raises ExtractError (one
        line) for a corrupt/encrypted PDF, binary or undecodable input, or HTML too
        deep/large for the parser's limits.
    extractor_id() -> str   e.g. "atlas 0.1.0; trafilatura 2.3.1"

By content type: HTML/XHTML → the HTML path below; text/plain, text/markdown and
JSON → the decoded text as it is; PDF (declared, or any body starting with
`%PDF-`) → pypdf's text (layout mode, lines reflowed into paragraphs), page by
page; no type or another text/* → sniffed (HTML if it starts like HTML, else
text). Any other type (images, archives, octet streams that are not text) →
ExtractError.

The HTML path (`container.py`, then `htmlmarkdown.py`), with no per-site rules: parse with lxml
(its depth and text-size limits are ExtractErrors, not silent truncation); apply
the source's `remove` then `select` selectors (outermost matches, in document
order; a `select` that matches nothing falls back to the whole page and logs a
warning); drop what is never document text (scripts, hidden elements,
navigation, header/footer, cookie/consent banners, share/feedback widgets,
skip-links); find the element holding the document (the deepest section-like
element holding 90% of the non-link text, plus the page title or a short lead
block just before it); convert it to Markdown ourselves (headings, including
ARIA and bold pseudo-headings, nested lists, GFM tables).

Why not trafilatura's own Markdown: measured on real policy pages, it drops
every heading when it does not recognise the main container, loses cookie
tables and list items, and its output style changes with its heuristics, which
makes diffs noisy. It remains the fallback for a page our cleaning empties
(`deduplicate=False`: its cache would make output depend on earlier pages).
See benchmarks/extract_quality.py for the figures.

lxml, trafilatura and pypdf are imported inside the functions that use them:
`atlas --help` and `atlas diff` must not pay for them.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from typing import Any

from conductatlas_cli import __version__
from conductatlas_cli.errors import ExtractError
from conductatlas_cli.extract.evidence import Evidence, ExtractRequest, PageExtraction

_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
_TEXT_TYPES = {"text/plain", "text/markdown", "text/x-markdown", "application/json"}
_SNIFF_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|div|p|h[1-6])\b",
                         re.I | re.S)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


@functools.lru_cache(maxsize=1)
def extractor_id() -> str:
    """What produced a snapshot's text, for the `Atlas-Extractor` commit trailer."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        traf = version("trafilatura")
    except PackageNotFoundError:  # pragma: no cover - a declared dependency
        traf = "unknown"
    return f"atlas {__version__}; trafilatura {traf}"


def extract_page(request: ExtractRequest) -> PageExtraction:
    """The request's body as Markdown, with the page's block fingerprints and container path.

    Raises ExtractError when it has no text to give.

    The request's `evidence` (chrome and volatile blocks, the container chosen last
    time) applies to HTML extracted without `select`; see `evidence.py`.
    """
    body, url, charset = request.body, request.url, request.charset
    select, remove, evidence = request.select, request.remove, request.evidence
    ctype = (request.content_type or "").split(";")[0].strip().lower()
    if body.lstrip()[:5] == b"%PDF-" or ctype == "application/pdf":
        return PageExtraction(_pdf_text(body, url))
    if ctype in _HTML_TYPES or ctype.endswith("+xml"):
        text = _decode(body, charset, url)
        return _html_page(text, url, select=select, remove=remove, evidence=evidence)
    if ctype in _TEXT_TYPES:
        return PageExtraction(_decode(body, charset, url))
    if ctype in _SNIFF_TYPES or ctype.startswith("text/"):
        text = _decode(body, charset, url)
        if _HTML_START.match(text):
            return _html_page(text, url, select=select, remove=remove, evidence=evidence)
        return PageExtraction(text)
    raise ExtractError(f"'{url}' is served as '{ctype}', which has no text to extract")


# ---- decoding ---------------------------------------------------------------


def _decode(body: bytes, declared: str | None, url: str) -> str:
    """Bytes → str by charset.decode_text (BOM, header, <meta>, UTF-8, detection)."""
    from conductatlas_cli.extract.charset import decode_text

    text = decode_text(body, declared=declared)
    if "\x00" in text[:65536] or _control_share(text[:65536]) > 0.05:
        raise ExtractError(f"'{url}' is not text in any charset it declares")
    return text


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROL.findall(text)) / len(text)


# ---- PDF --------------------------------------------------------------------


def _pdf_text(body: bytes, url: str) -> str:
    """pypdf's text, page by page, a blank line between pages."""
    import io

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - any failure means we cannot read it
                opened = False
            if not opened:
                raise ExtractError(f"'{url}' is an encrypted PDF that needs a password")
        pages = [_page_text(page) for page in reader.pages]
    except ExtractError:
        raise
    except RecursionError:
        raise ExtractError(f"'{url}' is a PDF too deeply nested to read") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on corrupt files
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise ExtractError(f"'{url}' is not a readable PDF ({reason})") from None
    text = "\n\n".join(p for p in pages if p)
    return text + "\n" if text else ""


_PDF_BULLET = re.compile(r"^[\u2022\u25cf\u25aa\u25e6\u2023\u2043\u00b7\uf0b7\u25a0\u2013-]\s+")


def _page_text(page) -> str:
    """One page's text as paragraphs: pypdf's layout mode, lines reflowed.

    The plain mode puts every word on its own line for some producers (Google
    Docs); the layout mode keeps lines and blank lines between paragraphs.
    """
    try:
        raw = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # noqa: BLE001 - layout mode is the fragile one: try the plain mode
        raw = page.extract_text() or ""
    lines = [line.rstrip() for line in raw.splitlines()]
    lengths = sorted(len(line) for line in lines if line)
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0  # the text's right margin
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        words = " ".join(line.split())
        bullet = _PDF_BULLET.match(words)
        if re.search(r"\S {8,}\S", line):  # columns (a running footer, a table row)
            if current:
                paragraphs.append(current)
            paragraphs.append(words)
            current = ""
            continue
        if bullet:  # a list item starts a block of its own
            if current:
                paragraphs.append(current)
            current, words = "- " + words[bullet.end() :], ""
        elif current and words:
            current += ("" if re.search(r"\w-$", current) else " ") + words
        elif words:
            current = words
        if current and (not line.strip() or len(line) < 0.75 * width):
            paragraphs.append(current)  # a blank line, or a line ending short of the margin
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


# ---- HTML -------------------------------------------------------------------


def _parse_html(text: str, url: str):
    import lxml.etree
    import lxml.html

    text = _XML_DECL.sub("", text, count=1)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
    # lxml.html picks each element's class in Python (FormElement, InputElement…), once
    # per element object made: ~15% of an extraction. We use none of their extras.
    parser.set_element_class_lookup(_html_lookup())
    try:
        root = lxml.html.document_fromstring(text or "<html></html>", parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message:
            raise ExtractError(f"'{url}' is HTML beyond the parser's limits ({error.message})")
    return root


@functools.lru_cache(maxsize=1)
def _html_lookup():
    """Every element an lxml.html.HtmlElement, chosen in C (lxml.html's lookup runs in Python)."""
    import lxml.etree
    import lxml.html

    return lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )


def _html_page(
    text: str,
    url: str,
    *,
    select: Sequence[str],
    remove: Sequence[str],
    evidence: Evidence | None = None,
) -> PageExtraction:
    from conductatlas_cli.extract import blocks, clean, container
    from conductatlas_cli.extract import markdown as htmlmarkdown

    root = _parse_html(text, url)
    if root is None:
        return PageExtraction("")
    found: frozenset[int] = frozenset()
    path = None
    try:
        try:
            chosen, matched = container.apply_selectors(root, select=select, remove=remove)
        except ValueError as exc:
            raise ExtractError(f"'{url}': {exc}") from None
        if select and not matched:
            logging.getLogger(__name__).warning(
                "select %s matched nothing on '%s'; extracting the whole page",
                ", ".join(repr(s) for s in select),
                url,
            )
        if select and matched:
            clean.clean_tree(chosen)
        else:
            sizes = clean.clean_tree(root)
            body = root.find("body") if root.tag == "html" else root
            page_blocks = blocks.text_blocks(body if body is not None else root, sizes)
            found = frozenset(b.fingerprint for b in page_blocks)
            evidence = evidence or Evidence()
            noise = evidence.noise & found
            weights = blocks.weights_without(sizes, page_blocks, noise, body) if noise else None
            chosen, path = container.choose_container(
                root,
                sizes=sizes,
                weights=weights,
                previous=evidence.container,
                unchanged=blocks.region_unchanged(page_blocks, evidence.known),
            )
            if weights is not None:  # the evidence holds: a leading banner or menu goes
                blocks.strip_leading(chosen, page_blocks, noise)
        own = htmlmarkdown.to_markdown(chosen)
        if own.strip() or (select and matched):
            return PageExtraction(own, found, path)
        # Our cleaning left nothing: let trafilatura judge the whole page.
        page = _parse_html(text, url)
        body = page.find("body") if page is not None else None
        fallback = _trafilatura_markdown(body if body is not None else page)
        return PageExtraction(fallback, found, None)
    except RecursionError:
        raise ExtractError(f"'{url}' is HTML nested too deeply to extract") from None


# trafilatura's fixed options for the fallback: Markdown (with its headings and tables), as
# much of the text as it finds, and nothing but the text.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "output_format": "markdown",
    "favor_recall": True,
    "include_tables": True,
    "include_formatting": False,
    "include_links": False,
    "include_images": False,
    "include_comments": False,
    "deduplicate": False,
    "with_metadata": False,
}


def _trafilatura_markdown(element) -> str:
    """trafilatura's Markdown for `element`, wrapped in <article> so it keeps headings."""
    from html import escape

    if element is None:
        return ""
    import lxml.html
    import trafilatura

    inner = [escape(element.text or "", quote=False)]
    inner += [lxml.html.tostring(child, encoding="unicode") for child in element]
    html = "<html><body><article>" + "".join(inner) + "</article></body></html>"
    try:
        out = trafilatura.extract(html, **_TRAFILATURA_OPTIONS)
    except (RecursionError, ValueError):
        return ""
    return (out.strip() + "\n") if out and out.strip() else ""
