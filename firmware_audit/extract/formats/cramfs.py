"""cramfs, little- and big-endian, on dissect.cramfs's structure definitions.

dissect.cramfs's `CramFS` reads little-endian images only: its structures are loaded once,
little-endian, and used directly in three places. A big-endian image (mkfs.cramfs `-N big`, MIPS
and PowerPC cameras) swaps every 32-bit word and allocates the inode's bit-fields from the most
significant bit, which cstruct does when the same definition is loaded big-endian. So both byte
orders are read here from dissect's own definition, with a small reader instead of `CramFS`, which
also decodes names strictly as UTF-8 and decompresses blocks with an unbounded `zlib.decompress`.
"""

from __future__ import annotations

import functools
import stat
import struct
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dissect.cramfs.c_cramfs import c_cramfs, cramfs_def
from dissect.cstruct import cstruct

from firmware_audit.extract.formats._blockcodec import zlib_block
from firmware_audit.extract.formats._fswalk import (
    MAX_LINK_TARGET,
    FsError,
    Member,
    Source,
    walk,
)
from firmware_audit.extract.formats.base import KIND_BY_MODE, Detection, Handler, Lazy, NodeKind, Output
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Iterator

_BIG = cstruct(endian=">").load(cramfs_def)
_MAGIC_LE = b"\x45\x3d\xcd\x28"
_MAGIC_BE = b"\x28\xcd\x3d\x45"
_SIGNATURE = b"Compressed ROMFS"
_ROOT_AT = 64
"""The root inode follows the 64-byte superblock header."""
_INODE = 12
_BLOCK = 4096
"""mkfs.cramfs requires the block size to equal the target's page size: 4 KiB on every camera SoC."""
_MAX_NAME = 252

_FLAG_FSID_V2 = c_cramfs.CRAMFS_FLAG_FSID_VERSION_2
_FLAG_EXT_POINTERS = c_cramfs.CRAMFS_FLAG_EXT_BLOCK_POINTERS
_KNOWN_FLAGS = c_cramfs.CRAMFS_SUPPORTED_FLAGS | _FLAG_EXT_POINTERS
_PTR_UNCOMPRESSED = c_cramfs.CRAMFS_FLAG_UNCOMPRESSED_BLOCK
_PTR_DIRECT = c_cramfs.CRAMFS_FLAG_DIRECT_POINTER


@dataclass(frozen=True, slots=True)
class _Inode:
    """One cramfs inode, decoded; `pos` is where it sits in the image (its identity)."""

    pos: int
    length: int
    mode: int
    size: int
    offset: int
    name: bytes


class CramfsHandler(Handler):
    """cramfs (mkfs.cramfs), either byte order."""

    name = "cramfs"
    magics = (_MAGIC_LE, _MAGIC_BE)

    def probe(self, data: memoryview) -> Detection | None:
        """Check magic, signature, size and root inode; the length is the superblock's `size`."""
        sb = _superblock(data)
        if sb is None:
            return None
        big, size, flags, files, name = sb
        endian = "big" if big else "little"
        label = f"cramfs, {endian}-endian, '{name}', {files} files"
        if flags & ~_KNOWN_FLAGS:
            label += f", unknown flags {flags & ~_KNOWN_FLAGS:#x}"
        return Detection(label, size)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Check the CRC and list the filesystem."""
        sb = _superblock(data)
        if sb is None:
            out.issue(IssueKind.MALFORMED, "the superblock no longer checks out")
            return None
        big, size, flags, _, _ = sb
        cs = _BIG if big else c_cramfs
        if flags & ~_KNOWN_FLAGS:
            out.issue(
                IssueKind.UNSUPPORTED,
                f"unknown feature flags {flags & ~_KNOWN_FLAGS:#x}; read as plain cramfs",
            )
        if flags & _FLAG_FSID_V2 and size <= len(data) and not _crc_ok(data, size, big):
            out.issue(IssueKind.CHECKSUM, "the image CRC does not match the superblock")
        walk(
            _Source(data[:size], cs, ">" if big else "<", ext_pointers=bool(flags & _FLAG_EXT_POINTERS)), out
        )
        return size


def _superblock(data: memoryview) -> tuple[bool, int, int, int, str] | None:
    """Return (big-endian, size, flags, file count, name) when the superblock is sane."""
    if len(data) < _ROOT_AT + _INODE:
        return None
    magic = bytes(data[:4])
    if magic not in {_MAGIC_LE, _MAGIC_BE} or bytes(data[16:32]) != _SIGNATURE:
        return None
    big = magic == _MAGIC_BE
    cs = _BIG if big else c_cramfs
    sb = cs.cramfs_super_block(bytes(data[: _ROOT_AT + _INODE]))
    if sb.size < _ROOT_AT + _INODE or not stat.S_ISDIR(sb.root.mode):
        return None
    name = sb.name.split(b"\0", 1)[0].decode("latin-1")
    return big, sb.size, sb.flags, sb.fsid.files, name


def _crc_ok(data: memoryview, size: int, big: bool) -> bool:
    """Check the CRC32 of the whole image, taken with the CRC field itself read as zero."""
    stored: int = struct.unpack_from(">I" if big else "<I", data, 32)[0]
    crc = zlib.crc32(data[:32])
    crc = zlib.crc32(b"\0\0\0\0", crc)
    return zlib.crc32(data[36:size], crc) == stored


class _Source(Source[_Inode]):
    def __init__(self, view: memoryview, cs: cstruct, endian: str, *, ext_pointers: bool) -> None:
        self.view = view
        self.cs = cs
        self.endian = endian
        self.ext_pointers = ext_pointers

    def inode(self, pos: int) -> _Inode:
        if pos < 0 or pos + _INODE > len(self.view):
            raise FsError(IssueKind.TRUNCATED, f"inode at {pos} lies beyond the end")
        raw = self.cs.cramfs_inode(self.view[pos : pos + _INODE + _MAX_NAME].tobytes())
        name: bytes = raw.name
        return _Inode(pos, _INODE + len(name), raw.mode, raw.size, raw.offset << 2, name.rstrip(b"\0"))

    def root(self) -> _Inode:
        return self.inode(_ROOT_AT)

    def children(self, directory: _Inode) -> Iterator[tuple[bytes, _Inode]]:
        pos, end = directory.offset, directory.offset + directory.size
        while pos < end:
            child = self.inode(pos)
            yield child.name, child
            pos += child.length

    def member(self, entry: _Inode) -> Member:
        kind = KIND_BY_MODE.get(stat.S_IFMT(entry.mode))
        if kind is None:
            raise FsError(IssueKind.MALFORMED, f"unknown file type in mode {entry.mode:#o}")
        if kind is NodeKind.FILE:
            return Member(kind, entry.pos, entry.mode, content=self.content(entry))
        if kind is NodeKind.SYMLINK:
            if entry.size > MAX_LINK_TARGET:
                raise FsError(IssueKind.MALFORMED, f"symlink target of {entry.size} bytes")
            return Member(kind, entry.pos, entry.mode, target=self.content(entry).read(None))
        return Member(kind, entry.pos, entry.mode)

    def content(self, entry: _Inode) -> Lazy:
        if entry.size == 0:
            return Lazy(0, _nothing, 0)
        count = -(-entry.size // _BLOCK)
        start = entry.offset
        if start + count * 4 > len(self.view):
            raise FsError(IssueKind.TRUNCATED, "the block pointers lie beyond the end")
        ends = struct.unpack_from(f"{self.endian}{count}I", self.view, start)
        spec = _File(entry.size, start + count * 4, ends, self.ext_pointers)
        last = ends[-1] & ~(_PTR_UNCOMPRESSED | _PTR_DIRECT) if self.ext_pointers else ends[-1]
        return Lazy(entry.size, functools.partial(_read, self.view, spec), max(last - start, 0))


@dataclass(frozen=True, slots=True)
class _File:
    """A file's data: block pointers (each the end of its block's bytes), after `first`."""

    size: int
    first: int
    ends: tuple[int, ...]
    ext_pointers: bool


def _nothing(_n: int | None) -> bytes:
    return b""


def _read(view: memoryview, spec: _File, n: int | None) -> bytes:
    """Return the first `n` bytes of a file (all for None), decompressing only the pages needed."""
    want = spec.size if n is None else max(0, min(n, spec.size))
    parts: list[bytes] = []
    got = 0
    start = spec.first
    for index, word in enumerate(spec.ends):
        if got >= want:
            break
        expect = min(_BLOCK, spec.size - got)
        uncompressed = spec.ext_pointers and bool(word & _PTR_UNCOMPRESSED)
        if spec.ext_pointers and word & _PTR_DIRECT:
            raise FsError(IssueKind.UNSUPPORTED, "direct block pointers (cramfs for XIP) are not read")
        end = word & ~(_PTR_UNCOMPRESSED | _PTR_DIRECT) if spec.ext_pointers else word
        if end < start or end > len(view):
            raise FsError(IssueKind.MALFORMED, f"block {index} ends at {end}, outside {start}-{len(view)}")
        if end == start:
            chunk = bytes(expect)  # a hole
        elif uncompressed:
            chunk = view[start:end].tobytes()
        else:
            need = want - got if want - got < expect else None
            chunk = zlib_block(view[start:end], _BLOCK, need)
            if need is not None and len(chunk) >= need:
                parts.append(chunk[:need])
                got += need
                break
        if len(chunk) != expect:
            raise FsError(IssueKind.MALFORMED, f"block {index} holds {len(chunk)} bytes, not {expect}")
        parts.append(chunk)
        got += expect
        start = end
    data = b"".join(parts)
    return data if len(data) == want else data[:want]


HANDLER = CramfsHandler()
