"""A fetch report → plain lines, a rich table, or JSON. rich is imported lazily."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from conductatlas_cli.run.report import DocumentReport, FetchReport, FetchStatus
from conductatlas_cli.textsafe import plain

if TYPE_CHECKING:
    from rich.console import Console

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


# The order documents are listed in: what needs a look first.
ORDER = {
    FetchStatus.FAILED: 0,
    FetchStatus.HELD: 1,
    FetchStatus.CHANGED: 2,
    FetchStatus.NEW: 3,
    FetchStatus.UNCHANGED: 4,
}


def describe(doc: DocumentReport, *, words: bool = True) -> str:
    """What happened to one document, in a few words (WORDS: say an unchanged one's size)."""
    if doc.status in (FetchStatus.FAILED, FetchStatus.HELD):
        return doc.reason or ""
    if doc.status in (FetchStatus.NEW, FetchStatus.CHANGED):
        return doc.summary or f"+{doc.words_added} -{doc.words_removed} words"
    if doc.reason:
        return f"{doc.words} words; {doc.reason}" if words and doc.words else doc.reason
    return f"{doc.words} words" if words else ""


def moved_line(doc: DocumentReport) -> str | None:
    """'source moved: OLD → NEW' when sources.yaml gave DOC another URL since the last fetch."""
    return f"source moved: {doc.moved_from} → {doc.url}" if doc.moved_from else None


def counts_line(report: FetchReport) -> str:
    counts = report.counts
    parts = [f"{counts[status]} {LABELS[status]}" for status in LABELS]
    line = ", ".join(parts)
    return f"{line} (dry run: nothing written)" if report.dry_run else line


def ordered(report: FetchReport) -> list[DocumentReport]:
    """The documents, failed and held first, then changed and new, then unchanged; by key."""
    return sorted(report.documents, key=lambda d: (ORDER[d.status], d.key))


def plain_lines(report: FetchReport, *, quiet: bool = False) -> list[str]:
    """One line per document (only changes and problems when QUIET), then the counts.

    Under a changed document, QUIET (cron) lists its changed sections, so the mail
    says which provisions changed.
    """
    shown = [d for d in ordered(report) if not quiet or d.status != FetchStatus.UNCHANGED]
    if quiet and not shown:
        return []
    width = max((len(d.key) for d in shown), default=0)
    lines = []
    for d in shown:
        lines.append(f"{LABELS[d.status]:<10} {d.key:<{width}}  {plain(describe(d))}".rstrip())
        if moved := moved_line(d):
            lines.append(f"{'':<10} {'':<{width}}  {plain(moved)}")
        if quiet and d.status == FetchStatus.CHANGED:
            lines += [f"{'':<10} {'':<{width}}  {plain(s)}" for s in d.sections]
    lines.append(counts_line(report))
    return lines


def to_json(
    report: FetchReport,
    *,
    notifications: list[dict[str, object]] | None = None,
    exit_code: int | None = None,
    previews: dict[str, object] | None = None,
) -> str:
    """The report as JSON; with the run's alert NOTIFICATIONS and its final EXIT_CODE.

    PREVIEWS (a dry run): key → the change summary's JSON, as each document's `preview`.
    """
    data = report.to_dict()
    for doc in data["documents"]:
        if previews and doc["key"] in previews:
            doc["preview"] = previews[doc["key"]]
    if notifications is not None:
        data["notifications"] = notifications
    if exit_code is not None:
        data["exit_code"] = exit_code
    return json.dumps(data, indent=2, ensure_ascii=False)


def print_table(report: FetchReport, console: Console, *, verbose: bool = False) -> None:
    """A rich table of the documents (unchanged ones folded into a count unless VERBOSE)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("status")
    table.add_column("document")
    table.add_column("words", justify="right")
    table.add_column("what")
    folded = 0
    for doc in ordered(report):
        if doc.status == FetchStatus.UNCHANGED and not verbose and not doc.moved_from:
            folded += 1
            continue
        table.add_row(
            Text(LABELS[doc.status], style=STYLES[doc.status]),
            Text(doc.key),
            Text(str(doc.words) if doc.words else ""),
            Text(plain(describe(doc, words=False))),
        )
        if moved := moved_line(doc):
            table.add_row(Text(""), Text(""), Text(""), Text(plain(moved), style="dim"))
        if doc.status == FetchStatus.CHANGED:
            for section in doc.sections:
                table.add_row(Text(""), Text(""), Text(""), Text(plain(section), style="dim"))
    if table.row_count:
        console.print(table)
    if folded:
        what = "document" if folded == 1 else "documents"
        console.print(Text(f"{folded} {what} unchanged (--verbose lists them)", style="dim"))
    console.print(Text(counts_line(report)))
