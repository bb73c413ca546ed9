"""Atom feeds: parsed back and checked against RFC 4287's required elements."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

import pytest
from alertkit import Bench
from lxml import etree

from conductatlas_cli.feeds.atom import build_feeds, write_feeds

ATOM = "{http://www.w3.org/2005/Atom}"
COMMIT_URL = "https://github.com/org/archive/commit/{commit}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def archive(project, server):
    """cohere/usage-policy in two versions (the second tagged with topics), openai/terms in one."""
    bench = Bench(project, server)
    bench.track(
        {"cohere/usage-policy": {"type": "Acceptable Use Policy"}, "openai/terms": {}},
        names={"cohere": "Cohere", "openai": "OpenAI"},
    )
    bench.fetch()
    bench.publish("cohere/usage-policy", 60)
    bench.fetch()
    return bench


def check_atom(data: bytes) -> etree._Element:
    """Parse DATA and assert RFC 4287's cardinalities for the feed and each entry."""
    root = etree.fromstring(data)
    assert root.tag == f"{ATOM}feed"

    def count(node, name):
        return len(node.findall(f"{ATOM}{name}"))

    for name in ("id", "title", "updated"):
        assert count(root, name) == 1, name
    for name in ("generator", "icon", "logo", "rights", "subtitle"):
        assert count(root, name) <= 1, name
    entries = root.findall(f"{ATOM}entry")
    assert count(root, "author") >= 1 or all(count(e, "author") for e in entries)
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert count(entry, name) == 1, name
        for name in ("content", "published", "rights", "summary", "source"):
            assert count(entry, name) <= 1, name
        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert count(entry, "content") == 1 or alternate
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids))
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def test_feeds_are_written_for_all_documents_and_each_platform(archive, tmp_path):
    """`feed.atom` holds every version; `<platform>.atom` those of one platform."""
    paths = write_feeds(archive.sources(), tmp_path / "feeds", commit_url=COMMIT_URL)
    assert sorted(p.name for p in paths) == ["cohere.atom", "feed.atom", "openai.atom"]
    everything = check_atom((tmp_path / "feeds" / "feed.atom").read_bytes())
    cohere = check_atom((tmp_path / "feeds" / "cohere.atom").read_bytes())
    openai = check_atom((tmp_path / "feeds" / "openai.atom").read_bytes())
    assert (len(entries(everything)), len(entries(cohere)), len(entries(openai))) == (3, 2, 1)
    assert cohere.findtext(f"{ATOM}title") == "Cohere: policy document changes"


def test_entry_title_id_date_content_and_link(archive):
    """An entry: a stable tag: id, 'Platform — Type: what changed', the date, the summary, a link."""
    with archive.archive() as arc:
        feeds = build_feeds(arc, archive.sources(), commit_url=COMMIT_URL)
        (latest, _first) = arc.versions("cohere/usage-policy")
    newest = entries(check_atom(feeds["cohere.atom"]))[0]
    assert newest.findtext(f"{ATOM}id") == (
        f"tag:atlas.localhost,{latest.date:%Y-%m-%d}:cohere/usage-policy/{latest.commit}"
    )
    assert newest.findtext(f"{ATOM}title") == "Cohere — Acceptable Use Policy: 1 section changed"
    updated = datetime.fromisoformat(newest.findtext(f"{ATOM}updated"))
    assert updated == latest.date
    content = newest.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "We keep API inputs for <del>30</del><ins>60</ins> days" in content.text
    link = newest.find(f"{ATOM}link")
    assert link.get("href") == f"https://github.com/org/archive/commit/{latest.commit}"


def test_entries_are_newest_first_and_limited(archive):
    """Entries run newest first; a feed keeps the last LIMIT versions."""
    with archive.archive() as arc:
        feeds = build_feeds(arc, archive.sources(), limit=2)
    found = entries(check_atom(feeds["feed.atom"]))
    dates = [datetime.fromisoformat(e.findtext(f"{ATOM}updated")) for e in found]
    assert len(found) == 2 and dates == sorted(dates, reverse=True)
    assert found[0].findtext(f"{ATOM}title").startswith("Cohere — Acceptable Use Policy")


def test_topics_from_the_commit_trailer_become_categories(archive):
    """A version whose commit says `Atlas-Topics:` carries those topics as categories."""
    with archive.archive() as arc:
        text = arc.read_latest("openai/terms") + "\nA new line about training.\n"
        arc.record_version(
            "openai/terms",
            text,
            message="openai/terms: 1 section changed (+5 -0 words)\n\n"
            "Atlas-Topics: training-on-user-data, data-retention\n",
        )
        feeds = build_feeds(arc, archive.sources())
    newest = entries(check_atom(feeds["openai.atom"]))[0]
    terms = [c.get("term") for c in newest.findall(f"{ATOM}category")]
    assert terms == ["training-on-user-data", "data-retention"]


def test_feeds_are_deterministic_and_rewritten_only_when_changed(archive, tmp_path):
    """The same history gives the same bytes; an unchanged feed file is not rewritten."""
    first = write_feeds(archive.sources(), tmp_path)
    stamps = {p.name: p.stat().st_mtime_ns for p in first}
    with archive.archive() as arc:
        again = build_feeds(arc, archive.sources())
    assert again == {p.name: p.read_bytes() for p in first}
    write_feeds(archive.sources(), tmp_path)
    assert {p.name: p.stat().st_mtime_ns for p in first} == stamps


def test_page_text_is_escaped_in_content(archive):
    """Markup in a page's text stays text in the entry's HTML content."""
    with archive.archive() as arc:
        text = arc.read_latest("openai/terms") + "\nUse <script>alert(1)</script> & more.\n"
        arc.record_version("openai/terms", text, message="openai/terms: 1 section changed\n")
        feeds = build_feeds(arc, archive.sources())
    content = entries(check_atom(feeds["openai.atom"]))[0].find(f"{ATOM}content").text
    assert "<script>" not in content
    assert html.escape("<script>alert(1)</script>", quote=False) in content


def test_entries_are_cached_and_the_cache_pruned(archive, tmp_path):
    """Each version's entry is computed once (kept in .atlas/feeds-cache.json), then reused."""
    write_feeds(archive.sources(), tmp_path)
    path = archive.project.root / ".atlas" / "feeds-cache.json"
    cache = json.loads(path.read_text())["entries"]
    assert len(cache) == 3
    (name,) = [n for n in cache if n.startswith("openai/terms@")]
    cache[name]["html"] = "<p>from the cache</p>"
    cache["gone/doc@0000"] = {"short": "x", "html": "x", "topics": []}
    with archive.archive() as arc:
        feeds = build_feeds(arc, archive.sources(), cache=cache)
    content = entries(check_atom(feeds["openai.atom"]))[0].find(f"{ATOM}content").text
    assert content == "<p>from the cache</p>"
    assert "gone/doc@0000" not in cache
