"""UBIFS images (a superblock node, magic `31 18 10 06`, at offset 0): the files of the filesystem.

A UBIFS image is a run of logical erase blocks (LEBs) holding nodes; the master node names the
root of an index tree whose leaves are inode, directory-entry and data nodes. ubi-reader parses
the nodes here (`ubireader.ubifs.nodes`). Its `ubifs` object, `walk.index` and
`misc.process_reg_file` are not used: they need a file object, call `sys.exit` and print on bad
input, the index walk recurses with no visited set (an index node that names itself recurses to
Python's limit, shared subtrees are walked again and again) and collects into a mutable default
argument, and data nodes are decompressed with an unbounded `zlib.decompress`. Here the walk is
iterative with a visited set, every node's CRC is checked, and each data node is decompressed
into at most the 4 KiB one UBIFS block holds; files are read lazily.
"""

from __future__ import annotations

import stat
import struct
import sys
import zlib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import partial

from lzallright import LZOCompressor, LZOError
from ubireader.ubifs import nodes
from ubireader.ubifs.defines import (
    UBIFS_BLOCK_SIZE,
    UBIFS_COMMON_HDR_SZ,
    UBIFS_COMPR_LZO,
    UBIFS_COMPR_NONE,
    UBIFS_COMPR_ZLIB,
    UBIFS_COMPR_ZSTD,
    UBIFS_DATA_NODE,
    UBIFS_DATA_NODE_SZ,
    UBIFS_DENT_NODE,
    UBIFS_DENT_NODE_SZ,
    UBIFS_IDX_NODE,
    UBIFS_INO_NODE,
    UBIFS_MST_LNUM,
    UBIFS_MST_NODE,
    UBIFS_MST_NODE_SZ,
    UBIFS_NODE_MAGIC,
    UBIFS_PAD_NODE,
    UBIFS_ROOT_INO,
    UBIFS_S_KEY_BLOCK_MASK,
    UBIFS_SB_NODE,
    UBIFS_SB_NODE_SZ,
)

from firmware_audit.extract.formats.base import (
    SPECIAL_BY_MODE,
    Detection,
    Entry,
    Handler,
    Lazy,
    NodeKind,
    Output,
)
from firmware_audit.model import IssueKind

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

_CRYPT_FL = 0x40  # fs/ubifs/ubifs-media.h: UBIFS_CRYPT_FL (ubi-reader does not define it)
_COMPRESSORS = {
    UBIFS_COMPR_NONE: "none",
    UBIFS_COMPR_LZO: "lzo",
    UBIFS_COMPR_ZLIB: "zlib",
    UBIFS_COMPR_ZSTD: "zstd",
}
# LZO's worst case for one incompressible block (lzo1x: n + n/16 + 64 + 3); UBIFS stores such
# blocks uncompressed, so a longer LZO node is malformed, and its output stays bounded (LZO can
# expand at most about 255 times).
_LZO_INPUT_MAX = UBIFS_BLOCK_SIZE + UBIFS_BLOCK_SIZE // 16 + 64 + 3
_MIN_LEB = 4096
_MAX_LEB = 16 * 1024 * 1024
_MAX_DEPTH = 256
_TIME_EVERY = 4096


@dataclass(frozen=True, slots=True)
class _Block:
    """One data node: which 4 KiB block of its file it holds, and where its payload lies."""

    number: int
    offset: int
    length: int
    compression: int
    size: int


@dataclass(slots=True)
class _Index:
    """What the index leaves say: inodes, data blocks by inode, directory entries by parent inode."""

    inodes: dict[int, nodes.ino_node] = field(default_factory=dict)
    blocks: dict[int, list[_Block]] = field(default_factory=lambda: defaultdict(list))
    dents: dict[int, list[tuple[bytes, int]]] = field(default_factory=lambda: defaultdict(list))


class UbifsHandler(Handler):
    """UBIFS filesystem image (as `mkfs.ubifs` writes it, or a UBI volume's content)."""

    name = "ubifs"
    magics = (UBIFS_NODE_MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Check the superblock node (type, CRC, geometry); the length is the LEBs it counts."""
        sb = _superblock(data)
        if sb is None:
            return None
        compressor = _COMPRESSORS.get(sb.default_compr, f"compressor {sb.default_compr}")
        label = f"UBIFS filesystem, {compressor}, {sb.leb_size} byte LEBs"
        return Detection(label, min(sb.leb_cnt * sb.leb_size, len(data)))

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Walk the index from the newest master node and list the tree from the root inode."""
        sb = _superblock(data)
        assert sb is not None
        fs = _Filesystem(data, sb.leb_size, sb.leb_cnt, out)
        master = fs.master()
        if master is None:
            out.issue(IssueKind.MALFORMED, "no valid master node; the index cannot be found")
        else:
            fs.emit(fs.walk(master.root_lnum, master.root_offs))
        return min(sb.leb_cnt * sb.leb_size, len(data))


def _superblock(data: memoryview) -> nodes.sb_node | None:
    """The superblock node at offset 0, when its type, CRC and geometry are plausible."""
    head = bytes(data[:UBIFS_COMMON_HDR_SZ])
    if len(head) < UBIFS_COMMON_HDR_SZ or head[:4] != UBIFS_NODE_MAGIC:
        return None
    header = nodes.common_hdr(head)
    end = UBIFS_COMMON_HDR_SZ + UBIFS_SB_NODE_SZ
    if header.node_type != UBIFS_SB_NODE or not end <= header.len <= len(data):
        return None
    if _crc(data[8 : header.len]) != header.crc:
        return None
    sb = nodes.sb_node(bytes(data[UBIFS_COMMON_HDR_SZ:end]))
    if not _MIN_LEB <= sb.leb_size <= _MAX_LEB or sb.leb_cnt < 3 or sb.min_io_size < 1:
        return None
    return sb


def _crc(view: memoryview) -> int:
    """UBIFS's CRC-32: seeded with all ones and not inverted at the end (zlib's is)."""
    return ~zlib.crc32(view) & 0xFFFFFFFF


def _align8(offset: int) -> int:
    return (offset + 7) & ~7


class _Filesystem:
    """Reads nodes by (LEB, offset) from the image, and turns the index into members."""

    def __init__(self, data: memoryview, leb_size: int, leb_count: int, out: Output) -> None:
        self.data = data
        self.leb_size = leb_size
        self.leb_count = leb_count
        self.out = out

    def node(self, lnum: int, offs: int) -> tuple[nodes.common_hdr, int] | str:
        """The node at `lnum:offs` (its header, and where its body starts), or what is wrong with it."""
        if not (0 <= lnum < self.leb_count and 0 <= offs <= self.leb_size - UBIFS_COMMON_HDR_SZ):
            return f"LEB {lnum}:{offs} is outside the filesystem"
        pos = lnum * self.leb_size + offs
        head = bytes(self.data[pos : pos + UBIFS_COMMON_HDR_SZ])
        if len(head) < UBIFS_COMMON_HDR_SZ:
            return f"LEB {lnum}:{offs} lies past the end of the image"
        if head[:4] != UBIFS_NODE_MAGIC:
            return f"no node at LEB {lnum}:{offs}"
        header = nodes.common_hdr(head)
        if not UBIFS_COMMON_HDR_SZ <= header.len <= self.leb_size - offs or pos + header.len > len(self.data):
            return f"node at LEB {lnum}:{offs} has an impossible length {header.len}"
        if _crc(self.data[pos + 8 : pos + header.len]) != header.crc:
            return f"node at LEB {lnum}:{offs} fails its CRC"
        return header, pos + UBIFS_COMMON_HDR_SZ

    def master(self) -> nodes.mst_node | None:
        """The newest valid master node of the two master LEBs."""
        found: list[tuple[int, int, nodes.mst_node]] = []
        for lnum in (UBIFS_MST_LNUM, UBIFS_MST_LNUM + 1):
            offs = 0
            while offs <= self.leb_size - UBIFS_COMMON_HDR_SZ:
                got = self.node(lnum, offs)
                if isinstance(got, str):
                    break
                header, start = got
                body = self.data[start : start - UBIFS_COMMON_HDR_SZ + header.len]
                if header.node_type == UBIFS_MST_NODE and len(body) >= UBIFS_MST_NODE_SZ:
                    found.append((header.sqnum, offs, nodes.mst_node(bytes(body[:UBIFS_MST_NODE_SZ]))))
                step = _align8(header.len)
                if header.node_type == UBIFS_PAD_NODE and len(body) >= 4:
                    step = header.len + int.from_bytes(body[:4], "little")
                offs += step
        return max(found, key=lambda f: (f[2].cmt_no, f[0]))[2] if found else None

    def walk(self, root_lnum: int, root_offs: int) -> _Index:
        """Collect the index's leaves; every node is visited once, whatever the index claims."""
        index = _Index()
        stack = [(root_lnum, root_offs)]
        seen: set[tuple[int, int]] = set()
        broken: list[str] = []
        repeated = 0
        while stack:
            where = stack.pop()
            if where in seen:
                repeated += 1
                continue
            seen.add(where)
            if len(seen) % _TIME_EVERY == 0:
                self.out.budget.check_time()
            got = self.node(*where)
            if isinstance(got, str):
                broken.append(got)
                continue
            try:
                self._leaf(got[0], got[1], index, stack)
            except (struct.error, ValueError, ZeroDivisionError, IndexError) as exc:
                broken.append(f"node at LEB {where[0]}:{where[1]} is malformed: {exc}")
        if broken:
            more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
            self.out.issue(IssueKind.MALFORMED, f"index: {broken[0]}{more}; those branches were skipped")
        if repeated:
            self.out.issue(
                IssueKind.MALFORMED, f"index: {repeated} references to nodes already read; ignored"
            )
        return index

    def _leaf(
        self, header: nodes.common_hdr, start: int, index: _Index, stack: list[tuple[int, int]]
    ) -> None:
        """Record one node: follow an index node's branches, keep a leaf's facts."""
        kind = header.node_type
        body = self.data[start : start - UBIFS_COMMON_HDR_SZ + header.len]
        if kind == UBIFS_IDX_NODE:
            idx = nodes.idx_node(bytes(body))
            stack.extend((branch.lnum, branch.offs) for branch in reversed(idx.branches))
        elif kind == UBIFS_INO_NODE:
            inode = nodes.ino_node(bytes(body))
            index.inodes.setdefault(inode.key["ino_num"], inode)
        elif kind == UBIFS_DATA_NODE:
            datum = nodes.data_node(bytes(body[:UBIFS_DATA_NODE_SZ]), 0)
            index.blocks[datum.key["ino_num"]].append(
                _Block(
                    datum.key["khash"] & UBIFS_S_KEY_BLOCK_MASK,
                    start + UBIFS_DATA_NODE_SZ,
                    len(body) - UBIFS_DATA_NODE_SZ,
                    datum.compr_type,
                    datum.size,
                )
            )
        elif kind == UBIFS_DENT_NODE:
            dent = nodes.dent_node(bytes(body[:UBIFS_DENT_NODE_SZ]))
            name = bytes(body[UBIFS_DENT_NODE_SZ : UBIFS_DENT_NODE_SZ + dent.nlen])
            index.dents[dent.key["ino_num"]].append((name, dent.inum))

    def emit(self, index: _Index) -> None:
        """List the tree breadth first from the root inode; each directory is entered once."""
        lister = _Lister(self.data, index, self.out)
        lister.run()
        lister.report()


@dataclass(slots=True)
class _Lister:
    """Turns directory entries into members, guarding against loops and counting what is wrong."""

    data: memoryview
    index: _Index
    out: Output
    queue: deque[tuple[int, bytes, int]] = field(default_factory=deque)
    entered: set[int] = field(default_factory=set)
    first_name: dict[int, bytes] = field(default_factory=dict)
    missing: int = 0
    looping: int = 0
    encrypted: int = 0

    def run(self) -> None:
        """Walk from the root inode, breadth first, each directory's entries in name order."""
        self.queue.append((UBIFS_ROOT_INO, b"", 0))
        self.entered.add(UBIFS_ROOT_INO)
        count = 0
        while self.queue:
            parent, path, depth = self.queue.popleft()
            for name, inum in sorted(self.index.dents.get(parent, ())):
                count += 1
                if count % 256 == 0:
                    self.out.budget.check_time()
                self._entry(path + b"/" + name if path else name, inum, depth)

    def _entry(self, path: bytes, inum: int, depth: int) -> None:
        out = self.out
        inode = self.index.inodes.get(inum)
        if inode is None:
            self.missing += 1
            return
        fmt, mode = stat.S_IFMT(inode.mode), inode.mode & 0o7777
        if fmt == stat.S_IFDIR:
            if inum in self.entered or depth >= _MAX_DEPTH:
                self.looping += 1
                return
            self.entered.add(inum)
            out.directory(path, mode=mode)
            self.queue.append((inum, path, depth + 1))
        elif fmt == stat.S_IFLNK:
            out.link(path, NodeKind.SYMLINK, inode.data[: inode.data_len], mode=mode)
        elif fmt in SPECIAL_BY_MODE:
            out.special(path, SPECIAL_BY_MODE[fmt], mode=mode)
        elif inum in self.first_name:
            out.link(path, NodeKind.HARDLINK, self.first_name[inum], mode=mode)
        else:
            self.first_name[inum] = path
            if inode.flags & _CRYPT_FL:
                self.encrypted += 1
                out.entries.append(Entry(path, NodeKind.FILE, None, mode))
            else:
                out.file(path, self._content(inode, self.index.blocks.get(inum, [])), mode=mode)

    def _content(self, inode: nodes.ino_node, blocks: list[_Block]) -> Lazy:
        ordered = tuple(sorted(blocks, key=lambda b: b.number))
        stored = sum(b.length for b in ordered)
        return Lazy(
            size=inode.size, read=partial(_read, self.data, ordered, inode.size), compressed_size=stored
        )

    def report(self) -> None:
        """Turn what was counted into Issues."""
        out = self.out
        if self.missing:
            out.issue(IssueKind.MALFORMED, f"{self.missing} directory entries name inodes the index lacks")
        if self.looping:
            out.issue(
                IssueKind.MALFORMED,
                f"{self.looping} directory entries lead back into a listed directory (or too deep); skipped",
            )
        if self.encrypted:
            out.issue(
                IssueKind.ENCRYPTED,
                f"{self.encrypted} files are encrypted (fscrypt); recorded without content",
            )


def _read(data: memoryview, blocks: tuple[_Block, ...], size: int, n: int | None) -> bytes:
    """The first `n` bytes (all for None) of a file: its data nodes in order, holes as zeros."""
    want = size if n is None else max(0, min(n, size))
    out = bytearray()
    for block in blocks:
        start = block.number * UBIFS_BLOCK_SIZE
        if start >= want:
            break
        if start < len(out):
            continue  # a second node for the same block: the index should never hold one
        out += bytes(start - len(out))
        out += _decompress(data[block.offset : block.offset + block.length], block)
    if len(out) < want:
        out += bytes(want - len(out))
    return bytes(out[:want])


def _decompress(raw: memoryview, block: _Block) -> bytes:
    """One data node's block, never more than 4 KiB; a size that does not match is an error."""
    if block.size > UBIFS_BLOCK_SIZE:
        raise ValueError(f"data node of block {block.number} says {block.size} bytes; a block holds 4096")
    try:
        if block.compression == UBIFS_COMPR_NONE:
            result = bytes(raw[:UBIFS_BLOCK_SIZE])
        elif block.compression == UBIFS_COMPR_LZO:
            if len(raw) > _LZO_INPUT_MAX:
                raise ValueError(f"LZO node of {len(raw)} bytes is longer than any 4 KiB block needs")
            result = LZOCompressor.decompress(raw, output_size_hint=block.size)
        elif block.compression == UBIFS_COMPR_ZLIB:
            result = zlib.decompressobj(-15).decompress(raw, UBIFS_BLOCK_SIZE)
        elif block.compression == UBIFS_COMPR_ZSTD:
            result = zstd.ZstdDecompressor().decompress(raw, max_length=UBIFS_BLOCK_SIZE)
        else:
            raise ValueError(f"unknown compression {block.compression}")
    except (zlib.error, LZOError, zstd.ZstdError) as exc:
        raise ValueError(f"block {block.number}: {type(exc).__name__}: {exc}") from exc
    if len(result) != block.size:
        raise ValueError(f"block {block.number} decodes to {len(result)} bytes, its node says {block.size}")
    return result


HANDLER = UbifsHandler()
