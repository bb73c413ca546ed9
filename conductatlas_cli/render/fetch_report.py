"""A fetch report → plain lines, a rich table, or JSON. rich is imported lazily."""

from __future__ import annotations

import json

from conductatlas_cli.run.report import DocumentReport, FetchReport, FetchStatus
from conductatlas_cli.textsafe import plain

LABELS = {
    FetchStatus.NEW: "new",
    FetchStatus.CHANGED: "changed",
    FetchStatus.UNCHANGED: "unchanged",
    FetchStatus.HELD: "held back",
    FetchStatus.FAILED: "failed",
}
STYLES = {
    FetchStatus.NEW: "green",
    FetchStatus.CHANGED: "yellow",
    FetchStatus.UNCHANGED: "dim",
    FetchStatus.HELD: "magenta",
    FetchStatus.FAILED: "red",
}


def describe(doc: DocumentReport) -> str:
    """What happened to one document, in a few words."""
    if doc.status in (FetchStatus.FAILED, FetchStatus.HELD):
        return doc.reason or ""
    if doc.status in (FetchStatus.NEW, FetchStatus.CHANGED):
        return doc.summary or f"+{doc.words_added} -{doc.words_removed} words"
    return doc.reason or f"{doc.words} words"


def counts_line(report: FetchReport) -> str:
    counts = report.counts
    parts = [f"{counts[status]} {LABELS[status]}" for status in LABELS]
    line = ", ".join(parts)
    return f"{line} (dry run: nothing written)" if report.dry_run else line


def plain_lines(report: FetchReport, *, quiet: bool = False) -> list[str]:
    """One line per document (only changes and problems when QUIET), then the counts."""
    shown = [d for d in report.documents if not quiet or d.status != FetchStatus.UNCHANGED]
    if quiet and not shown:
        return []
    width = max((len(d.key) for d in shown), default=0)
    lines = [
        f"{LABELS[d.status]:<10} {d.key:<{width}}  {plain(describe(d))}".rstrip() for d in shown
    ]
    lines.append(counts_line(report))
    return lines


def to_json(report: FetchReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def print_table(report, console) -> None:
    """A rich table of the documents, then the counts."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("status")
    table.add_column("document")
    table.add_column("words", justify="right")
    table.add_column("what")
    for doc in report.documents:
        table.add_row(
            Text(LABELS[doc.status], style=STYLES[doc.status]),
            Text(doc.key),
            Text(str(doc.words) if doc.words else ""),
            Text(plain(describe(doc))),
        )
    console.print(table)
    console.print(Text(counts_line(report)))
