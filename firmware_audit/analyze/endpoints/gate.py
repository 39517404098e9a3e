"""Which candidate expressions can match in a stretch of a file: the matching engine's answer.

The endpoint analyzer's expressions (`extract`'s URLs, e-mail addresses, names, addresses, suffixes,
templates; `p2p`'s init strings and device IDs) are registered with the matching engine, which scans
each file's strings once, in C, and names the strings each expression may match in (a superset). A
stretch the analyzer would scan (`extract.regions`, a UTF-16LE run) is then searched only with the
expressions named for a string it overlaps, and not at all when there is none: most stretches of a
binary hold a dotted word that is no candidate of any kind.

Every match lies inside one string: no expression matches a line break, a NUL or any byte outside
the printable strings, and none matches the empty string. Two cases are not seen by the engine and
are searched whenever they can occur: an IPv6 form of two or three characters (`::`, `a::`) on a line
shorter than a string, and a suffix whose closing `$` Python's `re` takes at a stretch's end where
the stretch cuts a longer string (`extract.regions` reaches 4,096 bytes around what it found).
Without Hyperscan every expression is named for every string, so every stretch is searched with
every expression, as before: the same findings either way.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from firmware_audit.analyze import matching
from firmware_audit.analyze.endpoints import extract, p2p

if TYPE_CHECKING:
    from firmware_audit.analyze.context import FileContext
    from firmware_audit.analyze.endpoints.extract import Ranges

PATTERNS: tuple[re.Pattern[str], ...] = (
    extract.TEMPLATE,
    extract.URL,
    extract.SCHEME_RELATIVE,
    extract.EMAIL,
    extract.SUFFIX,
    extract.HOST,
    extract.IPV4,
    extract.IPV6,
    p2p.INIT_STRING,
    p2p.DEVICE_ID,
)
"""Every expression the endpoint analyzer searches a stretch with."""
_JOIN = 64
"""Named strings this close are searched as one range (one search costs more than a few bytes)."""
_SHORT_IPV6 = re.compile(r":[^\n\r]?:")
"""What an IPv6 form of two or three characters holds (`::`, `:a:`): searched for in the stretch."""
_PRINTABLE = frozenset("\t" + "".join(chr(c) for c in range(0x20, 0x7F)))
"""What a string is made of: a stretch ending before one of these cuts a string."""

matching.register("endpoints", lambda: PATTERNS)


class Gate:
    """Where each expression is worth running in each stretch of one file, from the engine's scan."""

    def __init__(self, ctx: FileContext) -> None:
        """Ask the engine, once, which strings of the file each expression may match in."""
        texts = ctx.strings()
        # (pattern, wide) -> (first byte, byte past the last) of each string named, in file order
        self._spans: dict[tuple[re.Pattern[str], bool], tuple[list[int], list[int]]] = {}
        for pattern in PATTERNS:
            for index in ctx.candidate_indices(pattern):
                text = texts[index]
                starts, ends = self._spans.setdefault((pattern, text.wide), ([], []))
                starts.append(text.offset)
                ends.append(text.offset + len(text.value) * (2 if text.wide else 1))

    def latin1(self, text: str, lo: int, hi: int) -> Ranges:
        """Where to run each expression in `text[lo:hi]`, a stretch of the file's bytes read as Latin-1.

        The strings named for an expression, each a line of the stretch, joined when close; the whole
        stretch for `SUFFIX` (its `$` reads the stretch's end) and for `IPV6` where a short line may
        hold one.
        """
        found: dict[re.Pattern[str], list[tuple[int, int]]] = {}
        for pattern in PATTERNS:
            spans = self._spans.get((pattern, False))
            if spans is None:
                continue
            starts, ends = spans
            first, last = bisect_right(ends, lo), bisect_left(starts, hi)
            if first >= last:
                continue
            ranges = [(max(lo, starts[first]), min(hi, ends[first]))]
            for start, end in zip(starts[first + 1 : last], ends[first + 1 : last], strict=True):
                if start - ranges[-1][1] <= _JOIN:
                    ranges[-1] = (ranges[-1][0], min(hi, end))
                else:
                    ranges.append((start, min(hi, end)))
            found[pattern] = ranges
        if extract.IPV6 not in found and _SHORT_IPV6.search(text, lo, hi):
            found[extract.IPV6] = [(lo, hi)]
        if extract.SUFFIX in found or (hi < len(text) and text[hi] in _PRINTABLE):
            found[extract.SUFFIX] = [(lo, hi)]
        return found

    def utf16(self, data: bytes, lo: int, hi: int) -> frozenset[re.Pattern[str]]:
        """The expressions to run over the UTF-16LE run `data[lo:hi]` (searched whole, as a text of its own).

        The run is part of one string; `SUFFIX` is run as well where the run cuts a longer string, as
        `^` and `$` read the run's ends.
        """
        wanted = set()
        for pattern in PATTERNS:
            spans = self._spans.get((pattern, True))
            if spans is not None and bisect_right(spans[1], lo) < bisect_left(spans[0], hi):
                wanted.add(pattern)
        cut = (lo >= 2 and data[lo - 1] == 0 and 0x20 <= data[lo - 2] <= 0x7E) or (
            hi + 1 < len(data) and data[hi + 1] == 0 and 0x20 <= data[hi] <= 0x7E
        )
        if cut:
            wanted.add(extract.SUFFIX)
        return frozenset(wanted)
