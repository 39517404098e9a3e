"""Ambarella ROMFS: the resource partition (`rom`) of Ambarella SoC firmware, a flat list of files.

Layout (little-endian; BANG's `romfs_ambarella.ksy`, after the report it cites, and dji-firmware-tools'
`amba_romfs.py`): the file count and the magic 0x66FC328A, padded to 2048 bytes; then one 128-byte
entry a file, a NUL-terminated name of at most 116 bytes, the data's offset from the start of the
partition and its length, and the entry magic 0x2387AB76; the data after the entries, each file
padded to 2048 bytes. The files (calibration tables, bitmaps, DSP microcode) are the members.
"""

from __future__ import annotations

import struct

from firmware_audit.extract.formats.base import Detection, Handler, Output, Slice
from firmware_audit.model import IssueKind

MAGIC = struct.pack("<I", 0x66FC328A)
_ENTRY_MAGIC = struct.pack("<I", 0x2387AB76)
_HEAD = 2048
"""The header (count and magic) is padded to this; file data is aligned to it too."""
_ENTRY = struct.Struct("<116sII4s")
MAX_FILES = 4096
"""Files of one partition at most (a camera's holds tens)."""


class AmbarellaRomfsHandler(Handler):
    """An Ambarella ROMFS partition."""

    name = "ambarella-romfs"
    magics = (MAGIC,)
    magic_offset = 4

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic, the file count and that every entry carries its own magic."""
        entries = _entries(data)
        if entries is None:
            return None
        end = max((offset + size for _, offset, size in entries), default=_table_end(len(entries)))
        return Detection(f"Ambarella ROMFS, {len(entries)} files", min(len(data), _aligned(end)))

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Emit each file whose data lies in the partition; say what is wrong with the rest."""
        entries = _entries(data)
        if entries is None:  # probed before: the bytes cannot have changed
            return None
        table_end = _table_end(len(entries))
        end = table_end
        for index, (name, offset, size) in enumerate(entries):
            if not table_end <= offset <= offset + size <= len(data):
                out.issue(IssueKind.TRUNCATED, f"file {index} ({name!r}) lies outside the partition")
                continue
            out.file(name or f"file{index}".encode(), Slice(offset, size))
            end = max(end, offset + size)
        return min(len(data), _aligned(end))


def _entries(data: memoryview) -> list[tuple[bytes, int, int]] | None:
    """(name, offset, length) of every entry, or None when `data` does not start a ROMFS."""
    if len(data) < _HEAD or bytes(data[4:8]) != MAGIC:
        return None
    (count,) = struct.unpack_from("<I", data)
    if not 0 < count <= MAX_FILES or _table_end(count) > len(data):
        return None
    entries = []
    for index in range(count):
        raw, offset, size, magic = _ENTRY.unpack_from(data, _HEAD + index * _ENTRY.size)
        if magic != _ENTRY_MAGIC:
            return None
        entries.append((raw.split(b"\0", 1)[0], offset, size))
    return entries


def _table_end(count: int) -> int:
    return _HEAD + count * _ENTRY.size


def _aligned(offset: int) -> int:
    return (offset + _HEAD - 1) // _HEAD * _HEAD


HANDLER = AmbarellaRomfsHandler()
