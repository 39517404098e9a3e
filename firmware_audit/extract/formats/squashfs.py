"""squashfs: 4.0 little-endian is read with dissect.squashfs; older and big-endian ones are reported.

dissect reads the directory and inode tables; file data is read here, block by block straight
from the image, so reading a file decompresses only the blocks asked for, and only fragment blocks
(which many small files share) are cached, within a byte budget.
"""

from __future__ import annotations

import functools
import os
import stat
import struct
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from dissect.squashfs.squashfs import INode, SquashFS

from firmware_audit.extract.formats._blockcodec import (
    Codec,
    lz4_block,
    lzma_alone_block,
    lzo_block,
    xz_block,
    zlib_block,
    zstd_block,
)
from firmware_audit.extract.formats._fswalk import MAX_LINK_TARGET, FsError, Member, Source, failure, walk
from firmware_audit.extract.formats.base import Detection, Handler, Lazy, NodeKind, Output
from firmware_audit.extract.viewfile import ViewFile
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_SUPER = struct.Struct("<5I6H8Q")
_SUPER_BE = struct.Struct(">5I6H8Q")
_INVALID = 0xFFFF_FFFF_FFFF_FFFF
_INVALID_FRAGMENT = 0xFFFF_FFFF
_METADATA_SIZE = 8192
_UNCOMPRESSED_METADATA = 1 << 15
_UNCOMPRESSED_DATA = 1 << 24
_KEEP_BYTES = 32 * 1024 * 1024
_RECENT = 8
_AHEAD = 8
"""Fragment blocks decoded ahead of the one asked for (each at most one block, 1 MiB at most)."""

# name, codec, and whether it is slow enough to decode a file's blocks in parallel, for each
# compression id of the superblock (squashfs_fs.h)
_COMPRESSORS: dict[int, tuple[str, Codec, bool]] = {
    1: ("gzip", zlib_block, True),
    2: ("lzma", lzma_alone_block, True),
    3: ("lzo", lzo_block, False),
    4: ("xz", xz_block, True),
    5: ("lz4", lz4_block, False),
    6: ("zstd", zstd_block, False),
}
_WORKERS = min(4, os.cpu_count() or 1)

# inode types, basic and extended (squashfs_fs.h)
_KINDS = {
    1: NodeKind.DIRECTORY,
    2: NodeKind.FILE,
    3: NodeKind.SYMLINK,
    4: NodeKind.BLOCK_DEVICE,
    5: NodeKind.CHAR_DEVICE,
    6: NodeKind.FIFO,
    7: NodeKind.SOCKET,
    8: NodeKind.DIRECTORY,
    9: NodeKind.FILE,
    10: NodeKind.SYMLINK,
    11: NodeKind.BLOCK_DEVICE,
    12: NodeKind.CHAR_DEVICE,
    13: NodeKind.FIFO,
    14: NodeKind.SOCKET,
}
_FORMAT_BITS = {
    NodeKind.DIRECTORY: stat.S_IFDIR,
    NodeKind.FILE: stat.S_IFREG,
    NodeKind.SYMLINK: stat.S_IFLNK,
    NodeKind.BLOCK_DEVICE: stat.S_IFBLK,
    NodeKind.CHAR_DEVICE: stat.S_IFCHR,
    NodeKind.FIFO: stat.S_IFIFO,
    NodeKind.SOCKET: stat.S_IFSOCK,
}


class _Super(NamedTuple):
    """The squashfs 4 superblock (struct squashfs_super_block)."""

    magic: int
    inodes: int
    mkfs_time: int
    block_size: int
    fragments: int
    compression: int
    block_log: int
    flags: int
    no_ids: int
    major: int
    minor: int
    root_inode: int
    bytes_used: int
    id_table_start: int
    xattr_id_table_start: int
    inode_table_start: int
    directory_table_start: int
    fragment_table_start: int
    lookup_table_start: int


@dataclass(frozen=True, slots=True)
class _Legacy:
    """A squashfs this module detects but cannot read: before 4.0, or 4.0 big-endian."""

    major: int
    minor: int
    big_endian: bool
    bytes_used: int

    @property
    def version(self) -> str:
        endian = "big" if self.big_endian else "little"
        return f"squashfs {self.major}.{self.minor}, {endian}-endian"


class SquashfsHandler(Handler):
    """squashfs 4.0 (every compressor mksquashfs offers); 1.x-3.x and big-endian 4.0 are reported."""

    name = "squashfs"
    magics = (b"hsqs", b"sqsh")

    def probe(self, data: memoryview) -> Detection | None:
        """Check the superblock's sanity; the length is `bytes_used`, exactly as the superblock says."""
        found = _identify(data)
        if found is None:
            return None
        if isinstance(found, _Legacy):
            return Detection(f"{found.version} (unsupported)", found.bytes_used)
        compressor = _COMPRESSORS[found.compression][0]
        return Detection(f"squashfs {found.major}.{found.minor}, {compressor}", found.bytes_used)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the filesystem; report an unsupported version instead of reading it."""
        found = _identify(data)
        if found is None:
            out.issue(IssueKind.MALFORMED, "the superblock no longer checks out")
            return None
        if isinstance(found, _Legacy):
            out.issue(
                IssueKind.UNSUPPORTED,
                f"{found.version}: only squashfs 4.0 little-endian can be read; its contents are not listed",
            )
            return found.bytes_used
        try:
            fs = _SquashFS(data, found)
        except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
            kind, message = failure(exc)
            out.issue(kind, f"cannot open the filesystem: {message}")
            return found.bytes_used
        for table in fs.lost_tables:
            out.issue(IssueKind.TRUNCATED, f"the {table} table lies beyond the end of the data")
        walk(_Source(fs, out.budget.limits.max_bytes), out)
        return found.bytes_used


def _identify(data: memoryview) -> _Super | _Legacy | None:
    if len(data) < _SUPER.size:
        return None
    magic = bytes(data[:4])
    big_endian = magic == b"sqsh"
    if not big_endian and magic != b"hsqs":
        return None
    endian = ">" if big_endian else "<"
    major, minor = struct.unpack_from(endian + "HH", data, 28)
    if major in {1, 2, 3}:
        return _legacy(data, endian, major, minor)
    sb = _Super._make((_SUPER_BE if big_endian else _SUPER).unpack_from(data))
    if major != 4 or not _sane(sb):
        return None
    return _Legacy(major, minor, big_endian, sb.bytes_used) if big_endian else sb


def _table_fits(start: int, count: int, entry_size: int, end: int) -> bool:
    """Tell whether a table's index (one 8-byte pointer per metadata block) lies inside the image."""
    blocks = (count * entry_size + _METADATA_SIZE - 1) // _METADATA_SIZE
    return start + blocks * 8 <= end


def _sane(sb: _Super) -> bool:
    """Check every superblock field a reader relies on, so random bytes after a magic are rejected."""
    end = sb.bytes_used
    block_ok = 4096 <= sb.block_size <= 1 << 20 and sb.block_size == 1 << sb.block_log
    tables_ok = (
        _SUPER.size <= sb.inode_table_start < sb.directory_table_start <= end
        and (sb.root_inode >> 16) < sb.directory_table_start - sb.inode_table_start
        and (sb.root_inode & 0xFFFF) < _METADATA_SIZE
        and sb.no_ids >= 1
        and _table_fits(sb.id_table_start, sb.no_ids, 4, end)
    )
    if sb.fragment_table_start == _INVALID:
        fragments_ok = sb.fragments == 0
    else:
        fragments_ok = _table_fits(sb.fragment_table_start, sb.fragments, 16, end)
    lookup_ok = sb.lookup_table_start == _INVALID or _table_fits(sb.lookup_table_start, sb.inodes, 8, end)
    xattr_ok = sb.xattr_id_table_start == _INVALID or sb.xattr_id_table_start < end
    return (
        block_ok
        and sb.compression in _COMPRESSORS
        and sb.minor == 0
        and sb.inodes >= 1
        and tables_ok
        and fragments_ok
        and lookup_ok
        and xattr_ok
    )


def _legacy(data: memoryview, endian: str, major: int, minor: int) -> _Legacy | None:
    """Recognise a squashfs 1.x-3.x superblock (struct squashfs_super_block_3, packed).

    Only what detection needs is read: the block size for sanity, and the size (`bytes_used_2`
    at 8 before 3.0, the 64-bit `bytes_used` at 63 from 3.0 on).
    """
    inodes, bytes_used_2 = struct.unpack_from(endian + "II", data, 4)
    block_size_1, block_log = struct.unpack_from(endian + "HH", data, 32)
    if inodes == 0 or not 12 <= block_log <= 20:
        return None
    if major == 3:
        (block_size,) = struct.unpack_from(endian + "I", data, 51)
        (bytes_used,) = struct.unpack_from(endian + "Q", data, 63)
        if block_size != 1 << block_log:
            return None
    else:
        # The 16-bit block_size_1 reads 0 for 64 KiB blocks, the largest these versions allow.
        if block_log > 16 or block_size_1 != (1 << block_log) & 0xFFFF:
            return None
        bytes_used = bytes_used_2
    if bytes_used < _SUPER.size:
        return None
    return _Legacy(major, minor, endian == ">", bytes_used)


class _SquashFS(SquashFS):  # type: ignore[misc]  # dissect ships no type information
    """dissect's SquashFS over a memoryview, with every block read bounded.

    dissect decompresses in one place, `_read_block`, through `self._compression`, whose codecs
    call `zlib.decompress(data)` and friends without a size limit. Replacing `_compression`
    after construction is not enough: it is also used during construction (compression
    options), and it would bound a metadata block only by the data block size (up to 1 MiB,
    kept 1024 times in dissect's block cache). Overriding `_read_block` fixes both: metadata
    blocks are bounded at 8 KiB, data blocks at the block size, and blocks are sliced from the
    view without seeking a file object.
    """

    def __init__(self, view: memoryview, sb: _Super) -> None:
        self.view = view
        _, self.codec, slow = _COMPRESSORS[sb.compression]
        self.parallel = slow and _WORKERS > 1
        self.lost_tables: list[str] = []
        self._table_names = {
            sb.id_table_start: "id",
            sb.lookup_table_start: "export (inode lookup)",
            sb.fragment_table_start: "fragment",
        }
        super().__init__(ViewFile(view))
        self.fragment = _FragmentCache(self._fragment, self._fragment_ahead if self.parallel else None)

    def _read_block(self, block: int, length: int | None = None) -> tuple[int, bytes]:
        view = self.view
        if length is None:
            if block < 0 or block + 2 > len(view):
                raise FsError(IssueKind.TRUNCATED, f"metadata block at {block} lies beyond the end")
            (word,) = struct.unpack_from("<H", view, block)
            size = word & ~_UNCOMPRESSED_METADATA
            compressed = not word & _UNCOMPRESSED_METADATA
            block += 2
            limit = _METADATA_SIZE
        else:
            size = length & ~_UNCOMPRESSED_DATA
            compressed = not length & _UNCOMPRESSED_DATA
            limit = self.block_size
        if size > limit:
            raise FsError(IssueKind.MALFORMED, f"block at {block} says it stores {size} bytes, over {limit}")
        if block < 0 or block + size > len(view):
            raise FsError(IssueKind.TRUNCATED, f"block at {block} ({size} bytes) lies beyond the end")
        raw = view[block : block + size]
        return block + size, self.codec(raw, limit) if compressed else raw.tobytes()

    def _read_table(self, offset: int, count: int, entry_size: int) -> list[int]:
        if not count or offset in {-1, _INVALID}:
            return []
        blocks = (count * entry_size + _METADATA_SIZE - 1) // _METADATA_SIZE
        if offset < 0 or offset + blocks * 8 > len(self.view):
            self.lost_tables.append(self._table_names.get(offset, f"at {offset}"))
            return []
        return list(struct.unpack_from(f"<{blocks}Q", self.view, offset))

    def inode_type(self, entry: INode) -> int:
        """Read an inode's type alone: dissect fails on an unknown one with a bare TypeError."""
        _, _, raw = self._read_metadata(self.sb.inode_table_start + entry.block, entry.offset, 2)
        if len(raw) < 2:
            raise FsError(IssueKind.TRUNCATED, "the inode lies beyond the end")
        kind: int = struct.unpack("<H", raw)[0]
        return kind

    def block_words(self, entry: INode, count: int) -> tuple[int, ...]:
        """Read a regular file's block list: one 32-bit word (stored size and flag) per block."""
        if not count:
            return ()
        _, _, raw = self._read_metadata(entry.data_block, entry.data_offset, count * 4)
        return struct.unpack(f"<{count}I", raw)

    def _fragment(self, index: int) -> bytes:
        """Decompress one fragment block (through `self.fragment`, which caches them)."""
        if not self.fragment_table:
            raise FsError(IssueKind.TRUNCATED, "the file ends in a fragment, and the fragment table is lost")
        if index >= self.sb.fragments:
            raise FsError(IssueKind.MALFORMED, f"fragment {index} of {self.sb.fragments}")
        entry = self._lookup_fragment(index)
        # The class's method, not the instance's cached one: data blocks stay out of that cache.
        _, data = _SquashFS._read_block(self, entry.start_block, entry.size)
        return data

    def _fragment_ahead(self, index: int) -> Future[tuple[int, bytes]] | None:
        """Start decoding fragment block `index` in the decoder threads; None when it cannot be.

        The entry is looked up here, in the caller's thread (dissect's tables and caches are not
        shared with the threads); only the decoding, from the image's bytes, runs in a thread. A
        fragment whose entry cannot be read is not started: reading it (`_fragment`) reports why.
        """
        if not self.fragment_table or index >= self.sb.fragments:
            return None
        try:
            entry = self._lookup_fragment(index)
        except Exception:  # noqa: BLE001  (hostile tables: `_fragment` meets the same failure and reports it)
            return None
        return _decoders(os.getpid()).submit(_SquashFS._read_block, self, entry.start_block, entry.size)


class _FragmentCache:
    """Decompressed fragment blocks, within a byte budget, the next ones decoded ahead.

    Small files share fragment blocks in the order they are listed, and an audit reads every
    file twice in that order: once while unpacking (to recognise it), once to analyse it. The
    first `_KEEP_BYTES` of fragments decoded stay for the second pass (for a camera rootfs, that
    is usually all of them); past that, only the last few stay, for neighbours sharing one. An
    LRU alone would evict exactly what the second pass needs first once the image outgrows it.

    With `ahead`, a block decoded on demand starts the next `_AHEAD` ones in the decoder threads:
    the unpack, which recognises the files one by one in one thread, otherwise decodes every
    fragment block in that thread while the other cores wait (xz: half its time on a camera rootfs).
    A block started ahead is taken from its thread when asked for, with the result or the failure
    decoding it on demand gives. A forked process does not wait for its parent's threads: it
    decodes on demand what its parent had started.
    """

    def __init__(
        self,
        load: Callable[[int], bytes],
        ahead: Callable[[int], Future[tuple[int, bytes]] | None] | None = None,
    ) -> None:
        self._load = load
        self._ahead = ahead
        self._kept: dict[int, bytes] = {}
        self._kept_bytes = 0
        self._recent: OrderedDict[int, bytes] = OrderedDict()
        self._started: dict[int, Future[tuple[int, bytes]]] = {}
        self._owner = os.getpid()

    def __call__(self, index: int) -> bytes:
        data = self._kept.get(index)
        if data is not None:
            return data
        data = self._recent.get(index)
        if data is not None:
            self._recent.move_to_end(index)
            return data
        if self._owner != os.getpid():
            self._started, self._owner = {}, os.getpid()
        started = self._started.pop(index, None)
        data = self._load(index) if started is None else started.result()[1]
        self._start_after(index)
        if self._kept_bytes + len(data) <= _KEEP_BYTES:
            self._kept[index] = data
            self._kept_bytes += len(data)
        else:
            self._recent[index] = data
            if len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        return data

    def _start_after(self, index: int) -> None:
        """Start the `_AHEAD` blocks after `index` that are neither held nor started."""
        if self._ahead is None:
            return
        for following in range(index + 1, index + 1 + _AHEAD):
            if following in self._started or following in self._kept or following in self._recent:
                continue
            started = self._ahead(following)
            if started is None:
                return
            self._started[following] = started


@dataclass(frozen=True, slots=True)
class _File:
    """Where a regular file's data is: its blocks in order, then an optional fragment tail."""

    size: int
    start: int
    blocks: tuple[int, ...]
    fragment: int
    fragment_offset: int


class _Source(Source[INode]):
    def __init__(self, fs: _SquashFS, max_file: int) -> None:
        self.fs = fs
        self.max_file = max_file

    def root(self) -> INode:
        return self.fs.root

    def children(self, directory: INode) -> Iterator[tuple[bytes, INode]]:
        for inode in directory.iterdir():
            yield inode.name.encode("utf-8", "surrogateescape"), inode

    def member(self, entry: INode) -> Member:
        inode_type = self.fs.inode_type(entry)
        kind = _KINDS.get(inode_type)
        if kind is None:
            raise FsError(IssueKind.MALFORMED, f"unknown inode type {inode_type}")
        header = entry.header
        identity = (entry.block, entry.offset)
        mode = (header.mode & 0o7777) | _FORMAT_BITS[kind]
        if kind is NodeKind.FILE:
            return Member(kind, identity, mode, content=self.content(entry))
        if kind is NodeKind.SYMLINK:
            if header.symlink_size > MAX_LINK_TARGET:
                raise FsError(IssueKind.MALFORMED, f"symlink target of {header.symlink_size} bytes")
            return Member(kind, identity, mode, target=entry.link.encode("utf-8", "surrogateescape"))
        return Member(kind, identity, mode)

    def content(self, entry: INode) -> Lazy:
        header = entry.header
        size: int = header.file_size
        fs = self.fs
        if size > self.max_file:
            # Never read by the engine: it withholds a file larger than everything an unpack may
            # produce, and reading its block list first could be a metadata bomb.
            return Lazy(size, functools.partial(_refuse, size))
        fragment: int = header.fragment
        if fragment == _INVALID_FRAGMENT:
            count, tail = -(-size // fs.block_size), 0
        else:
            count, tail = divmod(size, fs.block_size)
        words = fs.block_words(entry, count)
        spec = _File(size, header.start_block, words, fragment, header.offset)
        stored = sum(w & ~_UNCOMPRESSED_DATA for w in words) + tail
        return Lazy(size, functools.partial(_read, fs, spec), stored)


def _refuse(size: int, _n: int | None) -> bytes:
    raise FsError(IssueKind.LIMIT, f"a {size}-byte file is larger than an unpack may produce")


@dataclass(frozen=True, slots=True)
class _Block:
    """One data block to decode.

    `raw` is None for a sparse block; `need` is set on a last block of which only part is wanted.
    """

    index: int
    raw: memoryview | None
    compressed: bool
    expect: int
    need: int | None


def _read(fs: _SquashFS, spec: _File, n: int | None) -> bytes:
    """Return the first `n` bytes of a file (all for None), decompressing only the blocks needed."""
    want = spec.size if n is None else max(0, min(n, spec.size))
    blocks = _plan(fs, spec, want)
    if fs.parallel and sum(block.compressed for block in blocks) > 1:
        # xz, lzma and zlib decode at 20-100 MB/s and release the GIL: a file's blocks decode
        # side by side, as unsquashfs does with its threads.
        parts = list(_decoders(os.getpid()).map(functools.partial(_decode, fs), blocks))
    else:
        parts = [_decode(fs, block) for block in blocks]
    got = sum(len(part) for part in parts)
    if got < want and spec.fragment != _INVALID_FRAGMENT:
        tail = fs.fragment(spec.fragment)[spec.fragment_offset : spec.fragment_offset + spec.size - got]
        if len(tail) != spec.size - got:
            raise FsError(IssueKind.MALFORMED, f"fragment {spec.fragment} is shorter than the file's tail")
        parts.append(tail)
        got += len(tail)
    if got < want:
        raise FsError(IssueKind.MALFORMED, f"the inode lists {got} of the file's {spec.size} bytes")
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    return data if len(data) == want else data[:want]


def _plan(fs: _SquashFS, spec: _File, want: int) -> list[_Block]:
    """Locate the blocks that hold a file's first `want` bytes."""
    view, block_size = fs.view, fs.block_size
    blocks: list[_Block] = []
    got = 0
    pos = spec.start
    for index, word in enumerate(spec.blocks):
        if got >= want:
            break
        expect = min(block_size, spec.size - got)
        need = want - got if want - got < expect else None
        stored = word & ~_UNCOMPRESSED_DATA
        if stored == 0:
            blocks.append(_Block(index, None, compressed=False, expect=expect, need=need))
        else:
            if stored > block_size or pos + stored > len(view):
                raise FsError(IssueKind.TRUNCATED, f"data block {index} lies beyond the end of the image")
            blocks.append(
                _Block(index, view[pos : pos + stored], not word & _UNCOMPRESSED_DATA, expect, need)
            )
            pos += stored
        got += expect
    return blocks


def _decode(fs: _SquashFS, block: _Block) -> bytes:
    """Decode one block; stream codecs stop early when only its first bytes are needed."""
    if block.raw is None:
        chunk = bytes(block.expect if block.need is None else block.need)
    elif block.compressed:
        chunk = fs.codec(block.raw, fs.block_size, block.need)
    else:
        chunk = block.raw.tobytes()
    if block.need is not None and len(chunk) >= block.need:
        return chunk[: block.need]
    if len(chunk) != block.expect:
        raise FsError(
            IssueKind.MALFORMED, f"data block {block.index} holds {len(chunk)} bytes, not {block.expect}"
        )
    return chunk


@functools.cache
def _decoders(pid: int) -> ThreadPoolExecutor:
    """Threads that decode blocks, one pool per process: a forked child must not use its parent's."""
    return ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix=f"squashfs-blocks-{pid}")


HANDLER = SquashfsHandler()
