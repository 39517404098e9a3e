"""One scan of a file's strings with the engine: which strings each pattern may match in."""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.analyze.matching.database import UNFILTERED, engine

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Sequence

    from numpy.typing import NDArray

    from firmware_audit.analyze.matching.registry import Patterns
    from firmware_audit.analyze.texts import Text

SEPARATORS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f_-"
"""What a squeezed view takes out: what Python's `\\s` matches in ASCII, `_` and `-`."""
_KEPT = np.array([byte not in SEPARATORS for byte in range(256)])


class Lines:
    """A file's strings joined into one text, one a line (no string holds a line break).

    Attributes:
        text: The strings, each followed by a line break but the last.
        starts: Where each string starts in `text`.
    """

    def __init__(self, text: str, starts: list[int]) -> None:
        """Hold the joined strings (`texts.Strings.joined`) and where each starts."""
        self.text = text
        self.starts = starts

    @classmethod
    def of(cls, texts: Sequence[Text]) -> Lines:
        """The lines of some strings (none holding a line break), in the order given."""
        values = [text.value for text in texts]
        return cls(
            "\n".join(values),
            list(accumulate((len(v) + 1 for v in values[:-1]), initial=0)) if values else [],
        )

    def index(self, position: int) -> int:
        """The index of the string a position of `text` stands in (or the line break after it)."""
        return bisect_right(self.starts, position) - 1


class Candidates:
    """The strings of one file each declared pattern may match in, from one scan of all of them.

    The strings are scanned as `Lines`, so that a pattern's `^`, `$` and look-arounds see a string's
    ends as Python's `re` does on the string alone. Each view (as they are, squeezed) is scanned on the
    first question about one of its patterns.
    """

    def __init__(self, lines: Lines, sources: tuple[Patterns, ...] | None = None) -> None:
        """Prepare to scan a file's strings, joined one a line, with the engine of these sources.

        None stands for the shipped analyzers' sources (`database.shipped`).
        """
        self.lines = lines
        self._engine = engine(sources)
        self._found: dict[bool, dict[int, list[int]]] = {}
        self._buffer: bytes | None = None

    def indices(self, pattern: re.Pattern[str], *, squeezed: bool = False) -> Sequence[int]:
        """Indices, in file order, of the strings `pattern` may match in (a superset of those it does).

        A squeezed pattern's string is the one its match ends in.

        Raises:
            KeyError: no analyzer of the engine declares the pattern (`patterns`) for that view.
        """
        found = (self._engine.squeezed if squeezed else self._engine.strings).place(pattern)
        if found == UNFILTERED:
            return range(len(self.lines.starts))
        scanned = self._found.get(squeezed)
        if scanned is None:
            scanned = self._found[squeezed] = self._scan(squeezed=squeezed)
        return scanned.get(found, ())

    def _scan(self, *, squeezed: bool) -> dict[int, list[int]]:
        if self._buffer is None:
            self._buffer = self.lines.text.encode("ascii", "replace")
        buffer = self._buffer
        unsqueeze: Callable[[int], int] = int
        if squeezed:
            text = buffer
            kept: list[NDArray[np.intp]] = []

            def unsqueeze(end: int) -> int:
                # Where each kept character stands in the text: made at the first match only (most
                # files have none, and the map is 8 bytes a character).
                if not kept:
                    kept.append(np.flatnonzero(_KEPT[np.frombuffer(text, np.uint8)]))
                return int(kept[0][end - 1]) + 1

            buffer = buffer.translate(None, SEPARATORS)
        found: dict[int, list[int]] = {}
        covered: dict[int, int] = {}
        starts, size = self.lines.starts, len(self.lines.text)

        def on_match(pattern: int, end: int) -> None:
            # Matches come in the order they end; one per string is enough.
            end = unsqueeze(end)
            if end <= covered.get(pattern, -1):
                return
            index = bisect_right(starts, end - 1) - 1
            covered[pattern] = starts[index + 1] if index + 1 < len(starts) else size + 1
            found.setdefault(pattern, []).append(index)

        (self._engine.squeezed if squeezed else self._engine.strings).scan(buffer, on_match)
        return found
