"""A file's printable strings, found in one vectorised pass and made Python objects only when read.

A run is found as `strings` finds it: at least `MIN_STRING` printable ASCII characters (tab
included), or as many printable characters each followed by a NUL byte (UTF-16LE), each run as long
as it goes. The boundaries of every run come from numpy over a class map of the bytes; a camera
binary holds tens of thousands of strings and most analyzers read only the few the matching engine
names, so a string becomes a `Text` when it is read, and the strings are joined one a line (as the
engine scans them) without making one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, overload

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

MIN_STRING = 4
"""Shortest run of printable characters kept as a string (the `strings` default)."""
# One class map for `bytes.translate` (in C, faster than a numpy table look-up; one pass over the
# file serves both kinds of string): bit 0 where a byte is an ASCII string's character (tab and
# 0x20-0x7E), bit 1 where it is a UTF-16LE string's character byte (0x20-0x7E), 4 for a NUL.
_CLASSES = bytes(3 if 0x20 <= b <= 0x7E else 1 if b == 0x09 else 4 if b == 0 else 0 for b in range(256))
_ASCII_CHARACTER = 1
_WIDE_CHARACTER = 0x0403
"""A UTF-16LE character in the class map read as little-endian 16-bit words: 3, then 4."""
SMALL = 4096
"""Files up to this size are searched by regular expressions (`_small`), larger ones by numpy."""
_ASCII_RUN = re.compile(rb"[\x20-\x7e\t]{%d,}" % MIN_STRING)
_WIDE_RUN = re.compile(rb"(?:[\x20-\x7e]\x00){%d,}" % MIN_STRING)
_JOIN_CHUNK = 1 << 22
"""Characters joined per vectorised step (bounds the index arrays a step makes, whatever the file)."""


@dataclass(frozen=True, slots=True)
class Text:
    """A printable string found in a file.

    Attributes:
        offset: Byte offset of its first character in the file.
        value: The text.
        wide: True when it was stored as UTF-16LE (two bytes a character).
    """

    offset: int
    value: str
    wide: bool = False


class Strings(Sequence[Text]):
    """The strings of one file in file order: ASCII and UTF-16LE ones, by the offset they start at.

    Reading one (`strings[i]`) makes its `Text` (kept); iterating makes them all.
    """

    __slots__ = ("_data", "_ends", "_joined", "_made", "_starts", "_wide")

    def __init__(self, data: bytes) -> None:
        """Find the strings of `data`."""
        self._data = data
        self._made: dict[int, Text] = {}
        self._joined: tuple[str, list[int]] | None = None
        if len(data) < MIN_STRING:
            # Too short to hold a string: a flood of one-byte members would pay numpy's set-up each.
            self._starts: NDArray[np.int64] = np.zeros(0, np.int64)
            self._ends: NDArray[np.int64] = self._starts
            self._wide: NDArray[np.bool_] = np.zeros(0, np.bool_)
            return
        if len(data) <= SMALL:
            self._starts, self._ends, self._wide = _small(data)
            return
        classes = data.translate(_CLASSES)
        ascii_flags = (np.frombuffer(classes, np.uint8) & _ASCII_CHARACTER).view(np.bool_)
        ascii_starts, ascii_ends = _runs(ascii_flags, MIN_STRING)
        # A UTF-16LE character is a printable byte followed by a NUL. Such pairs never overlap (the
        # second byte of one would be the first of the next), so the runs of each alignment, read
        # as 16-bit words, are found apart and are the runs a left-to-right scan finds.
        wide = [_wide_runs(classes, parity) for parity in (0, 1)]
        starts = np.concatenate([ascii_starts, *(2 * s + p for p, (s, _) in enumerate(wide))])
        ends = np.concatenate([ascii_ends, *(2 * e + p for p, (_, e) in enumerate(wide))])
        is_wide = np.concatenate(
            [np.zeros(len(ascii_starts), bool), np.ones(len(starts) - len(ascii_starts), bool)]
        )
        # No two strings start at one offset (an ASCII one has a printable second byte, a wide one a NUL).
        order = np.argsort(starts, kind="stable")
        self._starts = starts[order]
        self._ends = ends[order]
        self._wide = is_wide[order]

    def __len__(self) -> int:
        """How many strings the file holds."""
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Text: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Text, ...]: ...

    def __getitem__(self, index: int | slice) -> Text | tuple[Text, ...]:
        """The string at `index` (made on first read), or a tuple of them for a slice."""
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        made = self._made.get(index)
        if made is None:
            if not 0 <= index < len(self):
                raise IndexError("string index out of range")
            start, end, wide = int(self._starts[index]), int(self._ends[index]), bool(self._wide[index])
            value = self._data[start:end].decode("utf-16-le" if wide else "ascii")
            made = self._made[index] = Text(start, value, wide)
        return made

    def __iter__(self) -> Iterator[Text]:
        """Every string, in file order."""
        if len(self._made) < len(self):
            values = self.joined()[0].split("\n") if len(self) else []
            made = self._made
            for index, (start, value, wide) in enumerate(
                zip(self._starts.tolist(), values, self._wide.tolist(), strict=True)
            ):
                if index not in made:
                    made[index] = Text(start, value, wide)
        return (self._made[index] for index in range(len(self)))

    def bounds(self) -> tuple[list[int], list[int], list[bool]]:
        """Where each string starts and ends (the byte past its last) and whether it is UTF-16LE.

        Lists by index, made on each call: for reading where many strings are without making them.
        """
        return self._starts.tolist(), self._ends.tolist(), self._wide.tolist()

    def joined(self) -> tuple[str, list[int]]:
        """The strings joined one a line (none holds a line break), and where each starts there."""
        if self._joined is None:
            self._joined = self._join()
        return self._joined

    def _join(self) -> tuple[str, list[int]]:
        if not len(self):
            return "", []
        if len(self._data) <= SMALL:
            data = self._data
            values = [
                data[start:end].decode("utf-16-le" if wide else "ascii")
                for start, end, wide in zip(*self.bounds(), strict=True)
            ]
            return "\n".join(values), list(accumulate((len(v) + 1 for v in values[:-1]), initial=0))
        step = np.where(self._wide, 2, 1)
        chars = (self._ends - self._starts) // step
        # Each string is followed by its line break; the last one's is dropped at the end.
        line_starts = np.concatenate([[0], np.cumsum(chars + 1)])
        buffer = np.frombuffer(self._data, np.uint8)
        out = np.empty(int(line_starts[-1]), np.uint8)
        first = 0
        while first < len(self):
            # The strings of one step: as many as fit in `_JOIN_CHUNK` characters, at least one.
            last = max(
                first + 1, int(np.searchsorted(line_starts, line_starts[first] + _JOIN_CHUNK, "right")) - 1
            )
            begin, end = int(line_starts[first]), int(line_starts[last])
            out[begin:end] = _gather(
                buffer, self._starts[first:last], step[first:last], line_starts[first : last + 1]
            )
            first = last
        return out[:-1].tobytes().decode("ascii"), line_starts[:-1].tolist()


def _small(data: bytes) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
    """(starts, ends, wide) of the strings of a few kilobytes, by two regular expressions.

    What the vectorised passes find (a left-to-right scan of each kind of run), without their
    set-up, which costs more than the search in a small file.
    """
    found = [(m.start(), m.end(), False) for m in _ASCII_RUN.finditer(data)]
    found += [(m.start(), m.end(), True) for m in _WIDE_RUN.finditer(data)]
    found.sort()  # no two strings start at one offset
    return (
        np.array([start for start, _, _ in found], np.int64),
        np.array([end for _, end, _ in found], np.int64),
        np.array([wide for _, _, wide in found], np.bool_),
    )


def _gather(
    buffer: NDArray[np.uint8],
    starts: NDArray[np.int64],
    step: NDArray[np.int64],
    line_starts: NDArray[np.int64],
) -> NDArray[np.uint8]:
    """The characters of some strings, each followed by a line break (their lines, joined)."""
    sizes = np.diff(line_starts)
    # Character j of the lines comes from byte start + (j - line start) * step of its string.
    source = np.repeat(starts - line_starts[:-1] * step, sizes)
    source += np.arange(line_starts[0], line_starts[-1]) * np.repeat(step, sizes)
    part = buffer.take(source, mode="clip")
    part[line_starts[1:] - 1 - line_starts[0]] = ord("\n")
    return part


def _wide_runs(classes: bytes, parity: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(starts, ends), in 16-bit words from byte `parity`, of the UTF-16LE strings of a class map."""
    words = (len(classes) - parity) // 2
    if words < MIN_STRING:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return _runs(np.frombuffer(classes, "<u2", words, parity) == _WIDE_CHARACTER, MIN_STRING)


def _runs(flags: NDArray[np.bool_], shortest: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(starts, ends) of the runs of True in `flags` at least `shortest` long."""
    # The edges are listed of the places where `shortest` flags in a row are True, not of the flags:
    # random bytes hold a short run every few bytes, and eight bytes an edge would be several times
    # the file. A run from s to e is True there from s to e - shortest, its end `shortest` - 1 on.
    count = len(flags) - shortest + 1
    if count <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    window = flags[:count].copy()  # window[i]: flags[i : i + shortest] are all True
    for shift in range(1, shortest):
        window &= flags[shift : shift + count]
    edges = np.flatnonzero(window[1:] != window[:-1]) + 1
    if window[0]:
        edges = np.concatenate([[0], edges])
    if window[-1]:
        edges = np.concatenate([edges, [count]])
    return edges[0::2], edges[1::2] + (shortest - 1)
