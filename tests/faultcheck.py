"""Shared by the fault tests: a two-document bench and the invariants every fault must keep.

After any fault, `assert_consistent` (the archive) and `FaultBench.assert_survived`
(the archive, the faulty document, the good one, the output) check that:

- the last good snapshot of the faulty document is in place and no version of it
  was recorded (unless the test expects the page to be recorded);
- the archive is consistent: `git fsck` is clean, every snapshot file equals its
  committed blob at HEAD, the index matches HEAD for the snapshots, no temporary
  file is left behind;
- the other document was processed (its change recorded) unless the fault is one
  that stops every document;
- one line names the faulty document and the cause; no traceback, no ESC;
- the exit code is the documented one.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from conductatlas_cli.cli import app

BAD = "acme/usage-policy"
GOOD = "other/terms"
SETTINGS = {"timeout": 0.5, "retries": 1}

_runner = CliRunner()

TOPICS = [
    "Scope",
    "Prohibited Uses",
    "Data Retention",
    "Liability",
    "Operator Duties",
    "Termination",
]


def policy_html(version: int = 1, *, title: str = "Usage Policy", clauses: int = 6) -> str:
    """A policy page of about 300 words; VERSION changes one sentence per version."""
    sections = []
    for i, topic in enumerate(TOPICS[:clauses], start=1):
        days = 30 + version if i == 3 else 30
        sections.append(
            f"<h2>{i}. {topic}</h2><p>This clause about {topic.lower()} applies to every "
            f"operator who builds on the platform. We keep records for {days} days and then "
            "delete them. Each operator's end users must follow it too, without exception, "
            "for as long as the operator uses the services and the agreement is in force.</p>"
        )
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<main><h1>{title}</h1>{''.join(sections)}</main><footer>Example Inc.</footer>"
        "</body></html>"
    )


def git(root: Path, *args: str, check: bool = True, text: bool = True):
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=text, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def snapshot_files(root: Path) -> list[Path]:
    snap = root / "snapshots"
    if not snap.is_dir():
        return []
    return sorted(p for p in snap.rglob("*") if p.is_file() or p.is_symlink())


def committed_paths(root: Path) -> list[str]:
    if not git(root, "rev-parse", "--verify", "-q", "HEAD", check=False).strip():
        return []
    out = git(root, "ls-tree", "-r", "--name-only", "HEAD", "--", "snapshots")
    return [line for line in out.splitlines() if line]


def assert_fsck_clean(root: Path) -> None:
    """`git fsck --full` exits 0 and reports no error, missing or broken object."""
    proc = subprocess.run(
        ["git", "fsck", "--full", "--no-progress"], cwd=root, capture_output=True, text=True
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert not re.search(r"^(error|missing|broken|fatal)", report, re.M), report


def assert_consistent(root: Path) -> None:
    """fsck clean; snapshot files == HEAD blobs (both ways); index == HEAD; no temp files."""
    assert_fsck_clean(root)
    committed = committed_paths(root)
    on_disk = [p.relative_to(root).as_posix() for p in snapshot_files(root)]
    leftovers = [p for p in on_disk if Path(p).name.startswith(".atlas-")]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    assert sorted(on_disk) == sorted(committed), (on_disk, committed)
    for rel in committed:
        blob = git(root, "cat-file", "blob", f"HEAD:{rel}", text=False)
        assert (root / rel).read_bytes() == blob, f"{rel} differs from HEAD"
    proc = subprocess.run(
        ["git", "diff", "--cached", "--quiet", "HEAD", "--", "snapshots"], cwd=root
    )
    assert proc.returncode == 0, "index differs from HEAD for snapshots/"


def assert_files_are_committed_versions(root: Path) -> None:
    """What holds right after a kill -9: each snapshot file equals SOME committed version."""
    assert_fsck_clean(root)
    for path in snapshot_files(root):
        rel = path.relative_to(root).as_posix()
        if path.name.startswith(".atlas-"):
            continue  # a temporary file the next run's repair removes
        versions = git(root, "log", "--format=%H", "--", rel).split()
        blobs = {git(root, "rev-parse", f"{c}:{rel}", check=False).strip() for c in versions}
        found = git(root, "hash-object", "--", rel).strip()
        assert found in blobs, f"{rel} is not any committed version"


def assert_plain_output(text: str) -> None:
    """No traceback, no ESC or other C0 control (tab, newline, CR aside) in TEXT."""
    assert "Traceback" not in text, text
    assert "\x1b" not in text and "\x9b" not in text, repr(text)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), repr(text)


_REPORT_LINE = re.compile(
    r"^(?:(?:new|changed|unchanged|held back|failed) +[a-z0-9-]+/[a-z0-9-]+(?:  .*)?"
    r"|\d+ new, \d+ changed, \d+ unchanged, \d+ held back, \d+ failed.*"
    r"| +source moved: \S+ → \S+"  # the URL in sources.yaml changed since the last fetch
    r"|atlas: (?:error|warning): .+)$"
)


def assert_report_lines(text: str) -> None:
    """Plain `atlas fetch` output: each line a document, the counts, or one atlas: message."""
    for line in text.splitlines():
        assert _REPORT_LINE.match(line), f"unexpected line {line!r} in:\n{text}"


def assert_no_escape_in_json(value) -> None:
    """No string anywhere in a parsed JSON value carries ESC or a C1 CSI."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert_no_escape_in_json(k)
            assert_no_escape_in_json(v)
    elif isinstance(value, list):
        for v in value:
            assert_no_escape_in_json(v)
    elif isinstance(value, str):
        assert "\x1b" not in value and "\x9b" not in value, repr(value)


def run_cli(*args: str):
    """`atlas ARGS` in process; never an unexpected exception."""
    result = _runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unexpected {type(result.exception).__name__}: {result.exception}\n{result.output}"
    )
    return result


class FaultBench:
    """A project tracking BAD (served at /bad) and GOOD (at /good), both recorded once.

    A test breaks /bad (or the disk, or git), calls `fetch()`, then `assert_survived`.
    `fetch()` also serves a new version of GOOD, so processing it makes a commit.
    """

    def __init__(self, project, server, *, settings: dict | None = None, bad_url=None):
        self.project = project
        self.root: Path = project.root
        self.server = server
        self.good_version = 1
        server.set("/bad", policy_html(1, title="Usage Policy"))
        server.set("/good", policy_html(1, title="Terms"))
        self.bad_url = bad_url or server.url("/bad")
        self.write_sources(settings)
        first = run_cli("fetch")
        assert first.exit_code == 0, first.output
        self.baseline()

    def write_sources(self, settings: dict | None = None, bad_url: str | None = None) -> None:
        self.project.write_sources(
            {
                "acme": {"documents": {"usage-policy": bad_url or self.bad_url}},
                "other": {"documents": {"terms": self.server.url("/good")}},
            },
            settings={**SETTINGS, **(settings or {})},
        )

    def baseline(self) -> None:
        """Remember the recorded state of both documents."""
        self.good_text = self.snapshot(BAD).read_bytes()
        self.bad_commits = self.commits(BAD)
        self.other_commits = self.commits(GOOD)

    def snapshot(self, key: str) -> Path:
        return self.root / "snapshots" / f"{key}.md"

    def commits(self, key: str) -> list[str]:
        return git(self.root, "log", "--format=%H", "--", f"snapshots/{key}.md").split()

    def fetch(self, *args: str, change_good: bool = True):
        """`atlas fetch ARGS` with a new version of GOOD served."""
        if change_good:
            self.good_version += 1
            self.server.set("/good", policy_html(self.good_version, title="Terms"))
        return run_cli("fetch", *args)

    def assert_survived(
        self,
        result,
        *,
        cause: str,
        exit_code: int = 1,
        status: str = "failed",
        others: str = "recorded",
    ) -> None:
        """The invariants after a fault on BAD whose one-line error matches regex CAUSE.

        STATUS is what the report says of BAD ('failed' or 'held back').
        OTHERS is 'recorded' (GOOD's change was committed) or 'failed' (a fault that
        stops every document, e.g. git refusing to commit).
        """
        output = result.output
        assert result.exit_code == exit_code, output
        assert_plain_output(output)
        assert_report_lines(output)
        # The last good snapshot is in place and no version of BAD was recorded.
        assert self.snapshot(BAD).read_bytes() == self.good_text
        assert self.commits(BAD) == self.bad_commits
        # The archive is consistent.
        assert_consistent(self.root)
        # One line names the document and the cause.
        lines = [line for line in output.splitlines() if BAD in line]
        assert len(lines) == 1, output
        assert lines[0].startswith(status), output
        assert re.search(cause, lines[0], re.I), f"{cause!r} not in {lines[0]!r}"
        # The other document was processed.
        good_line = [line for line in output.splitlines() if GOOD in line]
        assert len(good_line) == 1, output
        if others == "recorded":
            assert good_line[0].startswith("changed"), output
            assert len(self.commits(GOOD)) == len(self.other_commits) + 1
            assert f"{30 + self.good_version} days" in self.snapshot(GOOD).read_text()
        else:
            assert good_line[0].startswith(others), output
            assert self.commits(GOOD) == self.other_commits
        # The state file says the same, and is valid JSON.
        state = json.loads((self.root / ".atlas" / "state.json").read_text())
        error = state["documents"][BAD]["last_error"] or ""
        assert re.search(cause, error, re.I), error
        self.other_commits = self.commits(GOOD)
