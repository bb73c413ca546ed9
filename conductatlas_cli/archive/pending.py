"""Held-back changes, kept so `atlas diff TARGET --pending` can show them: `.atlas/pending/`.

When a fetch holds a change back (`run.decision`: it would lose most of the
document), the text it fetched is kept in `.atlas/pending/<platform>/<document>.json`
with the commit of the version it was compared with, the fetch time and the
reason, written atomically (a temporary file, then a rename). A later fetch that
records a version, or finds the page back at the recorded text, removes it;
`atlas mv` moves it with the document. Tool state, not history: git never sees it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from conductatlas_cli.archive.files import replace_file, write_temporary
from conductatlas_cli.atomic import unlink_quietly
from conductatlas_cli.config.model import parse_key
from conductatlas_cli.errors import StoreError

PENDING_DIR = "pending"


@dataclass(frozen=True)
class Pending:
    """The last held-back change of one document."""

    key: str
    text: str  # the text the fetch extracted (not recorded)
    base: str  # the commit of the recorded version it was compared with
    fetched_at: str  # ISO 8601 UTC
    reason: str  # why it was held back
    url: str


def pending_path(state_dir: Path, key: str) -> Path:
    platform, document = parse_key(key)
    return Path(state_dir) / PENDING_DIR / platform / f"{document}.json"


def save_pending(state_dir: Path, pending: Pending) -> None:
    """Keep PENDING (replacing the document's earlier one) atomically."""
    path = pending_path(state_dir, pending.key)
    data = json.dumps(asdict(pending), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create folder '{path.parent}': {exc.strerror}") from None
    replace_file(write_temporary(path.parent, data), path)


def load_pending(state_dir: Path, key: str) -> Pending | None:
    """KEY's held-back change, or None (also for a damaged file: the next hold rewrites it)."""
    try:
        data = json.loads(pending_path(state_dir, key).read_text(encoding="utf-8"))
        return Pending(**{name: str(data[name]) for name in Pending.__dataclass_fields__})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def clear_pending(state_dir: Path, key: str) -> None:
    """Forget KEY's held-back change (nothing happens when there is none)."""
    unlink_quietly(pending_path(state_dir, key))


def move_pending(state_dir: Path, old: str, new: str) -> None:
    """OLD's held-back change becomes NEW's (`atlas mv`)."""
    found = load_pending(state_dir, old)
    if found is not None:
        from dataclasses import replace

        save_pending(state_dir, replace(found, key=new))
    clear_pending(state_dir, old)
