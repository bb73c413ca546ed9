"""`atlas check --live`: fetch and extract each document twice to prove it is stable."""

from __future__ import annotations

from collections.abc import Iterator

from conductatlas_cli.archive.state import DocumentState
from conductatlas_cli.config.model import Source, Sources
from conductatlas_cli.run.runner import fetch_and_extract


def check_live(sources: Sources) -> Iterator[tuple[Source, str | None]]:
    """Yield (source, problem or None): fetch and extract each document twice and compare."""
    from conductatlas_cli.fetch.http import make_session

    session = make_session(user_agent=sources.settings.user_agent)
    for source in sources.sources:
        settings = sources.settings
        first = fetch_and_extract(
            source, session=session, settings=settings, doc_state=DocumentState()
        )
        if first.error:
            yield source, first.error
            continue
        second = fetch_and_extract(
            source, session=session, settings=settings, doc_state=DocumentState()
        )
        if second.error:
            yield source, second.error
        elif second.noise != first.noise:
            yield source, "unstable: two fetches in a row gave different text"
        else:
            yield source, None
