"""Writing the site folder incrementally: only pages whose bytes changed are rewritten.

A small manifest (`.atlas-site.json` in the site folder) remembers, per page,
the digest of what it was made from ("inputs"), the digest of its bytes, and a
few facts the other pages need (a version's topics). A page whose inputs and
bytes on disk are unchanged is not even rendered again; a rendered page is
compared with the file before it is written. Pages of an earlier build that
this build does not make are removed (only files the manifest lists: nothing
else in the folder is touched). Files are replaced atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from conductatlas_cli.atomic import unlink_quietly, write_temporary
from conductatlas_cli.errors import AtlasError, ExitCode

MANIFEST = ".atlas-site.json"
MANIFEST_VERSION = 1


class SiteError(AtlasError):
    """The site folder cannot be used or written."""

    exit_code = ExitCode.USAGE


@dataclass
class BuildCounts:
    """What a build did to the folder."""

    written: list[str] = field(default_factory=list)  # new or changed files
    unchanged: int = 0  # rendered (or known fresh) and equal to what was there
    removed: list[str] = field(default_factory=list)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SiteWriter:
    """The site folder of one build. Call `finish()` at the end to save the manifest."""

    def __init__(self, root: Path, *, layout: str):
        self.root = Path(root)
        self.layout = layout
        self.counts = BuildCounts()
        self._old: dict[str, dict] = {}
        self._new: dict[str, dict] = {}
        self._manifest_bytes: bytes | None = None
        self._safe: set[Path] = set()  # folders checked for symbolic links
        self._open()

    def _open(self) -> None:
        if self.root.is_symlink() or (self.root.exists() and not self.root.is_dir()):
            raise SiteError(f"'{self.root}' is not a folder")
        path = self.root / MANIFEST
        try:
            self._manifest_bytes = path.read_bytes()
        except FileNotFoundError:
            if self.root.is_dir() and any(self.root.iterdir()):
                raise SiteError(
                    f"'{self.root}' is not empty and was not made by 'atlas site'; "
                    "give it an empty or new folder"
                ) from None
        except OSError as exc:
            raise SiteError(f"cannot read '{path}': {exc.strerror}") from None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SiteError(
                f"cannot create the site folder '{self.root}': {exc.strerror}"
            ) from None
        if self._manifest_bytes is None:  # claim the new folder before any page, so that
            claim = {"version": MANIFEST_VERSION, "layout": "", "pages": {}}  # a rerun is ours
            _atomic_write(self.root / MANIFEST, json.dumps(claim).encode() + b"\n")
        if self._manifest_bytes:
            try:
                data = json.loads(self._manifest_bytes.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                data = {}
            if isinstance(data, dict) and isinstance(data.get("pages"), dict):
                self._old = {k: v for k, v in data["pages"].items() if isinstance(v, dict)}
                if data.get("layout") != self.layout or data.get("version") != MANIFEST_VERSION:
                    for entry in self._old.values():
                        entry.pop("inputs", None)  # templates changed: every page is rendered

    # -- pages ---------------------------------------------------------------

    def fresh(self, path: str, inputs: str) -> dict | None:
        """The facts of PATH when it was made from INPUTS and is intact on disk; else None.

        A fresh page is kept as it is (it counts as unchanged).
        """
        facts = self.check(path, inputs)
        if facts is not None:
            self.keep(path)
        return facts

    def previous_facts(self, path: str) -> dict:
        """The facts the last build recorded for PATH ({} when none)."""
        facts = self._old.get(path, {}).get("facts")
        return facts if isinstance(facts, dict) else {}

    def check(self, path: str, inputs: str) -> dict | None:
        """Like `fresh`, without keeping the page."""
        entry = self._old.get(path)
        if not entry or entry.get("inputs") != inputs:
            return None
        try:
            data = (self.root / path).read_bytes()
        except OSError:
            return None
        if _digest(data) != entry.get("sha256"):
            return None
        return entry.get("facts") if isinstance(entry.get("facts"), dict) else {}

    def keep(self, path: str) -> None:
        """PATH stays as the last build wrote it (call only after `check` found it fresh)."""
        self._new[path] = dict(self._old[path])
        self.counts.unchanged += 1

    def write(self, path: str, data: bytes, *, inputs: str = "", facts: dict | None = None) -> None:
        """Record PATH (relative, '/'-separated) with DATA; the file is written only if it differs."""
        target = self.root / path
        sha = _digest(data)
        self._new[path] = {"inputs": inputs, "sha256": sha, "facts": facts or {}}
        try:
            same = target.is_file() and not target.is_symlink() and target.read_bytes() == data
        except OSError:
            same = False
        if same:
            self.counts.unchanged += 1
            return
        self._check_folders(target.parent)
        _atomic_write(target, data)
        self.counts.written.append(path)

    def _check_folders(self, folder: Path) -> None:
        """Refuse to write through a symbolic link inside the site folder."""
        while folder != self.root and folder not in self._safe:
            if folder.is_symlink():
                raise SiteError(f"refusing to write through the symbolic link '{folder}'")
            self._safe.add(folder)
            folder = folder.parent

    def adopt(self, path: str) -> None:
        """PATH was written by someone else (a feed): listed, never removed as stale by us."""
        self._new.pop(path, None)
        self._old.pop(path, None)

    def finish(self) -> BuildCounts:
        """Remove the stale pages of the previous build and save the manifest."""
        for path in sorted(set(self._old) - set(self._new)):
            target = self.root / path
            try:
                if target.is_file() or target.is_symlink():
                    target.unlink()
                    self.counts.removed.append(path)
                    _remove_empty_parents(target.parent, self.root)
            except OSError:
                pass
        manifest = {
            "version": MANIFEST_VERSION,
            "layout": self.layout,
            "pages": {k: self._new[k] for k in sorted(self._new)},
        }
        data = (json.dumps(manifest, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        if data != self._manifest_bytes:
            _atomic_write(self.root / MANIFEST, data)
            self._manifest_bytes = data
        return self.counts


def _atomic_write(target: Path, data: bytes) -> None:
    """DATA at TARGET (a temporary file, then a rename), mode 0o666 less the umask."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = write_temporary(target.parent, data, prefix=".atlas-", mode=0o666)
    except OSError as exc:
        raise SiteError(f"cannot write in '{target.parent}': {exc.strerror}") from None
    try:
        os.replace(tmp, target)
    except OSError as exc:
        unlink_quietly(tmp)
        raise SiteError(f"cannot write '{target}': {exc.strerror}") from None


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
