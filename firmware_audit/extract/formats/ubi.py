"""UBI images (erase blocks with `UBI#` headers): each volume becomes a payload member.

ubi-reader parses the headers here (`ubireader.ubi.block.description`: the erase-counter and
volume-id headers with their CRCs, and the volume table records). Its top-level `ubi` object is
not used: it reads through a file path, calls `sys.exit` and prints on bad input, and chooses the
newest copy of a logical block by comparing every block with every other one (quadratic) and sizes
volumes from block numbers without a bound. The grouping here is a dictionary pass, block numbers
are checked against the volume table, and volumes are read lazily from the input, never copied
block by block until asked for.
"""

from __future__ import annotations

import itertools
import re
import struct
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial

from ubireader.ubi import block as ubi_block
from ubireader.ubi import headers
from ubireader.ubi.defines import (
    UBI_EC_HDR_MAGIC,
    UBI_EC_HDR_SZ,
    UBI_INTERNAL_VOL_START,
    UBI_MAX_VOLUMES,
    UBI_VID_STATIC,
    UBI_VTBL_REC_SZ,
)

from firmware_audit.extract.formats.base import Detection, Handler, Lazy, Output
from firmware_audit.model import IssueKind

_LAYOUT_VOLUME = UBI_INTERNAL_VOL_START
_MIN_PEB = 1024
_MAX_PEB = 16 * 1024 * 1024
_TIME_EVERY = 256
_ERASED = 0xFF
_VTBL_SIZE = UBI_MAX_VOLUMES * UBI_VTBL_REC_SZ
_MAGIC_SEARCH = re.compile(re.escape(UBI_EC_HDR_MAGIC))
_SAMPLE = 64


@dataclass(frozen=True, slots=True)
class _Peb:
    """A valid erase block: where it is, and what its headers (checked by ubi-reader) say."""

    offset: int
    image_seq: int
    data_offset: int
    vid: headers.vid_hdr
    table: tuple[headers._vtbl_rec, ...]


@dataclass(slots=True)
class _Volume:
    """What the volume table and the blocks say about one volume of one UBI image."""

    name: bytes
    static: bool
    reserved: int
    update_marker: bool
    blocks: dict[int, _Peb] = field(default_factory=dict)


class UbiHandler(Handler):
    """UBI image: erase blocks with erase-counter and volume-id headers, volumes in a table."""

    name = "ubi"
    magics = (UBI_EC_HDR_MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Check the first erase-counter header (CRC) and find the erase block size."""
        header = _ec_header(data, 0)
        if header is None:
            return None
        peb = _peb_size(data, header.data_offset)
        if peb is None:
            return None
        return Detection(f"UBI image, {peb // 1024} KiB erase blocks")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Group blocks by image and volume; add every volume of the table as a payload."""
        first = _ec_header(data, 0)
        assert first is not None
        peb = _peb_size(data, first.data_offset)
        if peb is None:
            out.issue(IssueKind.MALFORMED, "no second erase block found; the erase block size is unknown")
            return None
        blocks, extent = _read_blocks(data, peb, out)
        images = _group(data, blocks, out)
        for seq, volumes in images.items():
            prefix = f"image-{seq}/".encode() if len(images) > 1 else b""
            for volume in volumes.values():
                _add_volume(data, peb, prefix, volume, out)
        return extent


def _ec_header(data: memoryview, offset: int) -> headers.ec_hdr | None:
    """The erase-counter header at `offset` when its magic, version and CRC are right."""
    raw = data[offset : offset + UBI_EC_HDR_SZ]
    if len(raw) < UBI_EC_HDR_SZ or bytes(raw[:4]) != UBI_EC_HDR_MAGIC:
        return None
    header = headers.ec_hdr(bytes(raw))
    if header.errors or header.version != 1:
        return None
    if not UBI_EC_HDR_SZ <= header.vid_hdr_offset < header.data_offset < _MAX_PEB:
        return None
    return header


def _peb_size(data: memoryview, data_offset: int) -> int | None:
    """The erase block size: the most common gap between the first valid headers.

    ubi-reader guesses it the same way; an erased or broken block between two good ones makes one
    gap twice as long, and does not change the answer.
    """
    positions: list[int] = []
    for match in _MAGIC_SEARCH.finditer(data):
        if _ec_header(data, match.start()) is not None:
            positions.append(match.start())
            if len(positions) > _SAMPLE:
                break
    gaps = Counter(
        later - earlier
        for earlier, later in itertools.pairwise(positions)
        if _MIN_PEB <= later - earlier <= _MAX_PEB
        and later - earlier > data_offset
        and (later - earlier) & (later - earlier - 1) == 0  # erase blocks are powers of two
    )
    if not gaps:
        return None
    return min(gaps, key=lambda gap: (-gaps[gap], gap))


def _read_blocks(data: memoryview, peb: int, out: Output) -> tuple[list[_Peb], int]:
    """Parse the run of UBI erase blocks from the start (erased blocks may sit between them).

    Returns the valid blocks and the extent: the end of the last block with a UBI header.
    """
    blocks: list[_Peb] = []
    extent = 0
    bad = 0
    for number, start in enumerate(range(0, len(data) - peb + 1, peb)):
        if number % _TIME_EVERY == 0:
            out.budget.check_time()
        view = data[start : start + peb]
        if bytes(view[:4]) != UBI_EC_HDR_MAGIC:
            if _erased(view):
                continue
            break
        extent = start + peb
        parsed = _parse_block(view)
        if isinstance(parsed, _Peb):
            blocks.append(_Peb(start, parsed.image_seq, parsed.data_offset, parsed.vid, parsed.table))
        elif parsed:
            bad += 1
    if bad:
        out.issue(IssueKind.CHECKSUM, f"{bad} erase blocks have a broken UBI header; they were skipped")
    tail = len(data) - extent
    if 0 < tail < peb and bytes(data[extent : extent + 4]) == UBI_EC_HDR_MAGIC:
        out.issue(IssueKind.TRUNCATED, f"the last erase block is cut off after {tail} of {peb} bytes", extent)
        extent = len(data)
    return blocks, extent


def _parse_block(view: memoryview) -> _Peb | bool:
    """The block's headers (offset 0 in the result), or whether it is bad rather than merely free.

    Only the header region is copied: the two headers and, for the layout volume, the table.
    """
    ec = _ec_header(view, 0)
    if ec is None:
        return True
    vol_id = bytes(view[ec.vid_hdr_offset + 8 : ec.vid_hdr_offset + 12])
    internal = int.from_bytes(vol_id, "big") >= UBI_INTERNAL_VOL_START
    try:
        block = ubi_block.description(bytes(view[: ec.data_offset + (_VTBL_SIZE if internal else 0)]))
    except (struct.error, ValueError, IndexError):
        return True
    if not block.is_valid or block.vid_hdr is None:
        # An erase block that holds only its erase counter is free, not bad.
        return not _erased(view[ec.vid_hdr_offset : ec.data_offset])
    return _Peb(0, ec.image_seq, ec.data_offset, block.vid_hdr, tuple(block.vtbl_recs))


def _erased(view: memoryview) -> bool:
    raw = bytes(view)
    return raw.count(_ERASED) == len(raw)


def _group(data: memoryview, blocks: list[_Peb], out: Output) -> dict[int, dict[int, _Volume]]:
    """Volumes of each image (by image sequence number), with the newest copy of each logical block."""
    layouts: dict[int, list[_Peb]] = defaultdict(list)
    by_volume: dict[tuple[int, int], dict[int, _Peb]] = defaultdict(dict)
    for block in blocks:
        vid = block.vid
        if vid.vol_id == _LAYOUT_VOLUME:
            layouts[block.image_seq].append(block)
        elif vid.vol_id < UBI_INTERNAL_VOL_START:
            chosen = by_volume[(block.image_seq, vid.vol_id)]
            chosen[vid.lnum] = _newer(data, chosen.get(vid.lnum), block)
    images: dict[int, dict[int, _Volume]] = {}
    for seq, copies in sorted(layouts.items()):
        newest = max(copies, key=lambda b: b.vid.sqnum)
        images[seq] = {
            rec.rec_index: _Volume(
                rec.name, rec.vol_type == UBI_VID_STATIC, rec.reserved_pebs, bool(rec.upd_marker)
            )
            for rec in newest.table
        }
    orphans = 0
    for (seq, vol_id), chosen in by_volume.items():
        volume = images.get(seq, {}).get(vol_id)
        if volume is None:
            orphans += len(chosen)
        else:
            volume.blocks = chosen
    if not layouts:
        out.issue(IssueKind.MALFORMED, "no volume table (layout volume) found")
    if orphans:
        out.issue(IssueKind.MALFORMED, f"{orphans} blocks belong to volumes missing from the volume table")
    return images


def _newer(data: memoryview, current: _Peb | None, candidate: _Peb) -> _Peb:
    """Of two copies of a logical block, the newer one, unless it is a copy whose data CRC fails."""
    if current is None:
        return candidate
    old, new = sorted((current, candidate), key=lambda b: b.vid.sqnum)
    start = new.offset + new.data_offset
    if new.vid.copy_flag and _crc(data[start : start + new.vid.data_size]) != new.vid.data_crc:
        return old
    return new


def _crc(view: memoryview) -> int:
    """UBI's CRC-32: seeded with all ones and not inverted at the end (zlib's is)."""
    return ~zlib.crc32(view) & 0xFFFFFFFF


def _add_volume(data: memoryview, peb: int, prefix: bytes, volume: _Volume, out: Output) -> None:
    """Add a volume as a payload read lazily from its blocks; erased (unmapped) blocks read as 0xFF."""
    shown = volume.name.decode("utf-8", "backslashreplace")
    if volume.update_marker:
        out.issue(
            IssueKind.MALFORMED, f"volume '{shown}': an update was interrupted; its data may be partial"
        )
    # A volume has no more logical blocks than the table reserves, nor than the image has erase blocks.
    most = min(volume.reserved, len(data) // peb)
    beyond = [lnum for lnum in volume.blocks if lnum >= most]
    for lnum in beyond:
        del volume.blocks[lnum]
    if beyond:
        out.issue(
            IssueKind.MALFORMED,
            f"volume '{shown}': {len(beyond)} blocks are numbered past the {most} blocks it can have "
            f"({volume.reserved} reserved, {len(data) // peb} in the image); ignored",
        )
    pieces = _pieces(data, peb, volume, most, out)
    size = sum(length for _, length in pieces)
    stored = sum(length for start, length in pieces if start >= 0)
    content = Lazy(size=size, read=partial(_read, data, tuple(pieces), size), compressed_size=stored)
    out.file(prefix + volume.name, content, payload=True)


def _pieces(data: memoryview, peb: int, volume: _Volume, most: int, out: Output) -> list[tuple[int, int]]:
    """The volume as (offset, length) ranges of the input; offset -1 is a run of unmapped blocks (0xFF).

    Runs of unmapped blocks are one piece each, so the cost follows the blocks present, not the count
    a header claims.
    """
    if not volume.blocks:
        return []
    shown = volume.name.decode("utf-8", "backslashreplace")
    sample = next(iter(volume.blocks.values()))
    usable = peb - sample.data_offset - sample.vid.data_pad
    if volume.static:
        claimed = sample.vid.used_ebs
        count = min(claimed, most)
        if claimed > most:
            out.issue(
                IssueKind.MALFORMED,
                f"static volume '{shown}' claims {claimed} blocks; it can have at most {most}",
            )
        present = sum(1 for lnum in volume.blocks if lnum < count)
        if present < count:
            lacking = f"lacks {count - present} of {count} blocks"
            out.issue(IssueKind.TRUNCATED, f"static volume '{shown}' {lacking}")
    else:
        count = max(volume.blocks) + 1
    pieces: list[tuple[int, int]] = []
    expected = 0
    for lnum in sorted(n for n in volume.blocks if n < count):
        if lnum > expected:
            pieces.append((-1, (lnum - expected) * usable))
        expected = lnum + 1
        block = volume.blocks[lnum]
        start = block.offset + block.data_offset
        length = block.vid.data_size if volume.static else usable
        length = max(0, min(length, block.offset + peb - start, len(data) - start))
        if volume.static and _crc(data[start : start + length]) != block.vid.data_crc:
            out.issue(IssueKind.CHECKSUM, f"static volume '{shown}': block {lnum} fails its data CRC")
        pieces.append((start, length))
    if count > expected:
        pieces.append((-1, (count - expected) * usable))
    return pieces


def _read(data: memoryview, pieces: tuple[tuple[int, int], ...], size: int, n: int | None) -> bytes:
    """The first `n` bytes (all for None) of a volume."""
    want = size if n is None else max(0, min(n, size))
    out = bytearray()
    for start, length in pieces:
        if len(out) >= want:
            break
        take = min(length, want - len(out))
        out += b"\xff" * take if start < 0 else data[start : start + take]
    return bytes(out)


HANDLER = UbiHandler()
