"""sources.yaml validation: every problem is one line naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conductatlas_cli.config.load import load_sources, parse_sources
from conductatlas_cli.config.model import redact_url
from conductatlas_cli.errors import ConfigError

REPO_SOURCES = Path(__file__).resolve().parents[1] / "sources.yaml"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_sources(text, path=Path("sources.yaml"))
    return caught.value.problems


def test_shipped_sources_are_valid():
    """The sources.yaml we ship loads: 44 documents on 10 platforms."""
    sources = load_sources(REPO_SOURCES)
    assert len(sources.sources) == 44
    assert len({s.platform for s in sources.sources}) == 10


def test_short_and_long_forms():
    """A URL alone and a mapping with selectors both make a Source."""
    text = """
platforms:
  cohere:
    name: Cohere
    documents:
      saas-agreement: https://cohere.com/saas-agreement
      usage-policy:
        url: https://docs.cohere.com/docs/usage-policy
        select: main
        remove: [".cookie-banner"]
        ignore: ['^Last updated: .*$']
        min_chars: 500
"""
    sources = parse_sources(text, path=Path("sources.yaml"))
    short, long = sources.sources
    assert (short.key, short.url, short.select) == (
        "cohere/saas-agreement",
        "https://cohere.com/saas-agreement",
        (),
    )
    assert long.select == ("main",) and long.remove == (".cookie-banner",)
    assert long.ignore == ("^Last updated: .*$",) and long.min_chars == 500
    assert long.platform_name == "Cohere"


BAD = [
    (
        "duplicate-key",
        "platforms:\n  a:\n    documents:\n      d: https://x.test/\n      d: https://y.test/\n",
        "sources.yaml:5: duplicate key 'd' in 'a.documents' (first on line 4)",
    ),
    (
        "unknown-key",
        "platforms:\n  a:\n    documents:\n      d:\n        url: https://x.test/\n        selct: main\n",
        "sources.yaml:6: unknown key 'selct' in document 'a/d'",
    ),
    (
        "non-slug-id",
        "platforms:\n  Cohere:\n    documents: {}\n",
        "sources.yaml:2: platform id 'Cohere' is not a slug",
    ),
    (
        "path-id",
        "platforms:\n  a:\n    documents:\n      ../../etc: https://x.test/\n",
        "sources.yaml:4: document id '../../etc' is not a slug",
    ),
    (
        "reserved-id",
        "platforms:\n  con:\n    documents: {}\n",
        "sources.yaml:2: platform id 'con' is not a slug",
    ),
    (
        "file-url",
        "platforms:\n  a:\n    documents:\n      d: file:///etc/passwd\n",
        "sources.yaml:4: 'a/d' URL 'file:///etc/passwd' is not an http(s) URL",
    ),
    (
        "bad-regex",
        "platforms:\n  a:\n    documents:\n      d:\n        url: https://x.test/\n        ignore: '('\n",
        "sources.yaml:6: 'a/d' ignore: bad regex '('",
    ),
    (
        "bad-selector",
        "platforms:\n  a:\n    documents:\n      d:\n        url: https://x.test/\n        select: 'main >>'\n",
        "sources.yaml:6: 'a/d' select: bad CSS selector 'main >>'",
    ),
    (
        "bad-yaml",
        "platforms:\n  a: [\n",
        "sources.yaml:3: invalid YAML",
    ),
    (
        "alias-bomb",
        "a: &a [x, x]\nb: &b [*a, *a]\nplatforms: {}\n",
        "sources.yaml:1: YAML anchors and aliases are not allowed",
    ),
    (
        "bad-setting",
        "settings:\n  jobs: 0\nplatforms: {}\n",
        "sources.yaml:2: 'settings.jobs' must be at least 1",
    ),
    (
        "missing-url",
        "platforms:\n  a:\n    documents:\n      d:\n        type: Terms\n",
        "sources.yaml:5: document 'a/d' has no 'url'",
    ),
    ("empty", "", "sources.yaml:1: the file is empty"),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in BAD], ids=[c for c, _, _ in BAD])
def test_bad_input_names_the_line(text, expected):
    """Each kind of bad input gives a line that starts with file:line and says what is wrong."""
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_problems_are_reported_together_in_line_order():
    """All problems of a file are reported at once, sorted by line."""
    text = (
        "platforms:\n  a:\n    documents:\n      d: ftp://x\n"
        "      e:\n        url: https://x.test/\n        ignore: '('\n"
    )
    found = problems(text)
    assert [p.split(":")[1] for p in found] == ["4", "7"]


def test_a_bad_platform_id_does_not_hide_the_problems_inside_it():
    """A platform with a bad id is one problem; its documents are still checked."""
    text = "platforms:\n  Bad_Id:\n    documents:\n      d: ftp://x\n      E: https://x.test/\n"
    found = problems(text)
    assert [p.split(":")[1] for p in found] == ["2", "4", "5"]
    assert "platform id 'Bad_Id' is not a slug" in found[0]
    assert "document id 'E' is not a slug" in found[2]


def test_credentials_are_redacted_in_messages():
    """A URL with user:password is never printed with its password."""
    text = "platforms:\n  a:\n    documents:\n      d: ftp://user:s3cret@x.test/\n"
    found = problems(text)
    assert "s3cret" not in found[0] and "***@x.test" in found[0]


def test_redact_url_keeps_url_without_credentials():
    """redact_url leaves an ordinary URL alone and hides credentials."""
    assert redact_url("https://x.test/a?b=1") == "https://x.test/a?b=1"
    assert redact_url("https://u:p@x.test:8080/a") == "https://***@x.test:8080/a"


def test_select_targets(tmp_path):
    """Targets pick a platform or one document; an unknown target is an error."""
    text = "platforms:\n  a:\n    documents:\n      d: https://x.test/\n      e: https://x.test/e\n"
    sources = parse_sources(text, path=tmp_path / "sources.yaml")
    assert [s.key for s in sources.select(["a"])] == ["a/d", "a/e"]
    assert [s.key for s in sources.select(["a/e"])] == ["a/e"]
    with pytest.raises(ConfigError, match="unknown target 'b'"):
        sources.select(["b"])


def test_render_default_comes_from_settings_and_a_document_overrides_it():
    """settings.render is every document's default; a document's render and timeout win."""
    sources = parse_sources(
        "settings:\n  render: auto\n  captures: no\nplatforms:\n  a:\n    documents:\n"
        "      short: https://example.com/a\n"
        "      long:\n        url: https://example.com/b\n        render: browser\n"
        "        wait_for: main article\n        timeout: 45\n",
        path=Path("sources.yaml"),
    )
    got = {s.document: (s.render, s.wait_for, s.timeout) for s in sources.sources}
    assert got == {"short": ("auto", None, None), "long": ("browser", "main article", 45.0)}
    assert sources.settings.captures is False


def test_captures_must_be_true_or_false():
    """settings.captures accepts booleans only, naming the line."""
    assert problems("settings:\n  captures: sometimes\nplatforms: {}\n") == [
        "sources.yaml:2: 'settings.captures' must be true or false, not 'sometimes'"
    ]
