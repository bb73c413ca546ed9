"""Topic pages (with a tagger): per topic, every document's provisions side by side
(as `atlas compare`), and the recent changes that touched it.

    _topics/index.html     every topic: how many documents address it, recent changes
    _topics/<topic>.html   one topic
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from conductatlas_cli.site.hooks import TopicInfo
from conductatlas_cli.site.templating import render
from conductatlas_cli.site.text import text_sections
from conductatlas_cli.site.writer import SiteError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FOLDER = "_topics"
RECENT = 50  # recent changes listed per topic


def topic_file(topic_id: str) -> str:
    return f"{FOLDER}/{topic_id}.html"


def write_topic_pages(
    writer,
    texts,
    documents: Sequence,
    *,
    topics: Sequence[TopicInfo],
    titles: dict[str, str],
    version_topics: dict[str, dict[str, list]],
    context: dict,
    page_of: Callable,
    inputs: Callable[..., str],
) -> int:
    """Write the topic pages; return how many pages the site has for topics."""
    for topic in topics:
        if not SLUG.match(topic.id):
            raise SiteError(f"topic id '{topic.id}' is not a slug (a-z, 0-9, '-')")
    recorded = [d for d in documents if d.versions]
    digest = inputs(
        "topics",
        [(d.key, d.versions[0].commit, titles.get(d.key), d.platform_name) for d in recorded],
        [
            [d.key, [(v.commit, v.date, version_topics[d.key].get(v.commit)) for v in d.versions]]
            for d in recorded
        ],
        [(f.title, f.path) for f in context["feeds"]],
    )
    paths = [f"{FOLDER}/index.html", *(topic_file(t.id) for t in topics)]
    if all(writer.check(path, inputs(digest, path)) is not None for path in paths):
        for path in paths:
            writer.keep(path)
        return len(paths)
    provisions: dict[str, list] = {t.id: [] for t in topics}  # topic → [(doc, sections)]
    for doc in recorded:
        latest = doc.versions[0].commit
        sections = text_sections(texts.text(doc.key, latest), texts.tags(doc.key, latest))
        for topic in topics:
            matching = [s for s in sections if topic.id in s.topics]
            if matching:
                provisions[topic.id].append((doc, matching))
        texts.forget(doc.key)
    changes: dict[str, list] = {t.id: [] for t in topics}  # topic → [(doc, version, href)]
    for doc in recorded:
        for version in doc.versions:
            for topic, anchor in version_topics[doc.key].get(version.commit) or []:
                if topic in changes:
                    href = f"../{page_of(doc, version)}#{anchor}"
                    changes[topic].append((doc, version, href))
    for found in changes.values():
        found.sort(key=lambda item: (item[1].date, item[0].key), reverse=True)
    last_change = {
        (topic, doc.key): (version, href)
        for topic, found in changes.items()
        for doc, version, href in reversed(found)
    }
    common = {**context, "root": "../", "titles": titles}
    writer.write(
        paths[0],
        render(
            "topics.html.j2",
            **common,
            topics=topics,
            provisions=provisions,
            changes=changes,
        ),
        inputs=inputs(digest, paths[0]),
    )
    for topic, path in zip(topics, paths[1:], strict=True):
        writer.write(
            path,
            render(
                "topic.html.j2",
                **common,
                topic=topic,
                provisions=provisions[topic.id],
                recent=changes[topic.id][:RECENT],
                total=len(changes[topic.id]),
                last_change={k: v for (t, k), v in last_change.items() if t == topic.id},
            ),
            inputs=inputs(digest, path),
        )
    return len(paths)
