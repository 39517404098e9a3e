"""Linux romfs (genromfs): a read-only filesystem of 16-byte-aligned, big-endian headers, uncompressed.

The layout is the kernel's `Documentation/filesystems/romfs.rst`: `-rom1fs-`, the image's size, a
checksum and the volume name, then one header per file: the next header's offset (its low four
bits the type and an executable bit), a type-specific word (a directory's first entry, a hard
link's target, a device's numbers), the size, a checksum and the name, each part padded to 16
bytes, the file's data after it. Every checksum makes the big-endian words it covers sum to zero:
the superblock's covers the first 512 bytes, a header's its fixed part and name. No maintained
library reads romfs, and the reader is a few lines over the shared guarded walk (`_fswalk`).
"""

from __future__ import annotations

import functools
import stat
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.extract.formats._fswalk import MAX_LINK_TARGET, FsError, Member, Source, walk
from firmware_audit.extract.formats.base import Detection, Handler, Lazy, NodeKind, Output
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Iterator

MAGIC = b"-rom1fs-"
_SUPER = struct.Struct(">8sII")
_HEADER = struct.Struct(">IIII")
_ALIGN = 16
_CHECKED = 512
"""Bytes the superblock's checksum covers (all of a smaller image)."""
MAX_NAME = 4096
"""Longest name read; the kernel's own limit is the page (4 KiB)."""
_HARDLINK, _DIRECTORY, _FILE, _SYMLINK = 0, 1, 2, 3
_KINDS = {
    _DIRECTORY: (NodeKind.DIRECTORY, stat.S_IFDIR),
    _FILE: (NodeKind.FILE, stat.S_IFREG),
    _SYMLINK: (NodeKind.SYMLINK, stat.S_IFLNK),
    4: (NodeKind.BLOCK_DEVICE, stat.S_IFBLK),
    5: (NodeKind.CHAR_DEVICE, stat.S_IFCHR),
    6: (NodeKind.SOCKET, stat.S_IFSOCK),
    7: (NodeKind.FIFO, stat.S_IFIFO),
}
_EXECUTABLE = 0x8
_OFFSET_MASK = ~0xF & 0xFFFFFFFF


def _padded(length: int) -> int:
    return (length + _ALIGN - 1) // _ALIGN * _ALIGN


def _sums_to_zero(data: memoryview) -> bool:
    """Whether the big-endian 32-bit words of `data` (a multiple of 4 bytes) sum to zero."""
    words = np.frombuffer(data, dtype=">u4")
    return int(words.sum(dtype=np.uint64)) & 0xFFFFFFFF == 0


@dataclass(frozen=True, slots=True)
class _Entry:
    """One file header: where it is, its type and flags, its type-specific word, size, name, data."""

    pos: int
    next: int
    kind: int
    executable: bool
    info: int
    size: int
    name: bytes
    data: int


def _volume(data: memoryview) -> tuple[int, str, int] | None:
    """(size, volume name, first file header) of a sane superblock, else None."""
    if len(data) < _SUPER.size + _ALIGN:
        return None
    magic, size, _ = _SUPER.unpack_from(data)
    if magic != MAGIC or size < _SUPER.size + 2 * _ALIGN:
        return None
    end = bytes(data[_SUPER.size : _SUPER.size + MAX_NAME]).find(b"\0")
    if end < 0:
        return None
    name = bytes(data[_SUPER.size : _SUPER.size + end])
    if not all(0x20 <= b < 0x7F for b in name):
        return None
    return size, name.decode("ascii"), _padded(_SUPER.size + end + 1)


class RomfsHandler(Handler):
    """Linux romfs (genromfs)."""

    name = "romfs"
    magics = (MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic, a printable volume name and a size that holds the root's header."""
        volume = _volume(data)
        if volume is None:
            return None
        size, name, _ = volume
        return Detection(f"romfs '{name}', {size} bytes", size)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Check the superblock's checksum and list the filesystem."""
        volume = _volume(data)
        if volume is None:  # probed before: the bytes cannot have changed
            return None
        size, _, first = volume
        image = data[: min(size, len(data))]
        if size > len(data):
            out.issue(IssueKind.TRUNCATED, f"the image says {size} bytes; only {len(data)} are there")
        checked = min(_CHECKED, len(image)) // 4 * 4
        if not _sums_to_zero(image[:checked]):
            out.issue(IssueKind.CHECKSUM, "the superblock's checksum does not match")
        walk(_Source(image, first), out)
        return size


class _Source(Source[_Entry]):
    def __init__(self, view: memoryview, first: int) -> None:
        self.view = view
        self.first = first

    def entry(self, pos: int) -> _Entry:
        view = self.view
        if pos % _ALIGN or pos < self.first or pos + _HEADER.size + _ALIGN > len(view):
            raise FsError(IssueKind.MALFORMED, f"file header at {pos} is misplaced or lies beyond the end")
        nxt, info, size, _ = _HEADER.unpack_from(view, pos)
        start = pos + _HEADER.size
        end = bytes(view[start : start + MAX_NAME]).find(b"\0")
        if end < 0:
            raise FsError(IssueKind.MALFORMED, f"file header at {pos}: its name has no end")
        data = start + _padded(end + 1)
        return _Entry(
            pos,
            nxt & _OFFSET_MASK,
            nxt & 0x7,
            bool(nxt & _EXECUTABLE),
            info,
            size,
            bytes(view[start : start + end]),
            data,
        )

    def resolved(self, entry: _Entry) -> _Entry:
        """The entry a hard link names (the kernel follows one link), or the entry itself."""
        if entry.kind != _HARDLINK:
            return entry
        target = self.entry(entry.info & _OFFSET_MASK)
        if target.kind == _HARDLINK:
            raise FsError(IssueKind.MALFORMED, f"hard link at {entry.pos} points at another hard link")
        return target

    def root(self) -> _Entry:
        # The first header is the root directory (genromfs names it "."), as the kernel reads it.
        return self.resolved(self.entry(self.first))

    def children(self, directory: _Entry) -> Iterator[tuple[bytes, _Entry]]:
        seen: set[int] = set()
        pos = self.resolved(directory).info & _OFFSET_MASK
        while pos:
            if pos in seen:
                raise FsError(IssueKind.MALFORMED, f"the chain of entries loops back to {pos}")
            seen.add(pos)
            child = self.entry(pos)
            if child.name not in {b".", b".."}:
                yield child.name, child
            pos = child.next

    def member(self, entry: _Entry) -> Member:
        target = self.resolved(entry)
        kind, fmt = _KINDS[target.kind]
        mode = fmt | (0o755 if target.executable or kind is NodeKind.DIRECTORY else 0o644)
        if kind is NodeKind.DIRECTORY:
            # a directory's entries are its identity: its "." and its name in the parent share them
            return Member(kind, target.info & _OFFSET_MASK, mode)
        if kind is NodeKind.FILE:
            return Member(kind, target.pos, mode, content=self.content(target))
        if kind is NodeKind.SYMLINK:
            if target.size > MAX_LINK_TARGET:
                raise FsError(IssueKind.MALFORMED, f"symlink target of {target.size} bytes")
            return Member(kind, target.pos, mode, target=self.content(target).read(None))
        return Member(kind, target.pos, mode)

    def content(self, entry: _Entry) -> Lazy:
        if entry.data + entry.size > len(self.view):
            raise FsError(IssueKind.TRUNCATED, f"the data of the file at {entry.pos} lies beyond the end")
        return Lazy(entry.size, functools.partial(_read, self.view, entry.data, entry.size), entry.size)


def _read(view: memoryview, start: int, size: int, n: int | None) -> bytes:
    """The first `n` bytes of a file's data (all for None)."""
    return view[start : start + (size if n is None else max(0, min(n, size)))].tobytes()


HANDLER = RomfsHandler()
