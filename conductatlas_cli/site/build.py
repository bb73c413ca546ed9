"""`build_site`: the archive → a folder of static pages, rebuilt incrementally.

Layout of the folder (every link relative, every page a file):

    index.html                       documents by last change (index-by-*.html: other orders)
    atlas.css                        the one stylesheet
    <platform>/<document>/index.html the document: versions, current text
    <platform>/<document>/<day>-<commit>.html   one version: what changed
    _topics/index.html, _topics/<topic>.html    with a tagger (see `hooks`)

Each page's inputs (the commits and the names it shows) are digested; a page
whose inputs are unchanged since the last build, and whose file is intact, is
not rendered again (see `writer`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conductatlas_cli.site import topics as topic_pages
from conductatlas_cli.site.cards import version_changes
from conductatlas_cli.site.data import (
    DocumentRecord,
    VersionRecord,
    load_documents,
    load_state,
    read_text,
)
from conductatlas_cli.site.hooks import FeedLink, SiteHooks
from conductatlas_cli.site.templating import layout_digest, render, static_file
from conductatlas_cli.site.text import first_title, text_sections
from conductatlas_cli.site.writer import BuildCounts, SiteWriter

STYLESHEET = "atlas.css"
ORDERS = (  # (file, column key, label)
    ("index.html", "changed", "last change"),
    ("index-by-name.html", "name", "platform and document"),
    ("index-by-checked.html", "checked", "last check"),
    ("index-by-failing.html", "failing", "failures first"),
)


@dataclass(frozen=True)
class SiteResult:
    """What a build did: the folder, its pages, and which files were written or removed."""

    site_dir: Path
    pages: int
    counts: BuildCounts

    @property
    def index(self) -> Path:
        return self.site_dir / "index.html"


def document_dir(doc: DocumentRecord) -> str:
    return f"{doc.platform}/{doc.document}"


def version_file(version: VersionRecord) -> str:
    return f"{version.date:%Y-%m-%d}-{version.short}.html"


def _inputs(*parts) -> str:
    data = json.dumps(parts, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class _Texts:
    """Snapshot texts and their topic tags, read once per build."""

    def __init__(self, archive, tagger):
        self.archive, self.tagger = archive, tagger
        self._text: dict[tuple[str, str], str] = {}
        self._tags: dict[tuple[str, str], tuple] = {}

    def text(self, key: str, commit: str) -> str:
        found = self._text.get((key, commit))
        if found is None:
            found = self._text[(key, commit)] = read_text(self.archive, key, commit)
        return found

    def tags(self, key: str, commit: str) -> tuple:
        if self.tagger is None:
            return ()
        found = self._tags.get((key, commit))
        if found is None:
            raw = self.tagger.tag_text(self.text(key, commit))
            found = self._tags[(key, commit)] = tuple(tuple(t) for t in raw)
        return found

    def forget(self, key: str) -> None:
        for cache in (self._text, self._tags):
            for k in [k for k in cache if k[0] == key]:
                del cache[k]


def build_site(
    sources,
    archive,
    site_dir: Path,
    *,
    state: dict | None = None,
    hooks: SiteHooks | None = None,
    on_page: Callable[[str], None] | None = None,
) -> SiteResult:
    """Write the site of ARCHIVE into SITE_DIR; only changed pages are rewritten."""
    hooks = hooks or SiteHooks()
    if state is None:
        state = load_state(sources.state_dir)
    documents = load_documents(sources, archive, state)
    tagger = hooks.tagger
    topic_list = tuple(tagger.topics()) if tagger else ()
    layout = _inputs(layout_digest(), tagger.fingerprint if tagger else None, topic_list)
    writer = SiteWriter(Path(site_dir), layout=layout)
    feeds: tuple[FeedLink, ...] = ()
    if hooks.feeds is not None:
        feeds = tuple(hooks.feeds(writer.root))
        for feed in feeds:
            writer.adopt(feed.path)
    texts = _Texts(archive, tagger)
    base = {
        "feeds_all": [f for f in feeds if f.platform is None],
        "topics_on": bool(topic_list),
        "topic_labels": {t.id: t.label for t in topic_list},
    }
    writer.write(STYLESHEET, static_file(STYLESHEET))
    pages = 1
    titles: dict[str, str] = {}
    version_topics: dict[str, dict[str, list]] = {}  # key → commit → [(topic, anchor)]
    doc_topics: dict[str, list[str]] = {}  # key → topics of its latest text
    for doc in documents:
        if not doc.versions:
            continue
        titles[doc.key] = first_title(texts.text(doc.key, doc.versions[0].commit)) or _humane(
            doc.document
        )
        context = {
            **base,
            "feeds": [f for f in feeds if f.platform in (None, doc.platform)],
            "doc": doc,
            "title": titles[doc.key],
        }
        version_topics[doc.key] = _version_pages(writer, texts, doc, context)
        doc_topics[doc.key] = _document_page(writer, texts, doc, context, version_topics[doc.key])
        texts.forget(doc.key)
        pages += len(doc.versions) + 1
        if on_page:
            on_page(doc.key)
    if topic_list:
        pages += topic_pages.write_topic_pages(
            writer,
            texts,
            documents,
            topics=topic_list,
            titles=titles,
            version_topics=version_topics,
            context={**base, "feeds": base["feeds_all"]},
            page_of=lambda doc, v: f"{document_dir(doc)}/{version_file(v)}",
            inputs=_inputs,
        )
    for file, order, _ in ORDERS:
        rows = _sorted(documents, order)
        writer.write(
            file,
            render(
                "index.html.j2",
                **base,
                feeds=base["feeds_all"],
                root="",
                rows=rows,
                titles=titles,
                order=order,
                orders=ORDERS,
                doc_topics=doc_topics,
                total_versions=sum(len(d.versions) for d in documents),
                document_dir=document_dir,
            ),
        )
        pages += 1
    counts = writer.finish()
    return SiteResult(site_dir=writer.root, pages=pages, counts=counts)


def _version_pages(writer: SiteWriter, texts: _Texts, doc: DocumentRecord, context: dict) -> dict:
    """Write DOC's version pages; return {commit: [(topic, anchor)]} of what each changed."""
    found: dict[str, list] = {}
    versions = doc.versions
    for i, version in enumerate(versions):
        older = versions[i + 1] if i + 1 < len(versions) else None
        newer = versions[i - 1] if i else None
        path = f"{document_dir(doc)}/{version_file(version)}"
        inputs = _inputs(
            "version",
            doc.key,
            version,
            older.commit if older else None,
            [newer.commit, newer.date] if newer else None,
            context["title"],
            doc.platform_name,
            doc.type,
            [f.path for f in context["feeds"]],
        )
        facts = writer.fresh(path, inputs)
        if facts is not None:
            found[version.commit] = [tuple(t) for t in facts.get("topics", [])]
            continue
        new_text = texts.text(doc.key, version.commit)
        old_text = texts.text(doc.key, older.commit) if older else None
        changes = version_changes(
            old_text,
            new_text,
            old_topics=texts.tags(doc.key, older.commit) if older else (),
            new_topics=texts.tags(doc.key, version.commit),
        )
        anchors: dict[str, str] = {}  # a first version changes no topic: it starts them
        for card in () if changes.first else (*changes.cards, *changes.renumbered):
            for topic in card.topics:
                anchors.setdefault(topic, card.anchor)
        found[version.commit] = list(anchors.items())
        data = render(
            "version.html.j2",
            **context,
            root="../../",
            version=version,
            older=older,
            newer=newer,
            older_file=version_file(older) if older else None,
            newer_file=version_file(newer) if newer else None,
            changes=changes,
            sections=text_sections(new_text, texts.tags(doc.key, version.commit))
            if changes.first
            else (),
        )
        writer.write(path, data, inputs=inputs, facts={"topics": found[version.commit]})
    return found


def _document_page(writer, texts: _Texts, doc: DocumentRecord, context: dict, topics) -> list:
    """Write DOC's page; return the topics its latest text addresses."""
    latest = doc.versions[0]
    path = f"{document_dir(doc)}/index.html"
    inputs = _inputs(
        "document",
        doc.key,
        context["title"],
        doc.platform_name,
        doc.type,
        doc.url,
        doc.tracked,
        doc.failing_since,
        doc.last_error,
        [(v, topics.get(v.commit)) for v in doc.versions],
        [f.path for f in context["feeds"]],
    )
    facts = writer.fresh(path, inputs)
    if facts is not None:
        return list(facts.get("topics", []))
    sections = text_sections(texts.text(doc.key, latest.commit), texts.tags(doc.key, latest.commit))
    addressed = list(dict.fromkeys(t for s in sections for t in s.topics))
    data = render(
        "document.html.j2",
        **context,
        root="../../",
        latest=latest,
        timeline=[
            (v, version_file(v), [t for t, _ in topics.get(v.commit, [])]) for v in doc.versions
        ],
        sections=sections,
        addressed=addressed,
    )
    writer.write(path, data, inputs=inputs, facts={"topics": addressed})
    return addressed


def _sorted(documents: list[DocumentRecord], order: str) -> list[DocumentRecord]:
    def name(d: DocumentRecord):
        return (d.platform_name.casefold(), d.platform, d.document)

    if order == "name":
        return sorted(documents, key=name)
    if order == "checked":
        dated = sorted((d for d in documents if d.last_checked), key=name)
        dated.sort(key=lambda d: d.last_checked, reverse=True)
        return dated + sorted((d for d in documents if not d.last_checked), key=name)
    if order == "failing":
        failing = sorted((d for d in documents if d.failing_since), key=name)
        failing.sort(key=lambda d: d.failing_since)
        return failing + sorted((d for d in documents if not d.failing_since), key=name)
    dated = sorted((d for d in documents if d.last_changed), key=name)
    dated.sort(key=lambda d: d.last_changed, reverse=True)
    return dated + sorted((d for d in documents if not d.last_changed), key=name)


def _humane(slug: str) -> str:
    return " ".join(word.capitalize() for word in slug.split("-"))
