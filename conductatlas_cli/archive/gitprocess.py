"""Git processes: the controlled environment every git command runs with, and the
long-lived batch processes (`cat-file --batch`, `update-ref --stdin`) fed on stdin.

Git runs with the signals Python ignores still ignored (restore_signals=False): with
SIGXFSZ ignored, a file-size limit (`ulimit -f`) makes git's write fail with EFBIG, so
git reports an error and removes its index.lock, instead of dying on the signal and
leaving a stale index.lock that would block every later run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import IO, TYPE_CHECKING

from conductatlas_cli.errors import StoreError

if TYPE_CHECKING:
    from conductatlas_cli.archive.git import Git

FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin"
# Variables that would point git at another repository or index than ours.
FOREIGN_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR")


def git_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every git process runs with: C locale, no prompts, no pager."""
    env = dict(os.environ if base is None else base)
    for name in FOREIGN_VARS:
        env.pop(name, None)
    env.update(
        LC_ALL="C",
        LANG="C",
        LANGUAGE="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_FLUSH="1",
    )
    if not env.get("PATH"):
        env["PATH"] = FALLBACK_PATH
    return env


def find_git(env: dict[str, str]) -> str:
    """The git executable, on PATH or in the usual places (cron's PATH is minimal)."""
    found = shutil.which("git", path=env.get("PATH"))
    if found:
        return found
    for candidate in ("/usr/bin/git", "/usr/local/bin/git", "/opt/homebrew/bin/git"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise StoreError("git is not installed (no 'git' on PATH)")


def first_line(stderr: bytes) -> str:
    """Git's first non-empty stderr line, decoded, for a one-line error."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()
    return "no error message"


class BatchProcess:
    """One long-lived git process fed on stdin and read on stdout, restarted when it dies."""

    def __init__(self, git: Git, args: list[str]):
        self.command = [git.exe, *args]  # no reference to GIT: its finalizer closes us
        self.cwd = git.cwd
        self.env = git.env
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.errfile: IO[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.errfile = tempfile.TemporaryFile()
            try:
                self.proc = subprocess.Popen(
                    self.command,
                    cwd=self.cwd,
                    env=self.env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=self.errfile,
                    restore_signals=False,  # SIGXFSZ stays ignored (see INDEX_LOCK_WAIT)
                )
            except OSError as exc:
                raise StoreError(f"cannot run 'git {self.args[0]}': {exc.strerror}") from None
        return self.proc

    def failure(self) -> StoreError:
        message = "it stopped unexpectedly"
        if self.proc is not None:
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.errfile is not None:
            self.errfile.seek(0)
            err = self.errfile.read()
            if err.strip():
                message = first_line(err)
        self.close()
        return StoreError(f"git {self.args[0]} failed: {message}")

    def send(self, data: bytes) -> subprocess.Popen[bytes]:
        proc = self.start()
        assert proc.stdin is not None  # started with stdin=PIPE
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self.failure() from None
        return proc

    def readline(self) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None  # after send()
        line = self.proc.stdout.readline()
        if not line.endswith(b"\n"):
            raise self.failure()
        return line

    def close(self) -> None:
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.errfile is not None:
            self.errfile.close()
            self.errfile = None
