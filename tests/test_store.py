"""The archive against real git in tmp_path: commits, paths, refs, state, lock, init."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conductatlas_cli.archive import git as gitrepo
from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.archive.scaffold import init_project
from conductatlas_cli.archive.state import State, document_state, load_state, save_state
from conductatlas_cli.config.load import load_sources
from conductatlas_cli.errors import LockedError, StoreError, UsageError

KEY = "cohere/usage-policy"
REL = "snapshots/cohere/usage-policy.md"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """Run real git in CWD and return its stdout."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def make_archive(root: Path) -> Archive:
    return Archive(root, root / "snapshots", root / ".atlas")


@pytest.fixture
def archive(project):
    """An Archive over the `project` fixture's repository."""
    with make_archive(project.root) as arch:
        yield arch


def message(subject: str, fetched: str | None = None) -> str:
    trailers = f"\n\nAtlas-Fetched-At: {fetched}" if fetched else ""
    return f"{subject}{trailers}\n"


def status(root: Path) -> list[str]:
    return git(root, "status", "--porcelain").splitlines()


# -- recording ----------------------------------------------------------------


def test_record_then_read_latest(project, archive):
    """A recorded text is what read_latest returns, from HEAD, and the file holds it."""
    assert archive.read_latest(KEY) is None
    sha = archive.record_version(
        KEY, "Hello.\n", message=message("cohere/usage-policy: first", "2026-11-01T10:00:00Z")
    )
    assert archive.read_latest(KEY) == "Hello.\n"
    assert git(project.root, "rev-parse", "HEAD").strip() == sha
    assert project.snapshot(KEY).read_text() == "Hello.\n"


def test_read_latest_reads_head_not_work_tree(project, archive):
    """read_latest ignores an edit to the work-tree file."""
    archive.record_version(KEY, "Committed.\n", message=message("first", "2026-11-01T10:00:00Z"))
    project.snapshot(KEY).write_text("Edited.\n")
    assert archive.read_latest(KEY) == "Committed.\n"


def test_each_record_is_one_commit_touching_only_its_path(project, archive):
    """Two versions make two commits, each naming only the snapshot path."""
    before = len(project.commits())
    archive.record_version(KEY, "One.\n", message=message("one", "2026-11-01T10:00:00Z"))
    archive.record_version(KEY, "Two.\n", message=message("two", "2026-11-01T10:00:00Z"))
    archive.record_version(
        "openai/terms", "Terms.\n", message=message("terms", "2026-11-01T10:00:00Z")
    )
    assert len(project.commits()) == before + 3
    for rev, path in (("HEAD", "snapshots/openai/terms.md"), ("HEAD~1", REL), ("HEAD~2", REL)):
        names = git(project.root, "show", "--name-only", "--format=", rev).split()
        assert names == [path]
    assert git(project.root, "show", "HEAD~1:" + REL) == "Two.\n"
    assert git(project.root, "log", "-1", "--format=%s", "HEAD~1").strip() == "two"


def test_same_text_makes_no_commit(project, archive):
    """Recording the text HEAD already has returns the latest version's commit, no new one."""
    first = archive.record_version(KEY, "Same.\n", message=message("one", "2026-11-01T10:00:00Z"))
    again = archive.record_version(KEY, "Same.\n", message=message("two", "2026-11-01T10:00:00Z"))
    assert again == first
    assert project.commits()[0] == first


def test_unrelated_staged_and_modified_files_stay_as_they_were(project, archive):
    """A staged file stays staged and uncommitted; an unstaged edit is untouched."""
    (project.root / "staged.txt").write_text("staged\n")
    project.git("add", "staged.txt")
    (project.root / "README.md").write_text("edited, not staged\n")
    sha = archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert git(project.root, "show", "--name-only", "--format=", sha).split() == [REL]
    assert sorted(status(project.root)) == [" M README.md", "A  staged.txt"]
    assert (project.root / "README.md").read_text() == "edited, not staged\n"


def test_work_tree_and_index_match_head_after_record(project, archive):
    """After a record the file equals HEAD's blob and `git status` says nothing about it."""
    archive.record_version(KEY, "Alpha.\n", message=message("one", "2026-11-01T10:00:00Z"))
    archive.record_version(KEY, "Beta.\n", message=message("two", "2026-11-01T10:00:00Z"))
    assert project.snapshot(KEY).read_bytes() == git(project.root, "show", f"HEAD:{REL}").encode()
    assert status(project.root) == []
    assert git(project.root, "diff", "--cached", "--name-only") == ""


def test_no_temporary_files_left_behind(project, archive):
    """The atomic write leaves only the snapshot in its folder."""
    archive.record_version(KEY, "Alpha.\n", message=message("one", "2026-11-01T10:00:00Z"))
    assert [p.name for p in project.snapshot(KEY).parent.iterdir()] == ["usage-policy.md"]


def test_git_fsck_clean_after_many_records(project, archive):
    """Forty records over several documents leave a repository `git fsck --strict` accepts."""
    for i in range(40):
        archive.record_version(
            f"p{i % 4}/doc-{i % 7}",
            f"Version {i}.\n",
            message=message(f"v{i}", "2026-11-01T10:00:00Z"),
        )
    result = subprocess.run(
        ["git", "fsck", "--strict", "--no-dangling"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(archive.keys_with_history()) == 28
    assert status(project.root) == []


# -- identity and environment -------------------------------------------------


def test_configured_identity_is_used(project, archive):
    """With user.name/email configured, commits carry that identity."""
    archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    author = git(project.root, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()
    assert author == "Test User <test@example.com>|Test User <test@example.com>"


def test_no_identity_falls_back_to_conductatlas(tmp_path):
    """Without a configured identity the author and committer are ConductAtlas."""
    root = tmp_path / "bare-identity"
    root.mkdir()
    git(root, "init", "-q")
    with make_archive(root) as arch:
        arch.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    author = git(root, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip()
    assert author == "ConductAtlas <atlas@localhost>|ConductAtlas <atlas@localhost>"


def test_force_identity_overrides(project, archive):
    """force_identity sets both author and committer."""
    archive.record_version(
        KEY,
        "Text.\n",
        message=message("first", "2026-11-01T10:00:00Z"),
        force_identity=("Bot", "bot@x.org"),
    )
    assert git(project.root, "log", "-1", "--format=%an <%ae>|%ce").strip() == (
        "Bot <bot@x.org>|bot@x.org"
    )


def test_works_under_cron_environment(tmp_path):
    """With only PATH=/usr/bin:/bin (no HOME), a record commits as ConductAtlas."""
    root = tmp_path / "cron"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(PACKAGE_ROOT)!r})
        from pathlib import Path
        from conductatlas_cli.archive.archive import Archive
        root = Path({str(root)!r})
        with Archive(root, root / "snapshots", root / ".atlas") as a:
            print(a.record_version("cohere/usage-policy", "Cron.\\n", message="first"))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert git(root, "log", "-1", "--format=%H %an <%ae>").strip() == (
        f"{result.stdout.strip()} ConductAtlas <atlas@localhost>"
    )


# -- repository shapes ----------------------------------------------------------


def test_empty_repository_on_other_branch(tmp_path):
    """A repository with no commit yet (branch 'trunk') gets a root commit on that branch."""
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "trunk")
    with make_archive(root) as arch:
        assert arch.read_latest(KEY) is None
        assert arch.versions(KEY) == []
        sha = arch.record_version(KEY, "First.\n", message=message("first", "2026-11-01T10:00:00Z"))
        assert arch.read_latest(KEY) == "First.\n"
    assert git(root, "rev-parse", "refs/heads/trunk").strip() == sha
    assert git(root, "log", "--format=%P", "-1").strip() == ""
    assert git(root, "ls-tree", "-r", "--name-only", "HEAD").split() == [REL]
    assert status(root) == []


def test_repository_top_above_project_root(tmp_path):
    """A project in a subfolder commits 'sub/dir/snapshots/…' and reads it back."""
    top = tmp_path / "monorepo"
    root = top / "compliance" / "atlas"
    root.mkdir(parents=True)
    git(top, "init", "-q")
    with make_archive(root) as arch:
        assert arch.snapshot_relpath(KEY) == "compliance/atlas/" + REL
        arch.record_version(KEY, "Deep.\n", message=message("first", "2026-11-01T10:00:00Z"))
        assert arch.read_latest(KEY) == "Deep.\n"
        assert arch.keys_with_history() == [KEY]
    assert (root / REL).read_text() == "Deep.\n"
    assert git(top, "ls-tree", "-r", "--name-only", "HEAD").split() == ["compliance/atlas/" + REL]
    assert status(top) == []


def test_not_a_repository_is_a_one_line_store_error(tmp_path):
    """Outside any git repository the error is one line naming git's complaint."""
    root = tmp_path / "plain"
    root.mkdir()
    with pytest.raises(StoreError) as info:
        make_archive(root).read_latest(KEY)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("git rev-parse failed: ") and "not a git repository" in text


# -- refusals -----------------------------------------------------------------


def test_bad_key_refused(archive):
    """A key that is not 'platform/document' slugs is a UsageError, not a path."""
    for key in ("../etc/passwd", "cohere", "cohere/../x", "Cohere/x", "a/b/c"):
        with pytest.raises(UsageError):
            archive.snapshot_relpath(key)


def test_symlinked_platform_folder_refused(project, archive, tmp_path):
    """A platform folder that is a symlink to outside is refused and nothing is committed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (project.root / "snapshots").mkdir()
    (project.root / "snapshots" / "cohere").symlink_to(outside)
    head = project.commits()[0]
    with pytest.raises(StoreError, match="symbolic link"):
        archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert list(outside.iterdir()) == []
    assert project.commits()[0] == head


def test_symlinked_snapshot_file_and_folder_refused(project, archive, tmp_path):
    """snapshots/ itself or the .md file being a symlink is refused; the target is untouched."""
    target = tmp_path / "victim.txt"
    target.write_text("precious\n")
    folder = project.root / "snapshots" / "cohere"
    folder.mkdir(parents=True)
    (folder / "usage-policy.md").symlink_to(target)
    with pytest.raises(StoreError, match="symbolic link"):
        archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert target.read_text() == "precious\n"
    other = make_archive(project.root)
    other.snapshots_dir = project.root / "linked"
    (project.root / "linked").symlink_to(tmp_path)
    with pytest.raises(StoreError, match="symbolic link"):
        other.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    other.close()


def test_detached_head_refused(project, archive):
    """On a detached HEAD nothing is committed and the error says why."""
    archive.record_version(KEY, "One.\n", message=message("one", "2026-11-01T10:00:00Z"))
    project.git("checkout", "-q", "--detach")
    with pytest.raises(StoreError, match="HEAD is detached"):
        archive.record_version(KEY, "Two.\n", message=message("two", "2026-11-01T10:00:00Z"))
    assert archive.read_latest(KEY) == "One.\n"


def test_rebase_in_progress_refused(project, archive):
    """During a stopped rebase the record is refused with one line naming the rebase."""
    project.git("checkout", "-q", "-b", "side")
    (project.root / "README.md").write_text("side\n")
    project.git("commit", "-qam", "side")
    project.git("checkout", "-q", "main")
    (project.root / "README.md").write_text("main\n")
    project.git("commit", "-qam", "main")
    project.git("rebase", "side", check=False)
    assert (Path(project.git("rev-parse", "--absolute-git-dir").strip()) / "rebase-merge").is_dir()
    heads = git(project.root, "rev-parse", "main").strip()
    with pytest.raises(StoreError) as info:
        archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert str(info.value) == "git repository has a rebase in progress; finish or abort it first"
    assert git(project.root, "rev-parse", "main").strip() == heads


def test_merge_in_progress_refused(project, archive):
    """A MERGE_HEAD (conflicted merge) refuses the record."""
    (project.root / ".git" / "MERGE_HEAD").write_text(project.commits()[0] + "\n")
    with pytest.raises(StoreError, match="merge in progress"):
        archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))


def test_stale_index_lock_refused(project, archive, monkeypatch):
    """An index.lock that does not go away refuses the record; nothing is committed."""
    monkeypatch.setattr(gitrepo, "INDEX_LOCK_WAIT", 0.1)
    (project.root / ".git" / "index.lock").write_text("")
    head = project.commits()[0]
    with pytest.raises(StoreError, match="index is locked"):
        archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert project.commits()[0] == head
    assert not project.snapshot(KEY).exists()


def test_moved_branch_is_not_overwritten(project, archive):
    """If the branch moves between reading HEAD and updating it, update-ref refuses (CAS)."""
    git_obj = archive.git
    real_head = git_obj.head
    calls = []

    def head_then_commit():
        found = real_head()
        if not calls:
            calls.append(1)
            (project.root / "other.txt").write_text("x\n")
            project.git("add", "other.txt")
            project.git("commit", "-qm", "concurrent")
        return found

    git_obj.head = head_then_commit
    with pytest.raises(StoreError, match="git update-ref failed"):
        archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert git(project.root, "log", "-1", "--format=%s").strip() == "concurrent"
    git_obj.head = real_head


# -- crash recovery -----------------------------------------------------------


def test_repair_restores_work_tree_and_index_from_head(project, archive):
    """A file changed or an index left stale behind our back is restored from HEAD."""
    archive.record_version(KEY, "Good.\n", message=message("one", "2026-11-01T10:00:00Z"))
    archive.record_version(
        "openai/terms", "Terms.\n", message=message("two", "2026-11-01T10:00:00Z")
    )
    project.snapshot(KEY).write_text("Half-written junk")
    old = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=project.root,
        input="Old.\n",
        capture_output=True,
        text=True,
    ).stdout.strip()
    project.git("update-index", "--cacheinfo", f"100644,{old},snapshots/openai/terms.md")
    assert status(project.root)  # both damages are visible before the repair
    assert archive.repair([KEY, "openai/terms", "mistral/none"]) == [KEY]
    assert project.snapshot(KEY).read_text() == "Good.\n"
    assert status(project.root) == []


def test_a_delayed_index_follows_head_in_one_write(project, archive, monkeypatch):
    """With `index_delay`, three records leave the index behind HEAD; one flush catches up."""
    writes = []
    real = gitrepo.Git._write_index
    monkeypatch.setattr(
        gitrepo.Git,
        "_write_index",
        lambda self, entries: writes.append(entries) or real(self, entries),
    )
    archive.git.flush_index()  # the delay counts from the last write
    archive.git.index_delay = 60.0
    for n, key in enumerate([KEY, "openai/terms", KEY]):
        archive.record_version(
            key, f"Text {n}.\n", message=message(f"v{n}", "2026-11-01T10:00:00Z")
        )
    assert writes == []
    assert sorted(git(project.root, "diff", "--cached", "--name-only", "HEAD").split()) == [
        REL,
        "snapshots/openai/terms.md",
    ]
    assert archive.git.flush_index()
    assert len(writes) == 1 and status(project.root) == []


def test_an_index_left_behind_head_is_caught_up_by_the_repairs(project):
    """A run killed within its index delay: the next repairs point snapshot and capture at HEAD."""
    from conductatlas_cli.archive.captures import capture_relpaths, repair_captures

    with make_archive(project.root) as first:
        first.git.flush_index()
        first.git.index_delay = 60.0
        meta = capture_relpaths(first, KEY)["meta.json"]
        first.record_version(
            KEY, "Good.\n", message=message("one", "2026-11-01T10:00:00Z"), extra={meta: b"{}"}
        )
        first.git._staged.clear()  # what a SIGKILL loses
    assert sorted(git(project.root, "diff", "--cached", "--name-only", "HEAD").split()) == [
        meta,
        REL,
    ]
    with make_archive(project.root) as second:
        second.repair([KEY])
        repair_captures(second, [KEY])
    assert status(project.root) == []


def test_repair_restores_deleted_file(project, archive):
    """A deleted snapshot comes back from HEAD."""
    archive.record_version(KEY, "Good.\n", message=message("one", "2026-11-01T10:00:00Z"))
    project.snapshot(KEY).unlink()
    assert archive.repair([KEY]) == [KEY]
    assert project.snapshot(KEY).read_text() == "Good.\n"


# -- versions and refs --------------------------------------------------------


@pytest.fixture
def history(project, archive):
    """Three versions of KEY fetched on Nov 1, Nov 10 and Nov 20, and one other document."""
    shas = []
    for day, text in (("01", "V1.\n"), ("10", "V2.\n"), ("20", "V3.\n")):
        fetched = f"2026-11-{day}T10:00:00Z"
        shas.append(archive.record_version(KEY, text, message=message(f"v {day}", fetched)))
        archive.record_version(
            "openai/terms", f"T{day}.\n", message=message(f"t {day}", f"2026-11-{day}T11:00:00Z")
        )
    return shas


def test_versions_newest_first_with_trailer_dates(archive, history):
    """versions() lists only this document's commits, newest first, dated by the trailer."""
    versions = archive.versions(KEY)
    assert [v.commit for v in versions] == history[::-1]
    assert [v.subject for v in versions] == ["v 20", "v 10", "v 01"]
    assert versions[0].date == datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
    assert versions[0].summary == ""
    assert archive.read_version(KEY, history[0]) == "V1.\n"


def test_a_commit_without_the_fetched_trailer_is_no_version(project, archive):
    """Only commits with Atlas-Fetched-At are versions; the body without trailers is the summary."""
    archive.record_version(KEY, "X.\n", message="plain subject\n\n~ 2. Uses\n")
    assert archive.versions(KEY) == []
    archive.record_version(KEY, "Y.\n", message=message("two\n\n~ 2. Uses", "2026-11-01T10:00:00Z"))
    (version,) = archive.versions(KEY)
    assert (version.subject, version.summary) == ("two", "~ 2. Uses")


def test_resolve_ref_by_date(archive, history):
    """A bare date names the version in force at the start of that day (00:00 UTC)."""
    assert archive.resolve_ref(KEY, "2026-11-10").commit == history[0]  # V2 came at 10:00
    assert archive.resolve_ref(KEY, "2026-11-11").commit == history[1]
    assert archive.resolve_ref(KEY, "2026-11-15").commit == history[1]
    assert archive.resolve_ref(KEY, "2026-12-31").commit == history[2]
    assert archive.resolve_ref(KEY, "2026-11-10T10:00:00Z").commit == history[1]
    with pytest.raises(UsageError) as info:
        archive.resolve_ref(KEY, "2026-11-01")
    assert str(info.value) == (
        "no version of 'cohere/usage-policy' was in force at 2026-11-01 (the first is of 2026-11-01)"
    )


def test_resolve_ref_by_tilde_and_default(archive, history):
    """None and ~0 are the latest; ~N goes N versions back; too far is an error."""
    assert archive.resolve_ref(KEY, None).commit == history[2]
    assert archive.resolve_ref(KEY, "~0").commit == history[2]
    assert archive.resolve_ref(KEY, "~2").commit == history[0]
    with pytest.raises(UsageError, match="3 version"):
        archive.resolve_ref(KEY, "~3")


def test_resolve_ref_forms_that_survive_a_shell(archive, history):
    """'@~N' and 'latest~N' go N versions back, like a bare '~N' that bash did not expand."""
    assert archive.resolve_ref(KEY, "@~0").commit == history[2]
    assert archive.resolve_ref(KEY, "@~2").commit == history[0]
    assert archive.resolve_ref(KEY, "latest~1").commit == history[1]
    with pytest.raises(UsageError, match="goes too far"):
        archive.resolve_ref(KEY, "@~3")


def test_resolve_ref_by_commit(project, archive, history):
    """A full or short sha of a version names it; another commit names the version in force."""
    assert archive.resolve_ref(KEY, history[1]).commit == history[1]
    assert archive.resolve_ref(KEY, history[1][:8]).commit == history[1]
    other = project.commits("snapshots/openai/terms.md")[1]  # "t 10", after "v 10"
    assert archive.resolve_ref(KEY, other).commit == history[1]
    assert archive.resolve_ref(KEY, "HEAD").commit == history[2]
    first = project.commits()[-1]  # the fixture's initial commit
    with pytest.raises(UsageError, match="no version of 'cohere/usage-policy' at or before"):
        archive.resolve_ref(KEY, first)
    for bad in ("nonsense", "--all", "2026-13-01"):
        with pytest.raises(UsageError):
            archive.resolve_ref(KEY, bad)


def test_resolve_ref_without_versions(archive):
    """A document never recorded is a UsageError naming it."""
    with pytest.raises(UsageError, match="no version of 'cohere/usage-policy'"):
        archive.resolve_ref(KEY, None)


def test_all_versions_since_and_keys(archive, history):
    """all_versions lists (key, version) over every document, filtered by date."""
    pairs = archive.all_versions(datetime(2026, 11, 10, tzinfo=timezone.utc))
    assert [(k, v.subject) for k, v in pairs] == [
        ("openai/terms", "t 20"),
        (KEY, "v 20"),
        ("openai/terms", "t 10"),
        (KEY, "v 10"),
    ]
    assert len(archive.all_versions(None)) == 6
    assert archive.keys_with_history() == [KEY, "openai/terms"]


# -- state ----------------------------------------------------------------------


def test_state_round_trip(tmp_path):
    """Saved state loads back equal, and the file is plain JSON."""
    state_dir = tmp_path / ".atlas"
    state = load_state(state_dir)
    entry = document_state(state, KEY)
    entry.etag, entry.last_error = '"abc"', "timed out"
    entry.extra["hashes"] = ["h1", "h2"]
    save_state(state_dir, state)
    loaded = load_state(state_dir)
    assert loaded == state
    assert loaded.documents[KEY].etag == '"abc"'
    assert loaded.documents[KEY].failing_since is None
    assert [p.name for p in state_dir.iterdir()] == ["state.json"]


def test_peak_words_round_trip_in_extra(tmp_path):
    """The largest recent version's words live in `extra`; a file without them loads as 0."""
    state_dir = tmp_path / ".atlas"
    state = load_state(state_dir)
    document_state(state, KEY).peak_words = 5420
    save_state(state_dir, state)
    raw = json.loads((state_dir / "state.json").read_text("utf-8"))
    assert raw["documents"][KEY]["extra"] == {"peak_words": 5420}
    assert load_state(state_dir).documents[KEY].peak_words == 5420
    raw["documents"][KEY]["extra"] = {}
    (state_dir / "state.json").write_text(json.dumps(raw), "utf-8")
    assert load_state(state_dir).documents[KEY].peak_words == 0


def test_corrupt_state_starts_fresh_with_warning(tmp_path):
    """Corrupt JSON gives an empty state and a warning, and the bad file is kept aside."""
    state_dir = tmp_path / ".atlas"
    state_dir.mkdir()
    (state_dir / "state.json").write_text('{"documents": {"a/b": ')
    warnings: list[str] = []
    assert load_state(state_dir, warn=warnings.append) == State()
    assert len(warnings) == 1 and "corrupt" in warnings[0]
    assert (state_dir / "state.json.corrupt").exists()
    (state_dir / "state.json").write_text(json.dumps([1, 2]))
    assert load_state(state_dir, warn=warnings.append).documents == {}


# -- lock -----------------------------------------------------------------------

HOLDER = """
import sys, time
sys.path.insert(0, {pkg!r})
from pathlib import Path
from conductatlas_cli.archive.state import hold_lock
with hold_lock(Path({state!r})):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_lock_held_elsewhere_then_freed_by_kill_9(tmp_path):
    """A held lock raises LockedError naming the pid; kill -9 of the holder frees it."""
    state_dir = tmp_path / ".atlas"
    arch = Archive(tmp_path, tmp_path / "snapshots", state_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(pkg=str(PACKAGE_ROOT), state=str(state_dir))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError) as info:
            with arch.lock():
                pass
        assert f"(pid {holder.pid}, since " in str(info.value)
        assert str(info.value).endswith("try again later or use --wait")
        assert info.value.exit_code == 75
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    with arch.lock():
        assert (state_dir / "lock").read_text().split()[0] == str(os.getpid())


def test_lock_wait_blocks_until_released(tmp_path):
    """With wait=True the second holder gets the lock once the first lets go."""
    state_dir = tmp_path / ".atlas"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(pkg=str(PACKAGE_ROOT), state=str(state_dir))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    killer = subprocess.Popen(["sh", "-c", f"sleep 0.3; kill -9 {holder.pid}"])
    started = time.monotonic()
    try:
        with Archive(tmp_path, tmp_path, state_dir).lock(wait=True):
            waited = time.monotonic() - started
    finally:
        killer.wait()
        holder.wait()
    assert waited >= 0.2


# -- init -----------------------------------------------------------------------


def test_init_creates_project_and_repository(tmp_path):
    """init writes a valid sources.yaml, snapshots/README.md, .gitignore and runs git init."""
    root = tmp_path / "new" / "atlas"
    lines = init_project(root)
    assert lines == [
        f"created folder {root}",
        "created sources.yaml",
        "created snapshots/README.md",
        "created .gitignore",
        "initialised git repository",
        "committed sources.yaml, snapshots/README.md, .gitignore",
    ]
    sources = load_sources(root / "sources.yaml")
    assert {s.key for s in sources.sources} == {"cohere/usage-policy", "anthropic/usage-policy"}
    assert (root / ".gitignore").read_text() == ".atlas/\nsite/\n"
    assert (root / ".git").is_dir()


def test_init_commits_only_the_files_it_created(tmp_path):
    """init commits its scaffold as one commit, leaving what the user staged out of it."""
    root = tmp_path / "proj"
    root.mkdir()
    git(root, "init", "-q")
    (root / "notes.txt").write_text("mine\n")
    git(root, "add", "notes.txt")
    init_project(root)
    assert git(root, "log", "--format=%s").splitlines() == [
        "atlas init: sources.yaml, snapshots/README.md, .gitignore"
    ]
    assert git(root, "show", "--format=", "--name-only", "HEAD").split() == [
        ".gitignore",
        "snapshots/README.md",
        "sources.yaml",
    ]
    assert git(root, "diff", "--cached", "--name-only").split() == ["notes.txt"]


def test_init_never_overwrites(tmp_path):
    """A second init keeps every existing file and does not re-init git."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "sources.yaml").write_text("mine\n")
    (root / ".gitignore").write_text("*.pyc\n")
    git(root, "init", "-q")
    lines = init_project(root)
    assert lines[0] == "kept existing sources.yaml"
    assert lines[1] == "created snapshots/README.md"
    assert lines[2] == "kept existing .gitignore (add '.atlas/' to it)"
    assert lines[3].startswith("using git repository at ")
    assert (root / "sources.yaml").read_text() == "mine\n"
    assert (root / ".gitignore").read_text() == "*.pyc\n"


def test_init_inside_existing_repository_does_not_git_init(project):
    """A folder inside a repository gets files but no nested repository."""
    lines = init_project(project.root / "tracking")
    assert "initialised git repository" not in lines
    assert not (project.root / "tracking" / ".git").exists()


def test_init_on_a_file_is_usage_error(tmp_path):
    """DIR being a file is a UsageError and nothing is written."""
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        init_project(path)
    assert path.read_text() == "x"


# -- more git shapes --------------------------------------------------------------


def test_sees_and_builds_on_commits_made_meanwhile(project, archive):
    """A commit made by someone else after the Archive started is read and built upon."""
    archive.record_version(KEY, "Ours.\n", message=message("ours", "2026-11-01T10:00:00Z"))
    project.snapshot(KEY).write_text("Theirs.\n")
    project.git("commit", "-qam", "theirs")
    theirs = project.commits()[0]
    assert archive.read_latest(KEY) == "Theirs.\n"
    sha = archive.record_version(
        KEY, "Ours again.\n", message=message("again", "2026-11-01T10:00:00Z")
    )
    assert git(project.root, "log", "-1", "--format=%P", sha).strip() == theirs


def test_commit_hooks_do_not_run(project, archive):
    """Failing pre-commit and commit-msg hooks neither run nor block a record."""
    hooks = project.root / ".git" / "hooks"
    for name in ("pre-commit", "commit-msg", "post-commit"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {project.root}/ran-{name}\nexit 1\n")
        (hooks / name).chmod(0o755)
    archive.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    assert archive.read_latest(KEY) == "Text.\n"
    assert not list(project.root.glob("ran-*"))


def test_foreign_git_dir_variable_ignored(project, archive, tmp_path, monkeypatch):
    """GIT_DIR/GIT_INDEX_FILE from the caller's environment do not redirect commits."""
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    with make_archive(project.root) as arch:
        arch.record_version(KEY, "Text.\n", message=message("first", "2026-11-01T10:00:00Z"))
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert git(project.root, "show", f"HEAD:{REL}") == "Text.\n"
    assert git(other, "rev-parse", "--verify", "-q", "HEAD", check=False) == ""


def test_crash_after_commit_is_repaired(project, archive, monkeypatch):
    """If writing the file fails after the commit, the error says so and repair restores it."""
    from conductatlas_cli.archive import archive as store

    archive.record_version(KEY, "Old.\n", message=message("one", "2026-11-01T10:00:00Z"))

    def broken_replace(tmp, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "replace_file", broken_replace)
    with pytest.raises(StoreError, match="recorded 'cohere/usage-policy' as .* next fetch"):
        archive.record_version(KEY, "New.\n", message=message("two", "2026-11-01T10:00:00Z"))
    monkeypatch.undo()
    assert archive.read_latest(KEY) == "New.\n"
    assert project.snapshot(KEY).read_text() == "Old.\n"
    assert [p.name for p in project.snapshot(KEY).parent.iterdir()] == ["usage-policy.md"]
    assert archive.repair([KEY]) == [KEY]
    assert project.snapshot(KEY).read_text() == "New.\n"
    assert status(project.root) == []


def test_records_from_many_threads(project, archive):
    """Records from eight threads at once all land, each as its own commit."""
    import threading

    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(4):
                archive.record_version(
                    f"t{n}/doc", f"Thread {n} version {i}.\n", message=f"{n}.{i}"
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(project.commits()) == 1 + 32
    assert all(archive.read_latest(f"t{n}/doc") == f"Thread {n} version 3.\n" for n in range(8))
    assert status(project.root) == []


def test_sha256_repository(tmp_path):
    """A SHA-256 repository gets valid commits (fsck clean) and reads them back."""
    root = tmp_path / "s256"
    root.mkdir()
    git(root, "init", "-q", "--object-format=sha256")
    with make_archive(root) as arch:
        first = arch.record_version(KEY, "One.\n", message=message("one", "2026-11-01T10:00:00Z"))
        arch.record_version(KEY, "Two.\n", message=message("two", "2026-11-01T10:00:00Z"))
        assert len(first) == 64
        assert arch.resolve_ref(KEY, "~1").commit == first
        assert arch.read_latest(KEY) == "Two.\n"
    assert subprocess.run(["git", "fsck", "--strict"], cwd=root).returncode == 0
    assert status(root) == []


def test_linked_worktree(project, archive, tmp_path):
    """In a `git worktree`, records go to that worktree's branch, not the main one."""
    archive.record_version(KEY, "Main.\n", message=message("main", "2026-11-01T10:00:00Z"))
    main_head = project.commits()[0]
    linked = tmp_path / "linked"
    project.git("worktree", "add", "-q", "-b", "side", str(linked))
    with make_archive(linked) as arch:
        arch.record_version(KEY, "Side.\n", message=message("side", "2026-11-01T10:00:00Z"))
    assert git(project.root, "show", f"side:{REL}") == "Side.\n"
    assert project.commits()[0] == main_head
    assert status(linked) == []


WRITER = """
import sys
sys.path.insert(0, {pkg!r})
from pathlib import Path
from conductatlas_cli.archive.archive import Archive
root = Path({root!r})
with Archive(root, root / "snapshots", root / ".atlas") as a:
    i = 0
    while True:
        i += 1
        a.record_version("cohere/usage-policy", "Version %d.\\n" % i + "x\\n" * (i % 50),
                         message="v%d" % i)
        print(i, flush=True)
"""


def test_kill_9_mid_record_leaves_a_repairable_archive(project):
    """kill -9 at random moments never corrupts git; repair makes file and index match HEAD."""
    import random

    rng = random.Random(7)
    script = WRITER.format(pkg=str(PACKAGE_ROOT), root=str(project.root))
    for _ in range(4):
        writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert writer.stdout.readline()  # at least one record made
        time.sleep(rng.uniform(0.0, 0.2))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        with make_archive(project.root) as arch:
            arch.repair([KEY])
            head_text = arch.read_latest(KEY)
        assert head_text.startswith("Version ")
        assert project.snapshot(KEY).read_text() == head_text
        assert status(project.root) == []
    fsck = subprocess.run(
        ["git", "fsck", "--strict", "--no-dangling"], cwd=project.root, capture_output=True
    )
    assert fsck.returncode == 0, fsck.stderr


def test_explicit_commit_dates_are_honoured(project, monkeypatch):
    """GIT_AUTHOR_DATE/GIT_COMMITTER_DATE in the environment date the commit, as in git."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-01T10:00:00Z")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-02T10:00:00Z")
    with make_archive(project.root) as arch:
        arch.record_version(KEY, "Dated.\n", message=message("dated", "2026-11-01T10:00:00Z"))
    assert git(project.root, "log", "-1", "--format=%at %ct").split() == [
        "1793527200",
        "1793613600",
    ]


def test_init_next_steps_name_the_folder_and_a_cron_line(tmp_path):
    """The next steps after init say where to run them and give a cron line for that folder."""
    from conductatlas_cli.archive.scaffold import next_steps

    lines = next_steps(tmp_path / "my archive")
    assert lines[0] == f"next steps (in '{tmp_path / 'my archive'}'):"
    assert lines[-1].endswith(f"17 6 * * *  cd '{tmp_path / 'my archive'}' && atlas fetch -q")
