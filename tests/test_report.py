"""The fetch report: plain lines for cron, a table for a terminal, JSON for scripts."""

from __future__ import annotations

import io
import json

from rich.console import Console

from conductatlas_cli.render.fetch_report import plain_lines, print_table, to_json
from conductatlas_cli.run.report import DocumentReport, FetchReport


def sample() -> FetchReport:
    return FetchReport(
        documents=[
            DocumentReport(
                key="acme/aup",
                url="https://a.test/",
                status="changed",
                words=120,
                words_added=5,
                words_removed=2,
                summary="1 section changed (+5 -2 words)",
                commit="abc",
            ),
            DocumentReport(key="acme/terms", url="https://a.test/t", status="unchanged", words=80),
            DocumentReport(
                key="acme/privacy",
                url="https://a.test/p",
                status="failed",
                reason="looks like a bot wall ('[bold red]Just a moment\x1b[2J')",
            ),
        ]
    )


def test_plain_lines_exact():
    """Piped output: one aligned line per document, then the counts."""
    assert plain_lines(sample()) == [
        "failed     acme/privacy  looks like a bot wall ('[bold red]Just a moment')",
        "changed    acme/aup      1 section changed (+5 -2 words)",
        "unchanged  acme/terms    80 words",
        "0 new, 1 changed, 1 unchanged, 0 held back, 1 failed",
    ]


def test_quiet_names_the_changed_sections():
    """-q (cron): under a changed document, its changed sections, so the mail says which."""
    report = sample()
    report.documents[0].sections = ("~ 4. Data Retention", "+ 7. Operator Responsibility")
    assert plain_lines(report, quiet=True) == [
        "failed     acme/privacy  looks like a bot wall ('[bold red]Just a moment')",
        "changed    acme/aup      1 section changed (+5 -2 words)",
        "                         ~ 4. Data Retention",
        "                         + 7. Operator Responsibility",
        "0 new, 1 changed, 1 unchanged, 0 held back, 1 failed",
    ]


def test_quiet_keeps_only_changes_and_failures():
    """-q drops unchanged documents, and prints nothing at all when that is everything."""
    lines = plain_lines(sample(), quiet=True)
    assert not any("acme/terms" in line for line in lines)
    calm = FetchReport(documents=[DocumentReport(key="a/b", url="u", status="unchanged")])
    assert plain_lines(calm, quiet=True) == []


def test_table_prints_web_text_literally_with_colour():
    """In a terminal: a coloured table whose page text keeps its [markup] and loses escapes."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system="standard")
    print_table(sample(), console)
    text = out.getvalue()
    assert "\x1b[" in text  # coloured statuses
    assert "[bold red]Just a moment" in text
    assert "\x1b[2J" not in text


def test_table_folds_unchanged_documents_unless_verbose():
    """In a terminal, unchanged documents are one count line; --verbose lists each."""

    def table(**options):
        out = io.StringIO()
        print_table(sample(), Console(file=out, width=120, color_system=None), **options)
        return out.getvalue()

    folded = table()
    assert "acme/terms" not in folded and "1 document unchanged (--verbose lists them)" in folded
    assert folded.index("acme/privacy") < folded.index("acme/aup")  # problems first
    verbose = table(verbose=True)
    assert "acme/terms" in verbose and "80 words" not in verbose  # the number is said once


def test_json_report_shape():
    """--json: documents with every field, counts, and the exit code (1: one failed)."""
    data = json.loads(to_json(sample()))
    assert data["counts"] == {"new": 0, "changed": 1, "unchanged": 1, "held": 0, "failed": 1}
    assert data["exit_code"] == 1
    assert set(data["documents"][0]) == {
        "key",
        "url",
        "status",
        "reason",
        "words",
        "words_added",
        "words_removed",
        "commit",
        "elapsed",
        "summary",
        "title",
        "sections",
        "topics",
        "watched",
        "moved_from",
    }
