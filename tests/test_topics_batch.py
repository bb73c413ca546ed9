"""Change summaries for many documents at once: worker processes give what one process gives."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conductatlas_cli.archive.archive import Archive
from conductatlas_cli.config.load import load_sources
from conductatlas_cli.topics import batch
from conductatlas_cli.topics.batch import Pair, shares, summarize, summarize_all
from conductatlas_cli.topics.taxonomy import load_taxonomy

TEXT = """# Terms {n}

## 1. Data Retention

We keep your personal data for {days} days after you close your account.

## 2. Fees

Fees are due monthly. Late fees apply after {late} days.

## 3. Termination

We may suspend accounts that break these terms.
"""


def pairs(count: int) -> list[Pair]:
    return [
        Pair(
            TEXT.format(n=n, days=30, late=45),
            TEXT.format(n=n, days=30 + n, late=45 + 2 * n),
            between=(TEXT.format(n=n, days=31 + n, late=45),),
        )
        for n in range(count)
    ]


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_workers_give_the_summaries_one_process_gives(taxonomy, tmp_path, monkeypatch):
    """Two processes: the same summaries in the same order, and a worker did its share."""
    parent = os.getpid()
    alone = [summarize(p, taxonomy) for p in pairs(9)]

    def traced(pair, tax):
        if os.getpid() != parent:
            (tmp_path / f"worker-{os.getpid()}").touch()
        return summarize(pair, tax)

    monkeypatch.setattr(batch, "summarize", traced)
    assert summarize_all(pairs(9), taxonomy, workers=2) == alone
    assert list(tmp_path.glob("worker-*")), "no worker process summarized anything"


def test_a_workers_error_is_raised_as_one_process_raises_it(taxonomy):
    """A bad `ignore` rule in the workers' share: the same exception, from this process."""
    work = pairs(8)
    work[-1] = Pair(work[-1].old, work[-1].new, ignore=("(",))
    with pytest.raises(Exception) as alone:
        [summarize(p, taxonomy) for p in work]
    with pytest.raises(type(alone.value)) as raised:
        summarize_all(work, taxonomy, workers=2)
    assert str(raised.value) == str(alone.value)


def test_few_pairs_stay_in_this_process(taxonomy, monkeypatch):
    """Under PARALLEL_MIN_PAIRS pairs nothing is forked (forking would cost more)."""
    monkeypatch.setattr(batch, "_in_workers", lambda *a: pytest.fail("forked for 3 pairs"))
    assert len(summarize_all(pairs(3), taxonomy)) == 3


@given(
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=8),
)
def test_shares_cover_every_pair_once_in_order_none_empty(sizes, parts):
    """The ranges are contiguous, in order, none empty, and cover every pair."""
    parts = min(parts, len(sizes))
    work = [Pair(None, "x" * size) for size in sizes]
    ranges = shares(work, parts)
    assert len(ranges) == parts
    assert ranges[0][0] == 0 and ranges[-1][1] == len(work)
    assert all(a < b for a, b in ranges)
    assert all(ranges[i][1] == ranges[i + 1][0] for i in range(parts - 1))


def test_shares_are_about_equal_in_size():
    """Ten pairs of one size in two shares: five each."""
    work = [Pair(None, "x" * 100) for _ in range(10)]
    assert shares(work, 2) == [(0, 5), (5, 10)]


def test_since_digest_over_many_documents_prints_each_once(project):
    """`atlas diff --since` over 9 documents (workers on a multi-core machine), stdout a pipe:
    the digest is the documents' own diffs in order, nothing printed twice."""
    keys = [f"doc-{n}" for n in range(9)]
    project.write_sources({"acme": {"documents": {k: f"https://acme.test/{k}" for k in keys}}})
    sources = load_sources(project.root / "sources.yaml")
    with Archive.from_sources(sources) as archive:
        for week, (days, late) in enumerate([(30, 45), (31, 45), (60, 50)]):
            for n, key in enumerate(keys):
                text = TEXT.format(n=n, days=days + n, late=late)
                message = f"acme/{key}: v{week}\n\nAtlas-Fetched-At: 2026-01-{1 + 7 * week:02d}T10:00:00Z\n"
                archive.record_version(f"acme/{key}", text, message=message)

    def atlas(*args: str) -> str:
        command = [sys.executable, "-m", "conductatlas_cli", "diff", "--format", "plain", *args]
        done = subprocess.run(command, cwd=project.root, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    digest = atlas("--since", "2026-01-05")
    one_by_one = [atlas(f"acme/{key}", "--since", "2026-01-05") for key in keys]
    assert digest == "\n".join(one_by_one)
    assert digest.count("acme/doc-3") == 1


def test_a_refused_fork_summarizes_everything_here(taxonomy, monkeypatch):
    """No worker can start (fork refused: made to fail, as it cannot be made real): the
    summaries come from this process, the same as one process gives."""
    from concurrent.futures import ProcessPoolExecutor

    def refuse(self, *args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", refuse)
    alone = [summarize(p, taxonomy) for p in pairs(8)]
    assert summarize_all(pairs(8), taxonomy, workers=2) == alone
