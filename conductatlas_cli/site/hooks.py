"""What other parts of atlas plug into the site: topics (taxonomy, tags) and Atom feeds.

The site builds without either. With a `Tagger`, every page carries topics and
the site gains one page per topic; with a `FeedWriter`, every page links the
feeds it writes into the site folder (`<link rel="alternate">`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class TopicInfo:
    """One governance topic as the site shows it."""

    id: str  # a slug: also the topic page's file name
    label: str
    description: str = ""


class Tagger(Protocol):
    """The topics of a snapshot's sections (the topics issue provides the real one)."""

    fingerprint: str  # changes whenever the taxonomy does: it is part of every page's inputs

    def topics(self) -> Sequence[TopicInfo]:
        """Every known topic, in the order the site lists them."""
        ...

    def tag_text(self, text: str) -> Sequence[Sequence[str]]:
        """Topic ids per section of TEXT, one entry per section of `parse_sections(TEXT)`."""
        ...


@dataclass(frozen=True)
class FeedLink:
    """An Atom feed inside the site folder."""

    title: str
    path: str  # relative to the site folder, '/'-separated, e.g. 'feeds/feed.atom'
    platform: str | None = None  # None: the feed of all documents


class FeedWriter(Protocol):
    """Writes Atom feeds into the site folder and says which (the alerts issue provides it)."""

    def __call__(self, site_dir: Path) -> Sequence[FeedLink]: ...


@dataclass(frozen=True)
class SiteHooks:
    """The optional parts of a site build."""

    tagger: Tagger | None = None
    feeds: FeedWriter | None = None
