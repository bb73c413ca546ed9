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


def commit_message(key: str, summary: ChangeSummary, *, trailers: Mapping[str, str]) -> str:
    """The snapshot commit message: subject, changed sections, `Atlas-*` trailers."""
    st = summary.stats
    real = st.sections_changed or st.sections_renumbered
    if summary.first or real:
        subject = stat_line(summary, show_all=True)
    elif st.cosmetic:
        subject = f"cosmetic changes only ({plural(st.cosmetic, 'section')})"
    else:
        subject = "no changes"
    parts = [f"{_one_line(key)}: {subject}"]
    body = []
    if not summary.first:
        listed = [c for c in summary.sections if c.kind != EQUAL and not (c.cosmetic and real)]
        # Real changes first, so a mass renumbering cannot push them past the cap.
        listed.sort(key=lambda c: c.renumbered_only)
        body = [
            f"{MARKERS[c.kind]} {_one_line(section_label(c))}{' (moved)' if moved_note(c) else ''}"
            for c in listed
        ]
        if len(body) > COMMIT_BODY_LINES:
            more = len(body) - COMMIT_BODY_LINES + 1
            body = body[: COMMIT_BODY_LINES - 1] + [f"… and {more} more"]
    if body:
        parts.append("\n".join(body))
    if trailers:
        parts.append("\n".join(f"{_one_line(k)}: {_one_line(v)}" for k, v in trailers.items()))
    return "\n\n".join(parts) + "\n"
