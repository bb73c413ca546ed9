"""`atlas fetch --shard K/N`: split the documents over N machines by host.

A document belongs to shard K (1 ≤ K ≤ N) when the SHA-256 of its URL's host,
taken as a number, is K - 1 modulo N. All documents of one host land in one
shard, so `per_host` and `delay` still hold across machines, and the split is
the same on every machine and every run (no coordination, no shared state).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from conductatlas_cli.errors import UsageError
from conductatlas_cli.fetch.scheduler import host_of


@dataclass(frozen=True)
class Shard:
    index: int  # K, 1-based
    count: int  # N

    def holds(self, url: str) -> bool:
        """Whether the document at URL is this shard's."""
        return shard_of(host_of(url), self.count) == self.index


def shard_of(host: str, count: int) -> int:
    """The 1-based shard HOST belongs to among COUNT shards."""
    digest = hashlib.sha256(host.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """Shard(K, N) from 'K/N'; UsageError for anything else."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not found:
        raise UsageError(f"'{text}' is not a shard (expected K/N, for example 1/4)")
    index, count = int(found.group(1)), int(found.group(2))
    if not 1 <= index <= count:
        raise UsageError(f"shard '{text}': K must be between 1 and N")
    return Shard(index, count)
