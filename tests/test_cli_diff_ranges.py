"""`atlas diff` over ranges of versions, `--since` labels, ignore rules and `--color`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.cli import app
from conductatlas_cli.config.load import load_sources

runner = CliRunner()

W1 = """# Terms

## 1. Accounts

You need an account to use the services.

## 2. Fees

Fees are due monthly.

## 3. Privacy

We protect your data.
"""
W2 = """# Terms

## 1. Accounts

You need an account to use the services.

## 2. Privacy

We protect your data.

## 3. Charges

Fees are due monthly.
"""
W3 = W2.replace("your data", "your personal data").replace(
    "## 3. Charges\n\nFees are due monthly.",
    "## 3. Charges and Payment\n\nFees are due monthly in advance.",
)
STAMPED = "# Privacy\n\nBuild {build} deployed.\n\n## Data\n\nWe collect your email address.\n"


def record(project, key: str, text: str, day: str) -> str:
    sources = load_sources(project.root / "sources.yaml")
    message = f"{key}: update\n\nAtlas-Fetched-At: {day}T10:00:00Z\n"
    with Archive.from_sources(sources) as archive:
        return archive.record_version(key, text, message=message)


@pytest.fixture
def ranges(in_project):
    """acme/terms: a move and two renames over three versions; acme/privacy: ignore rules."""
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "terms": "https://acme.test/terms",
                    "privacy": {
                        "url": "https://acme.test/privacy",
                        "ignore": [r"^Build \w+ deployed\.$"],
                    },
                    "faq": "https://acme.test/faq",
                }
            }
        }
    )
    record(in_project, "acme/terms", W1, "2026-01-10")
    record(in_project, "acme/terms", W2, "2026-02-10")
    record(in_project, "acme/privacy", STAMPED.format(build="4f2a9c"), "2026-02-11")
    record(in_project, "acme/terms", W3, "2026-03-10")
    record(in_project, "acme/privacy", STAMPED.format(build="77e01b"), "2026-03-11")
    record(in_project, "acme/faq", "# FAQ\n\nAsk us anything at all.\n", "2026-03-12")
    record(
        in_project,
        "acme/faq",
        "# FAQ\n\nAsk us anything.\n\n## Hours\n\nNine to five.\n",
        "2026-03-13",
    )
    return in_project


def invoke(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_range_follows_a_move_and_renames_made_in_between(ranges):
    """v1 → v3 keeps each provision: the renamed, moved Fees clause is modified, not replaced."""
    out = invoke("diff", "acme/terms", "--from", "~2", "--format", "plain").output
    assert "~ Terms › 2. Fees → 3. Charges and Payment\n" in out
    assert "  ~ Fees are due monthly{+ in advance+}.\n" in out
    assert "\n2 sections changed (+7 -2 words)\n" in out
    assert "- Terms" not in out and "+ Terms" not in out


def test_since_follows_identity_too(ranges):
    """--since compares from the version in force then, through the versions in between."""
    data = json.loads(invoke("diff", "--since", "2026-02-01", "--format", "json").stdout)
    (terms,) = [d for d in data["documents"] if d["key"] == "acme/terms"]
    kinds = sorted(s["kind"] for s in terms["sections"])
    assert kinds == ["modified", "modified"] and terms["first_recorded"] is None


def test_since_labels_a_document_first_recorded_in_the_range(ranges):
    """A document first recorded after DATE says so, with its first version's word count."""
    out = invoke("diff", "--since", "2026-03-01", "--format", "plain").output
    assert "acme — faq (acme/faq): first recorded on 2026-03-12 (6 words); " in out
    assert "+ FAQ › Hours\n" in out and "first snapshot" not in out


def test_ignore_rules_of_the_source_reach_the_diff(ranges):
    """A line matched by the document's own ignore: rule is hidden and never counted."""
    out = invoke("diff", "acme/privacy", "--format", "plain").output
    assert out.endswith("no changes (1 cosmetic hidden)\n")
    shown = invoke("diff", "acme/privacy", "--format", "plain", "--all").output
    assert "Build [-4f2a9c-]{+77e01b+} deployed." in shown


def test_color_always_colours_when_piped(ranges):
    """--color always gives ANSI escapes and visible word marks through a pipe."""
    out = invoke("diff", "acme/terms", "--color", "always").output
    assert "\x1b[" in out and "{+" in out


@pytest.mark.parametrize(
    "args,env,coloured",
    [
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
        ((), {}, False),
    ],
)
def test_color_environment_conventions(ranges, args, env, coloured):
    """FORCE_COLOR colours a pipe, NO_COLOR wins over it, an explicit --color wins over both."""
    env = {"NO_COLOR": "", "FORCE_COLOR": "", **env}
    out = invoke("diff", "acme/terms", *args, env=env).output
    assert ("\x1b[" in out) is coloured


def test_bad_color_choice_is_a_usage_error(ranges):
    """--color sometimes exits 2 with a message naming the value."""
    result = invoke("diff", "acme/terms", "--color", "sometimes")
    assert result.exit_code == 2 and "'sometimes'" in result.output


def test_fetch_color_always_colours_its_table_when_piped(in_project, server):
    """`atlas fetch --color always` prints the coloured table through a pipe; never: plain lines."""
    page = (
        "<html><body><main><h1>Policy</h1>" + "<p>Operators must follow every rule here.</p>" * 40
    )
    server.set("/p", page + "</main></body></html>")
    in_project.write_sources({"acme": {"documents": {"p": server.url("/p")}}})
    coloured = invoke("fetch", "--color", "always", env={"NO_COLOR": "", "FORCE_COLOR": ""})
    assert coloured.exit_code == 0, coloured.output
    assert "\x1b[" in coloured.output and "acme/p" in coloured.output
    plain = invoke("fetch", "--color", "never", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in plain.output and "acme/p" in plain.output
