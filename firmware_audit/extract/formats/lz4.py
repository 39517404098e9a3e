"""LZ4: the frame format (`lz4`), and the legacy frame Linux kernels are compressed with (`lz4 -l`).

python-lz4 decodes frames itself, but has no reader for the legacy format, so this module walks the
legacy blocks (a u32 size, then one independent block) and lets `lz4.block` decode each one.
The legacy format has no end marker: the stream ends at the end of the data, at a block size no
encoder writes, or at a block that does not decode (Linux appends the uncompressed size as a u32).
Layout: lz4 `doc/lz4_Frame_format.md`, "Legacy frame"; Linux `lib/decompress_unlz4.c`.
"""

from __future__ import annotations

import struct

import lz4.block
import lz4.frame

from firmware_audit.extract.formats.base import Detection, Handler, Output, Slice
from firmware_audit.extract.formats.compression import unpack_stream
from firmware_audit.extract.limits import LimitExceeded, MiB
from firmware_audit.model import IssueKind

_FRAME_MAGIC = b"\x04\x22\x4d\x18"
_LEGACY_MAGIC = b"\x02\x21\x4c\x18"
_U32 = struct.Struct("<I")
_LEGACY_BLOCK = 8 * MiB
_LEGACY_BOUND = _LEGACY_BLOCK + _LEGACY_BLOCK // 255 + 16  # LZ4_compressBound(8 MiB)
_BLOCK_SIZES = {4: "64 KiB", 5: "256 KiB", 6: "1 MiB", 7: "4 MiB"}


class Lz4Handler(Handler):
    """LZ4 frame or legacy frame."""

    name = "lz4"
    magics = (_FRAME_MAGIC, _LEGACY_MAGIC)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Frame: check the descriptor's checksum. Legacy: decode the first block."""
        magic = bytes(data[:4])
        if magic == _FRAME_MAGIC:
            return _probe_frame(data)
        if magic == _LEGACY_MAGIC:
            return _probe_legacy(data)
        return None

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress a frame, or every block of a legacy stream."""
        if bytes(data[:4]) == _FRAME_MAGIC:
            return unpack_stream(self.name, _FrameDecompressor(), data, out)
        return _unpack_legacy(data, out)


class _FrameDecompressor:
    """`LZ4FrameDecompressor` with `unused_data` always bytes.

    python-lz4 4.x documents `unused_data` as `b''` but leaves it None when nothing follows the
    frame in the input fed, which breaks the shared decompressor interface.
    """

    def __init__(self) -> None:
        self._d = lz4.frame.LZ4FrameDecompressor()

    @property
    def eof(self) -> bool:
        """True once the frame's end mark was decoded."""
        return bool(self._d.eof)

    @property
    def needs_input(self) -> bool:
        """True when everything fed so far has been turned into output."""
        return bool(self._d.needs_input)

    @property
    def unused_data(self) -> bytes:
        """Bytes fed after the end of the frame."""
        return bytes(self._d.unused_data or b"")

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        """Decode more input, producing at most `max_length` bytes."""
        return bytes(self._d.decompress(data, max_length=max_length))


def _probe_frame(data: memoryview) -> Detection | None:
    # The frame decoder would buffer a whole block (up to 4 MiB) before giving output, so the probe
    # relies on the descriptor's own checksum, which LZ4F_getFrameInfo verifies.
    try:
        info = lz4.frame.get_frame_info(bytes(data[:19]))
    except RuntimeError:
        return None
    if info["skippable"]:
        return None
    size = info["content_size"]
    said = f", {size} bytes uncompressed" if size else ""
    blocks = _BLOCK_SIZES.get(info["block_size_id"], "unknown")
    return Detection(f"LZ4 frame, {blocks} blocks{said}")


def _probe_legacy(data: memoryview) -> Detection | None:
    first = _legacy_block(data, 4)
    if first is None:
        return None
    return Detection("LZ4 legacy frame (Linux kernel)")


def _legacy_block(data: memoryview, pos: int) -> bytes | None:
    """Decode the block whose size field is at `pos`, or None when there is no plausible block there."""
    if pos + _U32.size > len(data):
        return None
    (size,) = _U32.unpack_from(data, pos)
    start = pos + _U32.size
    if not 0 < size <= _LEGACY_BOUND or start + size > len(data):
        return None
    try:
        block: bytes = lz4.block.decompress(data[start : start + size], uncompressed_size=_LEGACY_BLOCK)
    except lz4.block.LZ4BlockError:
        return None
    return block


def _unpack_legacy(data: memoryview, out: Output) -> int | None:
    produced = bytearray()
    pos = len(_LEGACY_MAGIC)
    blocks = 0
    truncated = False
    try:
        while pos + _U32.size <= len(data):
            (size,) = _U32.unpack_from(data, pos)
            if bytes(data[pos : pos + 4]) == _LEGACY_MAGIC:
                # Linux concatenates legacy frames and reads on through the next magic.
                pos += _U32.size
                continue
            remaining = len(data) - pos - _U32.size
            # Nothing after the size field is no truncation: Linux appends the uncompressed size there.
            if 0 < remaining < size <= _LEGACY_BOUND:
                out.issue(
                    IssueKind.TRUNCATED,
                    f"block {blocks} says {size} bytes; only {remaining} are left; kept the blocks before it",
                    pos,
                )
                truncated = True
                break
            block = _legacy_block(data, pos)
            if block is None:
                break
            pos += _U32.size + size
            blocks += 1
            out.budget.charge_bytes(len(block))
            produced += block
            out.budget.check_ratio(len(produced), pos, "lz4")
            out.budget.check_time()
    except LimitExceeded:
        _emit(out, produced, pos)
        raise
    _emit(out, produced, pos)
    if truncated:
        return len(data)
    if not blocks:
        out.issue(IssueKind.MALFORMED, "the first block does not decode")
        return None
    return pos


def _emit(out: Output, produced: bytearray, pos: int) -> None:
    if produced:
        out.file("payload", bytes(produced), payload=True, span=Slice(0, pos))


HANDLER = Lz4Handler()
