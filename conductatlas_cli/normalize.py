"""Text → canonical snapshot text. (Contract stub: to be implemented.)

Public interface:

    normalize_text(text: str) -> str
        The snapshot format of SPEC.md: one sentence per line, blank line between
        paragraphs, NFC, no control/zero-width chars, no NBSP, no trailing spaces,
        exactly one final newline ("" stays ""). Idempotent.
    noise_key(text: str, *, ignore: Sequence[str] = ()) -> str
        A canonical form for deciding "is this change only noise": typography folded,
        whitespace collapsed, `ignore` regex lines dropped, volatile fragments
        (tracking query params, "updated N days ago") removed. Two texts whose
        noise_key is equal differ only by noise.
    count_words(text: str) -> int
"""
