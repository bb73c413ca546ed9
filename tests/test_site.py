"""`atlas site` pages from a real archive (real git, versions recorded through the archive API)."""

from __future__ import annotations

import re

import pytest
from sitekit import SiteArchive, link_problems, pages, parse, validate_html

from conductatlas_cli.site import FeedLink, SiteError, SiteHooks, TopicInfo
from conductatlas_cli.site.cards import parse_sections

KEY = "acme/terms"
V1 = """# Acme Terms

These terms apply to everyone who uses Acme's services.

## 1. Payment

Pay within 30 days.
Late fees apply after that.

## 2. Liability

We are not liable for indirect damages.
Our total liability is capped at the fees you paid.

## 3. Support

Support answers within two business days.
Support is available in English.

## 4. Export

You must follow export laws.
You must not ship to embargoed countries.

## 5. Old Clause

This clause goes away in the next version.
It has two sentences.
"""
V2 = """# Acme Terms

These terms apply to everyone who uses Acme’s services.

## 1. Payment

Pay within 60 days.
Late fees apply after that.

## 2. Operator Duties

Operators must tell their end users about these terms.

## 3. Liability

We are not liable for indirect damages.
Our total liability is capped at the fees you paid.

## 4. Export

You must follow export laws.
You must not ship to embargoed countries.

## 5. Help Desk

Support answers within two business days.
Support is available in English.
"""
V3 = V2.replace("two business days", "one business day")
HOSTILE = """# Evil <b>Terms</b>

<script>alert("page")</script>
An <img src=x onerror=alert(1)> image and &amp; an entity.
A bidi \u202eoverride\u202c and a bell \x07 here.

| Plan | <i>Limit</i> |
|---|---|
| Free | <a href="https://evil.example/">10</a> |
"""
PLATFORMS = {
    "acme": {
        "name": "Acme AI",
        "documents": {
            "terms": {"url": "https://acme.example/terms", "type": "Terms of Service"},
            "privacy": {"url": "https://acme.example/privacy", "type": "Privacy Policy"},
        },
    },
    "nimbus": {"name": "Nimbus", "documents": {"usage": "https://nimbus.example/usage"}},
}
PRIVACY = "# Acme Privacy\n\nWe keep your data for 30 days.\n"
USAGE = "# Nimbus Usage Policy\n\n## Prohibited Uses\n\nNo malware.\nNo spam.\n"


@pytest.fixture
def site(project) -> SiteArchive:
    """Acme's terms in three versions, Acme's privacy policy and Nimbus's usage policy."""
    kit = SiteArchive(project.root, PLATFORMS)
    kit.record(KEY, V1, "2026-01-10T09:00:00Z")
    kit.record("nimbus/usage", USAGE, "2026-01-12T09:00:00Z")
    kit.record(KEY, V2, "2026-02-10T09:00:00Z")
    kit.record("acme/privacy", PRIVACY, "2026-02-20T09:00:00Z")
    kit.record(KEY, V3, "2026-03-10T09:00:00Z")
    return kit


def version_page(kit: SiteArchive, key: str, number: int):
    """The page of KEY's NUMBERth version (1 = first)."""
    commit = kit.commits[key][number - 1]
    found = [p for p in (kit.root / "site" / key).glob(f"*-{commit[:10]}.html")]
    assert len(found) == 1, found
    return found[0]


def text_of(path) -> str:
    return " ".join(parse(path).text_content().split())


class Keywords:
    """A tagger by keywords, the shape the topics issue's tagger takes."""

    fingerprint = "keywords-1"

    def topics(self):
        return [
            TopicInfo("payment-terms", "Payment terms", "When and how to pay."),
            TopicInfo("operator-responsibility", "Operator responsibility"),
        ]

    def tag_text(self, text):
        words = {"payment-terms": ("pay", "fees"), "operator-responsibility": ("operator",)}
        return [
            tuple(
                t for t, keys in words.items() if any(k in "\n".join(s.lines).lower() for k in keys)
            )
            for s in parse_sections(text)
        ]


# -- pages ------------------------------------------------------------------------------


def test_build_writes_a_page_per_document_and_version(site):
    """The site has the index, one page per recorded document and one per version."""
    result = site.build()
    names = {str(p.relative_to(result.site_dir)) for p in pages(result.site_dir)}
    assert {"index.html", "acme/terms/index.html", "acme/privacy/index.html"} <= names
    assert (
        len([n for n in names if n.startswith("acme/terms/") and n != "acme/terms/index.html"]) == 3
    )
    assert (result.site_dir / "atlas.css").is_file()


def test_index_is_ordered_by_last_change(site):
    """The index lists documents newest change first, with title, type and version count."""
    site.build()
    rows = parse(site.root / "site" / "index.html").xpath("//table[@class='documents']/tbody/tr")
    cells = [" ".join(r.text_content().split()) for r in rows]
    assert [c.split(" ", 2)[:2] for c in cells] == [
        ["Acme", "AI"],
        ["Acme", "AI"],
        ["Nimbus", "Nimbus"],
    ]
    assert "Acme Terms" in cells[0] and "Terms of Service" in cells[0] and " 3 " in f" {cells[0]} "
    assert "Acme Privacy" in cells[1] and "Nimbus Usage Policy" in cells[2]


def test_index_other_orders_are_pages_of_their_own(site):
    """Sorting needs no JavaScript: each order is its own page, linked from the column head."""
    site.set_state("nimbus/usage", failing_since="2026-03-01T00:00:00Z", last_error="HTTP 503")
    site.build()
    failing_first = parse(site.root / "site" / "index-by-failing.html")
    first_row = failing_first.xpath("//table[@class='documents']/tbody/tr")[0]
    assert "Nimbus Usage Policy" in first_row.text_content()
    head = parse(site.root / "site" / "index.html").xpath("//thead//a/@href")
    assert set(head) == {
        "index-by-name.html",
        "index.html",
        "index-by-checked.html",
        "index-by-failing.html",
    }


def test_index_highlights_a_failing_document(site):
    """A failing document's row is marked (class and the words 'Failing since'), with its error."""
    site.set_state("nimbus/usage", failing_since="2026-03-01T00:00:00Z", last_error="HTTP 503")
    site.set_state(KEY, last_checked="2026-03-11T08:00:00Z")
    site.build()
    rows = parse(site.root / "site" / "index.html").xpath("//table[@class='documents']/tbody/tr")
    failing = [r for r in rows if "failing" in (r.get("class") or "")]
    assert len(failing) == 1
    text = " ".join(failing[0].text_content().split())
    assert "Failing since 2026-03-01 00:00 UTC" in text and "HTTP 503" in text
    assert "2026-03-11 08:00 UTC" in text_of(site.root / "site" / "index.html")


def test_a_tracked_document_without_versions_is_listed_without_a_link(project):
    """A document in sources.yaml that was never recorded is a row with no page behind it."""
    kit = SiteArchive(project.root, PLATFORMS)
    kit.record(KEY, V1, "2026-01-10T09:00:00Z")
    kit.build()
    index = parse(kit.root / "site" / "index.html")
    assert "no version recorded yet" in index.text_content()
    assert not (kit.root / "site" / "nimbus").exists()


def test_document_page_has_timeline_and_current_text(site):
    """The document page lists every version, newest first, and the current text by section."""
    site.build()
    page = parse(site.root / "site" / "acme" / "terms" / "index.html")
    timeline = [
        " ".join(li.text_content().split()) for li in page.xpath("//section[@class='timeline']//li")
    ]
    assert [t[:10] for t in timeline] == ["2026-03-10", "2026-02-10", "2026-01-10"]
    assert "first snapshot" in timeline[-1]
    headings = [
        h.text_content() for h in page.xpath("//div[@class='text']//h3 | //div[@class='text']//h4")
    ]
    assert headings == [
        "Acme Terms",
        "1. Payment",
        "2. Operator Duties",
        "3. Liability",
        "4. Export",
        "5. Help Desk",
    ]
    assert "Support answers within one business day." in page.text_content()


def test_document_page_renders_lists_and_tables(project):
    """Snapshot lists become <ul> items and pipe tables become <table> cells."""
    kit = SiteArchive(project.root, PLATFORMS)
    text = "# T\n\n- One item.\n- Two item.\n\n| Plan | Limit |\n|---|---|\n| Free | 10 \\| 20 |\n"
    kit.record(KEY, text, "2026-01-10T09:00:00Z")
    kit.build()
    page = parse(kit.root / "site" / "acme" / "terms" / "index.html")
    assert [li.text_content() for li in page.xpath("//ul[@class='text-list']/li")] == [
        "One item.",
        "Two item.",
    ]
    assert [th.text_content() for th in page.xpath("//div[@class='text']//th")] == ["Plan", "Limit"]
    assert [td.text_content() for td in page.xpath("//div[@class='text']//td")] == [
        "Free",
        "10 | 20",
    ]


def test_version_page_marks_the_changed_words(site):
    """Inside a modified sentence the old word is in <del>, the new one in <ins>."""
    site.build()
    page = parse(version_page(site, KEY, 2))
    card = page.xpath(
        "//section[contains(@class,'card')][.//span[@class='heading'][.='1. Payment']]"
    )[0]
    line = card.xpath(".//li[@class='l-modified']")[0]
    assert line.xpath(".//del/text()") == ["30"] and line.xpath(".//ins/text()") == ["60"]
    assert line.xpath(".//span[@class='line']")[0].text_content() == "Pay within 3060 days."


def test_version_page_has_a_card_per_kind_of_change(site):
    """Added, removed, modified, moved, renamed and renumbered sections each get a labelled card."""
    site.build()
    page = parse(version_page(site, KEY, 2))
    cards = {}
    for card in page.xpath("//section[contains(@class,' card') or starts-with(@class,'card')]"):
        label = card.xpath(".//span[contains(@class,'badge')]")[0].text_content()
        heading = " ".join(card.xpath(".//span[@class='heading']")[0].text_content().split())
        cards[heading] = label
    assert cards == {
        "1. Payment": "Modified",
        "2. Operator Duties": "Added",
        "4. Export": "Moved",
        "5. Old Clause": "Removed",
        "35. SupportHelp Desk": "Renamed",
        "23. Liability": "Renumbered",
        "Acme Terms": "Cosmetic",
    }


def test_version_page_shows_heading_trail(site):
    """A card names the headings above its section."""
    site.build()
    page = parse(version_page(site, KEY, 2))
    card = page.xpath(
        "//section[@id='change-1' or @id='change-2'][.//span[@class='heading'][.='1. Payment']]"
    )[0]
    assert card.xpath(".//span[@class='trail']/text()") == ["Acme Terms"]


def test_cosmetic_changes_are_collapsed(site):
    """A typography-only change is inside a closed <details>, not among the cards."""
    site.build()
    page = parse(version_page(site, KEY, 2))
    details = page.xpath("//details[@class='cosmetic']")
    assert len(details) == 1 and details[0].get("open") is None
    assert "1 cosmetic change" in details[0].xpath("./summary")[0].text_content()
    assert details[0].xpath(".//span[@class='heading']")[0].text_content() == "Acme Terms"


def test_version_page_names_source_fetch_time_and_commit(site):
    """The version page gives the source URL, when it was fetched and the full commit id."""
    site.build()
    page = parse(version_page(site, KEY, 2))
    facts = {
        dt.text_content(): dt.getnext().text_content()
        for dt in page.xpath("//dl[@class='facts']/dt")
    }
    assert facts["Fetched"] == "2026-02-10 09:00 UTC"
    assert facts["Commit"] == site.commits[KEY][1]
    assert facts["Source"] == "https://acme.example/terms"


def test_version_pages_link_previous_and_next(site):
    """Each version page links the one before (rel=prev) and after (rel=next) where they exist."""
    site.build()
    first, second, third = (version_page(site, KEY, n) for n in (1, 2, 3))
    middle = parse(second)
    assert middle.xpath("//a[@rel='prev']/@href") == [first.name]
    assert middle.xpath("//a[@rel='next']/@href") == [third.name]
    assert parse(first).xpath("//a[@rel='prev']") == []
    assert parse(third).xpath("//a[@rel='next']") == []


def test_first_version_page_shows_its_text(site):
    """The first version has no diff: its page shows the text it started with."""
    site.build()
    page = parse(version_page(site, KEY, 1))
    assert page.xpath("//section[contains(@class,'card')]") == []
    assert "Pay within 30 days." in page.text_content()


# -- safety and quality -------------------------------------------------------------------


def test_page_markup_stays_text(project):
    """Tags, entities and links in a snapshot are shown as text, never become elements."""
    kit = SiteArchive(project.root, PLATFORMS)
    kit.record(KEY, V1, "2026-01-10T09:00:00Z")
    kit.record(KEY, HOSTILE, "2026-01-11T09:00:00Z")
    kit.build()
    for path in (kit.root / "site" / KEY / "index.html", version_page(kit, KEY, 2)):
        tree = parse(path)
        assert tree.xpath("//script | //img | //b | //i | //a[starts-with(@href,'http')]") == []
        text = tree.text_content()
        assert '<script>alert("page")</script>' in text
        assert "<img src=x onerror=alert(1)>" in text and "&amp; an entity" in text
        assert "Evil <b>Terms</b>" in text


def test_control_and_bidi_characters_are_dropped(project):
    """Characters HTML forbids, and bidi overrides that reorder text, never reach a page."""
    kit = SiteArchive(project.root, PLATFORMS)
    kit.record(KEY, HOSTILE, "2026-01-11T09:00:00Z")
    kit.build()
    data = (kit.root / "site" / KEY / "index.html").read_text("utf-8")
    assert "A bidi override and a bell  here." in data
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e]", data)


def test_every_link_resolves_to_a_file_in_the_site(site):
    """Every href and src is relative and points at a file (and id) in the site folder."""
    site.set_state("nimbus/usage", failing_since="2026-03-01T00:00:00Z")
    result = site.build(hooks=SiteHooks(tagger=Keywords()))
    assert len(pages(result.site_dir)) > 10
    assert link_problems(result.site_dir) == []


def test_link_check_catches_a_broken_link(site):
    """The link check itself fails on a dangling link and on an absolute one."""
    result = site.build()
    page = result.site_dir / "index.html"
    page.write_text(
        page.read_text()
        .replace("index-by-name.html", "nowhere.html", 1)
        .replace('href="index.html"', 'href="https://example.com/"', 1)
    )
    problems = link_problems(result.site_dir)
    assert any("nowhere.html" in p for p in problems)
    assert any("not a relative link" in p for p in problems)


def test_pages_load_no_external_resources(site):
    """No page or stylesheet refers to anything outside the site (no fonts, scripts, CDNs)."""
    result = site.build()
    css = (result.site_dir / "atlas.css").read_text()
    assert "url(" not in css and "@import" not in css
    for path in pages(result.site_dir):
        tree = parse(path)
        assert tree.xpath("//script | //iframe | //img | //object | //embed") == []
        assert all(not re.match(r"\w+:", h) for h in tree.xpath("//@href | //@src"))


def test_pages_are_valid_html5(site):
    """The Nu Html Checker finds no error in any page or in the stylesheet."""
    site.set_state("nimbus/usage", failing_since="2026-03-01T00:00:00Z", last_error="HTTP 503")
    result = site.build(hooks=SiteHooks(tagger=Keywords()))
    assert validate_html(result.site_dir) == ""


# -- incremental builds -----------------------------------------------------------------


def snapshot_files(site_dir):
    return {
        str(p.relative_to(site_dir)): p.stat().st_mtime_ns
        for p in site_dir.rglob("*")
        if p.is_file()
    }


def test_a_rebuild_without_changes_writes_nothing(site):
    """Building twice over the same archive leaves every file as it was."""
    first = site.build()
    before = snapshot_files(first.site_dir)
    second = site.build()
    assert second.counts.written == [] and second.counts.removed == []
    assert snapshot_files(second.site_dir) == before


def test_a_new_version_rewrites_only_the_pages_it_changes(site):
    """A new version writes its page, its predecessor's (next link), the document page and the index."""
    site.build()
    commit = site.record(
        KEY, V3 + "\n## 6. Notices\n\nWe send notices by e-mail.\n", "2026-04-01T09:00:00Z"
    )
    result = site.build()
    previous = version_page(site, KEY, 3).name
    assert sorted(result.counts.written) == sorted(
        [
            f"acme/terms/2026-04-01-{commit[:10]}.html",
            f"acme/terms/{previous}",
            "acme/terms/index.html",
            "index.html",
            "index-by-name.html",
            "index-by-checked.html",
            "index-by-failing.html",
        ]
    )


def test_a_rebuild_restores_an_edited_or_deleted_page(site):
    """A page edited or deleted by hand is written again by the next build."""
    result = site.build()
    edited, deleted = version_page(site, KEY, 2), version_page(site, KEY, 3)
    original = edited.read_bytes()
    edited.write_text("defaced")
    deleted.unlink()
    again = site.build()
    assert edited.read_bytes() == original and deleted.is_file()
    assert sorted(again.counts.written) == sorted(
        str(p.relative_to(result.site_dir)) for p in (edited, deleted)
    )


def test_pages_no_longer_made_are_removed_and_other_files_kept(site):
    """Topic pages vanish when topics are off again; a file of the user's own stays."""
    result = site.build(hooks=SiteHooks(tagger=Keywords()))
    assert (result.site_dir / "_topics" / "payment-terms.html").is_file()
    (result.site_dir / "CNAME").write_text("atlas.example.org\n")
    again = site.build()
    assert "_topics/payment-terms.html" in again.counts.removed
    assert not (result.site_dir / "_topics").exists()
    assert (result.site_dir / "CNAME").read_text() == "atlas.example.org\n"


def test_refuses_a_folder_it_did_not_make(site):
    """A non-empty folder without the site manifest is refused, and nothing is written there."""
    folder = site.root / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(SiteError, match="not empty and was not made by 'atlas site'"):
        site.build(folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


# -- hooks -----------------------------------------------------------------------------


def test_topics_appear_on_cards_and_topic_pages(site):
    """With a tagger, cards carry their topics and each topic page compares and lists changes."""
    site.build(hooks=SiteHooks(tagger=Keywords()))
    page = parse(version_page(site, KEY, 2))
    added = page.xpath("//section[contains(@class,'k-added')]")[0]
    assert added.xpath(".//ul[@class='topics']//a/text()") == ["Operator responsibility"]
    topic = parse(site.root / "site" / "_topics" / "payment-terms.html")
    compare = [
        " ".join(a.text_content().split()) for a in topic.xpath("//article[@class='compare']/h3")
    ]
    assert compare == ["Acme AI Acme Terms"]
    payment = page.xpath(
        "//section[contains(@class,'card')][.//span[@class='heading'][.='1. Payment']]"
    )
    recent = topic.xpath("//ol[@class='recent']/li/a/@href")
    assert recent == [f"../acme/terms/{version_page(site, KEY, 2).name}#{payment[0].get('id')}"]


def test_feed_links_are_on_every_page(site):
    """Feeds a feed writer puts into the site are linked from every page and kept on rebuild."""

    def feeds(site_dir):
        (site_dir / "feeds").mkdir(exist_ok=True)
        for name in ("feed.atom", "acme.atom"):
            (site_dir / "feeds" / name).write_text("<feed/>")
        return [
            FeedLink("All documents", "feeds/feed.atom"),
            FeedLink("Acme AI", "feeds/acme.atom", platform="acme"),
        ]

    result = site.build(hooks=SiteHooks(feeds=feeds))
    site.build(hooks=SiteHooks(feeds=feeds))
    for path in pages(result.site_dir):
        links = parse(path).xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href")
        assert any(link.endswith("feeds/feed.atom") for link in links), path
        assert any(link.endswith("acme.atom") for link in links) == ("/acme/" in str(path))
    assert link_problems(result.site_dir) == []


def test_worker_processes_make_the_same_pages(project):
    """A large rebuild shared out to worker processes writes exactly the pages one process does."""
    kit = SiteArchive(project.root, PLATFORMS)
    text = V1
    for n in range(20):
        text = text.replace(f"within {30 + n} days", f"within {31 + n} days")
        for key in (KEY, "acme/privacy"):
            kit.record(key, f"{text}\nVersion {n}.\n", f"2026-01-{n + 1:02d}T09:00:00Z")
    alone = kit.build(kit.root / "alone", processes=1)
    shared = kit.build(kit.root / "shared", processes=2, hooks=None)
    assert alone.workers == 0 and shared.workers == 2
    files = {p.relative_to(alone.site_dir): p.read_bytes() for p in pages(alone.site_dir)}
    assert {p.relative_to(shared.site_dir): p.read_bytes() for p in pages(shared.site_dir)} == files


def test_an_interrupted_first_build_can_be_run_again(site):
    """The folder is claimed (manifest) before any page, so a rerun after a failure is accepted."""

    def broken_feeds(site_dir):
        (site_dir / "feeds").mkdir()
        (site_dir / "feeds" / "half.atom").write_text("<feed")
        raise KeyboardInterrupt

    folder = site.root / "site"
    with pytest.raises(KeyboardInterrupt):
        site.build(folder, hooks=SiteHooks(feeds=broken_feeds))
    again = site.build(folder)
    assert "index.html" in again.counts.written
    assert link_problems(folder) == []


def test_refuses_to_write_through_a_symbolic_link(site, tmp_path):
    """A folder of the site replaced by a symbolic link is refused, and nothing lands behind it."""
    result = site.build()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (result.site_dir / "acme" / "terms").rename(tmp_path / "moved")
    (result.site_dir / "acme" / "terms").symlink_to(elsewhere)
    with pytest.raises(SiteError, match="symbolic link"):
        site.build()
    assert list(elsewhere.iterdir()) == []
