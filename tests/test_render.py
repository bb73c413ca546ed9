"""Renderers: exact plain goldens, rich colour, markdown, json shape, commit messages.

Goldens live in tests/data/changes/<case>/{old.md,new.md,plain.txt}. To regenerate
after a deliberate format change, run `ATLAS_REGEN_GOLDEN=1 pytest tests/test_render.py`
and review every changed plain.txt by eye (`git diff tests/data/changes`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conductatlas_cli.archive.commit_message import commit_message
from conductatlas_cli.diff.summary import summarize_changes
from conductatlas_cli.render import (
    JSON_SCHEMA_DOC,
    render_summary,
    stat_line,
    summary_to_dict,
)

CASES = Path(__file__).parent / "data" / "changes"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "old.md").exists())
REGEN = os.environ.get("ATLAS_REGEN_GOLDEN") == "1"

OLD = """# Usage Policy

## 1. Scope

This policy applies to everyone.

## 2. Payment

Invoices are due within 30 days.
Late fees apply.
Interest is charged monthly.
"""
NEW = OLD.replace("30 days", "60 days") + "\n## 3. Operator Responsibility\n\nOperators comply.\n"
EVIL = (
    "A [bold red]x[/] and [link=http://evil]y[/link] \x1b[2Jz \x1b]8;;http://evil\x07w\x1b]8;;\x07."
)


def summary(old=OLD, new=NEW):
    """A summary of OLD → NEW."""
    return summarize_changes(old, new)


def case_summary(case: str):
    """The summary of a golden case: old.md → new.md through between-N.md, with ignore.txt."""
    folder = CASES / case
    old = (folder / "old.md").read_text(encoding="utf-8")
    new = (folder / "new.md").read_text(encoding="utf-8")
    between = [
        p.read_text(encoding="utf-8")
        for p in sorted(folder.glob("between-*.md"), key=lambda p: int(p.stem.split("-")[1]))
    ]
    rules = folder / "ignore.txt"
    ignore = rules.read_text(encoding="utf-8").splitlines() if rules.exists() else ()
    return summarize_changes(old, new, between=between, ignore=ignore)


@pytest.mark.parametrize("case", CASE_NAMES)
def test_plain_golden(case):
    """Plain output of each golden case matches its reviewed plain.txt exactly."""
    got = render_summary(case_summary(case), fmt="plain")
    golden = CASES / case / "plain.txt"
    if REGEN:
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASE_NAMES)
def test_json_stats_golden(case):
    """The JSON stats of each golden case count only the real words (stats.json)."""
    got = summary_to_dict(case_summary(case))["stats"]
    golden = CASES / case / "stats.json"
    if REGEN:
        golden.write_text(json.dumps(got, indent=2) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_golden_corpus_is_complete():
    """Every behaviour the corpus must pin has a case."""
    assert set(CASE_NAMES) >= {
        "reworded-sentence",
        "added-clause",
        "deleted-list-item",
        "renumbered-sections",
        "moved-section",
        "renamed-heading",
        "table-cell",
        "typography-only",
        "whitespace-only",
        "no-headings-clauses",
        "thirty-to-sixty",
        "same-subheadings-parent-moved",
        "duplicate-headings-first-removed",
        "range-across-rename",
        "ordered-list-item-removed",
        "section-deleted-clauses-renumbered",
        "lettered-items-renumbered",
        "cross-reference-changed",
        "updated-days-ago-stamp",
        "ignored-line",
        "sentence-moved-between-sections",
        "sections-swapped",
        "section-split",
        "sections-merged",
        "heading-level-change",
        "definition-reworded",
        "table-row-added",
        "list-item-split-in-two",
    }
    assert len(CASE_NAMES) >= 40


def test_plain_context_shows_neighbours_and_gaps():
    """context=1 adds one unchanged sentence on each side of a change."""
    new = OLD.replace("Interest is charged monthly.", "Interest is charged daily.").replace(
        "30 days", "60 days"
    )
    new = new.replace("Late fees apply.", "Late fees apply.\nA.\nB.\nC.")
    got = render_summary(summary(OLD, new), fmt="plain", context=1)
    assert got == (
        "~ Usage Policy › 2. Payment\n"
        "  ~ Invoices are due within [-30-]{+60+} days.\n"
        "    Late fees apply.\n"
        "  + A.\n"
        "  + B.\n"
        "  + C.\n"
        "  ~ Interest is charged [-monthly-]{+daily+}.\n"
        "\n"
        "1 section changed (+5 -2 words)\n"
    )


def test_cosmetic_hidden_unless_show_all():
    """Typography-only changes are counted in the stat line and shown only with show_all."""
    new = OLD.replace("Late fees apply.", "Late fees\u00a0apply.")
    hidden = render_summary(summary(OLD, new), fmt="plain")
    assert hidden == "no changes (1 cosmetic hidden)\n"
    shown = render_summary(summary(OLD, new), fmt="plain", show_all=True)
    assert "~ Usage Policy › 2. Payment (cosmetic)" in shown
    assert "  ~ Late fees[- -]{+\u00a0+}apply.\n" in shown
    assert shown.endswith("\nno changes (1 cosmetic)\n")


def test_rich_forced_colour_has_ansi_escapes():
    """rich with color=True emits ANSI styles, even when NO_COLOR is set in the environment."""
    got = render_summary(summary(), fmt="rich", color=True)
    assert "\x1b[" in got and "60" in got and "Operator Responsibility" in got
    assert "\x1b[9;31m30" in got  # removed word: red strikethrough


def test_rich_without_colour_is_plain():
    """rich with color=False has no escapes and keeps the word marks readable."""
    got = render_summary(summary(), fmt="rich", color=False)
    assert "\x1b" not in got
    assert got == render_summary(summary(), fmt="plain")
    assert "[-30-]{+60+}" in got


@pytest.mark.parametrize("fmt,color", [("plain", False), ("rich", True), ("markdown", False)])
def test_page_markup_and_escapes_print_literally(fmt, color):
    """rich markup in a page prints literally; escape sequences and OSC 8 links are stripped."""
    got = render_summary(summary(OLD, OLD + EVIL + "\n"), fmt=fmt, color=color)
    for literal in ("bold red", "x", "link=http://evil", "y", "/link"):
        assert literal in got
    assert "\x1b[2J" not in got and "\x1b]8" not in got and "\x07" not in got
    if fmt != "markdown":
        assert "[bold red]x[/]" in got


def test_commit_message_matches_spec_shape():
    """Subject with stats, changed sections one per line, trailers in the given order."""
    trailers = {
        "Atlas-Source": "https://docs.cohere.com/docs/usage-policy",
        "Atlas-Fetched-At": "2026-11-24T10:00:00Z",
    }
    got = commit_message("cohere/usage-policy", summary(), trailers=trailers)
    assert got == (
        "cohere/usage-policy: 2 sections changed (+6 -1 words)\n"
        "\n"
        "~ 2. Payment\n"
        "+ 3. Operator Responsibility\n"
        "\n"
        "Atlas-Source: https://docs.cohere.com/docs/usage-policy\n"
        "Atlas-Fetched-At: 2026-11-24T10:00:00Z\n"
    )


def test_commit_message_first_snapshot_and_renames():
    """A first version says so with its word count; a rename reads `= Old → New`."""
    first = commit_message("a/b", summarize_changes(None, OLD), trailers={"Atlas-Source": "u"})
    assert first == "a/b: first snapshot (24 words)\n\nAtlas-Source: u\n"
    renamed = summary(OLD, OLD.replace("## 2. Payment", "## 2. Fees"))
    assert "\n= 2. Payment → 2. Fees\n" in commit_message("a/b", renamed, trailers={})


def test_commit_message_sanitises_and_caps_body():
    """Control characters never reach the message, and a long body ends with a count."""
    sections = "".join(f"## Part {i} \x1b[31mred\n\nText {i}.\n\n" for i in range(80))
    got = commit_message("a/b", summarize_changes("# T\n", "# T\n\n" + sections), trailers={})
    assert "\x1b" not in got
    body = got.split("\n\n")[1].splitlines()
    assert len(body) == 50 and body[-1] == "… and 31 more"


def test_commit_message_lists_real_changes_before_renumbering():
    """A clause inserted early renumbers the rest; the real change still leads the body."""
    old = "".join(f"## {i}. Part {i}\n\nText {i}.\n\n" for i in range(1, 60))
    new = old.replace("## 1. Part 1", "## 1. New\n\nNew text.\n\n## 2. Part 1")
    for i in range(59, 1, -1):
        new = new.replace(f"## {i}. Part {i}", f"## {i + 1}. Part {i}")
    new = new.replace("Text 40.", "Text forty.")
    got = commit_message("a/b", summarize_changes(old, new), trailers={})
    subject, body = got.split("\n\n")[:2]
    assert subject == "a/b: 2 sections changed (+5 -1 words), 58 renumbered"
    lines = body.splitlines()
    assert lines[:3] == ["+ 1. New", "~ 40. Part 40 → 41. Part 40", "> 1. Part 1 → 2. Part 1"]
    assert lines[-1] == "… and 11 more"


def test_commit_message_cosmetic_only():
    """A cosmetic-only change, if ever recorded, says so in the subject."""
    got = commit_message("a/b", summary(OLD, OLD.replace("fees apply", "fees  apply")), trailers={})
    assert got.startswith("a/b: cosmetic changes only (1 section)\n\n~ 2. Payment\n")


def test_stat_line_variants():
    """The stat line for changes, for nothing, and for a first version."""
    assert stat_line(summary()) == "2 sections changed (+6 -1 words)"
    assert stat_line(summary(OLD, OLD)) == "no changes"
    assert stat_line(summarize_changes(None, "One two.\n")) == "first snapshot (2 words)"


def test_json_has_documented_shape():
    """JSON output has the documented keys in order with the documented types."""
    data = json.loads(render_summary(summary(), fmt="json", from_ref="abc", to_ref="def"))
    assert list(data) == ["from", "to", "first", "stats", "sections"]
    assert (data["from"], data["to"], data["first"]) == ("abc", "def", False)
    assert all(isinstance(v, int) for v in data["stats"].values())
    for key in data["stats"]:
        assert f'"{key}"' in JSON_SCHEMA_DOC
    section_keys = ["kind", "old_heading", "new_heading", "path", "level", "cosmetic"]
    section_keys += [
        "modified",
        "moved",
        "renamed",
        "renumbered",
        "moved_to",
        "topics",
        "sentences",
    ]
    for section in data["sections"]:
        assert list(section) == section_keys
        assert section["kind"] in ("added", "removed", "modified", "renamed", "moved")
        assert isinstance(section["path"], list) and isinstance(section["level"], int)
        for sentence in section["sentences"]:
            assert list(sentence) == [
                "kind",
                "old",
                "new",
                "cosmetic",
                "renumbered",
                "elsewhere",
                "words",
            ]
            assert sentence["kind"] in ("added", "removed", "modified")
            for word in sentence["words"]:
                assert list(word) == ["op", "text"]
                assert word["op"] in ("equal", "insert", "delete")
    modified = data["sections"][0]["sentences"][0]
    assert {"op": "delete", "text": "30"} in modified["words"]
    assert data == summary_to_dict(summary(), from_ref="abc", to_ref="def")


def test_markdown_marks_and_escapes():
    """Markdown uses ~~removed~~ **added** marks and escapes page text."""
    got = render_summary(
        summary(OLD, NEW.replace("Operators comply.", "Use *all* [x](y).")), fmt="markdown"
    )
    assert "- **Changed:** Invoices are due within ~~30~~**60** days." in got
    assert "- **Added:** Use \\*all\\* \\[x\\](y)." in got
    assert got.startswith("**2 sections changed (+7 -1 words)**\n")


def test_unknown_format_is_rejected():
    """An unknown format name is an error, not silently plain."""
    with pytest.raises(ValueError):
        render_summary(summary(), fmt="html")


def test_first_version_lists_sections_only():
    """A first version lists its sections (the text itself is for `atlas show`)."""
    got = render_summary(summarize_changes(None, OLD), fmt="plain", title="a/b")
    assert got == (
        "a/b\n"
        "\n"
        "+ Usage Policy\n"
        "+ Usage Policy › 1. Scope\n"
        "+ Usage Policy › 2. Payment\n"
        "\n"
        "first snapshot (24 words)\n"
    )


def test_moved_and_renumbered_section_says_moved():
    """A section that moved and was renumbered is told apart from a mere renumbering."""
    old = "## 1. A\n\nAa.\n\n## 2. B\n\nBb.\n\n## 3. C\n\nCc.\n"
    new = "## 1. A\n\nAa.\n\n## 2. C\n\nCc.\n\n## 3. B\n\nBb.\n"
    got = render_summary(summarize_changes(old, new), fmt="plain")
    assert (
        got
        == "> 3. C → 2. C (moved after 1. A)\n> 2. B → 3. B\n\n1 section changed (+0 -0 words), 1 renumbered\n"
    )


def test_render_module_does_not_import_rich_until_needed():
    """Importing changes and render (what `atlas log` needs) leaves rich and typer unloaded."""
    import subprocess
    import sys

    code = (
        "import sys, conductatlas_cli.diff.summary, conductatlas_cli.render.summary_text as r;"
        "print(sorted(m for m in ('rich', 'typer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_markdown_names_renumbered_sections():
    """In Markdown a section whose number alone changed is headed "Renumbered"."""
    new = OLD.replace("## 1. Scope", "## 1. New\n\nNew.\n\n## 2. Scope").replace(
        "## 2. Payment", "## 3. Payment"
    )
    got = render_summary(summarize_changes(OLD, new), fmt="markdown")
    assert "### Renumbered: Usage Policy › 2. Payment → 3. Payment\n" in got
    assert "### Added: Usage Policy › 1. New\n\n- **Added:** New.\n" in got


def test_near_changes_keeps_context_around_changes_and_marks_gaps():
    """Indexes within CONTEXT of a change are kept, in order; a skip before one is a gap."""
    from conductatlas_cli.diff.describe import near_changes

    shown = [False, True, False, False, False, False, True, False]
    assert near_changes(shown, 1) == [
        (0, False),
        (1, False),
        (2, False),
        (5, True),
        (6, False),
        (7, False),
    ]
    assert near_changes(shown, 0) == [(1, False), (6, True)]
    assert near_changes([False, False], 3) == []
