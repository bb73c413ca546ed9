"""`atlas check --live`: fetch and extract each document twice to prove it is stable."""

from __future__ import annotations

from collections.abc import Iterator

from conductatlas_cli.archive.state import DocumentState
from conductatlas_cli.config.model import Source, Sources
from conductatlas_cli.fetch.registry import FetcherOptions, Fetchers
from conductatlas_cli.run.runner import fetch_and_extract


def check_live(sources: Sources) -> Iterator[tuple[Source, str | None]]:
    """Yield (source, problem or None): fetch and extract each document twice and compare."""
    with Fetchers(FetcherOptions(user_agent=sources.settings.user_agent)) as fetchers:
        yield from _check_each(sources, fetchers)


def _check_each(sources: Sources, fetchers: Fetchers) -> Iterator[tuple[Source, str | None]]:
    for source in sources.sources:
        settings = sources.settings
        first = fetch_and_extract(
            source, fetchers=fetchers, settings=settings, doc_state=DocumentState()
        )
        if first.error:
            yield source, first.error
            continue
        second = fetch_and_extract(
            source, fetchers=fetchers, settings=settings, doc_state=DocumentState()
        )
        if second.error:
            yield source, second.error
        elif second.noise != first.noise:
            yield source, "unstable: two fetches in a row gave different text"
        else:
            yield source, None
