"""Change summaries with topics for many documents at once (`atlas diff --since`, a platform).

`summarize_all(pairs, taxonomy)` gives, for each `Pair` in order, what
`annotate_topics(summarize_changes(…))` gives for it. With many pairs on a machine
with several cores, the later pairs are summarized in forked worker processes while
this process does the first share (one summary costs ~10–20 ms of CPU; a weekly
digest of 44 documents is about a second on one core). The workers inherit the pairs
(nothing is sent to them) and send back only the summaries. Where fork is not
available, or a worker cannot deliver (it failed, the pool broke), its pairs are
summarized here, so an error is the one the sequential path raises, from this process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from conductatlas_cli.diff.model import ChangeSummary
from conductatlas_cli.topics.taxonomy import Taxonomy

PARALLEL_MIN_PAIRS = 8  # below this, forking costs more than it saves


@dataclass(frozen=True)
class Pair:
    """One document's comparison: OLD (None: a first version) → NEW, BETWEEN them, IGNORE rules."""

    old: str | None
    new: str
    between: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.old or "") + len(self.new) + sum(map(len, self.between))


# What a forked worker summarizes: set just before the pool forks, read in the workers.
_WORK: tuple[Sequence[Pair], Taxonomy] | None = None


def summarize_all(
    pairs: Sequence[Pair], taxonomy: Taxonomy, *, workers: int | None = None
) -> list[ChangeSummary]:
    """Each pair's change summary with topics, in order. WORKERS: processes, this one included
    (default: one per core when there are PARALLEL_MIN_PAIRS pairs or more, else 1)."""
    if workers is None:
        cores = os.cpu_count() or 1
        workers = min(cores, len(pairs)) if len(pairs) >= PARALLEL_MIN_PAIRS else 1
    workers = min(workers, len(pairs))
    if workers <= 1 or not sys.platform.startswith("linux"):
        return [summarize(p, taxonomy) for p in pairs]
    return _in_workers(pairs, taxonomy, workers)


def summarize(pair: Pair, taxonomy: Taxonomy) -> ChangeSummary:
    from conductatlas_cli.diff.summary import summarize_changes
    from conductatlas_cli.topics.changes import annotate_topics

    summary = summarize_changes(pair.old, pair.new, between=pair.between, ignore=pair.ignore)
    return annotate_topics(summary, pair.old, pair.new, taxonomy)


def shares(pairs: Sequence[Pair], parts: int) -> list[tuple[int, int]]:
    """PARTS contiguous (start, stop) ranges of PAIRS (at least PARTS of them), each of
    about equal text size and none empty."""
    sizes = [p.size for p in pairs]
    total = sum(sizes) or 1
    bounds, start, done = [], 0, 0
    for part in range(1, parts):
        stop = start + 1
        done += sizes[start]
        while stop < len(pairs) - (parts - part) and done + sizes[stop] <= total * part / parts:
            done += sizes[stop]
            stop += 1
        bounds.append((start, stop))
        start = stop
    bounds.append((start, len(pairs)))
    return bounds


def _in_workers(pairs: Sequence[Pair], taxonomy: Taxonomy, workers: int) -> list[ChangeSummary]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    ranges = shares(pairs, workers)
    sys.stdout.flush()  # a forked child flushes what it inherited: nothing, then
    sys.stderr.flush()
    _WORK = (pairs, taxonomy)
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers - 1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_init,
        )
        with pool:
            try:
                futures = [pool.submit(_summarize_range, a, b) for a, b in ranges[1:]]
            except Exception:  # noqa: BLE001 - no worker could start (fork refused): all here
                return [summarize(p, taxonomy) for p in pairs]
            start, stop = ranges[0]
            result = [summarize(p, taxonomy) for p in pairs[start:stop]]
            for (start, stop), future in zip(ranges[1:], futures, strict=True):
                try:
                    got = future.result()
                except Exception:  # noqa: BLE001 - the pool broke: summarize them here
                    got = None
                if got is None:  # here, so that an error is raised as the sequential path does
                    got = [summarize(p, taxonomy) for p in pairs[start:stop]]
                result.extend(got)
        return result
    finally:
        _WORK = None


def _worker_init() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _summarize_range(start: int, stop: int) -> list[ChangeSummary] | None:
    assert _WORK is not None, "a worker forked without its work"
    pairs, taxonomy = _WORK
    try:
        return [summarize(p, taxonomy) for p in pairs[start:stop]]
    except Exception:  # noqa: BLE001 - the parent summarizes these again and raises it
        return None
