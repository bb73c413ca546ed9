"""HTTP → a FetchResult. (Contract stub: to be implemented.)

Public interface (used by conductatlas_cli/pipeline.py):

    make_session(*, user_agent: str, pool_size: int = 16) -> requests.Session
    fetch_document(session, url, *, timeout: float, max_bytes: int, retries: int = 3,
                   etag: str | None = None, last_modified: str | None = None,
                   deadline: float | None = None) -> FetchResult
        raises FetchError(reason) for anything that is not a usable 2xx/304.
    decode_text(body: bytes, *, declared: str | None) -> str
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int  # 200..299 or 304
    body: bytes  # content-decoded body (empty on 304)
    content_type: str  # lower-case MIME type without parameters, "" when none
    charset: str | None  # charset declared in the Content-Type header, if any
    etag: str | None = None
    last_modified: str | None = None
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304
