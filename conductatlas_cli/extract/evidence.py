"""What the archive knows about a page before it is extracted, and what extraction tells back.

A run passes an `ExtractRequest` (the body as served, the source's selectors and an
`Evidence`) to `extractor.extract_page`; the page gives back a `PageExtraction`: its
text, the fingerprints of its text blocks and the path of the container chosen. The
run keeps the last two in the document's state and builds the next evidence from them:

- `chrome`: blocks of this page that appear verbatim on another document of the
  same site (its host) in the same run or at its last extraction: site
  template (an announcement banner, a language list, a repeated menu title);
- `volatile`: blocks that came and went across this document's recent
  extractions while the rest stayed (a promotion shown one day in three);
- `container`, `known`: the path of the container chosen last time and the page's
  blocks then; while the layout is unchanged (the text between that container and
  the one the page would get now is all blocks it had then) it stays the container
  (`container.choose_container`).

Chrome and volatile blocks do not count towards choosing the container, and a
run of them at the start of the document, before its first block of its own, is
dropped; a heading or a dated line ("Last updated: 1 May 2026") never is. When such blocks
would be half the page, the evidence is set aside: two documents that are the
same page (one URL serving the other's text) keep their text.

A block fingerprint is the CRC-32 of the block's text with its whitespace
collapsed; blocks under `MIN_BLOCK` characters ("1.", "Yes") are not
fingerprinted. Fingerprint sets are stored packed (`pack`, `unpack`).
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MIN_BLOCK = 10  # characters, spaces aside
HISTORY_CAP = 512  # fingerprints kept per list of recent arrivals and departures


@dataclass(frozen=True)
class Evidence:
    """What is known about a page before extracting it (see the module doc)."""

    chrome: frozenset[int] = frozenset()
    volatile: frozenset[int] = frozenset()
    container: str | None = None
    known: frozenset[int] = frozenset()  # the page's blocks at its last extraction

    @property
    def noise(self) -> frozenset[int]:
        return self.chrome | self.volatile


@dataclass(frozen=True)
class ExtractRequest:
    """A body to extract: as served (type, charset), from URL, under a source's selectors."""

    body: bytes
    content_type: str
    url: str
    charset: str | None = None  # declared in the Content-Type header
    select: Sequence[str] = ()
    remove: Sequence[str] = ()
    evidence: Evidence | None = None


@dataclass(frozen=True)
class PageExtraction:
    """A page's text with what the next evidence is built from."""

    text: str
    blocks: frozenset[int] = field(default_factory=frozenset)
    container: str | None = None


def fingerprint(text: str) -> int | None:
    """The block fingerprint of TEXT, or None for a block too short to tell anything."""
    flat = " ".join(text.split())  # str.split: the same spaces as \s, and faster
    if len(flat) - flat.count(" ") < MIN_BLOCK:
        return None
    return zlib.crc32(flat.encode("utf-8"))


def pack(fingerprints: Iterable[int]) -> str:
    """A set of fingerprints as one short ASCII string (for the state file)."""
    values = sorted(set(fingerprints))
    return base64.b64encode(struct.pack(f">{len(values)}I", *values)).decode("ascii")


def unpack(packed: object) -> frozenset[int]:
    """The fingerprints `pack` wrote; an unreadable value is an empty set."""
    if not isinstance(packed, str) or not packed:
        return frozenset()
    try:
        raw = base64.b64decode(packed.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return frozenset()
    if len(raw) % 4:
        return frozenset()
    return frozenset(struct.unpack(f">{len(raw) // 4}I", raw))


@dataclass(frozen=True)
class History:
    """A document's extraction memory: its last blocks and container, what came and went."""

    blocks: frozenset[int] = frozenset()
    container: str | None = None
    came: frozenset[int] = frozenset()  # blocks that appeared lately
    gone: frozenset[int] = frozenset()  # blocks that disappeared lately
    volatile: frozenset[int] = frozenset()  # blocks that did both

    def to_json(self) -> dict[str, object]:
        return {
            "blocks": pack(self.blocks),
            "container": self.container,
            "came": pack(self.came),
            "gone": pack(self.gone),
            "volatile": pack(self.volatile),
        }

    @classmethod
    def from_json(cls, value: object) -> History:
        if not isinstance(value, dict):
            return cls()
        container = value.get("container")
        return cls(
            blocks=unpack(value.get("blocks")),
            container=container if isinstance(container, str) else None,
            came=unpack(value.get("came")),
            gone=unpack(value.get("gone")),
            volatile=unpack(value.get("volatile")),
        )

    def after(self, page: PageExtraction) -> History:
        """The memory once PAGE is the document's accepted extraction."""
        if not self.blocks:
            return History(blocks=page.blocks, container=page.container)
        added, removed = page.blocks - self.blocks, self.blocks - page.blocks
        volatile = self.volatile | (added & self.gone) | (removed & self.came)
        came, gone = (self.came - removed) | added, (self.gone - added) | removed
        if len(came) > HISTORY_CAP:
            came = added
        if len(gone) > HISTORY_CAP:
            gone = removed
        if len(volatile) > HISTORY_CAP:
            volatile = (added & self.gone) | (removed & self.came)
        return History(page.blocks, page.container, came, gone, volatile)

    def evidence(self, chrome: frozenset[int] = frozenset()) -> Evidence:
        return Evidence(chrome, self.volatile, self.container, known=self.blocks)
