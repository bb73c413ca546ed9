"""Edits of sources.yaml that keep its comments, order and layout: `atlas add`, `rm` and `mv`.

The file is read with ruamel.yaml's round-trip loader, changed, dumped, then
validated whole by the loader (`load.parse_sources`) before it replaces the old
file (a temporary file, then a rename): a bad edit is an error naming the
problem, and the file on disk is never half-written or invalid.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from conductatlas_cli.atomic import write_atomically
from conductatlas_cli.config.load import parse_sources
from conductatlas_cli.config.model import Sources, parse_key
from conductatlas_cli.errors import ConfigError, UsageError


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order and quoting kept
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    return yaml


def _read(path: Path) -> tuple[Any, Any]:
    yaml = _yaml()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    parse_sources(text, path=path)  # edit only a file that is valid to begin with
    data = yaml.load(text)
    return yaml, data


def _write(path: Path, yaml: Any, data: Any) -> Sources:
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    sources = parse_sources(text, path=path)
    write_text(path, text)
    return sources


def add_document(
    path: Path, key: str, url: str, *, type: str | None = None, name: str | None = None
) -> Sources:
    """Add KEY (platform/document) at URL to the sources file at PATH; return the new sources."""
    platform, document = parse_key(key)
    yaml, data = _read(path)
    from ruamel.yaml.comments import CommentedMap

    platforms = data.setdefault("platforms", CommentedMap())
    entry = platforms.get(platform)
    if entry is None:
        entry = CommentedMap()
        entry["name"] = name or platform
        entry["documents"] = CommentedMap()
        platforms[platform] = entry
    documents = entry.setdefault("documents", CommentedMap())
    if document in documents:
        raise UsageError(f"'{key}' is already in '{path.name}'")
    if type:
        spec = CommentedMap()
        spec["url"] = url
        spec["type"] = type
        documents[document] = spec
    else:
        documents[document] = url
    return _write(path, yaml, data)


def _tracked(path: Path, data: Any, key: str) -> tuple[Any, Any, str]:
    """(platforms, KEY's platform's documents, KEY's document id); UsageError when untracked."""
    platform, document = parse_key(key)
    platforms = data.get("platforms") or {}
    documents = (platforms.get(platform) or {}).get("documents") or {}
    if document not in documents:
        raise UsageError(f"'{key}' is not in '{path.name}'")
    return platforms, documents, document


def remove_document(path: Path, key: str) -> Sources:
    """Remove KEY from the sources file at PATH (its platform too when it was the last one)."""
    platform = parse_key(key)[0]
    yaml, data = _read(path)
    platforms, documents, document = _tracked(path, data, key)
    del documents[document]
    if not documents:
        del platforms[platform]
    return _write(path, yaml, data)


def _rename(mapping: Any, old: str, new: str) -> None:
    """Rename OLD to NEW in the CommentedMap MAPPING, at OLD's place, with its comments."""
    position = list(mapping).index(old)
    value = mapping.pop(old)
    comment = mapping.ca.items.pop(old, None)
    mapping.insert(position, new, value)
    if comment is not None:
        mapping.ca.items[new] = comment


def move_source(path: Path, old: str, new: str) -> tuple[Sources, str]:
    """Rename document OLD to NEW in PATH (its entry as written, in its place); new sources.

    To another platform, the entry goes last among that platform's documents; a new
    platform is created with the old one's name, and an emptied one is removed. The file
    is not written here: the text comes back for `write_text` (after the archive moved).
    """
    old_platform = parse_key(old)[0]
    new_platform, new_document = parse_key(new)
    yaml, data = _read(path)
    platforms, documents, old_document = _tracked(path, data, old)
    source = platforms[old_platform]
    target = platforms.get(new_platform)
    if new_document in ((target or {}).get("documents") or {}):
        raise UsageError(f"'{new}' is already in '{path.name}'")
    if old_platform == new_platform:
        _rename(documents, old_document, new_document)
    else:
        from ruamel.yaml.comments import CommentedMap

        if target is None:
            target = CommentedMap()
            target["name"] = source.get("name") or old_platform
            target["documents"] = CommentedMap()
            platforms[new_platform] = target
        target.setdefault("documents", CommentedMap())[new_document] = documents.pop(old_document)
        if not documents:
            del platforms[old_platform]
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    return parse_sources(text, path=path), text


def write_text(path: Path, text: str) -> None:
    """Replace the file at PATH by TEXT atomically (a temporary file, then a rename)."""
    mode = path.stat().st_mode & 0o777
    write_atomically(path, text.encode("utf-8"), prefix=".sources-", chmod=mode)
