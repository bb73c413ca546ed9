"""Output formats: a change summary or a fetch report → text for people or programs.

Owns: one registry of change-summary formats (`FORMATS`: rich, plain, markdown,
json; the coming html and atom add one module and one line each), the fetch
report (plain lines, rich table, JSON), and colour. With `cli/`, the only
importer of rich (always lazily, inside the function that draws).

May import `diff` (the summary model and its plain-word description), `run`
(the fetch report model), `textsafe`. Imports nothing from `cli`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conductatlas_cli.diff.describe import stat_line
    from conductatlas_cli.diff.model import ChangeSummary
    from conductatlas_cli.render.summary_json import JSON_SCHEMA_DOC, summary_to_dict

FORMATS = ("rich", "plain", "markdown", "json")

__all__ = ["FORMATS", "JSON_SCHEMA_DOC", "render_summary", "stat_line", "summary_to_dict"]


def __getattr__(name: str) -> Any:
    """The summary formats load on first use: `atlas fetch` (render.fetch_report) needs none."""
    if name == "stat_line":
        from conductatlas_cli.diff.describe import stat_line

        return stat_line
    if name in ("JSON_SCHEMA_DOC", "summary_to_dict"):
        from conductatlas_cli.render import summary_json

        return getattr(summary_json, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_summary(
    summary: ChangeSummary,
    *,
    fmt: str,
    context: int = 0,
    show_all: bool = False,
    title: str | None = None,
    color: bool | None = None,
    width: int = 100,
    from_ref: str | None = None,
    to_ref: str | None = None,
) -> str:
    """SUMMARY as text in FMT (rich | plain | markdown | json), ending in a newline.

    rich with `color` falsy is exactly plain (the word marks must stay visible);
    deciding `color` (NO_COLOR, isatty) is the caller's job.
    """
    if fmt == "json":
        import json

        from conductatlas_cli.render.summary_json import summary_to_dict

        data = summary_to_dict(summary, from_ref=from_ref, to_ref=to_ref)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        from conductatlas_cli.render.summary_markdown import render_markdown

        return render_markdown(summary, context=context, show_all=show_all, title=title)
    if fmt not in ("rich", "plain"):
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    from conductatlas_cli.render.summary_text import as_plain, as_rich, summary_lines

    lines = summary_lines(summary, context=context, show_all=show_all, title=title)
    return as_rich(lines, width=width) if fmt == "rich" and color else as_plain(lines)
