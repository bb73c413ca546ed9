"""The change model end to end: every pair of tests/data/change_cases.yaml through `atlas fetch`.

Each pair is served from a local HTTP server and fetched twice into a real git archive.
A `real` pair commits, and `atlas diff --format json` shows a change that is not
cosmetic; a `cosmetic` pair commits nothing and leaves the snapshot as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conductatlas_cli.cli import app

runner = CliRunner()
CASES = yaml.safe_load((Path(__file__).parent / "data" / "change_cases.yaml").read_text("utf-8"))

INTRO = (
    "<p>These terms govern your access to and use of the services provided by Example Inc. "
    "Please read them carefully before you create an account or send any request.</p>"
)
CLAUSES = (
    "<p>You must keep your credentials secret and tell us at once about any misuse.</p>"
    "<p>We may suspend access that puts the services or other customers at risk.</p>"
    "<p>Either party may end these terms with thirty days of written notice.</p>"
)


def page(case: dict, body: str) -> str:
    """The HTML page of one side of CASE."""
    title = case.get("title", "Terms of Service")
    if case.get("wrap", True):
        body = f"<h1>{title}</h1>{INTRO}{body}{CLAUSES}"
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<main>{body}</main><footer>Example Inc.</footer></body></html>"
    )


def test_the_table_holds_every_kind_of_case():
    """At least 80 uniquely named pairs, each labelled real or cosmetic, both labels present."""
    ids = [c["id"] for c in CASES]
    assert len(ids) >= 80 and len(set(ids)) == len(ids)
    assert {c["label"] for c in CASES} == {"real", "cosmetic"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_change_case(in_project, server, case):
    """A real pair is recorded and not cosmetic in the diff; a cosmetic pair is not recorded."""
    document = {"url": server.url("/terms")}
    if case.get("ignore"):
        document["ignore"] = case["ignore"]
    in_project.write_sources({"acme": {"documents": {"terms": document}}})
    server.set("/terms", page(case, case["old"]))
    first = runner.invoke(app, ["fetch", "--json"])
    assert json.loads(first.output)["documents"][0]["status"] == "new", first.output
    commits = in_project.commits()
    snapshot = in_project.snapshot("acme/terms").read_text("utf-8")
    server.set("/terms", page(case, case["new"]))
    second = runner.invoke(app, ["fetch", "--json"])
    status = json.loads(second.output)["documents"][0]["status"]
    if case["label"] == "cosmetic":
        assert status == "unchanged", second.output
        assert in_project.commits() == commits
        assert in_project.snapshot("acme/terms").read_text("utf-8") == snapshot
        return
    assert status == "changed", second.output
    assert len(in_project.commits()) == len(commits) + 1
    shown = runner.invoke(app, ["diff", "acme/terms", "--format", "json"])
    summary = json.loads(shown.output)["documents"][0]
    assert any(not s["cosmetic"] for s in summary["sections"]), shown.output
    assert summary["stats"]["sections_changed"] + summary["stats"]["sections_renumbered"] >= 1
