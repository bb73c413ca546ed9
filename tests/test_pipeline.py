"""The fetch pipeline: worker processes, and work skipped only when it cannot matter."""

from __future__ import annotations

from dataclasses import replace

from test_cli_fetch import CLAUSES, policy_html
from typer.testing import CliRunner

from conductatlas_cli.cli import app
from conductatlas_cli.run.pages import (
    POOL_MIN_DOCUMENTS,
    PageJob,
    PageProcessor,
    Prior,
    process_page,
)

runner = CliRunner()


def test_worker_processes_give_the_same_text_as_inline():
    """Extraction in worker processes is byte for byte the extraction in this process."""
    body = policy_html().encode()
    job = PageJob(body=body, content_type="text/html", url="http://x.test/", charset="utf-8")
    processor = PageProcessor(POOL_MIN_DOCUMENTS)
    try:
        assert processor.parallel
        assert processor.run(job) == process_page(job)
    finally:
        processor.close()


def test_a_second_extraction_gives_what_the_first_gave():
    """A job carrying its first extraction's result gives the very same page text."""
    job = PageJob(body=policy_html().encode(), content_type="text/html", url="http://x.test/")
    first = process_page(job)
    prior = Prior(first.extracted, first.text or "", first.noise, first.words)
    assert process_page(replace(job, prior=prior)) == first


def test_a_prior_counts_only_for_the_same_extracted_characters():
    """A prior whose extracted text differs from the extractor's is not used."""
    job = PageJob(body=policy_html().encode(), content_type="text/html", url="http://x.test/")
    first = process_page(job)
    same = Prior(first.extracted, "kept", "n", 1)
    other = Prior("0" * 64, "kept", "n", 1)
    assert process_page(replace(job, prior=same)).text == "kept"
    assert process_page(replace(job, prior=other)) == first


def test_a_large_run_records_every_document(in_project, server):
    """A run big enough for worker processes records each document with its own text."""
    count = POOL_MIN_DOCUMENTS + 2
    documents = {}
    for i in range(count):
        clauses = CLAUSES + [("5. Identity", f"This is document number {i} of the set.")]
        documents[f"doc-{i:02d}"] = server.set(f"/d{i}", policy_html(clauses))
    in_project.write_sources({"bulk": {"documents": documents}})
    result = runner.invoke(app, ["fetch", "--json"])
    assert result.exit_code == 0, result.output
    for i in range(count):
        text = in_project.snapshot(f"bulk/doc-{i:02d}").read_text()
        assert f"This is document number {i} of the set." in text


def test_same_bytes_with_new_settings_are_extracted_again(in_project, server):
    """An unchanged page is re-read when its select/remove/ignore settings changed."""
    url = server.set("/policy", policy_html())
    in_project.write_sources({"acme": {"documents": {"policy": url}}})
    runner.invoke(app, ["fetch"])
    before = in_project.commits()
    in_project.write_sources({"acme": {"documents": {"policy": {"url": url, "remove": ["h2"]}}}})
    result = runner.invoke(app, ["fetch", "--force"])
    assert result.exit_code == 0, result.output
    assert len(in_project.commits()) == len(before) + 1
    assert "## 2. Prohibited Uses" not in in_project.snapshot("acme/policy").read_text()


def test_new_ignore_rule_applies_to_the_recorded_version(in_project, server):
    """Adding an `ignore` rule makes a change on that line noise at once (no stale cache)."""
    url = server.set("/policy", policy_html(extra="<p>Last updated: March 3, 2026</p>"))
    in_project.write_sources({"acme": {"documents": {"policy": url}}})
    runner.invoke(app, ["fetch"])
    runner.invoke(app, ["fetch"])  # caches the recorded version's noise hash
    before = in_project.commits()
    in_project.write_sources(
        {"acme": {"documents": {"policy": {"url": url, "ignore": ["^Last updated: "]}}}}
    )
    server.set("/policy", policy_html(extra="<p>Last updated: April 9, 2026</p>"))
    result = runner.invoke(app, ["fetch"])
    assert result.exit_code == 0, result.output
    assert in_project.commits() == before
