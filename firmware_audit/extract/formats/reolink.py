"""Reolink / Swann `.pak`: a header, a section table, a flash partition table, then the sections.

No maintained library reads this format as bytes in memory (pakler works on files and prints), so
this is a small reader of its own; the layout facts come from vmallet/pakler (`pakler/structure.py`,
`pakler/__init__.py`). Nothing in the file states how many sections there are or whether the fields
are 32 or 64 bits wide, so both are decided from the data: 64-bit images widen the header fields
with zero halves, and the section table ends where the partition table begins, whose first entry
repeats the first section's name.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.extract.formats._spans import overlapping
from firmware_audit.extract.formats.base import Detection, Entry, Handler, NodeKind, Output, Slice
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Iterable

MAGICS = (0x32725913, 0x32725923)
"""pakler knows the first; the vendor's updater is reported to accept both."""
HEADER32 = struct.Struct("<III")
"""magic, CRC, type."""
HEADER64 = struct.Struct("<QQQ")
SECTION32 = struct.Struct("<32s24sII")
"""name, version, start, length."""
SECTION64 = struct.Struct("<32s24sQQ")
PARTITION = struct.Struct("<32sI32sII")
"""name, an unknown u32, MTD device name, flash start, flash length (76 bytes, packed)."""
CRC_MARKER = 2
"""A constant the vendor CRC runs over between the section data and the section table (pakler)."""

MAX_SECTIONS = 64
_MAX_PAD = 8


@dataclass(frozen=True, slots=True)
class Layout:
    """The widths of one PAK variant."""

    header: struct.Struct
    section: struct.Struct
    is64: bool


LAYOUT32 = Layout(HEADER32, SECTION32, is64=False)
LAYOUT64 = Layout(HEADER64, SECTION64, is64=True)


@dataclass(frozen=True, slots=True)
class Section:
    """One section-table entry."""

    name: bytes
    version: bytes
    start: int
    length: int


@dataclass(frozen=True, slots=True)
class Partition:
    """One flash partition-table entry."""

    name: bytes
    mtd: bytes
    start: int
    length: int


def vendor_crc(pieces: Iterable[bytes | bytearray | memoryview]) -> int:
    """The PAK CRC: the CRC-32 polynomial with a zero start and no final inversion, over `pieces` in turn.

    zlib inverts its register on entry and exit, so starting it from all ones and inverting the
    result gives exactly that register.
    """
    crc = 0xFFFFFFFF
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return crc ^ 0xFFFFFFFF


def _shown(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


def _text(raw: bytes) -> bytes:
    return raw.split(b"\0", 1)[0]


def _printable(raw: bytes) -> bool:
    return all(0x20 <= c < 0x7F for c in raw)


@dataclass(frozen=True, slots=True)
class _Pak:
    layout: Layout
    magic: int
    crc: int
    pak_type: int
    sections: tuple[Section, ...]
    partitions: tuple[Partition, ...]
    table_end: int

    def extent(self) -> int:
        ends = [s.start + s.length for s in self.sections if s.length]
        return max([self.table_end, *ends])


def _layout(data: memoryview) -> Layout | None:
    if len(data) < HEADER64.size or int.from_bytes(data[:4], "little") not in MAGICS:
        return None
    # In a 64-bit header the upper halves of magic, CRC and type are zero; in a 32-bit one the second
    # word is the CRC and the fourth and sixth hold the first section's name, which is never empty.
    words = struct.unpack_from("<6I", data)
    return LAYOUT64 if words[1] == words[3] == words[5] == 0 else LAYOUT32


def _parse(data: memoryview) -> _Pak | None:
    """Read header and tables if `data` starts a PAK; None when it does not."""
    layout = _layout(data)
    if layout is None:
        return None
    magic, crc, pak_type = layout.header.unpack_from(data)
    sections = _sections(data, layout)
    if not sections:
        return None
    first_data = min((s.start for s in sections if s.length), default=len(data))
    table_at = layout.header.size + len(sections) * layout.section.size
    room = min(first_data, len(data)) - table_at
    # A damaged table can run into the section data: read the partition entries that fit before
    # it, and say in the label how many that was.
    fitting = max(0, min(len(sections), room // PARTITION.size))
    partitions = []
    for i in range(fitting):
        name, _, mtd, start, length = PARTITION.unpack_from(data, table_at + i * PARTITION.size)
        partitions.append(Partition(_text(name), _text(mtd), start, length))
    return _Pak(
        layout=layout,
        magic=magic & 0xFFFFFFFF,
        crc=crc,
        pak_type=pak_type,
        sections=tuple(sections),
        partitions=tuple(partitions),
        table_end=table_at + fitting * PARTITION.size,
    )


def _sections(data: memoryview, layout: Layout) -> list[Section]:
    """Read section entries up to the partition table.

    The partition table follows the section table and has as many entries, so the entry that
    repeats the first section's name is partition 0 (pakler reads it so). Where no name repeats, the
    count is the one that makes both tables end where the first section's data begins (allowing
    the few bytes of padding that align the data).
    """
    entries: list[Section] = []
    at = layout.header.size
    limit = len(data)
    while len(entries) < MAX_SECTIONS and at + layout.section.size <= limit:
        name, version, start, length = layout.section.unpack_from(data, at)
        section = Section(_text(name), _text(version), start, length)
        if entries and section.name == entries[0].name:
            return entries
        if not (_printable(section.name) and _printable(section.version)):
            break
        if not entries:
            if not section.name:
                return []
            if start > at:
                limit = min(limit, start)
        entries.append(section)
        at += layout.section.size
    if not entries:
        return []
    per = layout.section.size + PARTITION.size
    count, rest = divmod(entries[0].start - layout.header.size, per)
    if rest >= _MAX_PAD or not 1 <= count <= len(entries):
        return []
    return entries[:count]


def _label(pak: _Pak) -> str:
    width = "64-bit" if pak.layout.is64 else "32-bit"
    used = [s for s in pak.sections if s.length]
    names = ", ".join(s.name.decode("latin-1") for s in used)
    empty = len(pak.sections) - len(used)
    spare = f" and {empty} empty" if empty else ""
    parts = f"{len(pak.partitions)} flash partitions"
    if len(pak.partitions) < len(pak.sections):
        parts = f"{len(pak.partitions)} of {len(pak.sections)} flash partitions readable"
    return (
        f"Reolink PAK {width}, magic {pak.magic:#x}, type {pak.pak_type:#x}, "
        f"{len(used)} sections ({names}){spare}, {parts}"
    )


class ReolinkHandler(Handler):
    """Reolink / Swann PAK firmware."""

    name = "reolink-pak"
    magics = tuple(m.to_bytes(4, "little") for m in MAGICS)

    def probe(self, data: memoryview) -> Detection | None:
        """Recognise the magic and a section table whose layout the data confirms."""
        pak = _parse(data)
        if pak is None:
            return None
        return Detection(_label(pak), pak.extent())

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List each non-empty section as a payload slice named after it; check the CRC and the tables."""
        pak = _parse(data)
        if pak is None:
            out.issue(IssueKind.MALFORMED, "PAK header no longer parses")
            return None
        extent = min(pak.extent(), len(data))
        if pak.extent() <= len(data):
            self._check_crc(data, pak, out)
        shared = overlapping([(s.start, s.length) for s in pak.sections])
        for index, section in enumerate(pak.sections):
            if not section.length:
                continue
            name = section.name or f"section{index}".encode()
            if index in shared:
                out.issue(
                    IssueKind.MALFORMED,
                    f"section '{_shown(name)}' shares bytes with another section; recorded without content",
                )
                out.entries.append(Entry(name, NodeKind.FILE))
                continue
            self._section(data, name, section, out)
            if index < len(pak.partitions):
                _check_partition(section, pak.partitions[index], out)
        return extent

    @staticmethod
    def _check_crc(data: memoryview, pak: _Pak, out: Output) -> None:
        layout = pak.layout
        start = pak.sections[0].start
        end = pak.extent()
        table = data[layout.header.size : layout.header.size + len(pak.sections) * layout.section.size]
        # pakler feeds a 4-byte marker; the 64-bit variant is reported to feed it 8 bytes wide.
        widths = (8, 4) if layout.is64 else (4,)
        stored = pak.crc & 0xFFFFFFFF
        for width in widths:
            marker = CRC_MARKER.to_bytes(width, "little")
            if vendor_crc([data[start:end], marker, table]) == stored:
                return
        out.issue(IssueKind.CHECKSUM, f"header CRC {stored:#010x} does not match the sections and table")

    @staticmethod
    def _section(data: memoryview, name: bytes, section: Section, out: Output) -> None:
        shown = _shown(name)
        if section.start >= len(data):
            out.issue(
                IssueKind.TRUNCATED,
                f"section '{shown}' starts at {section.start}, past the end of the image ({len(data)} bytes)",
            )
            return
        length = min(section.length, len(data) - section.start)
        if length < section.length:
            out.issue(
                IssueKind.TRUNCATED,
                f"section '{shown}' says {section.length} bytes; only {length} are there",
                section.start,
            )
        out.file(name, Slice(section.start, length), payload=True)


def _check_partition(section: Section, partition: Partition, out: Output) -> None:
    """A section is written to its flash partition; one that is larger cannot fit there."""
    if partition.length and section.length > partition.length:
        out.issue(
            IssueKind.MALFORMED,
            f"section '{_shown(section.name)}' is {section.length} bytes; its flash partition "
            f"'{_shown(partition.mtd)}' holds {partition.length}",
        )


HANDLER = ReolinkHandler()
