"""A document's `ignore:` rules, run with a time limit (the `regex` module, re's syntax).

A rule that backtracks catastrophically (`^(\\w+\\s?)*$` against one long line)
would stall the whole run past any time-out; here all of a document's rules
together get IGNORE_TIME_LIMIT seconds per text, and a rule that runs over
raises ExtractError naming it, so that document fails alone with one line.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from typing import Any

from conductatlas_cli.errors import ExtractError

# Seconds all `ignore` rules may take on one text (the regex module checks its
# timeout every so often, so a runaway rule stops within about a second of it).
IGNORE_TIME_LIMIT = 1.0


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    import regex

    return regex.compile(pattern)


class IgnoreRules:
    """The rules of one document for one text: `matches(line)` within one shared budget.

    The budget is time spent matching (IGNORE_TIME_LIMIT seconds in all), not time
    since the rules were made, so a long text with harmless rules never runs out.
    """

    def __init__(self, patterns: Sequence[str]):
        self.patterns = [(p, _compiled(p)) for p in patterns]
        self.spent = 0.0

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, line: str) -> bool:
        """Whether a rule matches LINE (re.search semantics); ExtractError past the budget."""
        for text, pattern in self.patterns:
            left = IGNORE_TIME_LIMIT - self.spent
            started = time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                found = pattern.search(line, timeout=left)
                self.spent += time.monotonic() - started
                if found:
                    return True
            except TimeoutError:
                raise ExtractError(
                    f"ignore rule '{text[:80]}' took more than {IGNORE_TIME_LIMIT:g} s on this "
                    "document (it backtracks: avoid nested repeats such as '(a+)+')"
                ) from None
        return False


def drop_ignored(lines: Iterable[str], ignore: Sequence[str]) -> list[str]:
    """LINES without those an `ignore` rule matches; ExtractError when the rules run too long."""
    rules = IgnoreRules(ignore)
    return [line for line in lines if not (rules and rules.matches(line))]
