"""One capture of a document and what its page bytes show, for benchmarks/realpages_judge.py.

- `Capture.page_letters`, `Capture.absent(sentence)`: whether a reference's sentence is
  anywhere in the page (its text as lxml parses it, its alt/title/aria-label values);
- `Capture.stale`: the capture's own reference lags the page (see realpages.py's docstring);
- `plain_words`, `cased_words`: a reference's words, without and with case and punctuation.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_quality import _BR_TAG, _LINK, sentences, words  # noqa: E402

STALE_SHARE = 0.05  # a reference with this share of its sentences not on the page lags it
STALE_MIN = 2  # and at least this many (one can be markup: "(opens in a new window)" inside it)
STALE_MIN_LETTERS = 20  # sentences this long (letters and digits) are tested for it
# the attributes whose text a reference may give: an image's alt (`![alt](src)`), a title
_TEXT_ATTRIBUTES = ("alt", "title", "aria-label")
# a list item's or a clause's own marker, which a page may draw with CSS or `<ol type>`:
# "(a) ", "iv. ", "2.1.1 " at a line's start (after a bullet, emphasis dropped)
_MARKER = re.compile(
    r"(?m)^(\s*(?:[-*+]\s+)?)(?:\\?\(?(?:[a-z]|[ivxlc]{1,5}|\d{1,3})\\?[.)]|\d{1,3}(?:\\?\.\d{1,3})+\\?\.?)\s+",
    re.I,
)
_NOT_ALNUM = re.compile(r"[\W_]+")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_]|[*_](?!\w)")  # as extract_quality drops it


_QUOTES = str.maketrans(dict.fromkeys("‘’‚‛′", "'") | dict.fromkeys("“”„‟″«»", '"'))
# a word, or one sign that is not Markdown markup (emphasis, headings, tables, quotes, bullets)
_CASED = re.compile(r"\w+|[^\w\s*_#|>`\\\[\]=~+\-\u2010-\u2015]")


def cased_words(text: str) -> str:
    """The words and signs of a Markdown text, case and punctuation kept, markup dropped.

    Quote variants are one quote, compatibility forms folded (NFKC: `…` is `...`); link
    targets, emphasis, backslash escapes, underscores, bullets, heading and table syntax,
    dashes and spacing do not count.
    """
    text = _LINK.sub(r"\1", _BR_TAG.sub(" ", text)).replace("\\", "").replace("_", "")
    text = _EMPHASIS.sub("", text).translate(_QUOTES)
    return " ".join(_CASED.findall(unicodedata.normalize("NFKC", text)))


def plain_words(text: str) -> str:
    """extract_quality.words, after dropping emphasis (`section**I.` is `sectionI.`)."""
    return words(_EMPHASIS.sub("", text))


@dataclass
class Capture:
    stamp: str
    body: bytes
    ctype: str
    reference: str | None  # None: no reference for this capture
    ref_words: str = ""  # the (possibly borrowed) reference, as words
    ref_cased: str = ""  # the same, case and punctuation kept (cased_words)
    usable: bool = False  # the reference has at least 5 sentences: scored
    _page_letters: str | None = None
    _attribute_letters: str = ""

    @property
    def page_letters(self) -> str:
        """Every letter and digit of the page's markup text, lowercase, in order ("" for a PDF).

        Tags are removed, not replaced by spaces, and spaces dropped too, so that a sentence
        split over inline or block elements is still found in it (scripts and attributes'
        text included: a sentence found there is not "absent").
        """
        if self._page_letters is None:
            if self.ctype != "text/html":
                self._page_letters = ""
            else:
                text, values = _page_text(self.body)
                self._page_letters = _letters(text)
                self._attribute_letters = "\n".join(_letters(v) for v in values)
        return self._page_letters

    def absent(self, sentence: str) -> bool:
        """Whether a (scorer's) sentence is nowhere in this page: no extractor can keep it.

        Nowhere in its text (tags removed), nor in one of its alt, title or aria-label
        attributes (a reference gives an image's alt as text).
        """
        return (
            bool(self.page_letters)
            and sentence not in self.page_letters
            and sentence not in self._attribute_letters
        )

    @property
    def stale(self) -> bool:
        """Whether this capture's own reference lags the page (see realpages.py's docstring)."""
        if self.reference is None or not self.page_letters:
            return False
        unmarked = _MARKER.sub(r"\1", _EMPHASIS.sub("", self.reference))
        long = [s for s in sentences(unmarked) if len(s) >= STALE_MIN_LETTERS]
        absent = sum(map(self.absent, long))
        return absent >= STALE_MIN and absent >= STALE_SHARE * len(long)


def _page_text(body: bytes) -> tuple[str, list[str]]:
    """The page's text nodes joined (scripts' too), and its alt, title, aria-label values.

    Parsed by lxml, not by a pattern: a class value holding ">" (`[&>p]:break-words`) or
    a script's "<" does not cut the text in the wrong place.
    """
    import lxml.html

    try:
        root = lxml.html.document_fromstring(body.decode("utf-8", "replace") or "<html/>")
    except (ValueError, lxml.etree.ParserError):
        return "", []
    values = [v for el in root.iter() for a in _TEXT_ATTRIBUTES if (v := el.get(a))]
    return "".join(root.itertext()), values


def _letters(text: str) -> str:
    """TEXT's letters and digits, lowercase, in order (entities decoded, NFC)."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFC", html.unescape(text)).lower())
