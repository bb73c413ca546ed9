"""Section identity: matched by place (parent trail, neighbours, content), and through ranges."""

from __future__ import annotations

from conductatlas_cli.diff.matching import chain_matches, match_sections
from conductatlas_cli.diff.sections import parse_sections
from conductatlas_cli.diff.summary import summarize_changes


def headings(text: str) -> list[str]:
    return [" › ".join(s.path) for s in parse_sections(text)]


def pairs_by_path(old: str, new: str, **kwargs) -> dict[str, str]:
    """{new path: old path} of the matched sections."""
    o, n = parse_sections(old), parse_sections(new)
    pairs = match_sections(o, n, **kwargs)
    return {" › ".join(n[j].path): " › ".join(o[i].path) for j, i in pairs.items()}


TWO_PARENTS = """# T

## Consumers

### Payment

Consumers pay monthly in advance.

## Businesses

### Payment

Businesses pay within 60 days of the invoice.
"""


def test_same_subheading_is_matched_under_its_own_parent():
    """`Businesses › Payment` pairs with `Businesses › Payment`, wherever its parent went."""
    swapped = "# T\n" + TWO_PARENTS.split("## Businesses")[1].join(["\n## Businesses", ""])
    swapped += "\n" + TWO_PARENTS.split("# T\n")[1].split("## Businesses")[0]
    got = pairs_by_path(TWO_PARENTS, swapped)
    assert got["T › Businesses › Payment"] == "T › Businesses › Payment"
    assert got["T › Consumers › Payment"] == "T › Consumers › Payment"


def test_moving_a_parent_does_not_move_its_children():
    """Only the parent whose order changed is moved; its children rode along."""
    old = TWO_PARENTS
    new = "# T\n\n## Businesses\n\n### Payment\n\nBusinesses pay within 60 days of the invoice.\n"
    new += "\n## Consumers\n\n### Payment\n\nConsumers pay monthly in advance.\n"
    summary = summarize_changes(old, new)
    moved = [" › ".join(c.path) for c in summary.sections if c.moved]
    assert moved == ["T › Businesses"]
    assert summary.stats.words_added == summary.stats.words_removed == 0


def test_duplicate_heading_is_matched_by_neighbours_and_content():
    """Of two `Definitions`, the one that stayed is kept and the first is removed."""
    old = "## Definitions\n\nA means a.\n\n## Fees\n\nPay.\n\n## Definitions\n\nB means b.\n"
    new = "## Fees\n\nPay.\n\n## Definitions\n\nB means b.\n"
    summary = summarize_changes(old, new)
    removed = [c for c in summary.sections if c.kind == "removed"]
    assert [c.old_index for c in removed] == [0]
    assert (summary.stats.words_added, summary.stats.words_removed) == (0, 4)


def test_renamed_parent_keeps_its_children():
    """A parent renamed with little text of its own is matched by its children."""
    old = "# T\n\n## Payment Terms\n\n### Invoices\n\nSent monthly.\n\n### Refunds\n\nIn 14 days.\n"
    new = old.replace("## Payment Terms", "## Billing")
    assert pairs_by_path(old, new)["T › Billing"] == "T › Payment Terms"


def test_chain_follows_a_rename_and_a_move_made_in_between():
    """v1 → v3 through v2 pairs what each single step pairs."""
    v1 = "## 1. A\n\nAa aa.\n\n## 2. Fees\n\nFees are due monthly.\n\n## 3. C\n\nCc cc.\n"
    v2 = "## 1. A\n\nAa aa.\n\n## 2. C\n\nCc cc.\n\n## 3. Charges\n\nFees are due monthly.\n"
    v3 = v2.replace(
        "## 3. Charges\n\nFees are due monthly.",
        "## 3. Charges and Payment\n\nFees are due monthly in advance.",
    )
    texts = [parse_sections(t) for t in (v1, v2, v3)]
    assert chain_matches(texts)[2] == 1  # "3. Charges and Payment" is "2. Fees"
    assert match_sections(texts[0], texts[2]).get(2) != 1  # a direct look cannot tell


def test_between_versions_change_the_summary():
    """summarize_changes(between=…) reports a modified provision, not a removal and an addition."""
    v1 = "## 1. A\n\nAa aa.\n\n## 2. Fees\n\nFees are due monthly.\n\n## 3. C\n\nCc cc.\n"
    v2 = "## 1. A\n\nAa aa.\n\n## 2. C\n\nCc cc.\n\n## 3. Charges\n\nFees are due monthly.\n"
    v3 = v2.replace("Fees are due monthly.", "Fees are due monthly in advance.")
    v3 = v3.replace("## 3. Charges", "## 3. Charges and Payment")
    direct = summarize_changes(v1, v3)
    assert direct.stats.sections_added == direct.stats.sections_removed == 1
    ranged = summarize_changes(v1, v3, between=[v2])
    changed = [c for c in ranged.changes if c.old_heading == "2. Fees"]
    assert changed and changed[0].new_heading == "3. Charges and Payment"
    assert ranged.stats.sections_added == ranged.stats.sections_removed == 0


def test_same_heading_elsewhere_with_other_text_is_not_the_same_provision():
    """An `Overview` under a removed part and another under an added part are not paired."""
    old = "# T\n\n## Consumers\n\n### Overview\n\nPeople who buy for personal use at home.\n"
    new = "# T\n\n## Partners\n\n### Overview\n\nResellers integrate our API into their products.\n"
    assert pairs_by_path(old, new) == {"T": "T"}


def test_every_golden_summary_rebuilds_both_texts():
    """Whatever the matching decides, the summary of each golden case gives both texts back."""
    from pathlib import Path

    from conductatlas_cli.diff.summary import new_text, old_text

    cases = Path(__file__).parent / "data" / "changes"
    for folder in sorted(p for p in cases.iterdir() if (p / "old.md").exists()):
        old, new = ((folder / n).read_text(encoding="utf-8") for n in ("old.md", "new.md"))
        between = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("between-*.md"))]
        summary = summarize_changes(old, new, between=between)
        assert (old_text(summary), new_text(summary)) == (old, new), folder.name
