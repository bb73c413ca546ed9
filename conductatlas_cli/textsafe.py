"""Text from the web is data: make it safe to print on a terminal."""

from __future__ import annotations

import re

# C0/C1 controls except tab and newline, DEL, and the escape sequences they start.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]?"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
    r"|[\u202a-\u202e\u2066-\u2069]"  # bidi embeddings, overrides and isolates
)


def plain(text: str) -> str:
    """TEXT without terminal control sequences, control characters (tab, newline kept) or
    bidi overrides (which make a terminal show text in an order other than its own)."""
    return _ESCAPES.sub("", text)
