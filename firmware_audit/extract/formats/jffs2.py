"""JFFS2, little- and big-endian: a log of CRC-checked nodes, replayed into a tree.

dissect.jffs's `JFFS2` cannot be used as it is: it reads little-endian images only (its structures
and its node scan are hard-wired little-endian), checks no CRC, loops forever on a node whose
length is 0, raises on an unlink of a name it has not seen, inflates with an unbounded
`zlib.decompress`, and plays data nodes back in list order rather than by version. The reader
here takes dissect.jffs's node definitions (constants, layouts) and walks the nodes itself. The
walk also gives what no header states: where the filesystem ends.
"""

from __future__ import annotations

import functools
import re
import stat
import struct
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dissect.jffs.c_jffs2 import c_jffs2

from firmware_audit.extract.formats._blockcodec import Codec, lzo_block, rtime_block, zlib_block
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

_MAGIC = c_jffs2.JFFS2_MAGIC_BITMASK
_ACCURATE = c_jffs2.JFFS2_NODE_ACCURATE
_COMPAT_MASK = c_jffs2.JFFS2_COMPAT_MASK
_INCOMPAT = c_jffs2.JFFS2_FEATURE_INCOMPAT
_DIRENT = c_jffs2.JFFS2_NODETYPE_DIRENT
_INODE = c_jffs2.JFFS2_NODETYPE_INODE
_HEADER = 12
_INODE_SIZE = 68
_DIRENT_SIZE = 40
_ROOT = 1
_RESYNC = 64 * 1024
"""How far past damaged bytes the walk looks for the next node before deciding the nodes ended."""
_NOT_ERASED = re.compile(rb"[^\xff]")
_MAX_NODE_DATA = 256 * 1024
"""Linux writes at most one page of data per node (fs/jffs2/write.c, jffs2_write_inode_range); no
architecture has pages over 256 KiB. Only holes (`ZERO` nodes) span more."""

_COMPR_NONE = c_jffs2.JFFS2_COMPR_NONE
_COMPR_ZERO = c_jffs2.JFFS2_COMPR_ZERO
_CODECS: dict[int, Codec] = {
    c_jffs2.JFFS2_COMPR_ZLIB: zlib_block,
    c_jffs2.JFFS2_COMPR_LZO: lzo_block,
    c_jffs2.JFFS2_COMPR_RTIME: rtime_block,
}
_COMPR_NAMES = {
    c_jffs2.JFFS2_COMPR_RUBINMIPS: "rubinmips",
    c_jffs2.JFFS2_COMPR_COPY: "copy",
    c_jffs2.JFFS2_COMPR_DYNRUBIN: "dynrubin",
    8: "lzma (OpenWrt)",
}


def _crc(data: bytes | memoryview) -> int:
    """JFFS2's CRC32: the kernel's crc32(0, ...), without zlib's inversions."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Data:
    """One inode node: metadata as of its version, and a range of the file's data."""

    version: int
    mode: int
    isize: int
    offset: int
    dsize: int
    compr: int
    start: int
    csize: int


@dataclass(frozen=True, slots=True)
class _Dirent:
    version: int
    ino: int
    name: bytes


@dataclass(slots=True)
class _Log:
    """Everything the node walk found."""

    end: int = 0
    inodes: dict[int, list[_Data]] = field(default_factory=dict)
    dirents: dict[tuple[int, bytes], _Dirent] = field(default_factory=dict)
    bad_crc: int = 0
    skipped: list[tuple[int, int]] = field(default_factory=list)
    unknown_types: set[int] = field(default_factory=set)


class Jffs2Handler(Handler):
    """JFFS2 (mkfs.jffs2 `-l` or `-b`)."""

    name = "jffs2"
    magics = (b"\x85\x19", b"\x19\x85")

    def probe(self, data: memoryview) -> Detection | None:
        """Check the first node's header CRC: random bytes hold the 2-byte magic all the time."""
        endian = _endian(data)
        if endian is None or _node_at(data, 0, endian) is None:
            return None
        return Detection(f"JFFS2 filesystem, {'big' if endian == '>' else 'little'}-endian")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Walk the nodes to their end, replay them into a tree, and return where they end."""
        endian = _endian(data)
        if endian is None:
            out.issue(IssueKind.MALFORMED, "the first node no longer checks out")
            return None
        log = _scan(data, endian, out)
        if log.bad_crc:
            out.issue(IssueKind.CHECKSUM, f"{log.bad_crc} nodes failed their CRC check and were ignored")
        for start, length in log.skipped:
            out.issue(IssueKind.MALFORMED, f"{length} damaged bytes between nodes skipped", start)
        for kind in sorted(log.unknown_types):
            out.issue(IssueKind.UNSUPPORTED, f"node type {kind:#06x} is not known; its nodes were skipped")
        _report_codecs(log, out)
        walk(_Source(data, log), out)
        return log.end


def _endian(data: memoryview) -> str | None:
    head = bytes(data[:2])
    if head == b"\x85\x19":
        return "<"
    if head == b"\x19\x85":
        return ">"
    return None


def _node_at(data: memoryview, pos: int, endian: str) -> tuple[int, int] | None:
    """Return (node type, total length) when a node header with a valid CRC starts at `pos`."""
    if pos + _HEADER > len(data):
        return None
    magic, nodetype, totlen, hdr_crc = struct.unpack_from(endian + "HHII", data, pos)
    if magic != _MAGIC or totlen < _HEADER or pos + totlen > len(data):
        return None
    # An obsoleted node has its ACCURATE bit cleared in place; its CRC was taken with the bit set.
    header = struct.pack(endian + "HHI", magic, nodetype | _ACCURATE, totlen)
    if _crc(header) != hdr_crc:
        return None
    return nodetype, totlen


def _scan(data: memoryview, endian: str, out: Output) -> _Log:
    """Walk nodes from offset 0 until they stop; the extent covers them and the erased space after."""
    log = _Log()
    pos = 0
    magic = struct.pack(endian + "H", _MAGIC)
    nodes = 0
    while pos + _HEADER <= len(data):
        node = _node_at(data, pos, endian)
        if node is not None:
            if node[0] & _ACCURATE:
                _record(data, pos, node, endian, log)
            pos += (node[1] + 3) & ~3
            log.end = min(pos, len(data))
            nodes += 1
            if nodes % 4096 == 0:
                out.budget.check_time()
            continue
        # Erased flash (0xFF) between and after nodes is the filesystem's free space.
        erased = _NOT_ERASED.search(data, pos)
        if erased is None:
            log.end = len(data)
            break
        if erased.start() >= pos + 4:
            pos = log.end = erased.start() & ~3
            continue
        found = _resync(data, pos + 4, magic, endian)
        if found is None:
            break
        log.skipped.append((pos, found - pos))
        pos = found
    return log


def _resync(data: memoryview, pos: int, magic: bytes, endian: str) -> int | None:
    """Find the next aligned, CRC-valid node header within `_RESYNC` bytes of `pos`."""
    pattern = re.compile(re.escape(magic))
    limit = min(len(data), pos + _RESYNC)
    for hit in pattern.finditer(data, pos, limit):
        at = hit.start()
        if at % 4 == 0 and _node_at(data, at, endian) is not None:
            return at
    return None


def _record(data: memoryview, pos: int, node: tuple[int, int], endian: str, log: _Log) -> None:
    """Keep an inode or dirent node whose own CRCs hold; count the ones that fail."""
    nodetype, totlen = node
    if nodetype == _INODE:
        if totlen < _INODE_SIZE:
            log.bad_crc += 1
            return
        ino, version, mode, _, _, isize, _, _, _, offset, csize, dsize, compr, _, _, dcrc, ncrc = (
            struct.unpack_from(endian + "IIIHHIIIIIIIBBHII", data, pos + _HEADER)
        )
        start = pos + _INODE_SIZE
        if (
            _crc(data[pos : pos + _INODE_SIZE - 8]) != ncrc
            or _INODE_SIZE + csize > totlen
            or _crc(data[start : start + csize]) != dcrc
        ):
            log.bad_crc += 1
            return
        log.inodes.setdefault(ino, []).append(_Data(version, mode, isize, offset, dsize, compr, start, csize))
    elif nodetype == _DIRENT:
        if totlen < _DIRENT_SIZE:
            log.bad_crc += 1
            return
        pino, version, ino, _, nsize, _, ncrc, name_crc = struct.unpack_from(
            endian + "IIIIBB2xII", data, pos + _HEADER
        )
        name = data[pos + _DIRENT_SIZE : pos + _DIRENT_SIZE + nsize]
        if (
            _crc(data[pos : pos + _DIRENT_SIZE - 8]) != ncrc
            or _DIRENT_SIZE + nsize > totlen
            or _crc(name) != name_crc
        ):
            log.bad_crc += 1
            return
        key = (pino, name.tobytes())
        old = log.dirents.get(key)
        if old is None or version >= old.version:
            log.dirents[key] = _Dirent(version, ino, key[1])
    elif nodetype & _COMPAT_MASK == _INCOMPAT:
        log.unknown_types.add(nodetype)


def _report_codecs(log: _Log, out: Output) -> None:
    """Say once per compressor when data nodes use one that cannot be decoded."""
    counts: dict[int, int] = {}
    for nodes in log.inodes.values():
        for node in nodes:
            if node.csize and node.compr not in _CODECS and node.compr not in {_COMPR_NONE, _COMPR_ZERO}:
                counts[node.compr] = counts.get(node.compr, 0) + 1
    for compr, count in sorted(counts.items()):
        shown = _COMPR_NAMES.get(compr, f"id {compr}")
        out.issue(
            IssueKind.UNSUPPORTED,
            f"{count} data nodes use {shown} compression; the files holding them cannot be read",
        )


class _Source(Source[int]):
    """The replayed tree: directory entries by parent inode, inodes by number."""

    def __init__(self, data: memoryview, log: _Log) -> None:
        self.data = data
        self.log = log
        self.tree: dict[int, list[_Dirent]] = {}
        for (pino, _), dirent in sorted(log.dirents.items()):
            if dirent.ino:  # ino 0: the name was unlinked
                self.tree.setdefault(pino, []).append(dirent)
        for nodes in log.inodes.values():
            nodes.sort(key=lambda node: node.version)

    def root(self) -> int:
        return _ROOT

    def children(self, directory: int) -> Iterator[tuple[bytes, int]]:
        for dirent in self.tree.get(directory, ()):
            yield dirent.name, dirent.ino

    def member(self, entry: int) -> Member:
        nodes = self.log.inodes.get(entry)
        if not nodes:
            if entry == _ROOT:  # the root directory has no inode node of its own
                return Member(NodeKind.DIRECTORY, entry, stat.S_IFDIR | 0o755)
            raise FsError(IssueKind.MALFORMED, f"inode {entry} has a name but no inode node")
        latest = nodes[-1]
        kind = KIND_BY_MODE.get(stat.S_IFMT(latest.mode))
        if kind is None:
            raise FsError(IssueKind.MALFORMED, f"unknown file type in mode {latest.mode:#o}")
        if kind is NodeKind.FILE:
            stored = sum(node.csize for node in nodes)
            return Member(kind, entry, latest.mode, content=Lazy(latest.isize, self.reader(nodes), stored))
        if kind is NodeKind.SYMLINK:
            if latest.isize > MAX_LINK_TARGET:
                raise FsError(IssueKind.MALFORMED, f"symlink target of {latest.isize} bytes")
            return Member(kind, entry, latest.mode, target=_read(self.data, nodes, None))
        return Member(kind, entry, latest.mode)

    def reader(self, nodes: list[_Data]) -> functools.partial[bytes]:
        return functools.partial(_read, self.data, nodes)


def _read(data: memoryview, nodes: list[_Data], n: int | None) -> bytes:
    """Replay an inode's data nodes in version order into its first `n` bytes (all for None)."""
    size = nodes[-1].isize
    want = size if n is None else max(0, min(n, size))
    out = bytearray(want)
    for node in nodes:
        if node.offset >= want or not node.dsize:
            continue
        stop = min(node.offset + node.dsize, want)
        if node.compr == _COMPR_ZERO:  # a hole: zeros as far as the file goes, whatever dsize claims
            out[node.offset : stop] = bytes(stop - node.offset)
            continue
        if node.dsize > _MAX_NODE_DATA:
            raise FsError(
                IssueKind.MALFORMED, f"a data node claims {node.dsize} bytes; a node holds one page at most"
            )
        if node.compr == _COMPR_NONE:
            piece = data[node.start : node.start + node.csize].tobytes()
        else:
            codec = _CODECS.get(node.compr)
            if codec is None:
                shown = _COMPR_NAMES.get(node.compr, f"id {node.compr}")
                raise FsError(IssueKind.UNSUPPORTED, f"data compressed with {shown}")
            piece = codec(data[node.start : node.start + node.csize], node.dsize)
        if len(piece) != node.dsize:
            raise FsError(IssueKind.MALFORMED, f"a data node holds {len(piece)} bytes, not {node.dsize}")
        out[node.offset : stop] = piece[: stop - node.offset]
    return bytes(out)


HANDLER = Jffs2Handler()
