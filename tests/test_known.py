"""An unchanged document's recorded text is known by its blob id, never guessed."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_fetch import policy_html
from typer.testing import CliRunner

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.archive.state import load_state
from conductatlas_cli.cli import app
from conductatlas_cli.run.known import KNOWN, HeadBlobs

runner = CliRunner()


def _fetch() -> dict:
    result = runner.invoke(app, ["fetch", "--json"])
    assert result.exit_code == 0, result.output
    return {d["key"]: d for d in json.loads(result.stdout)["documents"]}


def _two_documents(in_project, server) -> None:
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "policy": {"url": server.set("/policy", policy_html())},
                    "terms": {"url": server.set("/terms", policy_html(title="Terms"))},
                }
            }
        }
    )


def _archive(root: Path) -> Archive:
    return Archive(root, root / "snapshots", root / ".atlas")


def test_a_recorded_version_notes_its_blob_and_head_knows_it(in_project, server):
    """After a fetch, HEAD holds the blob the state noted beside `current`."""
    _two_documents(in_project, server)
    _fetch()
    state = load_state(in_project.root / ".atlas")
    with _archive(in_project.root) as archive:
        heads = HeadBlobs(archive)
        for key in ("acme/policy", "acme/terms"):
            st = state.document(key)
            blob = in_project.git("rev-parse", f"HEAD:snapshots/{key}.md").strip()
            assert st.extra[KNOWN][0] == blob
            assert heads.knows(st, key, ())
            assert not heads.knows(st, key, ("Last updated.*",))  # other rules: read it


def test_a_blob_other_than_the_noted_one_is_not_known(in_project, server):
    """HEAD holding another text than the one the state describes makes the text be read."""
    _two_documents(in_project, server)
    _fetch()
    state = load_state(in_project.root / ".atlas")
    in_project.snapshot("acme/policy").write_text("# Other\n\nA text atlas never saw.\n")
    in_project.git("commit", "-qam", "user edit")
    with _archive(in_project.root) as archive:
        heads = HeadBlobs(archive)
        assert not heads.knows(state.document("acme/policy"), "acme/policy", ())
        assert heads.knows(state.document("acme/terms"), "acme/terms", ())


def test_a_foreign_commit_changing_one_snapshot_is_repaired_when_the_others_match(
    in_project, server
):
    """A snapshot a user's commit changed is restored and reported unchanged with its words."""
    _two_documents(in_project, server)
    first = _fetch()
    latest = in_project.snapshot("acme/policy").read_text()
    in_project.snapshot("acme/policy").write_text("# Other\n\nA text atlas never saw.\n")
    in_project.git("commit", "-qam", "user edit")
    again = _fetch()
    assert in_project.git("show", "HEAD:snapshots/acme/policy.md") == latest
    assert in_project.snapshot("acme/policy").read_text() == latest
    assert "Atlas-Repair:" in in_project.git("log", "-1", "--format=%b")
    for key in ("acme/policy", "acme/terms"):
        assert again[key]["status"] == "unchanged"
        assert again[key]["words"] == first[key]["words"]


def test_a_state_without_the_note_reads_the_text_and_notes_it(in_project, server):
    """A state written before the note (an older atlas) gives the same words, then the note."""
    _two_documents(in_project, server)
    first = _fetch()
    path = in_project.root / ".atlas" / "state.json"
    data = json.loads(path.read_text())
    for doc in data["documents"].values():
        doc["extra"].pop(KNOWN)
    path.write_text(json.dumps(data))
    again = _fetch()
    assert again["acme/policy"]["words"] == first["acme/policy"]["words"]
    assert KNOWN in load_state(in_project.root / ".atlas").document("acme/policy").extra


def test_new_ignore_rules_over_a_noted_blob_update_current(in_project, server):
    """An unchanged page under new `ignore` rules gets the noise hash of those rules."""
    _two_documents(in_project, server)
    _fetch()
    before = load_state(in_project.root / ".atlas").document("acme/policy").current
    in_project.write_sources(
        {
            "acme": {
                "documents": {
                    "policy": {"url": server.url("/policy"), "ignore": ["Last updated.*"]},
                    "terms": {"url": server.url("/terms")},
                }
            }
        }
    )
    _fetch()
    after = load_state(in_project.root / ".atlas").document("acme/policy").current
    assert before is not None and after is not None
    assert after.digest != before.digest and after.words == before.words
