"""The capture format: files in, the same capture out; damage is a one-line error."""

from __future__ import annotations

import json

import pytest

from conductatlas_cli.archive.captures import (
    META,
    RENDERED,
    SERVED,
    Capture,
    capture_files,
    parse_capture,
)
from conductatlas_cli.errors import StoreError

CAPTURE = Capture(
    url="https://example.com/terms",
    final_url="https://example.com/en/terms",
    status=200,
    content_type="text/html",
    charset="windows-1252",
    fetched_at="2026-12-01T10:00:00Z",
    renderer="browser",
    body="<html>Conditions g\u00e9n\u00e9rales</html>".encode("cp1252"),
    rendered=b"<html><body><main>Terms</main></body></html>",
)


def stored(capture: Capture) -> dict[str, bytes]:
    return {name: data for name, data in capture_files(capture).items() if data is not None}


def test_round_trip_keeps_every_byte_and_field():
    """A capture written to files and read back is the same capture."""
    assert parse_capture(stored(CAPTURE), where="x") == CAPTURE


def test_same_capture_gives_the_same_files():
    """gzip runs with a fixed mtime: the same bytes make the same blobs, run after run."""
    assert capture_files(CAPTURE) == capture_files(CAPTURE)


def test_http_capture_has_no_rendered_file():
    """Without a browser DOM the rendered file is to be removed (None)."""
    plain = Capture(**{**CAPTURE.__dict__, "rendered": None, "renderer": "http"})
    files = capture_files(plain)
    assert files[RENDERED] is None and set(stored(plain)) == {META, SERVED}


def test_meta_is_readable_json_with_a_checksum():
    """meta.json names the URLs, status and type, and the served body's SHA-256."""
    meta = json.loads(capture_files(CAPTURE)[META])
    assert meta["final_url"] == "https://example.com/en/terms"
    assert meta["served_bytes"] == len(CAPTURE.body) and len(meta["served_sha256"]) == 64


def test_damaged_capture_is_a_one_line_error():
    """A truncated served.gz fails with a StoreError naming the place."""
    files = stored(CAPTURE)
    files[SERVED] = files[SERVED][:10]
    with pytest.raises(StoreError, match=r"^the capture at 'abc:captures/x' is damaged$"):
        parse_capture(files, where="abc:captures/x")
