"""The snapshot commit message: a storage format of the archive.

Subject `platform/document: <stat line>`, then the changed sections one per
line (real changes first, at most COMMIT_BODY_LINES), then the `Atlas-*`
trailers in the order given.
"""

from __future__ import annotations

from collections.abc import Mapping

from conductatlas_cli.diff.describe import MARKERS, moved_note, plural, section_label, stat_line
from conductatlas_cli.diff.model import EQUAL, ChangeSummary
from conductatlas_cli.textsafe import plain as _safe

COMMIT_BODY_LINES = 50


def _one_line(text: str) -> str:
    return " ".join(_safe(text).split())


def summary_subject(summary: ChangeSummary) -> str:
    """What a version's commit subject says after 'key: ' ('3 sections changed (+120 -45 words)')."""
    st = summary.stats
    if summary.first or st.sections_changed or st.sections_renumbered:
        return stat_line(summary, show_all=True)
    if st.cosmetic:
        return f"cosmetic changes only ({plural(st.cosmetic, 'section')})"
    return "no changes"


def section_lines(summary: ChangeSummary, *, limit: int = COMMIT_BODY_LINES) -> list[str]:
    """The changed sections, one line each ('~ 4. Data Retention'), real changes first.

    At most LIMIT lines (the last says '… and N more'). The commit body, the fetch
    report and alerts list the same lines.
    """
    if summary.first:
        return []
    st = summary.stats
    real = st.sections_changed or st.sections_renumbered
    listed = [c for c in summary.sections if c.kind != EQUAL and not (c.cosmetic and real)]
    # Real changes first, so a mass renumbering cannot push them past the cap.
    listed.sort(key=lambda c: c.renumbered_only)
    lines = [
        f"{MARKERS[c.kind]} {_one_line(section_label(c))}{' (moved)' if moved_note(c) else ''}"
        for c in listed
    ]
    if len(lines) > limit:
        lines = lines[: limit - 1] + [f"… and {len(lines) - limit + 1} more"]
    return lines


def commit_message(key: str, summary: ChangeSummary, *, trailers: Mapping[str, str]) -> str:
    """The snapshot commit message: subject, changed sections, `Atlas-*` trailers."""
    parts = [f"{_one_line(key)}: {summary_subject(summary)}"]
    body = section_lines(summary)
    if body:
        parts.append("\n".join(body))
    if trailers:
        parts.append("\n".join(f"{_one_line(k)}: {_one_line(v)}" for k, v in trailers.items()))
    return "\n\n".join(parts) + "\n"
