"""ext2, ext3 and ext4 (genext2fs, mke2fs -d), read with dissect.extfs.

dissect reads the superblock, group descriptors, inodes and indirect block maps. Two walks are
done here instead. Directories are parsed from the directory's bytes: dissect's own listing
silently drops an entry whose inode number is the last one (it tests `inode < s_inodes_count`)
and silently ends at a zero record length, where an audit must say so. Extent trees are walked
with a visited set and a depth and size bound: dissect recurses into whatever an index entry
points at, so an index block that points at itself recurses until Python gives up, and one whose
entries all point at the same subtree multiplies the work at every level.
"""

from __future__ import annotations

import functools
import stat
import struct
from typing import TYPE_CHECKING

from dissect.extfs.c_ext import c_ext
from dissect.extfs.extfs import ExtFS, INode
from dissect.util.stream import RunlistStream

from firmware_audit.extract.formats._fswalk import (
    MAX_LINK_TARGET,
    FsError,
    Member,
    Source,
    failure,
    walk,
)
from firmware_audit.extract.formats.base import KIND_BY_MODE, Detection, Handler, Lazy, NodeKind, Output
from firmware_audit.extract.viewfile import ViewFile
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Iterator

_SB = 1024
"""The superblock's offset, whatever the block size."""
_MAGIC = 0xEF53
_ROOT = c_ext.EXT2_ROOT_INO
_MAX_DIRECTORY_BYTES = 32 * 1024 * 1024
"""A directory larger than this is corrupt (65,536 entries of the longest name fit in 17 MiB)."""

_COMPAT_JOURNAL = c_ext.EXT3_FEATURE_COMPAT_HAS_JOURNAL
_INCOMPAT_FILETYPE = c_ext.EXT2_FEATURE_INCOMPAT_FILETYPE
_INCOMPAT_RECOVER = c_ext.EXT3_FEATURE_INCOMPAT_RECOVER
_INCOMPAT_64BIT = c_ext.EXT4_FEATURE_INCOMPAT_64BIT
_INCOMPAT_ENCRYPT = c_ext.EXT4_FEATURE_INCOMPAT_ENCRYPT
_EXT4_INCOMPAT = c_ext.EXT4_FEATURE_INCOMPAT_EXTENTS | _INCOMPAT_64BIT | c_ext.EXT4_FEATURE_INCOMPAT_FLEX_BG
_RO_COMPAT_HUGE_FILE = c_ext.EXT2_FEATURE_RO_COMPAT_HUGE_FILE
_HUGE_FILE_FL = c_ext.EXT4_HUGE_FILE_FL
_INLINE_DATA_FL = c_ext.EXT4_INLINE_DATA_FL
_EXTENTS_FL = c_ext.EXT4_EXTENTS_FL
_EXTENT_MAGIC = 0xF30A
_EXTENT_HEADER = struct.Struct("<HHHH4x")
_EXTENT = struct.Struct("<IHHI")
_EXTENT_INDEX = struct.Struct("<IIH2x")
_MAX_EXTENT_DEPTH = 5
"""The kernel never builds an extent tree deeper than this (fs/ext4/ext4_extents.h)."""
_UNWRITTEN = 32768
"""An extent longer than this is preallocated but unwritten: it reads as zeros."""


class ExtfsHandler(Handler):
    """ext2/3/4 filesystem."""

    name = "extfs"
    magics = (struct.pack("<H", _MAGIC),)
    magic_offset = _SB + 56

    def probe(self, data: memoryview) -> Detection | None:
        """Check the superblock's sanity; the length is blocks_count times the block size."""
        sb = _superblock(data)
        if sb is None:
            return None
        kind, volume, block_size, length = sb
        shown = f", '{volume}'" if volume else ""
        return Detection(f"{kind} filesystem{shown}, {block_size // 1024} KiB blocks", length)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the filesystem."""
        sb = _superblock(data)
        if sb is None:
            out.issue(IssueKind.MALFORMED, "the superblock no longer checks out")
            return None
        length = sb[3]
        try:
            fs = ExtFS(ViewFile(data))
        except NotImplementedError as exc:
            out.issue(IssueKind.UNSUPPORTED, f"cannot open the filesystem: {exc}")
            return length
        except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
            kind, message = failure(exc)
            out.issue(kind, f"cannot open the filesystem: {message}")
            return length
        if fs.sb.s_feature_incompat & _INCOMPAT_RECOVER:
            out.issue(
                IssueKind.MALFORMED, "the journal holds changes not yet applied; the listing may be stale"
            )
        if fs.sb.s_feature_incompat & _INCOMPAT_ENCRYPT:
            out.issue(IssueKind.ENCRYPTED, "the filesystem may hold encrypted directories and files")
        walk(_Source(fs), out)
        return length


def _superblock(data: memoryview) -> tuple[str, str, int, int] | None:
    """Return (ext2|ext3|ext4, volume name, block size, length) for a sane superblock."""
    if len(data) < _SB + 256:
        return None
    inodes, blocks_lo = struct.unpack_from("<II", data, _SB)
    first_data_block, log_block = struct.unpack_from("<II", data, _SB + 20)
    blocks_per_group, inodes_per_group = struct.unpack_from("<I4xI", data, _SB + 32)
    (magic,) = struct.unpack_from("<H", data, _SB + 56)
    (rev,) = struct.unpack_from("<I", data, _SB + 76)
    if magic != _MAGIC or log_block > 6 or rev > 1:
        return None
    block_size = 1024 << log_block
    inode_size, compat, incompat = struct.unpack_from("<H2xII", data, _SB + 88)
    bits = block_size * 8
    if (
        not 0 < blocks_per_group <= bits
        or not 0 < inodes_per_group <= bits
        or first_data_block != (1 if block_size == 1024 else 0)
        or inodes % inodes_per_group
        or (rev == 1 and (inode_size < 128 or inode_size > block_size or inode_size & (inode_size - 1)))
    ):
        return None
    blocks = blocks_lo
    if incompat & _INCOMPAT_64BIT:
        blocks |= struct.unpack_from("<I", data, _SB + 0x150)[0] << 32
    if blocks <= first_data_block or inodes < inodes_per_group:
        return None
    kind = "ext4" if incompat & _EXT4_INCOMPAT else "ext3" if compat & _COMPAT_JOURNAL else "ext2"
    volume = bytes(data[_SB + 120 : _SB + 136]).split(b"\0", 1)[0].decode("utf-8", "backslashreplace")
    return kind, volume, block_size, blocks * block_size


class _Source(Source[int]):
    def __init__(self, fs: ExtFS) -> None:
        self.fs = fs
        self.filetype = bool(fs.sb.s_feature_incompat & _INCOMPAT_FILETYPE)
        self.huge_files = bool(fs.sb.s_feature_ro_compat & _RO_COMPAT_HUGE_FILE)

    def root(self) -> int:
        return int(_ROOT)

    def children(self, directory: int) -> Iterator[tuple[bytes, int]]:
        node = self.fs.get_inode(directory)
        size = node.size
        if size > _MAX_DIRECTORY_BYTES:
            raise FsError(IssueKind.MALFORMED, f"a directory of {size} bytes")
        data = _open(self.fs, node).read(size)
        # An inline directory (ext4 inline_data) starts with its parent's inode number.
        pos = 4 if node.inode.i_flags & _INLINE_DATA_FL else 0
        while pos + 8 <= len(data):
            if self.filetype:
                ino, rec_len, name_len = struct.unpack_from("<IHB", data, pos)
            else:
                ino, rec_len, name_len = struct.unpack_from("<IHH", data, pos)
            if rec_len < 8 or rec_len % 4 or pos + rec_len > len(data) or 8 + name_len > rec_len:
                raise FsError(IssueKind.MALFORMED, f"directory record at {pos} has length {rec_len}")
            name = data[pos + 8 : pos + 8 + name_len]
            if ino and name not in {b".", b".."}:
                yield name, ino
            pos += rec_len

    def member(self, entry: int) -> Member:
        node = self.fs.get_inode(entry)
        mode = node.inode.i_mode
        kind = KIND_BY_MODE.get(stat.S_IFMT(mode))
        if kind is None:
            raise FsError(IssueKind.MALFORMED, f"unknown file type in mode {mode:#o}")
        if kind is NodeKind.FILE:
            content = Lazy(node.size, functools.partial(_read, self.fs, node), self.stored(node))
            return Member(kind, entry, mode, content=content)
        if kind is NodeKind.SYMLINK:
            if node.size > MAX_LINK_TARGET:
                raise FsError(IssueKind.MALFORMED, f"symlink target of {node.size} bytes")
            return Member(kind, entry, mode, target=_open(self.fs, node).read(node.size))
        return Member(kind, entry, mode)

    def stored(self, node: INode) -> int:
        """Bytes the inode has allocated (for the ratio limit: a sparse file reads as a bomb)."""
        raw = node.inode
        blocks: int = raw.i_blocks_lo | (raw.i_blocks_high << 32 if self.huge_files else 0)
        unit: int = self.fs.block_size if raw.i_flags & _HUGE_FILE_FL else 512
        size: int = node.size
        return min(blocks * unit, size)


def _read(fs: ExtFS, node: INode, n: int | None) -> bytes:
    """Return the first `n` bytes of a file (all for None)."""
    size: int = node.size
    want = size if n is None else max(0, min(n, size))
    data: bytes = _open(fs, node).read(want)
    if len(data) != want:
        raise FsError(IssueKind.TRUNCATED, f"the file's blocks give {len(data)} of its {want} bytes")
    return data


def _open(fs: ExtFS, node: INode) -> RunlistStream:
    """A stream over an inode's data: its extent tree walked here, anything else by dissect."""
    flags = node.inode.i_flags
    if not flags & _EXTENTS_FL or flags & _INLINE_DATA_FL:
        return node.open()
    return RunlistStream(fs.fh, _extent_runs(fs, node), node.size, fs.block_size)


def _extent_runs(fs: ExtFS, node: INode) -> list[tuple[int | None, int]]:
    """Walk an inode's extent tree into (first block or None for a hole, block count) runs.

    Every index block is read once (a second visit is a loop), each level is shallower than the
    one above it and the root at most five deep, and extents must go forward through the file.
    """
    walk = _ExtentWalk(fs, -(-node.size // fs.block_size))
    stack: list[tuple[bytes, int]] = [(bytes(node.inode.i_block), _MAX_EXTENT_DEPTH + 1)]
    while stack:
        raw, allowed = stack.pop()
        magic, entries, _, depth = _EXTENT_HEADER.unpack_from(raw)
        if magic != _EXTENT_MAGIC or depth >= allowed or 12 + entries * 12 > len(raw):
            raise FsError(IssueKind.MALFORMED, "an extent tree node is corrupt")
        if depth:
            stack.extend(reversed([(walk.child(raw, i), depth) for i in range(entries)]))
        else:
            for i in range(entries):
                walk.extent(raw, i)
    if walk.logical < walk.blocks:
        walk.runs.append((None, walk.blocks - walk.logical))
    return walk.runs


class _ExtentWalk:
    """What the extent walk has read so far: index blocks seen, and the runs up to `logical`."""

    def __init__(self, fs: ExtFS, blocks: int) -> None:
        self.fs = fs
        self.blocks = blocks
        self.logical = 0
        self.seen: set[int] = set()
        self.runs: list[tuple[int | None, int]] = []

    def child(self, raw: bytes, index: int) -> bytes:
        """Read the tree block that index entry `index` of `raw` points at."""
        _, leaf_lo, leaf_hi = _EXTENT_INDEX.unpack_from(raw, 12 + index * 12)
        block = leaf_hi << 32 | leaf_lo
        if block in self.seen:
            raise FsError(IssueKind.MALFORMED, f"extent tree visits block {block} twice (a loop)")
        self.seen.add(block)
        size: int = self.fs.block_size
        self.fs.fh.seek(block * size)
        data: bytes = self.fs.fh.read(size)
        if len(data) < size:
            raise FsError(IssueKind.TRUNCATED, f"extent tree block {block} lies beyond the end")
        return data

    def extent(self, raw: bytes, index: int) -> None:
        """Add extent `index` of leaf `raw` to the runs, with a hole before it if there is one."""
        first, length, start_hi, start_lo = _EXTENT.unpack_from(raw, 12 + index * 12)
        unwritten = length > _UNWRITTEN
        length -= _UNWRITTEN if unwritten else 0
        if first < self.logical:
            message = f"extent for block {first} goes back before block {self.logical}"
            raise FsError(IssueKind.MALFORMED, message)
        # Blocks allocated past the end of the file (fallocate --keep-size) are not its data.
        length = min(length, self.blocks - first)
        if length <= 0:
            return
        if first > self.logical:
            self.runs.append((None, first - self.logical))
        self.runs.append((None if unwritten else start_hi << 32 | start_lo, length))
        self.logical = first + length


HANDLER = ExtfsHandler()
