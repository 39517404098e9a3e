"""One scan of a file's strings with the engine: which strings each pattern may match in."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING

from firmware_audit.analyze.matching import registry
from firmware_audit.analyze.matching.database import engine

if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

    from firmware_audit.analyze.context import Text


class Candidates:
    """The strings of one file each registered pattern may match in, from one scan of all of them.

    The strings are scanned as one buffer, one string a line (no string holds a line break), so that a
    pattern's `^`, `$` and look-arounds see a string's ends as Python's `re` does on the string alone.
    """

    def __init__(self, texts: Sequence[Text]) -> None:
        """Scan `texts` (a file's strings, in file order) with every registered pattern."""
        compiled = engine()
        self._count = len(texts)
        self._unfiltered = compiled.unfiltered
        self._ids = compiled.ids
        starts = list(accumulate((len(text.value) + 1 for text in texts[:-1]), initial=0)) if texts else []
        buffer = "\n".join(text.value for text in texts).encode("ascii", "replace")
        self._found: dict[int, list[int]] = {}
        covered: dict[int, int] = {}

        def on_match(pattern: int, end: int) -> None:
            # Matches come in the order they end; one per string is enough.
            if end <= covered.get(pattern, -1):
                return
            index = bisect_right(starts, end - 1) - 1
            covered[pattern] = starts[index] + len(texts[index].value) + 1
            self._found.setdefault(pattern, []).append(index)

        compiled.scan(buffer, on_match)

    def indices(self, pattern: re.Pattern[str]) -> Sequence[int]:
        """Indices, in file order, of the strings `pattern` may match in (a superset of those it does).

        Raises:
            KeyError: the pattern was never registered (`matching.register`).
        """
        key = registry.key(pattern)
        found = self._ids.get(key)
        if found is not None:
            return self._found.get(found, ())
        if key in self._unfiltered:
            return range(self._count)
        raise KeyError(f"pattern {pattern.pattern!r} is not registered with the matching engine")
