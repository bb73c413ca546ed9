"""The site in a real headless Chromium (Debian's, driven by playwright), opened from file://.

Without Chromium these tests fail with a message saying how to install it.
"""

from __future__ import annotations

import struct

import pytest
from sitekit import (
    SiteArchive,
    chromium,
    demo_site,
    guard_requests,
    screenshot_version_page,
)
from test_site import KEY, PLATFORMS, V1, V2, V3, Keywords, version_page

from conductatlas_cli.site import SiteHooks

CONTRAST_JS = """
() => {
  const parse = (c) => {
    const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = (rgb) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => v * (1 - c[3]) + c[i] * c[3]);
    return out;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    const box = el.getBoundingClientRect();
    if (!node.textContent.trim() || box.width <= 1 || box.height <= 1 || !el.checkVisibility()) continue;
    const fg = parse(getComputedStyle(el).color);
    const bg = background(el);
    const mixed = bg.map((v, i) => fg[i] * fg[3] + v * (1 - fg[3]));
    const a = lum(mixed), b = lum(bg);
    found.push([(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), node.textContent.trim().slice(0, 40)]);
  }
  return found;
}
"""


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (AssertionError with install advice when missing)."""
    with chromium() as context:
        yield context


@pytest.fixture
def site(project):
    """Acme's terms in three versions (with topics), Nimbus failing; the site built."""
    kit = SiteArchive(project.root, PLATFORMS)
    kit.record(KEY, V1, "2026-01-10T09:00:00Z")
    kit.record("nimbus/usage", "# Nimbus Usage\n\nNo spam.\n", "2026-01-12T09:00:00Z")
    kit.record(KEY, V2, "2026-02-10T09:00:00Z")
    kit.record(KEY, V3, "2026-03-10T09:00:00Z")
    kit.set_state("nimbus/usage", failing_since="2026-03-01T00:00:00Z", last_error="HTTP 503")
    kit.build(hooks=SiteHooks(tagger=Keywords()))
    return kit


@pytest.fixture
def page(browser, site):
    """A fresh tab whose requests outside the site folder are aborted and listed."""
    browser.unroute("**/*")
    outside = guard_requests(browser, site.root / "site")
    tab = browser.new_page()
    tab.outside = outside
    yield tab
    tab.close()


def open_file(tab, path):
    tab.goto(path.resolve().as_uri())


def test_index_shows_every_document(page, site):
    """The index, opened from file://, shows each document's title and the failing one's error."""
    open_file(page, site.root / "site" / "index.html")
    text = page.inner_text("main")
    assert "Acme Terms" in text and "Nimbus Usage" in text
    failing = page.locator("tr.failing")
    assert failing.count() == 1 and "HTTP 503" in failing.inner_text()


def test_following_links_reaches_a_version_page(page, site):
    """Clicking a document, then a version in its timeline, lands on that version's page."""
    open_file(page, site.root / "site" / "index.html")
    page.get_by_role("link", name="Acme Terms").click()
    assert page.url.endswith("/acme/terms/index.html")
    page.locator(".timeline a").filter(has_text="2026-02-10").click()
    assert page.url.endswith(version_page(site, KEY, 2).name)
    assert "version of 2026-02-10" in page.inner_text("h1")
    page.get_by_role("link", name="Next version").click()
    assert page.url.endswith(version_page(site, KEY, 3).name)


def test_a_changed_word_is_visible_as_removed_and_as_added(page, site):
    """'30' shows struck through with a '[-' marker, '60' underlined with a '{+' marker."""
    open_file(page, version_page(site, KEY, 2))
    line = page.locator("li.l-modified").filter(has_text="Pay within")
    removed, added = line.locator("del"), line.locator("ins")
    assert removed.is_visible() and removed.inner_text() == "30"
    assert added.is_visible() and added.inner_text() == "60"

    def style(locator, prop, pseudo=None):
        return locator.evaluate(
            f"(e) => getComputedStyle(e, {pseudo!r}).{prop}"
            if pseudo
            else f"(e) => getComputedStyle(e).{prop}"
        )

    assert "line-through" in style(removed, "textDecorationLine")
    assert "underline" in style(added, "textDecorationLine")
    assert style(removed, "content", "::before") == '"[-"'
    assert style(added, "content", "::before") == '"{+"'


def test_cosmetic_changes_open_on_request(page, site):
    """The cosmetic card is hidden until its <details> summary is clicked."""
    open_file(page, version_page(site, KEY, 2))
    card = page.locator("details.cosmetic .card")
    assert not card.is_visible()
    page.locator("details.cosmetic > summary").click()
    assert card.is_visible() and "Acme Terms" in card.inner_text()


def test_no_request_leaves_the_site(page, site):
    """Browsing index, document, version and topic pages requests only files of the site."""
    open_file(page, site.root / "site" / "index.html")
    page.get_by_role("link", name="Acme Terms").click()
    page.locator(".timeline a").first.click()
    page.get_by_role("link", name="Topics").first.click()
    page.get_by_role("link", name="Payment terms").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/_topics/payment-terms.html")
    assert page.outside == []


def test_the_request_guard_catches_an_outside_request(page, site):
    """The guard used above does see a request that leaves the folder (so it can fail)."""
    bad = site.root / "site" / "bad.html"
    bad.write_text('<!DOCTYPE html><title>x</title><img src="http://127.0.0.1:9/x.png" alt="">')
    open_file(page, bad)
    page.wait_for_load_state("load")
    assert page.outside == ["http://127.0.0.1:9/x.png"]


@pytest.mark.parametrize("which", ["index", "document", "version"])
def test_pages_fit_a_360px_screen(page, site, which):
    """At 360 css pixels no page scrolls sideways."""
    path = {
        "index": site.root / "site" / "index.html",
        "document": site.root / "site" / KEY / "index.html",
        "version": version_page(site, KEY, 2),
    }[which]
    page.set_viewport_size({"width": 360, "height": 740})
    open_file(page, path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("which", ["index", "version"])
def test_text_contrast_meets_wcag_aa(page, site, which):
    """Every visible piece of text has a contrast of at least 4.5:1 with its background."""
    path = site.root / "site" / "index.html" if which == "index" else version_page(site, KEY, 2)
    open_file(page, path)
    if which == "version":
        page.locator("details.cosmetic > summary").click()
    ratios = page.evaluate(CONTRAST_JS)
    assert len(ratios) > 20
    low = [(round(r, 2), text) for r, text in ratios if r < 4.5]
    assert low == []


def test_print_keeps_the_marks_without_colour(page, site):
    """On paper the navigation is gone and the marks are black, struck and underlined."""
    open_file(page, version_page(site, KEY, 2))
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    removed = page.locator("li.l-modified del").first
    assert removed.evaluate("(e) => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    assert removed.evaluate("(e) => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert "line-through" in removed.evaluate("(e) => getComputedStyle(e).textDecorationLine")


def test_screenshot_of_the_demo_archive_version_page(browser, tmp_path):
    """A version page of the demo archive's site renders to a full-page PNG (the README's)."""
    browser.unroute("**/*")
    site_dir, latest = demo_site(tmp_path)
    outside = guard_requests(browser, site_dir)
    shot = screenshot_version_page(browser, latest, tmp_path / "site-version-page.png")
    data = shot.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and width == 900 and height > 800
    assert outside == []
