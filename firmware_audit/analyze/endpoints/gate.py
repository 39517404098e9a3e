"""Which candidate expressions can match in a stretch of a file: the matching engine's answer.

The endpoint analyzer's expressions (`extract`'s URLs, e-mail addresses, names, addresses, suffixes,
templates; `p2p`'s init strings and device IDs) are declared to the matching engine, which scans
each file's strings once, in C, and names the strings each expression may match in (a superset; for
`HOST` and `SUFFIX`, where a match `extract` keeps may be: its last label ends a public suffix). The
analyzer then cuts into stretches (`extract.regions`) only the printable runs holding a named string,
searches each stretch only with the expressions named for a string in it and only over those
strings, and reads UTF-16LE text only in the UTF-16LE strings named: most of a binary's dotted words
are in runs where nothing is named.

Every match lies inside one string: no expression matches a line break, a NUL or any byte outside
the printable strings, and none matches the empty string, so a search of the named strings finds
what a search of the whole stretch does; and a stretch never leaves its printable run, whose
stretches do not depend on the bytes around it. Two cases need more, and get it: an IPv6 form of two
or three characters (`::`, `a::`) can stand on a line shorter than a string, so a run holding one is
cut into stretches and those are searched whole for IPv6; `SUFFIX` ends in `$`, which Python's `re`
reads at the end of the text searched, so it is searched over whole stretches, and the engine is
asked for a part of its body (`_ASKED`), which a match cut by the end of a stretch still holds.
Without Hyperscan every expression is named for every string: the same findings either way.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from firmware_audit.analyze import matching
from firmware_audit.analyze.endpoints import extract, p2p
from firmware_audit.refdata import domains

if TYPE_CHECKING:
    from collections.abc import Iterator

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
_AUTHORITY_CHAR = r"[^\s/?#\"'<>\\^`{|}\x00-\x1f\x7f-\xff]"
_ASKED = {pattern: pattern for pattern in PATTERNS} | {
    # A name's last dot, the character before it, and its last label, which ends a public suffix (a
    # plain name ending otherwise is no candidate) or is an IDNA label. Not the label's end: a text
    # searched may be cut from a string the engine scanned whole (a UTF-16LE run), and end in it.
    extract.HOST: re.compile(rf"[a-z0-9]\.(?:xn--|{domains.last_label_pattern()})", re.IGNORECASE | re.ASCII),
    # A dot, a label of the suffix, and the dot and last label after it (as `HOST`'s).
    extract.SUFFIX: re.compile(
        rf"\.[a-z0-9][a-z0-9-]*\.(?:xn--|{domains.last_label_pattern()})", re.IGNORECASE | re.ASCII
    ),
    # The scheme's last character, `://` and the authority's first character.
    extract.URL: re.compile(rf"[A-Za-z0-9+.-]://{_AUTHORITY_CHAR}", re.ASCII),
    # `//` with the quote before it (the look-behind's, in the string too) and the next character.
    extract.SCHEME_RELATIVE: re.compile(rf"[\"']//{_AUTHORITY_CHAR}", re.ASCII),
    # Two of the colons and the digits between them.
    extract.IPV6: re.compile(r":[0-9A-Fa-f]{0,4}:", re.ASCII),
    # The end of a run of sixteen capitals or more (the run goes on to it, in the string).
    p2p.INIT_STRING: re.compile(r"[A-Z]{16}(?:[^A-Z\n]|$)", re.MULTILINE),
}
"""What the engine is asked for each expression: a part of every match of it, inside the same string.

The engine reports each place such a part ends, and a call into Python costs more than its scan:
an expression asked whole is reported at every character a match can end on (each character of a
host name's TLD, of a URL's path), the part once a match. Each part is in the string its match is
in: no character outside a match, but the quote a `SCHEME_RELATIVE` match's look-behind needs
(printable, so in the string; in a UTF-16LE run cut short, the search cannot see a quote before the
cut either) and the end of the run of capitals an `INIT_STRING` match's body is in (the run may go
on past a UTF-16LE run cut short). `SUFFIX` ends in `$`, which the engine reads otherwise, so it is
never asked whole.
"""
_JOIN = 64
"""Named strings this close are searched as one range (one search costs more than a few bytes)."""
_SHORT_IPV6 = re.compile(r":[^\n\r]?:")
"""What an IPv6 form of two or three characters holds (`::`, `:a:`)."""
_SHORT_IPV6_BYTES = re.compile(_SHORT_IPV6.pattern.encode())
_PRINTABLE = b"\t\n\r" + bytes(range(0x20, 0x7F))
_KINDS = bytes(1 if byte in _PRINTABLE else 0 for byte in range(256))
"""Byte map: NUL where a byte is not printable (`extract.regions`' sense), for `find` to stop at."""

DECLARED = matching.Patterns("endpoints", lambda: tuple(_ASKED.values()))
"""What the gate asks the matching engine for (declared by the endpoint analyzer)."""


def printable(data: bytes) -> bytes:
    """A map of `data`: 1 for a byte printable runs are made of (`extract.regions`' sense), else 0.

    Where a run starts or ends is then a `find` or `rfind` of a NUL in the map, in C.
    """
    return data.translate(_KINDS)


class Gate:
    """Where each expression is worth running in each stretch of one file, from the engine's scan."""

    def __init__(self, ctx: FileContext) -> None:
        """Ask the engine, once, which strings of the file each expression may match in."""
        # (pattern, wide) -> (first byte, byte past the last) of each string named, in file order
        self._spans: dict[tuple[re.Pattern[str], bool], tuple[list[int], list[int]]] = {}
        self._kinds: bytes | None = None
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._wide: list[tuple[int, int]] = []
        # (pattern, starts, ends) of the expressions named for some ASCII string, in `PATTERNS` order
        self._narrow: list[tuple[re.Pattern[str], list[int], list[int]]] = []
        asked = [ctx.candidate_indices(_ASKED[pattern]) for pattern in PATTERNS] if ctx.strings() else []
        # A file without strings names none: its stretches come from short IPv6 forms alone.
        if not any(asked):
            return
        first, last, wide = ctx.strings().bounds()
        for pattern, indices in zip(PATTERNS, asked, strict=True):
            for index in indices:
                starts, ends = self._spans.setdefault((pattern, wide[index]), ([], []))
                starts.append(first[index])
                ends.append(last[index])
        for index in sorted({index for indices in asked for index in indices}):
            if wide[index]:
                self._wide.append((first[index], last[index]))
            else:
                self._starts.append(first[index])
                self._ends.append(last[index])
        self._narrow = [(p, *spans) for p in PATTERNS if (spans := self._spans.get((p, False))) is not None]

    def stretches(self, data: bytes, text: str, start: int, end: int) -> Iterator[tuple[int, int, Ranges]]:
        """The stretches of `extract.regions(data, start, end)` worth searching, each with its ranges.

        A stretch never reaches past the printable run it is in, and the stretches of one run do not
        depend on the bytes around it, so only the runs holding a named string (or a short IPv6
        form) are cut into stretches.
        """
        # The named strings in [start, end) (the first may begin before), and the short IPv6 forms.
        named, last = bisect_right(self._ends, start), bisect_left(self._starts, end)
        short = [m.start() for m in _SHORT_IPV6_BYTES.finditer(data, start, end)]
        kinds, after, at = self.printable(data), start, 0
        while named < last or at < len(short):
            # The first seed left; every seed before `after` is in a run done (a string is in one run).
            seed = min(
                max(start, self._starts[named]) if named < last else end,
                short[at] if at < len(short) else end,
            )
            run_start = max(start, kinds.rfind(b"\0", start, seed) + 1)
            run_end = kinds.find(b"\0", seed, end)
            after = end if run_end < 0 else run_end
            for lo, hi in extract.regions(data, run_start, after):
                if ranges := self.latin1(text, lo, hi):
                    yield lo, hi, ranges
            named = bisect_left(self._starts, after, named, last)
            at = bisect_left(short, after, at)

    def printable(self, data: bytes) -> bytes:
        """`printable(data)` for this file's bytes (made once)."""
        if self._kinds is None:
            self._kinds = printable(data)
        return self._kinds

    def wide(self, start: int, end: int) -> list[tuple[int, int]]:
        """The UTF-16LE strings named for some expression, as byte ranges cut to `[start, end)`."""
        return [(max(start, lo), min(end, hi)) for lo, hi in self._wide if lo < end and hi > start]

    def latin1(self, text: str, lo: int, hi: int) -> Ranges:
        """Where to run each expression in `text[lo:hi]`, a stretch of the file's bytes read as Latin-1.

        The strings named for an expression, each a line of the stretch, joined when close; the whole
        stretch for `SUFFIX` and for `IPV6` where a short line may hold one.
        """
        found: dict[re.Pattern[str], list[tuple[int, int]]] = {}
        for pattern, starts, ends in self._narrow:
            first, last = bisect_right(ends, lo), bisect_left(starts, hi)
            if first >= last:
                continue
            if pattern is extract.SUFFIX:
                found[pattern] = [(lo, hi)]
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
        return found

    def utf16(self, lo: int, hi: int) -> frozenset[re.Pattern[str]]:
        """The expressions to run over the UTF-16LE run `data[lo:hi]` (searched whole, a text of its own)."""
        wanted = set()
        for pattern in PATTERNS:
            spans = self._spans.get((pattern, True))
            if spans is not None and bisect_right(spans[1], lo) < bisect_left(spans[0], hi):
                wanted.add(pattern)
        return frozenset(wanted)
