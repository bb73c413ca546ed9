"""Text from the web is data: make it safe to print on a terminal."""

from __future__ import annotations

import re

# Terminal escape sequences. String sequences (OSC, DCS, ...) end at their terminator,
# a line break or 2048 characters, so a stray ESC cannot swallow a document's text.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b\n]{0,2048}(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[PX^_][^\x1b\n]{0,2048}(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]?"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# C0/C1 controls except tab and newline, DEL, and bidi embeddings, overrides, isolates.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]|[\u202a-\u202e\u2066-\u2069]")


def strip_escape_sequences(text: str) -> str:
    """TEXT without terminal escape sequences (what they wrap, like a link's text, stays)."""
    if "\x1b" not in text and "\x9b" not in text:
        return text
    return _SEQUENCES.sub("", text)


def plain(text: str) -> str:
    """TEXT without terminal control sequences, control characters (tab, newline kept) or
    bidi overrides (which make a terminal show text in an order other than its own)."""
    return _CONTROLS.sub("", strip_escape_sequences(text))
