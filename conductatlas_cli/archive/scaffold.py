"""`atlas init`: a sources.yaml template, snapshots/, .gitignore, a git repository, a commit."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from conductatlas_cli.archive.git import DEFAULT_EMAIL, DEFAULT_NAME
from conductatlas_cli.archive.gitprocess import find_git, first_line, git_environment
from conductatlas_cli.errors import StoreError, UsageError

SOURCES_TEMPLATE = """\
# What atlas tracks. Validate with `atlas check`, fetch with `atlas fetch`.
# Each document is saved as snapshots/<platform>/<document>.md; history is git.
#
# settings:                 # all optional
#   snapshots: snapshots    # folder, relative to this file
#   timeout: 30             # seconds, per request
#   jobs: 8                 # documents fetched at once
#   per_host: 2             # at once on one host
platforms:
  cohere:                   # platform id: a slug, also the folder name
    name: Cohere
    documents:
      usage-policy:         # document id: a slug, also the file name
        url: https://docs.cohere.com/docs/usage-policy
        type: Acceptable Use Policy
        select: main        # CSS selector(s) to keep (optional)
        # remove: [".cookie-banner"]      # CSS selector(s) to drop
        # ignore: ['^Last updated: .*$']  # lines whose change alone is noise
        # min_chars: 500                  # shorter extractions are failures
  anthropic:
    name: Anthropic
    documents:
      usage-policy:
        url: https://www.anthropic.com/legal/aup
        type: Acceptable Use Policy
        select: main
"""

SNAPSHOTS_README = """\
# Snapshots

Written by `atlas fetch`: one file per tracked document,
`snapshots/<platform>/<document>.md`, holding its latest extracted text.
Every version is a git commit; see `atlas log`, `atlas diff` or
`git log -p snapshots/<platform>`. Edit `sources.yaml`, not these files.
"""


def init_project(directory: Path) -> list[str]:
    """Create a project in DIRECTORY without overwriting anything; return lines to print."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"'{directory}' is a file, not a folder")
    lines = []
    created: list[str] = []
    try:
        if not directory.exists():
            directory.mkdir(parents=True)
            lines.append(f"created folder {directory}")
        for name, content in (
            ("sources.yaml", SOURCES_TEMPLATE),
            ("snapshots/README.md", SNAPSHOTS_README),
            (".gitignore", ".atlas/\nsite/\n"),
        ):
            path = directory / name
            if path.exists() or path.is_symlink():
                note = ""
                if name == ".gitignore" and ".atlas/" not in _read_lines(path):
                    note = " (add '.atlas/' to it)"
                lines.append(f"kept existing {name}{note}")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
            lines.append(f"created {name}")
            created.append(name)
    except OSError as exc:
        raise UsageError(f"cannot create the project in '{directory}': {exc.strerror}") from None
    env = git_environment()
    git = find_git(env)

    def run_git(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [git, *args],
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )

    inside = run_git("rev-parse", "--show-toplevel")
    if inside.returncode == 0:
        lines.append(f"using git repository at {inside.stdout.decode().strip()}")
    else:
        made = run_git("init", "-q")
        if made.returncode != 0:
            raise StoreError(f"git init failed: {made.stderr.decode(errors='replace').strip()}")
        lines.append("initialised git repository")
    if created:
        lines.append(_commit_scaffold(run_git, created, env))
    return lines


def next_steps(directory: Path) -> list[str]:
    """What to do after `atlas init DIRECTORY`, with a cron line for that folder."""
    folder = shlex.quote(str(Path(directory).resolve()))
    return [
        f"next steps (in {folder}):",
        "  edit sources.yaml        the documents to track",
        "  atlas check              validate it",
        "  atlas fetch              record the first versions",
        f"  crontab -e, then add     17 6 * * *  cd {folder} && atlas fetch -q",
    ]


def _commit_scaffold(
    run_git: Callable[..., subprocess.CompletedProcess[bytes]],
    paths: list[str],
    env: dict[str, str],
) -> str:
    """Commit the files init created (only those paths, whatever else is staged); a line."""
    added = run_git("add", "--", *paths)
    if added.returncode != 0:
        raise StoreError(f"git add failed: {first_line(added.stderr)}")
    if run_git("var", "GIT_AUTHOR_IDENT").returncode != 0:  # no identity (cron, CI)
        for role in ("AUTHOR", "COMMITTER"):
            env.setdefault(f"GIT_{role}_NAME", DEFAULT_NAME)
            env.setdefault(f"GIT_{role}_EMAIL", DEFAULT_EMAIL)
    message = "atlas init: " + ", ".join(paths)
    made = run_git("commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message, "--", *paths)
    if made.returncode != 0:
        raise StoreError(f"git commit failed: {first_line(made.stderr or made.stdout)}")
    return f"committed {', '.join(paths)}"


def _read_lines(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text(errors="replace").splitlines()]
    except OSError:
        return []
