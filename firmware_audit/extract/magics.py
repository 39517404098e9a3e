"""Where the handlers' magic numbers occur: at a file's head, and anywhere in a window of a payload.

A file's head is looked up in an index by (offset, length) of magic, once per pair, instead of being
compared with every magic of every handler in turn (that cost a fixed 0.1 ms a file, most of the
unpacking of many small files). A window of a payload is searched for every magic in one Hyperscan
pass; a search per magic (what is done without Hyperscan) read a 32 MB file 32 times, 6 s.
"""

from __future__ import annotations

import mmap
from functools import cache
from typing import TYPE_CHECKING, Any

from firmware_audit.extract.formats import HANDLERS

if TYPE_CHECKING:
    from types import ModuleType

    from firmware_audit.extract.formats.base import Handler

hyperscan: ModuleType | None
try:
    import hyperscan
except ImportError:  # pragma: no cover  (no wheel for this platform: one search per magic)
    hyperscan = None

Searchable = bytes | bytearray | mmap.mmap

_PAIRS = tuple(
    (order, handler.magic_offset, magic) for order, handler in enumerate(HANDLERS) for magic in handler.magics
)
"""(position in HANDLERS, offset of the magic, magic) of every magic of every handler."""
REACH = max((offset + len(magic) for _, offset, magic in _PAIRS), default=0)
"""How far past a candidate start a magic can end."""


def _head_index() -> dict[tuple[int, int], dict[bytes, tuple[int, ...]]]:
    """(offset, length) -> magic -> the positions in HANDLERS of the handlers that have it there."""
    index: dict[tuple[int, int], dict[bytes, tuple[int, ...]]] = {}
    for order, offset, magic in _PAIRS:
        table = index.setdefault((offset, len(magic)), {})
        table[magic] = (*table.get(magic, ()), order)
    return index


_HEAD = _head_index()


def at_head(head: memoryview) -> list[Handler]:
    """The handlers with a magic at its place in `head`, in the order of HANDLERS."""
    found: list[int] = []
    size = len(head)
    for (at, length), table in _HEAD.items():
        if at + length <= size:
            found.extend(table.get(bytes(head[at : at + length]), ()))
    return [HANDLERS[order] for order in sorted(set(found))]


def in_window(buf: Searchable, start: int, end: int) -> list[tuple[int, Handler]]:
    """Every (start, handler) with start in `buf[start:end]` where the handler's magic is at its place.

    Sorted by start, then by the handler's place in HANDLERS; a magic may run up to `REACH` bytes past
    `end` (the caller's buffer holds them when the payload does).
    """
    stop = min(len(buf), end + REACH)
    found: set[tuple[int, int]] = set()
    database = _database()
    if database is not None:

        def on_match(index: int, _from: int, to: int, _flags: int, _context: object) -> None:
            order, offset, magic = _PAIRS[index]
            found.add((start + to - len(magic) - offset, order))

        database.scan(memoryview(buf)[start:stop], match_event_handler=on_match)
    else:
        for order, offset, magic in _PAIRS:
            found.update((hit - offset, order) for hit in find_all(buf, magic, start + offset, stop))
    return [(at, HANDLERS[order]) for at, order in sorted(found) if start <= at < end]


def find_all(buf: Searchable, magic: bytes, start: int, end: int) -> list[int]:
    """Offsets in `buf` where `magic` occurs wholly inside `buf[start:end]`."""
    hits: list[int] = []
    start = max(start, 0)
    pos = buf.find(magic, start, end)
    while pos >= 0:
        hits.append(pos)
        pos = buf.find(magic, pos + 1, end)
    return hits


@cache
def _database() -> Any:  # noqa: ANN401  (hyperscan.Database: the binding has no type information)
    """Every magic as a literal, compiled once; None without Hyperscan."""
    if hyperscan is None or not _PAIRS:
        return None
    database = hyperscan.Database()
    database.compile(
        expressions=[b"".join(b"\\x%02x" % byte for byte in magic) for _, _, magic in _PAIRS],
        ids=list(range(len(_PAIRS))),
        elements=len(_PAIRS),
        flags=[0] * len(_PAIRS),
    )
    return database
