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
        "changed    acme/aup      1 section changed (+5 -2 words)",
        "unchanged  acme/terms    80 words",
        "failed     acme/privacy  looks like a bot wall ('[bold red]Just a moment')",
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
        "topics",
        "watched",
    }
