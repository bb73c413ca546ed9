"""Body bytes → Markdown text. (Contract stub: to be implemented.)

Public interface (used by conductatlas_cli/pipeline.py):

    extract_text(body: bytes, *, content_type: str, url: str, charset: str | None = None,
                 select: Sequence[str] = (), remove: Sequence[str] = ()) -> str
        Markdown (headings, lists, tables), NOT yet normalized; raises ExtractError.
    extractor_id() -> str   e.g. "atlas 0.1.0; trafilatura 2.3.1"

`import trafilatura` happens inside the functions only (it costs ~110 ms).
"""
