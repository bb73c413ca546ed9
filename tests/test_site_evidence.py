"""The archive's evidence in a run: site chrome, volatile blocks, a stable container (run/site_evidence.py)."""

from __future__ import annotations

from typer.testing import CliRunner

from conductatlas_cli.cli import app
from conductatlas_cli.run.site_evidence import site_of

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
