"""What tagging derives from the patterns, kept between processes: the same tags, less time."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from conductatlas_cli.topics import engine, shipped_taxonomy, store, tag_text, tagger
from conductatlas_cli.topics.store import FILE, kept_in

DATA = Path(__file__).parent / "data"
TEXTS = [p.read_text("utf-8") for p in sorted((DATA / "changes").glob("*/*.md"))][:12]


@pytest.fixture
def fresh():
    """No pattern analysed or compiled yet in this process (as in a new one)."""

    def clear():
        engine.compile_std.cache_clear()
        tagger._compile.cache_clear()
        tagger._gate.cache_clear()
        tagger.line_local.cache_clear()

    clear()
    yield clear
    clear()


def _tags() -> list[str]:
    return [repr(tag_text(text, shipped_taxonomy())) for text in TEXTS]


def test_tags_are_the_same_from_a_new_store_and_a_kept_one(tmp_path, fresh):
    """A first run fills the file; a second one reads it; both tag as without a store."""
    expected = _tags()
    fresh()
    with kept_in(tmp_path):
        assert _tags() == expected
    kept = marshal.loads((tmp_path / FILE).read_bytes())
    assert kept["analysis"] and kept["programs"]
    fresh()
    with kept_in(tmp_path):
        assert _tags() == expected
        assert not store.current().dirty  # everything was read from the file


def test_a_kept_program_matches_as_re_compile_does(tmp_path, fresh):
    """A program read back from the file finds the same matches and groups as `re`."""
    import re

    expression = r"(?<![a-z])(?:(?P<p0>retain\w*)|(?P<p1>kept?))(?![a-z])"
    text = "we retained it, we keep it, we kept it; unkept"
    with kept_in(tmp_path):
        engine.compile_std(expression)
    fresh()
    with kept_in(tmp_path):
        rx = engine.compile_std(expression)
    want = re.compile(expression)
    assert [(m.span(), m.lastgroup) for m in rx.finditer(text)] == [
        (m.span(), m.lastgroup) for m in want.finditer(text)
    ]
    assert (rx.pattern, rx.flags, rx.groups, rx.groupindex) == (
        want.pattern,
        want.flags,
        want.groups,
        want.groupindex,
    )


def test_a_file_of_another_key_or_unreadable_is_ignored(tmp_path, fresh):
    """A store written by another Python or atlas, or garbage, is not read (and is rewritten)."""
    expected = _tags()
    path = tmp_path / FILE
    path.write_bytes(marshal.dumps({"key": "other", "analysis": {"x": 1}, "programs": {}}))
    fresh()
    with kept_in(tmp_path):
        assert _tags() == expected
    assert marshal.loads(path.read_bytes())["key"] != "other"
    path.write_bytes(b"not marshal")
    fresh()
    with kept_in(tmp_path):
        assert _tags() == expected
