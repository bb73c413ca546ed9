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
from dataclasses import dataclass
from pathlib import Path

from conductatlas_cli.site import topics as topic_pages
from conductatlas_cli.site.data import (
    DocumentRecord,
    State,
    load_documents,
    load_state,
    source_urls,
)
from conductatlas_cli.site.hooks import FeedLink, SiteHooks, TopicInfo
from conductatlas_cli.site.templating import layout_digest, render, static_file
from conductatlas_cli.site.text import first_title, text_sections
from conductatlas_cli.site.versions import (
    Texts,
    VersionJob,
    render_jobs,
    version_file,
    worker_count,
)
from conductatlas_cli.site.writer import BuildCounts, SiteError, SiteWriter

STYLESHEET = "atlas.css"
DEFAULT_DIR = "site"  # beside sources.yaml; `atlas init` git-ignores it
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
    workers: int = 0  # worker processes that rendered version pages (0: none were needed)

    @property
    def index(self) -> Path:
        return self.site_dir / "index.html"


def document_dir(doc: DocumentRecord) -> str:
    return f"{doc.platform}/{doc.document}"


def _inputs(*parts) -> str:
    data = json.dumps(parts, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def build_site(
    sources,
    archive,
    site_dir: Path,
    *,
    state: State | None = None,
    hooks: SiteHooks | None = None,
    processes: int = 1,
) -> SiteResult:
    """Write the site of ARCHIVE into SITE_DIR; only changed pages are rewritten.

    PROCESSES > 1 shares a large rebuild out to that many spawned worker processes
    (so a calling script needs the usual `if __name__ == "__main__":` guard).
    """
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
            parts = feed.path.split("/")
            if feed.path.startswith("/") or not all(p and p not in (".", "..") for p in parts):
                raise SiteError(f"feed path '{feed.path}' is not a relative path in the site")
            writer.adopt(feed.path)
    texts = Texts(archive, tagger)
    base = {
        "feeds_all": [f for f in feeds if f.platform is None],
        "topics_on": bool(topic_list),
        "topic_labels": {t.id: t.label for t in topic_list},
    }
    writer.write(STYLESHEET, static_file(STYLESHEET))
    recorded = [doc for doc in documents if doc.versions]
    titles = {doc.key: _title(writer, texts, doc) for doc in recorded}
    contexts = {
        doc.key: {
            **base,
            "feeds": [f for f in feeds if f.platform in (None, doc.platform)],
            "doc": doc,
            "title": titles[doc.key],
        }
        for doc in recorded
    }
    version_topics, workers = _version_pages(writer, texts, recorded, contexts, processes)
    doc_topics = {  # key → topics of its latest text
        doc.key: _document_page(writer, texts, doc, contexts[doc.key], version_topics[doc.key])
        for doc in recorded
    }
    pages = sum(len(doc.versions) + 1 for doc in recorded)
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
    return SiteResult(site_dir=writer.root, pages=pages, counts=counts, workers=workers)


class ProjectFeeds:
    """The project's Atom feeds (`feeds/atom.py`), written into the site's `feeds/` folder."""

    def __init__(self, sources) -> None:
        self.sources = sources

    def __call__(self, site_dir: Path) -> list[FeedLink]:
        from conductatlas_cli.feeds.atom import ALL_FEED, write_feeds

        names = {s.platform: s.platform_name or s.platform for s in self.sources.sources}
        by_file = {f"{p}.atom": p for p in names} | {f"platform-{p}.atom": p for p in names}
        links = []
        commit_url = self.sources.settings.commit_url
        for path in write_feeds(self.sources, Path(site_dir) / "feeds", commit_url=commit_url):
            if path.name == ALL_FEED:
                links.append(FeedLink("All documents", f"feeds/{path.name}"))
            elif path.name in by_file:
                platform = by_file[path.name]
                links.append(FeedLink(names[platform], f"feeds/{path.name}", platform))
        return links


class ProjectTagger:
    """The project's governance topics (`topics/`: the shipped taxonomy and sources.yaml's)."""

    def __init__(self, sources) -> None:
        from importlib import resources

        from conductatlas_cli import __version__
        from conductatlas_cli.topics import load_taxonomy

        self.taxonomy = load_taxonomy(sources.topics)
        shipped = resources.files("conductatlas_cli.topics").joinpath("taxonomy.yaml").read_bytes()
        extra = json.dumps(sources.topics, sort_keys=True, default=str).encode("utf-8")
        self.fingerprint = hashlib.sha256(
            __version__.encode("utf-8") + b"\0" + shipped + b"\0" + extra
        ).hexdigest()[:16]

    def topics(self) -> list[TopicInfo]:
        return [TopicInfo(t.id, t.label, t.description) for t in self.taxonomy.topics]

    def tag_text(self, text: str) -> list[tuple[str, ...]]:
        from conductatlas_cli.topics.tagger import tag_text

        return [s.topics for s in tag_text(text, self.taxonomy).sections]


def project_hooks(sources) -> SiteHooks:
    """The topics and feeds this project's site gets."""
    return SiteHooks(tagger=ProjectTagger(sources), feeds=ProjectFeeds(sources))


def build_project_site(
    sources, site_dir: Path | None = None, *, processes: int = 1, warn=None
) -> SiteResult:
    """The site of the project SOURCES describes, in SITE_DIR (default: `site/` beside it)."""
    from conductatlas_cli.site.data import Archive

    site_dir = Path(site_dir) if site_dir is not None else Path(sources.root) / DEFAULT_DIR
    with Archive.from_sources(sources) as archive:
        return build_site(
            sources,
            archive,
            site_dir,
            state=load_state(sources.state_dir, warn=warn),
            hooks=project_hooks(sources),
            processes=processes,
        )


def _title(writer: SiteWriter, texts: Texts, doc: DocumentRecord) -> str:
    """The document's own title (its first top heading), remembered with its latest commit."""
    latest = doc.versions[0].commit
    known = writer.previous_facts(f"{document_dir(doc)}/index.html")
    if known.get("latest") == latest and isinstance(known.get("title"), str):
        return known["title"]
    return first_title(texts.text(doc.key, latest)) or _humane(doc.document)


def _version_pages(writer: SiteWriter, texts: Texts, recorded, contexts, processes: int):
    """Write every stale version page: (key → commit → [(topic, anchor)] it changed, workers)."""
    found: dict[str, dict[str, list]] = {}
    jobs = []
    for doc in recorded:
        found[doc.key] = {}
        context = contexts[doc.key]
        stale = []
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
                doc.url,
                [(f.title, f.path) for f in context["feeds"]],
            )
            facts = writer.fresh(path, inputs)
            if facts is None:
                stale.append((i, inputs))
            else:
                found[doc.key][version.commit] = [tuple(t) for t in facts.get("topics", [])]
        if stale:
            jobs.append((doc, context, tuple(stale)))
    if not jobs:
        return found, 0
    urls = source_urls(texts.archive)
    work = [
        VersionJob(
            doc=doc,
            folder=document_dir(doc),
            context=context,
            stale=stale,
            source_urls={v.commit: urls[v.commit] for v in doc.versions if v.commit in urls},
        )
        for doc, context, stale in jobs
    ]
    workers = worker_count(work, processes)
    for job, rendered in render_jobs(texts, work, workers=workers):
        for (i, _), page in zip(job.stale, rendered, strict=True):
            writer.write(page.path, page.data, inputs=page.inputs, facts=page.facts)
            found[job.doc.key][job.doc.versions[i].commit] = [
                tuple(t) for t in page.facts["topics"]
            ]
    return found, workers


def _document_page(writer, texts: Texts, doc: DocumentRecord, context: dict, topics) -> list:
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
        [(f.title, f.path) for f in context["feeds"]],
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
    facts = {"topics": addressed, "title": context["title"], "latest": latest.commit}
    writer.write(path, data, inputs=inputs, facts=facts)
    return addressed


def _sorted(documents: list[DocumentRecord], order: str) -> list[DocumentRecord]:
    """DOCUMENTS in ORDER: newest change, newest check, longest failing first, or by name."""
    by_name = sorted(documents, key=lambda d: (d.platform_name.casefold(), d.platform, d.document))
    if order == "name":
        return by_name
    field = {"checked": "last_checked", "failing": "failing_since"}.get(order, "last_changed")
    dated = [d for d in by_name if getattr(d, field)]
    dated.sort(key=lambda d: getattr(d, field), reverse=order != "failing")
    return dated + [d for d in by_name if not getattr(d, field)]


def _humane(slug: str) -> str:
    return " ".join(word.capitalize() for word in slug.split("-"))
