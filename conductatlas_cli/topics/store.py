"""What the tagger derives from a taxonomy's patterns, kept between processes.

Before it tags anything, a process analyses each pattern (its literal prefixes and
the engine that may run it: ~35 ms for the shipped ~330) and compiles, on `re`, the
gate and the alternations a text meets (~1.5 ms each, ~100 for a `--since`
digest): more than tagging the changed sections of a diff takes. `kept_in(FOLDER)`
keeps both in one file there (`atlas diff` uses `.git/atlas/`, beside the history
index): the analysis per pattern, and per expression the program `re.compile`
built, given back to `_sre.compile` as `re.compile` itself does. A program is only
valid for the Python that built it and the analysis for this code, so the file is
keyed by the Python build, `re`'s engine version and the source of the modules that
derive both; a file of another key, or one that cannot be read, is ignored (and
rewritten). Nothing changes but the time: a miss is derived and compiled as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path

from conductatlas_cli.atomic import write_atomically

FILE = "topics-derived.marshal"
MAX_ENTRIES = 20_000  # past this (patterns edited many times) the file starts afresh


class Store:
    """Derived data by the string it was derived from; `dirty` once something was added."""

    def __init__(self) -> None:
        self.analysis: dict[str, tuple] = {}
        self.programs: dict[str, tuple] = {}
        self.dirty = False


_STORE: Store | None = None  # None: nothing is kept (derive everything, as always)


def current() -> Store | None:
    """The store in use, if `kept_in` opened one."""
    return _STORE


def _key() -> str:
    import _sre  # type: ignore[import-not-found]

    from conductatlas_cli.topics import engine, prefix

    digest = hashlib.sha256(f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}".encode())
    for module in (engine, prefix, sys.modules[__name__]):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def _load(path: Path, key: str) -> Store:
    store = Store()
    try:
        data = marshal.loads(path.read_bytes())
        if data["key"] == key:
            store.analysis = data["analysis"]
            store.programs = data["programs"]
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass  # absent, or unreadable: derive afresh
    return store


def _save(path: Path, key: str, store: Store) -> None:
    if len(store.analysis) + len(store.programs) > MAX_ENTRIES:
        return
    data = {"key": key, "analysis": store.analysis, "programs": store.programs}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, marshal.dumps(data), prefix=".topics-")
    except OSError:
        pass


@contextlib.contextmanager
def kept_in(folder: Path | None) -> Iterator[None]:
    """Use (and on leaving, update) the derived data kept in FOLDER; None: keep nothing."""
    global _STORE
    if folder is None or _STORE is not None:
        yield
        return
    path = folder / FILE
    key = _key()
    _STORE = _load(path, key)
    try:
        yield
    finally:
        store, _STORE = _STORE, None
        if store.dirty:
            _save(path, key, store)


def pack_program(flags: int, code: list[int], groups: int, groupindex, indexgroup) -> tuple:
    """A compiled `re` program as marshal keeps it (the code as machine words: fast to load)."""
    return flags, array("I", code).tobytes(), groups, dict(groupindex), tuple(indexgroup)


def unpack_program(packed: tuple) -> tuple:
    flags, code, groups, groupindex, indexgroup = packed
    words = array("I")
    words.frombytes(code)
    return flags, words.tolist(), groups, groupindex, indexgroup
