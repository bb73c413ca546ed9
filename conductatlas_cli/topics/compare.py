"""`atlas topics` and `atlas compare` from the archive: which provisions carry which topic.

`document_topics` gives, per tracked document, the topics its text addresses
and the heading trails that carry them. `compare_topic` gives, for one topic,
every tracked document's provisions on it side by side, each with the date
(and commit) it last changed: the oldest version of an unbroken run of
versions that contain the provision's text unchanged (compared with
typography and whitespace folded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conductatlas_cli.errors import UsageError
from conductatlas_cli.topics.segment import clean_markup
from conductatlas_cli.topics.tagger import DocumentTopics, tag_text
from conductatlas_cli.topics.taxonomy import Taxonomy, Topic


@dataclass(frozen=True)
class TopicTrails:
    """One topic in one document: the heading trails of the sections that carry it."""

    topic: str
    trails: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DocumentTopicList:
    """The topics one document addresses today."""

    key: str
    title: str
    commit: str
    topics: tuple[TopicTrails, ...]


@dataclass(frozen=True)
class ComparedSection:
    """One provision of one document on the compared topic."""

    path: tuple[str, ...]  # heading trail, with the clause title last when there is one
    text: str
    last_changed: datetime | None
    commit: str | None


@dataclass(frozen=True)
class ComparedDocument:
    key: str
    title: str
    sections: tuple[ComparedSection, ...]


@dataclass(frozen=True)
class TopicComparison:
    topic: Topic
    at: str | None
    documents: tuple[ComparedDocument, ...]


def require_topic(taxonomy: Taxonomy, topic_id: str) -> Topic:
    """The topic TOPIC_ID, or a UsageError (exit 2) listing the known ids."""
    topic = taxonomy.get(topic_id)
    if topic is None:
        raise UsageError(f"unknown topic '{topic_id}' (known: {', '.join(taxonomy.ids)})")
    return topic


def document_title(source) -> str:
    """ "OpenAI — Privacy Policy": the platform's name and the document's type (or id)."""
    kind = source.type or source.document.replace("-", " ").title()
    return f"{source.platform_name or source.platform} — {kind}"


def document_topics(archive, sources, taxonomy: Taxonomy, targets=()) -> list[DocumentTopicList]:
    """Per selected document that has a recorded version: its topics and their trails."""
    out = []
    for source in sources.select(list(targets)):
        versions = archive.versions(source.key)
        if not versions:
            continue
        tagged = tag_text(archive.read_version(source.key, versions[0].commit), taxonomy)
        topics = []
        for topic_id in tagged.topics:
            trails = tuple(_trail(tagged, p.section, p.title) for p in tagged.provisions(topic_id))
            topics.append(TopicTrails(topic_id, tuple(dict.fromkeys(trails))))
        out.append(
            DocumentTopicList(source.key, document_title(source), versions[0].commit, tuple(topics))
        )
    return out


def compare_topic(
    archive, sources, taxonomy: Taxonomy, topic_id: str, platforms=(), *, at: str | None = None
) -> TopicComparison:
    """Every selected document's provisions on TOPIC_ID, as of AT (a date, commit, ~N)."""
    topic = require_topic(taxonomy, topic_id)
    known = {s.platform for s in sources.sources}
    for platform in platforms:
        if platform not in known:
            raise UsageError(f"unknown platform '{platform}' (not in '{sources.path.name}')")
    documents = []
    for source in sources.sources:
        if platforms and source.platform not in platforms:
            continue
        versions = archive.versions(source.key)
        if not versions:
            continue
        try:
            version = archive.resolve_ref(source.key, at)
        except UsageError:
            continue  # no version in force at that date
        older = versions[versions.index(version) :] if version in versions else [version]
        text = archive.read_version(source.key, version.commit)
        tagged = tag_text(text, taxonomy)
        provisions = tagged.provisions(topic.id)
        if not provisions:
            continue
        history = _History(archive, source.key, older)
        sections = tuple(
            ComparedSection(
                _trail(tagged, p.section, p.title), p.text, *history.last_changed(p.text)
            )
            for p in provisions
        )
        documents.append(ComparedDocument(source.key, document_title(source), sections))
    return TopicComparison(topic, at, tuple(documents))


def _trail(tagged: DocumentTopics, section: int, title: str | None) -> tuple[str, ...]:
    path = tagged.sections[section].section.path
    return (*path, title) if title else path


class _History:
    """The folded texts of a document's versions, newest first, read as needed."""

    def __init__(self, archive, key: str, versions):
        self.archive, self.key, self.versions = archive, key, versions
        self._texts: list[str] = []

    def _text(self, i: int) -> str:
        while len(self._texts) <= i:
            raw = self.archive.read_version(self.key, self.versions[len(self._texts)].commit)
            self._texts.append(clean_markup(raw))
        return self._texts[i]

    def last_changed(self, provision: str) -> tuple[datetime | None, str | None]:
        needle = clean_markup(provision)
        oldest = 0
        for i in range(1, len(self.versions)):
            if needle not in self._text(i):
                break
            oldest = i
        v = self.versions[oldest]
        return v.date, v.commit
