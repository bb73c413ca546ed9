"""Bytes → text: the page's charset, as a browser would read it.

`decode_text` precedence, first match wins:
  1. a byte-order mark (UTF-8, UTF-16, UTF-32);
  2. valid UTF-8 that contains non-ASCII bytes (and no NUL) is UTF-8, whatever is
     declared: mis-declared Latin-1 pages are common, while legacy text that happens
     to be valid UTF-8 is vanishingly rare;
  3. the charset declared in the Content-Type header, then one in <meta charset>,
     <meta http-equiv> or <?xml encoding?> within the first 4 KB, each only if the
     body decodes strictly with it (labels mapped as browsers do: latin-1, iso-8859-1
     and ascii mean windows-1252, shift_jis means cp932, gb2312 means gb18030 …);
  4. charset_normalizer's guess when it finds a non-Latin script (CJK, Cyrillic …),
     otherwise windows-1252 (the browsers' default) when it decodes strictly;
  5. windows-1252 with replacement characters.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Labels that browsers (WHATWG Encoding Standard) decode as a superset.
_ALIASES = {
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "tis_620": "cp874",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_META = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:+-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:+-]+)""",
    re.IGNORECASE,
)


def decode_text(body: bytes, *, declared: str | None) -> str:
    """BODY as text, by the precedence in the module docstring."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    if b"\x00" not in body and not body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            loose = _mostly_utf8(body, declared_utf8=_codec(declared) == "utf-8")
            if loose is not None:
                return loose
    utf8 = None if b"\x00" in body else "utf-8"
    candidates = [_codec(declared), _codec(_meta_charset(body), from_meta=True), utf8]
    for candidate in candidates:
        codec = candidate or ""
        if codec and utf8 and codec.replace("-", "_").startswith(("utf_16", "utf_32")):
            continue  # declared UTF-16/32, but no NUL byte: the label is wrong (CJK junk)
        if codec:
            try:
                return body.decode(codec)
            except (UnicodeError, LookupError, ValueError):
                # A declared codec that cannot decode, or one that is no charset at all
                # ('punycode', 'undefined', 'idna' raise plain UnicodeError).
                continue
    return _guess(body)


def _mostly_utf8(body: bytes, *, declared_utf8: bool) -> str | None:
    """BODY as UTF-8 with U+FFFD for a few broken bytes, when the rest is clearly UTF-8.

    One stray byte must not turn a UTF-8 page into windows-1252 mojibake; a real
    windows-1252 page has no valid multi-byte sequences, so it never passes.
    """
    loose = body.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    multibyte = sum(1 for ch in loose if ord(ch) > 0x7F) - bad
    if multibyte >= 4 * bad or (declared_utf8 and multibyte >= bad):
        return loose
    return None


_NOT_CHARSETS = {"punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape"}


def _codec(label: str | None, *, from_meta: bool = False) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = {"windows-31j": "cp932", "x-sjis": "cp932", "x-gbk": "gbk"}.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None  # base64, zlib, rot13, punycode, idna ... are no page charset
    name = info.name
    key = name.replace("-", "_")
    if from_meta and key.startswith(("utf_16", "utf_32")):
        return "utf-8"  # a <meta> read as ASCII cannot mean UTF-16 (as browsers rule)
    return _ALIASES.get(key, name)


def _meta_charset(body: bytes) -> str | None:
    match = _META.search(body[:4096])
    if not match:
        return None
    return (match.group(1) or match.group(2)).decode("ascii", errors="replace")


def _guess(body: bytes) -> str:
    from charset_normalizer import from_bytes

    if body.count(0) * 3 > len(body):  # UTF-16 without a BOM: NULs in every other byte
        zeros_odd = body[1::2].count(0)
        codec = "utf-16-le" if zeros_odd > body[0::2].count(0) else "utf-16-be"
        return body.decode(codec, errors="replace")

    best = from_bytes(body).best()
    if best is not None and best.encoding.startswith(("utf_16", "utf_32")):
        best = None  # UTF-16/32 without a BOM or NUL-filled bytes is a misreading
    if best is not None:
        text = str(best)
        letters = [ch for ch in text[:100_000] if ch.isalpha() and not ch.isascii()]
        foreign = sum(1 for ch in letters if ord(ch) > 0x24F)
        if letters and foreign * 2 > len(letters):
            return text
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        return text if best is not None else body.decode("cp1252", errors="replace")
