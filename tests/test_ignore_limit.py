"""`ignore:` rules run under a time limit: a backtracking rule fails its document alone."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_cli_fetch import policy_html

from conductatlas_cli.errors import ExtractError
from conductatlas_cli.snapshot.change_model import text_units
from conductatlas_cli.snapshot.ignore import drop_ignored

BAD = r"(a|aa)+$"
LINE = "a" * 60 + "!"


def test_a_backtracking_rule_raises_instead_of_running_on():
    """The change model stops a catastrophically backtracking rule with an error naming it."""
    with pytest.raises(ExtractError, match=r"ignore rule '\(a\|aa\)\+\$' took more than"):
        text_units(f"Intro.\n{LINE}\n", ignore=[BAD])


def test_ignore_rules_still_drop_matching_lines():
    """A well-behaved rule drops the lines it matches, as before."""
    assert drop_ignored(["Keep me.", "Updated 3 May"], [r"^Updated \d+"]) == ["Keep me."]


def test_the_document_whose_rule_times_out_fails_alone(in_project, server):
    """One fetch: the document with the runaway rule fails with one line, the other is new."""
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "slow": {
                        "url": server.set("/slow", policy_html(extra=f"<p>{LINE}</p>")),
                        "ignore": [BAD],
                    },
                    "fine": {"url": server.set("/fine", policy_html())},
                }
            }
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "conductatlas_cli", "fetch", "--json"],
        cwd=in_project.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    documents = {d["key"]: d for d in json.loads(proc.stdout)["documents"]}
    assert documents["acme/fine"]["status"] == "new"
    assert documents["acme/slow"]["status"] == "failed"
    assert documents["acme/slow"]["reason"].startswith("ignore rule '(a|aa)+$' took more than")
