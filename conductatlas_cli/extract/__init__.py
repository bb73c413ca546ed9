"""Bytes → Markdown text, by content type.

Owns: `extractor.py` (`extract_page`, `extractor_id`: dispatch by content type;
PDF via pypdf; the trafilatura fallback), `charset.py` (bytes → str as a browser
would decode them), `clean.py` (HTML cleaning: scripts, hidden parts, menus,
banners), `controls.py` (accordions, tabs, `<details>`: panels a reader can open
stay, under their control's label), `container.py` (a source's selectors; the
element holding the document, with its preamble; the container kept while the
layout is unchanged), `evidence.py` (what the archive knows about a page:
`ExtractRequest`, `Evidence`, `PageExtraction`, block fingerprints, a document's `History`),
`blocks.py` (a cleaned page's text blocks; chrome and volatile blocks applied)
and `markdown.py` (that element → Markdown with headings, lists, tables).

May import: `errors`. lxml and trafilatura are imported lazily, only where a
page is extracted, so `atlas log` and `diff` never load them.
"""
