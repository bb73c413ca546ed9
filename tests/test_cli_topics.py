"""`atlas topics`, `atlas compare` and the `topics:`/`watch:` keys, over a real git archive."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.cli import app
from conductatlas_cli.config.load import load_sources

runner = CliRunner()

ACME_V1 = """# Acme Privacy Policy

## 1. Scope

This policy covers the Acme API.

## 2. Data Retention

We retain API inputs for 30 days, then delete them.

## 3. Contact

Write to privacy@acme.test.
"""
ACME_V2 = ACME_V1.replace(
    "## 3. Contact", "## 3. Training\n\nWe do not train models on your inputs.\n\n## 4. Contact"
)
ACME_V3 = ACME_V2.replace("30 days", "60 days")
BETA = """# Beta Terms

**1. Use.** You may use the service for lawful purposes.

**2. Storage.** Content is kept for as long as your account is active and deleted within 14 days of closure.
"""


def record(project, key: str, text: str, day: str) -> str:
    sources = load_sources(project.root / "sources.yaml")
    message = f"{key}: update\n\nAtlas-Fetched-At: {day}T10:00:00Z\n"
    with Archive.from_sources(sources) as archive:
        return archive.record_version(key, text, message=message)


@pytest.fixture
def archive(in_project):
    """acme/privacy with three versions (Jan, Feb, Mar 2026) and beta/terms with one (Feb)."""
    in_project.write_sources(
        {
            "acme": {
                "name": "Acme",
                "documents": {"privacy": {"url": "https://acme.test/p", "type": "Privacy Policy"}},
            },
            "beta": {"name": "Beta", "documents": {"terms": "https://beta.test/t"}},
        }
    )
    in_project.commits_made = [
        record(in_project, "acme/privacy", ACME_V1, "2026-01-10"),
        record(in_project, "beta/terms", BETA, "2026-02-05"),
        record(in_project, "acme/privacy", ACME_V2, "2026-02-10"),
        record(in_project, "acme/privacy", ACME_V3, "2026-03-10"),
    ]
    return in_project


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_compare_json_lists_each_platforms_provision_with_its_last_change(archive):
    """compare --format json gives the shape in the README, with the date the section changed."""
    result = invoke("compare", "data-retention", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["topic"] == "data-retention" and data["at"] is None
    docs = {d["key"]: d for d in data["documents"]}
    assert set(docs) == {"acme/privacy", "beta/terms"}
    (acme,) = docs["acme/privacy"]["sections"]
    assert acme["path"] == ["Acme Privacy Policy", "2. Data Retention"]
    assert "60 days" in acme["text"] and acme["last_changed"] == "2026-03-10"
    assert acme["commit"] == archive.commits_made[3]
    assert docs["acme/privacy"]["title"] == "Acme — Privacy Policy"
    (beta,) = docs["beta/terms"]["sections"]
    assert beta["path"] == ["Beta Terms", "2. Storage"] and beta["last_changed"] == "2026-02-05"


def test_compare_unchanged_section_keeps_its_first_date(archive):
    """A provision unchanged since the first version reports the first version's date."""
    result = invoke("compare", "training-on-user-data", "--format", "json")
    (doc,) = json.loads(result.output)["documents"]
    assert doc["sections"][0]["last_changed"] == "2026-02-10"


def test_compare_at_date_uses_the_versions_in_force(archive):
    """--at 2026-01-31 compares the January text (30 days; beta not yet recorded)."""
    result = invoke("compare", "data-retention", "--at", "2026-01-31", "--format", "json")
    data = json.loads(result.output)
    assert data["at"] == "2026-01-31"
    assert [d["key"] for d in data["documents"]] == ["acme/privacy"]
    assert "30 days" in data["documents"][0]["sections"][0]["text"]


def test_compare_platform_filter(archive):
    """Naming platforms keeps only theirs."""
    result = invoke("compare", "data-retention", "beta", "--format", "json")
    assert [d["key"] for d in json.loads(result.output)["documents"]] == ["beta/terms"]


def test_compare_unknown_topic_is_exit_2_listing_ids(archive):
    """An unknown topic is a usage error that lists the known ids."""
    result = invoke("compare", "no-such-topic")
    assert result.exit_code == 2
    assert "unknown topic 'no-such-topic'" in result.output and "data-retention" in result.output


def test_compare_markdown_is_a_table(archive):
    """--format markdown gives one table row per provision."""
    result = invoke("compare", "data-retention", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "| Platform | Document | Section | Text | Last changed |" in result.output
    assert "| Acme | Privacy Policy | Acme Privacy Policy › 2. Data Retention |" in result.output


def test_compare_plain_names_documents_and_dates(archive):
    """--format plain names each document and the section's last change."""
    result = invoke("compare", "data-retention", "--format", "plain")
    assert "== Acme — Privacy Policy (acme/privacy)" in result.output
    assert "-- Acme Privacy Policy › 2. Data Retention  (last changed 2026-03-10" in result.output


def test_compare_rich_draws_one_panel_per_document(archive):
    """--format rich draws a panel per document, titled with the platform."""
    result = invoke("compare", "data-retention", "--format", "rich")
    assert result.output.count("╭") == 2 and "Acme — Privacy Policy" in result.output


def test_topics_json_lists_topics_and_trails(archive):
    """atlas topics --format json gives each document's topics with their section trails."""
    result = invoke("topics", "acme", "--format", "json")
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.output)["documents"]
    topics = {t["id"]: t["sections"] for t in doc["topics"]}
    assert topics["data-retention"] == [["Acme Privacy Policy", "2. Data Retention"]]
    assert "training-on-user-data" in topics


def test_topics_explain_shows_pattern_and_line(archive):
    """--explain names the matched text, its line and the pattern."""
    result = invoke("topics", "acme/privacy", "--explain")
    assert result.exit_code == 0, result.output
    assert "[data-retention]" in result.output and "line 7 heading: 'retention'" in result.output


def test_user_topic_from_sources_yaml_is_used(archive):
    """A topic added under `topics:` in sources.yaml is tagged and comparable."""
    data = yaml.safe_load((archive.root / "sources.yaml").read_text())
    data["topics"] = {"contact": {"label": "Contact", "heading_patterns": ["contact"]}}
    (archive.root / "sources.yaml").write_text(yaml.safe_dump(data))
    result = invoke("compare", "contact", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [d["key"] for d in json.loads(result.output)["documents"]] == ["acme/privacy"]


def test_check_reports_topic_problems_with_line_numbers(in_project):
    """atlas check names the line of a bad topic field and of a bad watch pattern."""
    (in_project.root / "sources.yaml").write_text(
        "settings:\n  watch: ['Data (Retention']\n"
        "topics:\n  mine:\n    label: Mine\n    patterns: ['ok', 'bad(']\n  other: {patterns: [x]}\n"
        "platforms:\n  acme:\n    documents:\n      terms: https://acme.test/t\n"
    )
    result = invoke("check")
    assert result.exit_code == 2
    assert "sources.yaml:2: 'settings.watch': 'Data (Retention' is neither a topic" in result.output
    assert (
        "sources.yaml:6: 'topics': topic 'mine': 'patterns'[1]: invalid regex 'bad('"
        in result.output
    )
    assert "sources.yaml:7: 'topics': topic 'other': 'label': is required" in result.output


def test_watch_is_read_from_settings_and_documents(in_project):
    """`watch:` lists land on the settings and the document."""
    in_project.write_sources(
        {"acme": {"documents": {"terms": {"url": "https://acme.test/t", "watch": ["disputes"]}}}},
        settings={"watch": ["training-on-user-data", "^Data"]},
    )
    sources = load_sources(in_project.root / "sources.yaml")
    assert sources.settings.watch == ("training-on-user-data", "^Data")
    assert sources.sources[0].watch == ("disputes",)


def test_diff_plain_shows_topics_after_the_heading(archive):
    """Every changed section in `atlas diff` carries its topics after the heading."""
    result = invoke("diff", "acme/privacy", "--format", "plain")
    assert result.exit_code == 0, result.output
    assert "~ Acme Privacy Policy › 2. Data Retention  [data-retention]" in result.output


def test_diff_markdown_and_json_carry_topics(archive):
    """Markdown headings and JSON section objects carry the topics too."""
    md = invoke("diff", "acme/privacy", "--format", "markdown").output
    assert "### Modified: Acme Privacy Policy › 2. Data Retention  [data-retention]" in md
    data = json.loads(invoke("diff", "acme/privacy", "--format", "json").output)
    (section,) = [s for s in data["documents"][0]["sections"] if s["kind"] != "equal"]
    assert section["topics"] == ["data-retention"]


def test_diff_topic_filter_keeps_only_that_topics_sections(archive):
    """--topic keeps only the changed sections with that topic."""
    base = [
        "diff",
        "acme/privacy",
        "--from",
        "2026-01-31",
        "--to",
        "2026-02-28",
        "--format",
        "json",
    ]
    both = json.loads(invoke(*base).output)["documents"][0]["sections"]
    assert any("training-on-user-data" in s["topics"] for s in both)
    kept = json.loads(invoke(*base, "--topic", "data-retention").output)["documents"][0]["sections"]
    assert kept == []
    kept = json.loads(invoke(*base, "--topic", "training-on-user-data").output)["documents"][0][
        "sections"
    ]
    assert [s["path"][-1] for s in kept] == ["3. Training"]


def test_diff_unknown_topic_is_exit_2(archive):
    """--topic with an unknown id is a usage error."""
    result = invoke("diff", "acme/privacy", "--topic", "nope")
    assert result.exit_code == 2 and "unknown topic 'nope'" in result.output


def test_log_topic_keeps_versions_whose_changes_touch_it(archive):
    """log --topic lists only the versions whose changes touch the topic."""
    result = invoke("log", "acme", "--topic", "training-on-user-data", "--json")
    assert result.exit_code == 0, result.output
    assert [r["commit"] for r in json.loads(result.output)] == [archive.commits_made[2]]
    result = invoke("log", "acme", "--topic", "data-retention", "--json")
    commits = [r["commit"] for r in json.loads(result.output)]
    assert commits == [archive.commits_made[3], archive.commits_made[0]]


def _page(days: int) -> str:
    return (
        "<html><body><main><h1>Acme Terms</h1><h2>1. Scope</h2><p>These terms cover the API "
        "and every product we offer to developers and businesses.</p><h2>2. Data Retention</h2>"
        f"<p>We retain API inputs for {days} days, then delete them from our systems and backups.</p>"
        "</main></body></html>"
    )


def test_fetch_marks_watched_changes_and_writes_the_topics_trailer(in_project, server):
    """A watched change is `watched` in --json; its commit has Atlas-Topics and Atlas-Watched."""
    server.set("/terms", _page(30))
    in_project.write_sources(
        {"acme": {"documents": {"terms": server.url("/terms")}}},
        settings={"watch": ["data-retention"]},
    )
    assert runner.invoke(app, ["fetch", "-q"]).exit_code == 0
    server.set("/terms", _page(60))
    result = runner.invoke(app, ["fetch", "--json"])
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.output)["documents"]
    assert doc["watched"] is True and doc["topics"] == ["data-retention"]
    message = in_project.git("log", "-1", "--format=%B")
    assert "Atlas-Topics: data-retention" in message and "Atlas-Watched: yes" in message


def test_fetch_change_outside_watch_is_not_watched(in_project, server):
    """A change to a section with no watched topic or heading is not `watched`."""
    server.set("/terms", _page(30))
    in_project.write_sources(
        {"acme": {"documents": {"terms": {"url": server.url("/terms"), "watch": ["^Nothing"]}}}}
    )
    runner.invoke(app, ["fetch", "-q"])
    server.set("/terms", _page(30).replace("every product", "each product"))
    (doc,) = json.loads(runner.invoke(app, ["fetch", "--json"]).output)["documents"]
    assert doc["watched"] is False and doc["topics"] == []
