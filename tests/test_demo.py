"""The demo's sample policy: version 2 is version 1 with the edits listed in `V2_EDITS`."""

from conductatlas_cli.demo import PAGE, V2_EDITS, demo_page


def test_each_version_2_edit_finds_its_text_once():
    """Every edit's text stands exactly once where it is applied (none is silently lost)."""
    from importlib import resources

    page = resources.files("conductatlas_cli.demo").joinpath(PAGE).read_text(encoding="utf-8")
    for old, new in V2_EDITS:
        assert page.count(old) == 1, old
        page = page.replace(old, new)


def test_version_2_renumbers_the_sections_after_the_inserted_one():
    """Version 2 has the inserted section 3 and the old sections 3 and 4 as 4 and 5."""
    page = demo_page(2).decode("utf-8")
    headings = [line for line in page.splitlines() if line.startswith("<h2>")]
    assert headings == [
        "<h2>1. Prohibited Uses</h2>",
        "<h2>2. High-Risk Uses</h2>",
        "<h2>3. Operator Responsibility</h2>",
        "<h2>4. Data Retention</h2>",
        "<h2>5. Enforcement</h2>",
    ]
