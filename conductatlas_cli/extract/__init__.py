"""Bytes → Markdown text, by content type.

Owns: `extractor.py` (`extract_text`, `extractor_id`: dispatch by content type;
PDF via pypdf; the trafilatura fallback), `charset.py` (bytes → str as a browser
would decode them), `clean.py` (HTML cleaning: scripts, hidden parts, menus,
banners), `container.py` (a source's selectors; the element holding the
document) and `markdown.py` (that element → Markdown with headings, lists,
tables).

May import: `errors`. lxml and trafilatura are imported lazily, only where a
page is extracted, so `atlas log` and `diff` never load them.
"""
