"""Raw captures: what was served for a version, kept beside it as evidence.

Each recorded version's commit also holds its capture, in a folder per
document beside the snapshots (`captures/<platform>/<document>/`):

    meta.json     URL, final URL, status, content type, charset, fetch time,
                  renderer (http | browser), size and SHA-256 of the body
    served.gz     the body exactly as served (after content-encoding), gzip
    rendered.gz   the DOM after scripts ran (browser only), gzip

so `git show COMMIT:captures/cohere/usage-policy/served.gz | gunzip` gives
the bytes the platform served for that version, `git log -p snapshots/` shows
only text, and an ordinary `git push` carries the evidence. gzip runs with a
fixed mtime, so the same bytes give the same blob.

This module turns a capture into files and back (`capture_files`,
`parse_capture`), names their paths in an archive (`capture_extra` for
`Archive.record_version`), reads one back (`read_capture`) and, after a
crash, puts HEAD's capture files back in the work tree (`repair_captures`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass

from conductatlas_cli.errors import StoreError

CAPTURES_DIR = "captures"
META = "meta.json"
SERVED = "served.gz"
RENDERED = "rendered.gz"
FILES = (META, SERVED, RENDERED)
RENDERERS = ("http", "browser")


@dataclass(frozen=True)
class Capture:
    """One fetch as served: enough to re-derive the text and to prove what was there."""

    url: str  # as configured (credentials redacted)
    final_url: str  # after redirects
    status: int
    content_type: str
    charset: str | None
    fetched_at: str  # ISO 8601 UTC, the version's Atlas-Fetched-At
    renderer: str  # "http" or "browser"
    body: bytes  # exactly as served
    rendered: bytes | None = None  # the browser's DOM after scripts ran

    @property
    def document(self) -> bytes:
        """What extraction reads: the rendered DOM when there is one, else the body."""
        return self.rendered if self.rendered is not None else self.body

    @property
    def document_type(self) -> str:
        return "text/html" if self.rendered is not None else self.content_type


def capture_files(capture: Capture) -> dict[str, bytes | None]:
    """File name → bytes for CAPTURE (None: the file must not be there)."""
    meta = {
        "url": capture.url,
        "final_url": capture.final_url,
        "status": capture.status,
        "content_type": capture.content_type,
        "charset": capture.charset,
        "fetched_at": capture.fetched_at,
        "renderer": capture.renderer,
        "served_bytes": len(capture.body),
        "served_sha256": hashlib.sha256(capture.body).hexdigest(),
    }
    if capture.rendered is not None:
        meta["rendered_bytes"] = len(capture.rendered)
        meta["rendered_sha256"] = hashlib.sha256(capture.rendered).hexdigest()
    text = json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return {
        META: text.encode("utf-8"),
        SERVED: _pack(capture.body),
        RENDERED: _pack(capture.rendered) if capture.rendered is not None else None,
    }


def parse_capture(files: dict[str, bytes], *, where: str) -> Capture:
    """The Capture in FILES (name → bytes as stored); StoreError naming WHERE if broken."""
    try:
        meta = json.loads(files[META].decode("utf-8"))
        body = _unpack(files[SERVED])
        rendered = _unpack(files[RENDERED]) if RENDERED in files else None
        capture = Capture(
            url=str(meta["url"]),
            final_url=str(meta["final_url"]),
            status=int(meta["status"]),
            content_type=str(meta["content_type"]),
            charset=meta.get("charset"),
            fetched_at=str(meta["fetched_at"]),
            renderer=str(meta.get("renderer", "http")),
            body=body,
            rendered=rendered,
        )
    except (KeyError, ValueError, TypeError, OSError, EOFError, zlib.error):
        raise StoreError(f"the capture at '{where}' is damaged") from None
    if hashlib.sha256(body).hexdigest() != meta.get("served_sha256", ""):
        raise StoreError(f"the capture at '{where}' does not match its checksum")
    return capture


def capture_relpaths(archive, key: str) -> dict[str, str]:
    """File name → its path from the repository's top, for KEY's capture."""
    from conductatlas_cli.config.model import parse_key

    platform, document = parse_key(key)
    return {name: archive.project_relpath(CAPTURES_DIR, platform, document, name) for name in FILES}


def capture_extra(archive, key: str, files: dict[str, bytes | None]) -> dict[str, bytes | None]:
    """The `extra` files of `Archive.record_version` that store FILES (`capture_files`)."""
    paths = capture_relpaths(archive, key)
    return {paths[name]: data for name, data in files.items()}


def read_capture(archive, key: str, commit: str) -> Capture | None:
    """KEY's capture as of COMMIT (None when that version kept none); StoreError if damaged."""
    paths = capture_relpaths(archive, archive.history().stored_as(key, commit))  # atlas mv
    files = {}
    for name, rel in paths.items():
        data = archive.read_file(commit, rel)
        if data is not None:
            files[name] = data
    if META not in files:
        return None
    return parse_capture(files, where=f"{commit[:10]}:{paths[META].rsplit('/', 1)[0]}")


def repair_captures(archive, keys: list[str]) -> None:
    """Put HEAD's capture files back where the work tree or index lost them (a crash)."""
    git = archive.git
    if git.head() is None:
        return
    folder = archive.project_relpath(CAPTURES_DIR)
    at_head = git.blobs_under("HEAD", folder)
    top = git.top.resolve()
    for key in keys:
        for rel in capture_relpaths(archive, key).values():
            if rel not in at_head:
                continue
            path = top.joinpath(*rel.split("/"))
            try:
                current = path.read_bytes()
            except OSError:
                current = None
            if current is not None and git.object_id(b"blob", current) == at_head[rel][1]:
                continue
            data = archive.read_file("HEAD", rel)
            if data is not None and current != data:
                archive.put_file(rel, data)
    # A run stopped within its index delay (`Git.stage`) left the index behind HEAD.
    behind = git.run("diff-index", "--cached", "-z", "--name-only", "HEAD", "--", folder)
    lagging = {}
    for name in behind.split(b"\0"):
        rel = name.decode("utf-8", "surrogateescape")
        if rel in at_head:
            lagging[rel] = at_head[rel][1]
    if lagging:
        git.set_index_entries(lagging)


def _pack(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _unpack(data: bytes) -> bytes:
    return gzip.decompress(data)
