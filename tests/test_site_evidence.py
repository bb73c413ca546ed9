"""The archive's evidence in a run: site chrome, volatile blocks, a stable container (run/site_evidence.py)."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conductatlas_cli.archive.state import State
from conductatlas_cli.cli import app
from conductatlas_cli.config.model import Source
from conductatlas_cli.extract.evidence import Evidence
from conductatlas_cli.run.decision import Extracted
from conductatlas_cli.run.pages import HeldJob, PageJob, PageProcessor, process_page
from conductatlas_cli.run.site_evidence import SiteBatches, site_of

runner = CliRunner()

BANNER = (
    "<div class='notice'><p>We recently updated our Privacy Notice. Read what changed.</p></div>"
)


def page(title: str, clauses: list[str], *, top: str = "", aside: str = "") -> str:
    """A policy page whose <main> opens with TOP (a banner, a promotion) before its title."""
    body = "".join(f"<h2>Section {i}</h2><p>{text}</p>" for i, text in enumerate(clauses, 1))
    return (
        f"<html><body><nav><a href='/'>Home</a></nav><main>{top}"
        f"<article><h1>{title}</h1>{body}</article>{aside}</main></body></html>"
    )


TERMS = [
    "You must be at least eighteen years old to open an account and use the services we offer.",
    "You may not use the services to break the law or to harm other people in any way at all.",
    "We may suspend an account that breaks these terms after telling its owner why we do so.",
]
PRIVACY = [
    "We collect the data you give us when you sign up: your name and your email address only.",
    "We keep your data while your account is open and for one year after you close it for good.",
    "You can ask us for a copy of your data, or ask us to correct or delete it, at any time.",
]


def fetch():
    result = runner.invoke(app, ["fetch", "--json"])
    assert result.exit_code == 0, result.output
    return result


def test_site_of_is_the_host_without_www():
    """A site is a host: "www." and letter case do not make another site."""
    assert site_of("https://WWW.Example.com/terms") == site_of("https://example.com/privacy")
    assert site_of("https://docs.example.com/terms") != site_of("https://example.com/terms")


def test_banner_shared_by_a_sites_documents_is_left_out_from_the_first_run(in_project, server):
    """A block on two documents of one site is its template: neither snapshot holds it."""
    terms = server.set("/terms", page("Terms of Use", TERMS, top=BANNER))
    privacy = server.set("/privacy", page("Privacy Policy", PRIVACY, top=BANNER))
    in_project.write_sources({"acme": {"documents": {"terms": terms, "privacy": privacy}}})
    fetch()
    for key in ("acme/terms", "acme/privacy"):
        text = in_project.snapshot(key).read_text()
        assert "We recently updated" not in text
        assert text.startswith("# ")


def test_the_same_banner_on_another_site_stays(in_project, server):
    """Evidence is per site: a lone document of another host keeps its banner."""
    terms = server.set("/terms", page("Terms of Use", TERMS, top=BANNER))
    privacy = server.set("/privacy", page("Privacy Policy", PRIVACY, top=BANNER))
    elsewhere = privacy.replace("127.0.0.1", "localhost")
    in_project.write_sources(
        {
            "acme": {"documents": {"terms": terms, "privacy": privacy}},
            "other": {"documents": {"privacy": elsewhere}},
        }
    )
    fetch()
    assert "We recently updated" not in in_project.snapshot("acme/terms").read_text()
    assert "We recently updated" in in_project.snapshot("other/privacy").read_text()


def test_a_change_of_the_shared_banner_alone_is_no_commit(in_project, server):
    """When only a site's banner changes on every document, nothing is recorded."""
    terms = server.set("/terms", page("Terms of Use", TERMS, top=BANNER))
    privacy = server.set("/privacy", page("Privacy Policy", PRIVACY, top=BANNER))
    in_project.write_sources({"acme": {"documents": {"terms": terms, "privacy": privacy}}})
    fetch()
    before = in_project.commits()
    other = BANNER.replace("Privacy Notice", "Terms of Use")
    server.set("/terms", page("Terms of Use", TERMS, top=other))
    server.set("/privacy", page("Privacy Policy", PRIVACY, top=other))
    fetch()
    assert in_project.commits() == before


def test_a_promotion_that_comes_and_goes_stops_making_versions(in_project, server):
    """A block seen, gone, then back is volatile: showing it again for good records nothing."""
    promo = "<p class='promo'>Summer offer: twenty percent off every yearly plan until Friday.</p>"
    url = server.set("/terms", page("Terms of Use", TERMS, top=promo))
    in_project.write_sources({"acme": {"documents": {"terms": url}}})
    fetch()
    server.set("/terms", page("Terms of Use", TERMS))
    fetch()  # gone: a new version (nothing says yet that it was not the document's)
    commits = in_project.commits()
    server.set("/terms", page("Terms of Use", TERMS, top=promo))
    fetch()  # back: a return to the first version, seen once; it came and went
    fetch()  # still there: without the evidence, a return that persists is recorded
    fetch()
    assert in_project.commits() == commits
    assert "Summer offer" not in in_project.snapshot("acme/terms").read_text()


def test_container_stays_while_the_layout_is_unchanged(in_project, server):
    """A side note that stops tipping the container's choice stays in the document."""
    note = "<div class='note'><p>Questions about these terms? Write to us on any weekday.</p></div>"
    clauses = (
        TERMS
        + PRIVACY
        + [  # the terms grow: the note alone no longer tips the choice
            "We may change these terms, and we tell you by email before a change takes effect."
        ]
    )
    url = server.set("/terms", page("Terms of Use", TERMS, aside=note))
    in_project.write_sources({"acme": {"documents": {"terms": url}}})
    fetch()
    assert "Questions about these terms?" in in_project.snapshot("acme/terms").read_text()
    server.set("/terms", page("Terms of Use", clauses, aside=note))
    fetch()
    text = in_project.snapshot("acme/terms").read_text()
    assert "We may change these terms" in text
    assert "Questions about these terms?" in text


def _job(html: str, chrome: frozenset[int] = frozenset()) -> PageJob:
    return PageJob(
        body=html.encode(),
        content_type="text/html",
        url="http://acme.test/terms",
        charset="utf-8",
        evidence=Evidence(chrome=chrome),
    )


def test_chrome_counts_only_where_the_page_holds_it():
    """Every block of a site's other pages as chrome reads as the blocks this page shares.

    A run's first extraction of a page is given all it knows of its site (run/site_evidence.py):
    that this gives the page the text its shared blocks give it spares the second extraction.
    """
    terms, privacy = page("Terms of Use", TERMS, top=BANNER), page("Privacy", PRIVACY, top=BANNER)
    own = process_page(_job(terms)).blocks
    others = process_page(_job(privacy)).blocks | {1, 2, 3}
    shared = own & others
    assert shared  # the banner
    exact = process_page(_job(terms, chrome=shared))
    assert process_page(_job(terms, chrome=others)) == exact
    assert "We recently updated" not in (exact.text or "")


class CountingProcessor(PageProcessor):
    """The inline processor, counting the pages it extracts and the texts it tags."""

    def __init__(self):
        super().__init__(1)
        self.extracted = self.tagged = 0

    def run(self, job):
        self.extracted += 1
        return super().run(job)

    def tag(self, text, topics):
        self.tagged += 1
        return super().tag(text, topics)


def _extracted(source: Source, html: str, chrome: frozenset[int]) -> Extracted:
    job = _job(html, chrome)
    got = process_page(job)
    return Extracted(source, text=got.text, blocks=got.blocks, job=HeldJob.hold(job))


def _record_all(sites: SiteBatches) -> list[Extracted]:
    out: list[Extracted] = []
    while sites.busy:
        out += sites.ready()
        time.sleep(0.01)
    return out


def test_a_page_extracted_with_its_sites_blocks_is_not_extracted_again():
    """The page whose first extraction knew its sibling's blocks is extracted once, and tagged
    once; the sibling extracted before anything was known is extracted again with them."""
    sources = (
        Source(platform="acme", document="terms", url="http://acme.test/terms"),
        Source(platform="acme", document="privacy", url="http://acme.test/privacy"),
    )
    processor = CountingProcessor()
    sites = SiteBatches(list(sources), sources, State(), processor, topics={})
    terms_html = page("Terms of Use", TERMS, top=BANNER)
    first = _extracted(sources[0], terms_html, sites.chrome_for(sources[0]))  # knows nothing
    sites.learn(first)
    privacy_html = page("Privacy Policy", PRIVACY, top=BANNER)
    second = _extracted(sources[1], privacy_html, sites.chrome_for(sources[1]))
    assert "We recently updated" not in (second.text or "")  # the banner is known already
    sites.add(first)
    sites.add(second)
    recorded = _record_all(sites)
    sites.close()
    assert [got.source.key for got in recorded] == ["acme/terms", "acme/privacy"]
    assert processor.extracted == 1  # terms again; privacy stands
    assert processor.tagged == 1  # privacy's final text; terms was tagged in its extraction
    assert all(got.tags is not None for got in recorded)
    assert "We recently updated" not in (recorded[0].text or "")


def test_a_held_page_keeps_its_body_compressed_and_gives_it_back_whole():
    """A page waiting for its site holds a fifth of its body or less; unpacked, the very job."""
    job = _job(page("Terms of Use", TERMS * 20, top=BANNER), frozenset({1, 2}))
    held = HeldJob.hold(job)
    assert held.job.body == b"" and len(held.packed) * 5 <= len(job.body)
    assert held.evidence == job.evidence
    assert held.unpacked() == job
    assert held.unpacked(prior=None, topics={}) == PageJob(**{**vars(job), "topics": {}})


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.frozensets(st.integers(0, 12), max_size=6)), max_size=25
    )
)
def test_chrome_for_is_what_the_sites_other_documents_hold(learned):
    """After any run of `learn`s, a document's chrome is the union of the blocks the site's
    other documents hold last (as counted by hand)."""
    sources = tuple(
        Source(platform="acme", document=f"d{n}", url=f"http://acme.test/d{n}") for n in range(4)
    )
    sites = SiteBatches(list(sources), sources, State(), PageProcessor(0))
    held: dict[str, frozenset[int]] = {}
    for n, blocks in learned:
        sites.learn(Extracted(sources[n], text="x", blocks=blocks))
        if blocks:
            held[sources[n].key] = blocks
        for source in sources:
            others = [b for key, b in held.items() if key != source.key]
            assert sites.chrome_for(source) == frozenset().union(*others)
