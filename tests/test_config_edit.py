"""`atlas add` / `atlas rm`: sources.yaml edited in place, comments and order kept."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conductatlas_cli.cli import app
from conductatlas_cli.config.edit import add_document, move_source, remove_document
from conductatlas_cli.errors import ConfigError, UsageError

runner = CliRunner()

SOURCES = """\
# Our tracked policies. Keep this comment.
settings:
  jobs: 4          # two cores
platforms:
  cohere:
    name: Cohere   # the vendor
    documents:
      usage-policy: https://docs.cohere.com/docs/usage-policy
"""


@pytest.fixture
def sources_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES)
    return path


def test_add_keeps_comments_and_order(sources_file):
    """A new document lands after the existing ones; every comment survives."""
    add_document(sources_file, "cohere/terms", "https://cohere.com/terms", type="Terms of Service")
    assert sources_file.read_text() == SOURCES + (
        "      terms:\n        url: https://cohere.com/terms\n        type: Terms of Service\n"
    )


def test_add_a_new_platform_gets_a_name(sources_file):
    """A document of a new platform adds the platform, named by --name."""
    sources = add_document(sources_file, "acme/privacy", "https://acme.example/p", name="Acme AI")
    assert [s.key for s in sources.sources] == ["cohere/usage-policy", "acme/privacy"]
    assert sources.sources[1].platform_name == "Acme AI"
    assert sources_file.read_text().endswith(
        "  acme:\n    name: Acme AI\n    documents:\n      privacy: https://acme.example/p\n"
    )


def test_add_refuses_an_existing_key(sources_file):
    """Adding a key that is already tracked is a usage error and the file is unchanged."""
    with pytest.raises(UsageError, match="'cohere/usage-policy' is already in 'sources.yaml'"):
        add_document(sources_file, "cohere/usage-policy", "https://x.example/")
    assert sources_file.read_text() == SOURCES


def test_add_validates_before_writing(sources_file):
    """A URL the loader refuses is an error naming the line, and the file is unchanged."""
    with pytest.raises(ConfigError) as caught:
        add_document(sources_file, "cohere/terms", "ftp://cohere.com/terms")
    assert "sources.yaml:9:" in caught.value.problems[0]
    assert sources_file.read_text() == SOURCES


def test_rm_removes_the_document_and_an_empty_platform(sources_file):
    """Removing a platform's last document removes the platform; other content stays."""
    add_document(sources_file, "acme/privacy", "https://acme.example/p")
    remove_document(sources_file, "acme/privacy")
    assert sources_file.read_text() == SOURCES


def test_rm_of_an_unknown_key_is_a_usage_error(sources_file):
    """rm of a key that is not tracked says so."""
    with pytest.raises(UsageError, match="'cohere/nope' is not in 'sources.yaml'"):
        remove_document(sources_file, "cohere/nope")


def test_cli_add_and_rm(sources_file, monkeypatch):
    """`atlas add` and `atlas rm` print one line each and exit 0."""
    monkeypatch.chdir(sources_file.parent)
    result = runner.invoke(app, ["add", "cohere/terms", "https://cohere.com/terms"])
    assert (result.exit_code, result.output) == (
        0,
        "added cohere/terms to sources.yaml (2 documents)\n",
    )
    result = runner.invoke(app, ["rm", "cohere/terms"])
    assert (result.exit_code, result.output) == (
        0,
        "removed cohere/terms from sources.yaml (1 documents)\n",
    )
    assert sources_file.read_text() == SOURCES


def test_move_renames_in_place_and_writes_nothing_itself(sources_file):
    """move_source renames the entry where it stands and returns the text; the file waits."""
    add_document(sources_file, "cohere/terms", "https://cohere.com/terms")
    before = sources_file.read_text()
    sources, text = move_source(sources_file, "cohere/usage-policy", "cohere/aup")
    assert [s.key for s in sources.sources] == ["cohere/aup", "cohere/terms"]
    assert text == before.replace("      usage-policy:", "      aup:")
    assert sources_file.read_text() == before
