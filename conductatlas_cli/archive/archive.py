"""The archive: snapshot paths, versions in git, the work tree.

Each new version is one commit that touches only its snapshot path (and its
capture's files, `archive.captures`), made with plumbing (see `gitrepo`), so
whatever the user has staged or modified stays as it was; the user's index
entries for those paths are pointed at the new blobs.
Commit first, then the file: if the process dies in between, the file still
equals an older committed version and `Archive.repair(keys)` (call it under the
lock at the start of a fetch) puts HEAD's text and index entry back.
Plumbing runs no commit hooks.

Refused (StoreError, nothing written): a detached HEAD, a rebase, merge,
cherry-pick, revert or bisect in progress, an `index.lock` that stays more than
two seconds, a snapshot path through a symbolic link. Snapshot files are the
tool's: a hand edit of one is overwritten by the next version or by `repair`.
State and the lock live in `state`, `atlas init` in `scaffold`.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from conductatlas_cli.archive.files import (
    TMP_PREFIX,
    make_folder,
    replace_file,
    write_temporary,
    write_work_file,
)
from conductatlas_cli.archive.git import DEFAULT_EMAIL, DEFAULT_NAME, Git
from conductatlas_cli.archive.index import HistoryIndex, build_index, entry_for, save_index
from conductatlas_cli.archive.state import hold_lock
from conductatlas_cli.archive.trees import entry_at, tree_with_blobs
from conductatlas_cli.atomic import unlink_quietly
from conductatlas_cli.config.model import parse_key
from conductatlas_cli.errors import StoreError, UsageError
from conductatlas_cli.timestamps import as_utc, is_moment, parse_moment


@dataclass(frozen=True)
class Version:
    """One recorded version of a document: its commit, when it was fetched, what changed."""

    commit: str
    date: datetime  # UTC; the Atlas-Fetched-At trailer, else the committer date
    subject: str
    summary: str = ""  # the commit body without trailers
    technical: str | None = None  # a re-extraction: "extractor" or "settings" (no new fetch)

    @property
    def short(self) -> str:
        return self.commit[:10]


class Archive:
    """The snapshots folder of one project and the git repository that holds its history.

    Thread-safe: calls are serialised, git processes are shared. Call `close()`
    (or use `with Archive(...) as archive:`) to stop the batch processes.
    """

    def __init__(self, root: Path, snapshots_dir: Path, state_dir: Path):
        self.root = Path(root)
        self.snapshots_dir = Path(snapshots_dir)
        self.state_dir = Path(state_dir)
        self._mutex = threading.RLock()
        self._git: Git | None = None
        self._identity: dict[str, str] | None = None
        self._index: HistoryIndex | None = None
        self._where: tuple[Path, list[str]] | None = None  # (real root, snapshots folder parts)
        self._top_parts: tuple[str, ...] | None = None  # project root below the git top
        self._last_written: str | None = None  # the last commit this object wrote
        self.moved_meanwhile = False  # HEAD moved under us between two of our commits

    @classmethod
    def from_sources(cls, sources) -> Archive:
        return cls(sources.root, sources.snapshots_dir, sources.state_dir)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._mutex:
            if self._index is not None:
                save_index(self._index_dir(), self._index)
            if self._git is not None:
                self._git.close()
                self._git = None

    @property
    def git(self) -> Git:
        with self._mutex:
            if self._git is None:
                if not self.root.is_dir():
                    raise StoreError(f"project folder '{self.root}' does not exist")
                self._git = Git(self.root)
            return self._git

    def lock(self, wait: bool = False):
        """Context manager: the archive's one-writer lock (LockedError when held elsewhere)."""
        return hold_lock(self.state_dir, wait=wait)

    # -- paths ---------------------------------------------------------------

    def _snapshot_parts(self, key: str) -> tuple[Path, list[str]]:
        """(real project root, parts from it to the snapshot file), checked for escapes."""
        platform, document = parse_key(key)
        if self._where is None:  # the same for every key: resolved once (10,000 keys a run)
            snap = self.snapshots_dir
            if not snap.is_absolute():
                snap = self.root / snap
            try:
                inner = [p for p in Path(os.path.relpath(snap, self.root)).parts if p != "."]
            except ValueError:
                inner = [".."]
            if ".." in inner or ".git" in inner:
                raise StoreError(
                    f"snapshots folder '{snap}' is not inside the project '{self.root}'"
                )
            self._where = (self.root.resolve(), inner)
        root_real, inner = self._where
        return root_real, [*inner, platform, f"{document}.md"]

    def _rel_parts(self, key: str) -> list[str]:
        _root_real, parts = self._snapshot_parts(key)
        return [*self._project_parts(), *parts]

    def _project_parts(self) -> tuple[str, ...]:
        """The project folder below the repository's top level, resolved once a run."""
        if self._top_parts is None:
            try:
                self._top_parts = self.root.resolve().relative_to(self.git.top.resolve()).parts
            except ValueError:
                raise StoreError(f"project '{self.root}' is not inside '{self.git.top}'") from None
        return self._top_parts

    def project_relpath(self, *parts: str) -> str:
        """PARTS below the project folder, as a path relative to the repository's top level."""
        return "/".join([*self._project_parts(), *parts])

    def read_file(self, commit: str, rel: str) -> bytes | None:
        """The blob at REL (from the repository's top) in COMMIT, or None."""
        with self._mutex:
            found = self.git.read_object(f"{commit}:{rel}")
        if found is None or found[1] != "blob":
            return None
        return found[2]

    def snapshot_relpath(self, key: str) -> str:
        """The snapshot's path relative to the repository's top level, e.g. 'snapshots/a/b.md'."""
        return "/".join(self._rel_parts(key))

    def snapshot_path(self, key: str) -> Path:
        """The snapshot file in the work tree; StoreError when a folder on the way is a symlink."""
        root_real, parts = self._snapshot_parts(key)
        path = root_real
        for part in parts:
            path = path / part
            if path.is_symlink():
                raise StoreError(f"refusing to write through the symbolic link '{path}'")
        return path

    # -- reading -------------------------------------------------------------

    def read_latest(self, key: str) -> str | None:
        """The text committed at HEAD for KEY, or None when it was never recorded."""
        with self._mutex:
            found = self.git.read_object(f"HEAD:{self.snapshot_relpath(key)}")
        if found is None or found[1] != "blob":
            return None
        return found[2].decode("utf-8", "replace")

    def read_version(self, key: str, commit: str) -> str:
        """The text of KEY as of COMMIT (at its key then, where `atlas mv` renamed it since)."""
        with self._mutex:
            stored = self._index.stored_as(key, commit) if self._index else key
            found = self.git.read_object(f"{commit}:{self.snapshot_relpath(stored)}")
        if found is None or found[1] != "blob":
            raise UsageError(f"'{key}' has no text at commit '{commit[:12]}'")
        return found[2].decode("utf-8", "replace")

    def history(self) -> HistoryIndex:
        """Atlas's versions of every document at HEAD (`archive.index`), read once per HEAD."""
        with self._mutex:
            head = self.git.head()
            commit = head[0] if head else None
            if self._index is None or self._index.head != commit:
                if self._index is not None:
                    save_index(self._index_dir(), self._index)
                base = self._snapshots_rel()
                self._index = build_index(self.git, base, commit, self._index_dir(), Version)
            return self._index

    def _index_dir(self) -> Path:
        """Where the history index lives: the git dir, so it never shows in `git status`."""
        return self.git.git_dir / "atlas"

    def versions(self, key: str) -> list[Version]:
        """Every version atlas recorded of KEY on the current branch, newest first."""
        return self.history().versions(key)

    def resolve_ref(self, key: str, ref: str | None) -> Version:
        """The version REF names: None (latest), '@~N' (also 'latest~N', '~N'), a date, a commit.

        '@~N' is N versions back from the latest ('@~0' is the latest); unlike a bare '~N',
        which bash expands to a folder when it starts a word, it survives a shell.
        """
        versions = self.versions(key)
        if not versions:
            raise UsageError(f"no version of '{key}' has been recorded yet")
        ref = (ref or "").strip()
        if not ref:
            return versions[0]
        back_match = re.fullmatch(r"(?:@|latest)?~(\d+)", ref)
        if back_match:
            back = int(back_match.group(1))
            if back >= len(versions):
                raise UsageError(f"'{key}' has {len(versions)} version(s); '{ref}' goes too far")
            return versions[back]
        if is_moment(ref):
            moment = parse_moment(ref)
            earlier = [v for v in versions if v.date <= moment]
            if not earlier:
                first = min(v.date for v in versions)
                raise UsageError(
                    f"no version of '{key}' was in force at {ref} (the first is of {first:%Y-%m-%d})"
                )
            return max(earlier, key=lambda v: v.date)
        if ref.startswith("-") or any(ch.isspace() for ch in ref):
            raise UsageError(f"'{ref}' is not a date, a commit or @~N")
        with self._mutex:
            code, out = self.git.run_status("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
            if code != 0:
                raise UsageError(f"'{ref}' is not a date, a commit or @~N")
            commit = out.decode().strip()
            by_commit = {version.commit: version for version in versions}
            if commit in by_commit:
                return by_commit[commit]
            rel = self.snapshot_relpath(key)
            found = self.git.run("log", "--format=%H", commit, "--", rel).decode().split()
        for sha in found:
            if sha in by_commit:
                return by_commit[sha]
        raise UsageError(f"no version of '{key}' at or before commit '{ref}'")

    def all_versions(self, since: datetime | None = None) -> list[tuple[str, Version]]:
        """(key, version) for every version of every document, newest first; SINCE filters."""
        entries = self.history().entries
        limit = as_utc(since) if since is not None else None
        return [(e.key, e.version) for e in entries if limit is None or e.version.date >= limit]

    def keys_with_history(self) -> list[str]:
        """Keys of the documents atlas recorded a version of, sorted."""
        return sorted(self.history().by_key)

    def _snapshots_rel(self) -> str:
        return "/".join(self._rel_parts("x/x")[:-2])

    # -- writing -------------------------------------------------------------

    def record_version(
        self,
        key: str,
        text: str,
        *,
        message: str,
        extra: dict[str, bytes | None] | None = None,
        force_identity: tuple[str, str] | None = None,
    ) -> str:
        """Commit TEXT as KEY's new version (one commit, only its paths); return its sha.

        EXTRA maps more paths of this version (relative to the repository's top, the
        capture's files) to their bytes, None to remove one; they are written to the
        work tree and index after the commit, as the snapshot is. When TEXT equals
        HEAD's snapshot, nothing is committed and the latest version's commit is
        returned. FORCE_IDENTITY is (name, email).
        """
        if not message.strip():
            raise StoreError(f"empty commit message for '{key}'")
        data = text.encode("utf-8")
        with self._mutex:
            git = self.git
            rel = self.snapshot_relpath(key)
            path = self.snapshot_path(key)
            git.check_can_commit()
            head = git.head()
            if self._last_written and head and head[0] != self._last_written:
                self.moved_meanwhile = True  # `archive.foreign` checks what it dropped
            make_folder(path.parent, self.root.resolve())
            tmp = write_temporary(path.parent, data)
            try:
                blob = git.write_object(b"blob", data)
                held = entry_at(git, head[1], rel.split("/")) if head is not None else None
                if head is not None and held and (held.mode, held.oid) == (0o100644, blob):
                    replace_file(tmp, path)  # the text HEAD holds: no commit
                    git.stage({rel: blob})
                    latest = self.versions(key)
                    return latest[0].commit if latest else head[0]
                files: list[tuple[list[str], str | None]] = [(rel.split("/"), blob)]
                for other, content in (extra or {}).items():
                    oid = None if content is None else git.write_object(b"blob", content)
                    files.append((other.split("/"), oid))
                tree = tree_with_blobs(git, head[1] if head else None, files)
                env = self._identity_env(force_identity)
                commit = git.write_commit(tree, head[0] if head else None, message, env)
                git.update_head(commit, head[0] if head else None)
                self._wrote(commit)
                self._indexed(key, commit, blob, message, head, added=held is None)
            except BaseException:
                unlink_quietly(tmp)
                raise
            try:
                replace_file(tmp, path)
            except OSError as exc:
                unlink_quietly(tmp)
                raise StoreError(
                    f"recorded '{key}' as {commit[:10]} but could not write '{path}': "
                    f"{exc.strerror} (the next fetch restores it)"
                ) from None
            entries: dict[str, str | None] = {rel: blob}
            for other, content in (extra or {}).items():
                entries[other] = write_work_file(git, self.root.resolve(), other, content)
            git.stage(entries)  # one process; busy index: `repair` fixes it
            return commit

    def put_file(self, rel: str, content: bytes | None) -> None:
        """Make the work tree and index hold CONTENT at REL (as HEAD does); None removes it."""
        with self._mutex:
            blob = write_work_file(self.git, self.root.resolve(), rel, content)
            self.git.set_index_entries({rel: blob})

    def _wrote(self, commit: str) -> None:
        self._last_written = commit

    def head_moved_since_last_write(self) -> bool:
        """Whether HEAD is no longer the last commit this object wrote (False before any)."""
        with self._mutex:
            if self._last_written is None:
                return False
            head = self.git.head()
            return head is None or head[0] != self._last_written

    def _indexed(self, key, commit, blob, message, head, *, added: bool) -> None:
        """Keep the loaded history index current with the version just committed (ADDED: new)."""
        index = self._index
        if index is None or index.head != (head[0] if head else None):
            return  # not loaded (read on demand), or HEAD moved meanwhile: rebuilt then
        entry = entry_for(key, commit, message, blob=blob, added=added, version_cls=Version)
        if entry is None:
            index.moved_to(commit)
        else:
            index.add(entry, commit)

    def repair(self, keys: list[str]) -> list[str]:
        """Put HEAD's text back where the work tree or index differ (after a crash); return keys.

        Does nothing while git is mid-rebase/merge or HEAD is detached. A document whose
        path is refused (a symlink on the way) or cannot be written is skipped, so one
        document's problem never stops the run: its record then fails with the reason.
        """
        with self._mutex:
            git = self.git
            if git.head() is None:
                return []
            try:
                git.check_can_commit()
            except StoreError:
                return []
            repaired, blobs, swept = [], {}, set()
            at_head = git.blobs_under("HEAD", self._snapshots_rel())
            for key in keys:
                try:
                    path = self.snapshot_path(key)
                except StoreError:
                    continue  # a symlink on the way: recording this document fails and says so
                # A crash between writing the temporary file and renaming it leaves one
                # behind, also for a document never recorded: we hold the lock, so remove it.
                if path.parent not in swept:
                    swept.add(path.parent)
                    if path.parent.is_dir():
                        for stale in path.parent.glob(f"{TMP_PREFIX}*.tmp"):
                            unlink_quietly(stale)
                rel = self.snapshot_relpath(key)
                if rel not in at_head:
                    continue
                blobs[rel] = blob = at_head[rel][1]
                try:
                    current = path.read_bytes()
                except OSError:
                    current = None
                if current is None or git.object_id(b"blob", current) != blob:
                    try:
                        make_folder(path.parent, self.root.resolve())
                        tmp = write_temporary(path.parent, git.read_blob(blob))
                    except StoreError:
                        continue  # unwritable here: this document's record fails and says why
                    try:
                        replace_file(tmp, path)
                    except (StoreError, OSError):
                        unlink_quietly(tmp)
                        continue
                    repaired.append(key)
            index = git.index_entries(list(blobs))
            for rel, blob in blobs.items():
                if index.get(rel) != blob:
                    git.set_index_entry(rel, blob)
            return repaired

    def _identity_env(self, force: tuple[str, str] | None) -> dict[str, str]:
        """Environment for commit-tree: git's configured identity, else ConductAtlas."""
        if force is not None:
            name, email = force
            return {
                "GIT_AUTHOR_NAME": name,
                "GIT_AUTHOR_EMAIL": email,
                "GIT_COMMITTER_NAME": name,
                "GIT_COMMITTER_EMAIL": email,
            }
        if self._identity is None:
            code, config = self.git.run_status(
                "config", "-z", "--get-regexp", r"^(user|author|committer)\.(name|email)$"
            )
            known = set()
            for record in config.split(b"\0") if code == 0 else []:
                setting, _, value = record.partition(b"\n")
                if value.strip():
                    known.add(setting.decode("utf-8", "replace").lower())
            env = {}
            for role in ("author", "committer"):
                upper = role.upper()
                for part, default in (("name", DEFAULT_NAME), ("email", DEFAULT_EMAIL)):
                    var = f"GIT_{upper}_{part.upper()}"
                    have = (
                        self.git.env.get(var)
                        or f"{role}.{part}" in known
                        or f"user.{part}" in known
                        or (part == "email" and self.git.env.get("EMAIL"))
                    )
                    if not have:
                        env[var] = default
            self._identity = env
        return self._identity
