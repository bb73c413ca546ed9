"""Low-level git plumbing for the archive: a controlled environment, batch processes.

Reads go through a long-lived `cat-file --batch` and HEAD moves through a
long-lived `update-ref --stdin` (a compare-and-swap). Blobs, trees and commits
are written here as loose objects, byte for byte what `git hash-object -w`
writes, to spare a round trip to a git process per object. The only process
started per commit is `update-index --cacheinfo`, which points the user's index
entry for the one path at the new blob.

Plumbing runs no commit hooks (pre-commit, commit-msg, post-commit) and signs
nothing; `reference-transaction` hooks do run, as for any ref update.
"""

from __future__ import annotations

import os
import subprocess
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conductatlas_cli.archive.gitprocess import BatchProcess, find_git, first_line, git_environment
from conductatlas_cli.atomic import write_atomically
from conductatlas_cli.errors import StoreError

DEFAULT_NAME = "ConductAtlas"
DEFAULT_EMAIL = "atlas@localhost"
FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"
# Variables that would point git at another repository or index than ours.
FOREIGN_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR")
TREE_CACHE_SIZE = 256  # parsed trees kept in memory (trees never change)
INDEX_LOCK_WAIT = 2.0  # seconds to wait for a user's short git command to release index.lock
# Git runs with the signals Python ignores still ignored (restore_signals=False): with
# SIGXFSZ ignored, a file-size limit (`ulimit -f`) makes git's write fail with EFBIG, so
# git reports an error and removes its index.lock, instead of dying on the signal and
# leaving a stale index.lock that would block every later run. SIGPIPE ignored makes a
# write to a closed pipe an error git reports, which we already handle.


def _identity(path: Path) -> tuple[int, int, int] | None:
    """(device, inode, mtime in ns) of PATH, or None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


@dataclass(frozen=True)
class TreeEntry:
    mode: int
    name: bytes
    oid: str

    @property
    def type(self) -> str:
        if self.mode == 0o040000:
            return "tree"
        if self.mode == 0o160000:
            return "commit"
        return "blob"


def _tree_order(entry: TreeEntry) -> bytes:
    """Git's tree order: names compared as if folders ended with '/'."""
    return entry.name + b"/" if entry.mode == 0o040000 else entry.name


class Git:
    """One work tree's repository: short git commands and the batch processes."""

    def __init__(self, start: Path):
        self.env = git_environment()
        self.exe = find_git(self.env)
        self.cwd = start
        out = self.run("rev-parse", "--absolute-git-dir", "--show-object-format", "--show-toplevel")
        lines = out.decode("utf-8", "surrogateescape").splitlines()
        if len(lines) != 3:
            raise StoreError(f"'{start}' is not inside a git work tree")
        self.git_dir = Path(lines[0])
        self.hash_len = 64 if lines[1] == "sha256" else 40
        self.top = Path(lines[2])
        self.cwd = self.top
        objects = self.run("rev-parse", "--path-format=absolute", "--git-path", "objects")
        self.objects = Path(os.fsdecode(objects.rstrip(b"\n")))
        self._cat = BatchProcess(self, ["cat-file", "--batch"])
        self._refs = BatchProcess(self, ["update-ref", "-m", "atlas: record", "--stdin"])
        self._idents: dict[tuple, tuple[str, str]] = {}
        self._stale_lock: tuple[int, int, int] | None = None  # an index.lock that never went
        self._trees: dict[str, list[TreeEntry]] = {}
        # Index entries waiting for the next `flush_index` (`stage`); a fetch sets a delay.
        self.index_delay = 0.0
        self._staged: dict[str, str | None] = {}
        self._staged_at = time.monotonic()
        # Stop the batch processes when this object goes away without close().
        self._finalizer = weakref.finalize(self, Git._close_all, self._batches())

    def _batches(self) -> list[BatchProcess]:
        return [self._cat, self._refs]

    @staticmethod
    def _close_all(batches: list[BatchProcess]) -> None:
        for batch in batches:
            batch.close()

    # -- short commands ------------------------------------------------------

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> bytes:
        """Run `git ARGS`; on failure raise StoreError naming the command and git's reason."""
        full_env = self.env if not env else {**self.env, **env}
        try:
            proc = self._complete(args, input=input, env=full_env)
        except OSError as exc:
            raise StoreError(f"cannot run 'git {args[0]}': {exc.strerror}") from None
        if check and proc.returncode != 0:
            raise StoreError(f"git {args[0]} failed: {first_line(proc.stderr)}")
        return proc.stdout

    def run_status(self, *args: str) -> tuple[int, bytes]:
        proc = self._complete(args)
        return proc.returncode, proc.stdout

    def _complete(
        self, args: Sequence[str], *, input: bytes | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """`git ARGS` run to its end, output captured, exit status unchecked; SIGXFSZ stays
        ignored in git as in us (see INDEX_LOCK_WAIT)."""
        return subprocess.run(
            [self.exe, *args],
            cwd=self.cwd,
            env=self.env if env is None else env,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            check=False,
            restore_signals=False,
        )

    # -- reading -------------------------------------------------------------

    def read_object(self, name: str) -> tuple[str, str, bytes] | None:
        """(oid, type, content) of NAME (any `git rev-parse` name), or None when missing."""
        if "\n" in name or "\r" in name:
            return None
        proc = self._cat.send(name.encode("utf-8", "surrogateescape") + b"\n")
        header = self._cat.readline()
        parts = header.split()
        if len(parts) != 3 or not parts[2].isdigit():
            return None  # "<name> missing" or "<name> ambiguous"
        size = int(parts[2])
        assert proc.stdout is not None  # started with stdout=PIPE
        data = proc.stdout.read(size)
        if len(data) != size or proc.stdout.read(1) != b"\n":
            raise self._cat.failure()
        return parts[0].decode(), parts[1].decode(), data

    def blobs_under(self, commit: str, folder: str) -> dict[str, tuple[int, str]]:
        """{path from the top: (mode, blob id)} of every file under FOLDER ('' for all) in
        COMMIT, from one `ls-tree`: a crash check compares a work tree with it by hashing
        the files (`object_id`), with no read of an unchanged blob."""
        out = self.run("ls-tree", "-r", "-z", commit, "--", folder or ".")
        found = {}
        for record in out.split(b"\0"):
            meta, _, path = record.partition(b"\t")
            fields = meta.split()
            if len(fields) == 3 and fields[1] == b"blob":
                name = path.decode("utf-8", "surrogateescape")
                found[name] = (int(fields[0], 8), fields[2].decode())
        return found

    def object_id(self, kind: bytes, data: bytes) -> str:
        """The id git gives DATA as an object of KIND (`git hash-object`), computed here."""
        import hashlib

        algo = hashlib.sha256 if self.hash_len == 64 else hashlib.sha1
        return algo(b"%s %d\0" % (kind, len(data)) + data).hexdigest()

    def read_blob(self, oid: str) -> bytes:
        """The content of blob OID; StoreError when the repository lacks it."""
        found = self.read_object(oid)
        if found is None or found[1] != "blob":
            raise StoreError(f"git blob {oid} is missing from the repository")
        return found[2]

    def head(self) -> tuple[str, str] | None:
        """(commit, tree) of HEAD, or None in a repository with no commit yet."""
        found = self.read_object("HEAD")
        if found is None:
            return None
        oid, kind, data = found
        if kind != "commit" or not data.startswith(b"tree "):
            raise StoreError("git HEAD does not point to a commit")
        return oid, data[5 : 5 + self.hash_len].decode()

    def tree_entries(self, tree: str) -> list[TreeEntry]:
        """Entries of TREE; trees are immutable, so recent ones are kept in memory."""
        cached = self._trees.get(tree)
        if cached is not None:
            return cached
        found = self.read_object(tree)
        if found is None or found[1] != "tree":
            raise StoreError(f"git tree {tree} is missing from the repository")
        data, entries, pos, raw = found[2], [], 0, self.hash_len // 2
        while pos < len(data):
            space = data.index(b" ", pos)
            nul = data.index(b"\0", space)
            mode = int(data[pos:space], 8)
            oid = data[nul + 1 : nul + 1 + raw].hex()
            entries.append(TreeEntry(mode, data[space + 1 : nul], oid))
            pos = nul + 1 + raw
        self._remember(tree, entries)
        return entries

    def _remember(self, tree: str, entries: list[TreeEntry]) -> None:
        if len(self._trees) >= TREE_CACHE_SIZE:
            self._trees.pop(next(iter(self._trees)))
        self._trees[tree] = entries

    # -- writing -------------------------------------------------------------

    def write_object(self, kind: bytes, data: bytes) -> str:
        """Write DATA as a loose object of KIND (b"blob", b"tree", b"commit"); return its id.

        The object is the one `git hash-object -w` writes (zlib of "kind size\\0data"),
        written here to spare a round trip to a git process per object: with
        extraction busy on every core, each round trip waits for the scheduler.
        """
        import hashlib
        import zlib

        algo = hashlib.sha256 if self.hash_len == 64 else hashlib.sha1
        raw = b"%s %d\0" % (kind, len(data)) + data
        oid = algo(raw).hexdigest()
        path = self.objects / oid[:2] / oid[2:]
        if path.exists():
            return oid
        try:
            path.parent.mkdir(exist_ok=True)
            write_atomically(path, zlib.compress(raw, 1), prefix="tmp_obj_", suffix="", chmod=0o444)
        except OSError as exc:
            raise StoreError(
                f"cannot write a git object in '{path.parent}': {exc.strerror}"
            ) from None
        return oid

    def write_tree(self, entries: list[TreeEntry]) -> str:
        """Write a tree of ENTRIES (any order) and return its id (its entries are kept)."""
        ordered = sorted(entries, key=_tree_order)
        data = b"".join(b"%o %s\0" % (e.mode, e.name) + bytes.fromhex(e.oid) for e in ordered)
        oid = self.write_object(b"tree", data)
        self._remember(oid, ordered)
        return oid

    def tree_with_blob(self, root_tree: str | None, parts: list[str], blob: str | None) -> str:
        """A new root tree: ROOT_TREE with the file at PARTS set to BLOB (mode 100644).

        BLOB None removes the file (and the folders it leaves empty)."""
        names = [os.fsencode(p) for p in parts]
        levels: list[list[TreeEntry]] = []
        tree = root_tree
        for depth, name in enumerate(names):
            entries = self.tree_entries(tree) if tree else []
            levels.append(entries)
            if depth == len(names) - 1:
                break
            child = next((e for e in entries if e.name == name), None)
            if child is None:
                tree = None
            elif child.mode == 0o040000:
                tree = child.oid
            else:
                where = "/".join(parts[: depth + 1])
                raise StoreError(f"'{where}' is a file in the last commit, not a folder")
        oid: str | None = blob
        mode = 0o100644
        for depth, (name, entries) in enumerate(
            zip(reversed(names), reversed(levels), strict=True)
        ):
            kept = [e for e in entries if e.name != name]
            if oid is not None:
                kept.append(TreeEntry(mode, name, oid))
            root = depth == len(names) - 1
            oid = self.write_tree(kept) if kept or root else None
            if oid is not None:
                self._remember(oid, sorted(kept, key=_tree_order))
            mode = 0o040000
        assert oid is not None
        return oid

    def identity(self, env: dict[str, str]) -> tuple[str, str]:
        """('Name <email>', 'Name <email>') for author and committer, as git resolves them."""
        key = tuple(sorted(env.items()))
        if key not in self._idents:
            found = []
            for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
                line = self.run("var", var, env=env).decode("utf-8", "surrogateescape").strip()
                found.append(line.rsplit(" ", 2)[0])  # drop "<timestamp> <tz>"
            self._idents[key] = (found[0], found[1])
        return self._idents[key]

    def write_commit(self, tree: str, parent: str | None, message: str, env: dict[str, str]) -> str:
        """Write a commit object (no hooks, no signing) and return its id.

        The object is the one `git commit-tree` makes (identities as `git var`
        resolves them), written by `write_object`. An explicit GIT_AUTHOR_DATE or
        GIT_COMMITTER_DATE goes through commit-tree, which parses dates as git does.
        """
        body = message.replace("\0", "")
        body = body if body.endswith("\n") else body + "\n"
        if self.env.get("GIT_AUTHOR_DATE") or self.env.get("GIT_COMMITTER_DATE"):
            args = ["commit-tree", tree, *(["-p", parent] if parent else []), "-F", "-"]
            return self.run(*args, input=body.encode("utf-8"), env=env).decode().strip()
        author, committer = self.identity(env)
        now = time.time()
        offset = time.localtime(now).tm_gmtoff // 60
        stamp = (
            f"{int(now)} {'-' if offset < 0 else '+'}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
        )
        lines = [f"tree {tree}"]
        if parent:
            lines.append(f"parent {parent}")
        lines += [f"author {author} {stamp}", f"committer {committer} {stamp}", "", body]
        data = "\n".join(lines).encode("utf-8", "surrogateescape")
        return self.write_object(b"commit", data)

    def update_head(self, new: str, old: str | None) -> None:
        """Move HEAD's branch from OLD to NEW in one ref transaction (compare-and-swap).

        Fails (StoreError) when someone moved the branch meanwhile.
        """
        expected = old or "0" * self.hash_len
        self._refs.send(f"start\nupdate HEAD {new} {expected}\nprepare\ncommit\n".encode())
        for answer in (b"start: ok\n", b"prepare: ok\n", b"commit: ok\n"):
            if self._refs.readline() != answer:
                raise self._refs.failure()

    def set_index_entry(self, path: str, blob: str) -> bool:
        """Point the user's index entry for PATH at BLOB; False when the index stays busy."""
        return self.set_index_entries({path: blob})

    def stage(self, entries: dict[str, str | None]) -> None:
        """`set_index_entries` now, or with the next flush when `index_delay` has not passed.

        A fetch records thousands of commits; git rewrites the whole index (a line per
        file) each time it changes one entry, so the fetch sets a delay and the index
        follows HEAD within it. Every other read or write of the index flushes first.
        """
        self._staged.update(entries)
        if time.monotonic() - self._staged_at >= self.index_delay:
            self.flush_index()

    def flush_index(self) -> bool:
        """Write the staged entries (one process); False when the index stays busy."""
        staged, self._staged = self._staged, {}
        self._staged_at = time.monotonic()
        return self._write_index(staged) if staged else True

    def set_index_entries(self, entries: dict[str, str | None]) -> bool:
        """Point the index entries for PATHS at their blobs (None removes one), one process."""
        self._staged.update(entries)
        return self.flush_index()

    def _write_index(self, entries: dict[str, str | None]) -> bool:
        zero = "0" * self.hash_len
        records = [
            f"100644 {blob}\t{path}" if blob else f"0 {zero}\t{path}"
            for path, blob in entries.items()
        ]
        data = ("\0".join(records) + "\0").encode("utf-8", "surrogateescape")
        deadline = time.monotonic() + INDEX_LOCK_WAIT
        while True:
            proc = self._complete(["update-index", "--add", "-z", "--index-info"], input=data)
            if proc.returncode == 0 or time.monotonic() > deadline:
                return proc.returncode == 0
            time.sleep(0.05)

    def index_entries(self, paths: list[str]) -> dict[str, str]:
        """Blob ids the user's index holds for PATHS (absent paths are left out)."""
        if not paths:
            return {}
        self.flush_index()
        out = self.run("ls-files", "-s", "-z", "--", *paths)
        result = {}
        for record in out.split(b"\0"):
            if record:
                meta, _, name = record.partition(b"\t")
                result[name.decode("utf-8", "surrogateescape")] = meta.split()[1].decode()
        return result

    # -- safety --------------------------------------------------------------

    def check_can_commit(self) -> None:
        """Refuse (StoreError) when committing now could surprise or corrupt."""
        git_dir = self.git_dir
        states = [
            (("rebase-merge", "rebase-apply"), "a rebase in progress"),
            (("MERGE_HEAD",), "a merge in progress"),
            (("CHERRY_PICK_HEAD",), "a cherry-pick in progress"),
            (("REVERT_HEAD",), "a revert in progress"),
            (("BISECT_LOG",), "a bisect in progress"),
        ]
        for names, what in states:
            if any((git_dir / name).exists() for name in names):
                raise StoreError(f"git repository has {what}; finish or abort it first")
        try:
            head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise StoreError(f"cannot read git HEAD: {exc.strerror}") from None
        if not head.startswith("ref: refs/heads/"):
            raise StoreError("git HEAD is detached (not on a branch); check out a branch first")
        lock = git_dir / "index.lock"
        deadline = time.monotonic() + INDEX_LOCK_WAIT
        while True:
            seen = _identity(lock)
            if seen is None:
                return
            # The same lock file that already outlasted a wait: stale, no need to wait again.
            if seen == self._stale_lock or time.monotonic() > deadline:
                self._stale_lock = seen
                raise StoreError(
                    f"git index is locked ('{lock}' exists); "
                    "if no other git command is running, delete that file"
                )
            time.sleep(0.05)

    def close(self) -> None:
        self.flush_index()
        self._finalizer()
