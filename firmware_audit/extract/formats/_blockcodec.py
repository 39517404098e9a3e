"""One-shot decompression of a filesystem block that never produces more than the block can hold.

Filesystems compress in blocks whose decompressed size the format bounds: a squashfs block, a
cramfs page, a JFFS2 node's `dsize`. The libraries' own helpers call `zlib.decompress(data)` and
the like, which let one hostile block expand without limit; every codec here takes the bound as
`limit` and fails instead of passing it.
"""

from __future__ import annotations

import lzma
import sys
import zlib
from typing import Protocol, TypeAlias

import lz4.block
import lzokay
from dissect.util.compression import lzo as dissect_lzo

if sys.version_info >= (3, 14):  # pragma: no cover  (the standard library took zstd in 3.14)
    from compression.zstd import ZstdDecompressor, ZstdError
else:
    from backports.zstd import ZstdDecompressor, ZstdError

Buffer: TypeAlias = bytes | bytearray | memoryview


class Codec(Protocol):
    """Decompresses one block into at most `limit` bytes, or raises `BlockError`.

    With `need`, a codec may stop once it has produced that many bytes (a file's first bytes are
    often all that is asked for); the result is then at least `need` bytes, or the whole block.
    """

    def __call__(self, raw: Buffer, limit: int, need: int | None = None) -> bytes: ...


class BlockError(ValueError):
    """A compressed block that is corrupt, or would decompress past its limit."""


class _Stream(Protocol):
    @property
    def eof(self) -> bool: ...

    def decompress(self, data: Buffer, max_length: int = -1, /) -> bytes: ...


def _stream(decomp: _Stream, raw: Buffer, limit: int, need: int | None, name: str) -> bytes:
    if limit <= 0:
        raise BlockError(f"{name} block has no room to decompress into")
    cap = limit if need is None else max(1, min(need, limit))
    try:
        out = decomp.decompress(raw, cap)
    except (zlib.error, lzma.LZMAError, ZstdError, EOFError) as exc:
        raise BlockError(f"{name} block is corrupt: {exc}") from exc
    if need is not None and len(out) >= need:
        return out
    if not decomp.eof:
        if len(out) >= limit:
            raise BlockError(f"{name} block decompresses past the {limit} bytes it may hold")
        raise BlockError(f"{name} block ends before its stream does")
    return out


def zlib_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:
    """Decompress a zlib (RFC 1950) block: squashfs gzip, cramfs, JFFS2 zlib."""
    return _stream(zlib.decompressobj(), raw, limit, need, "zlib")


def xz_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:
    """Decompress an xz stream."""
    return _stream(lzma.LZMADecompressor(lzma.FORMAT_XZ), raw, limit, need, "xz")


def lzma_alone_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:
    """Decompress a legacy `.lzma` (LZMA-alone) stream, as squashfs's lzma compressor writes them."""
    return _stream(lzma.LZMADecompressor(lzma.FORMAT_ALONE), raw, limit, need, "lzma")


def zstd_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:
    """Decompress a zstd frame."""
    return _stream(ZstdDecompressor(), raw, limit, need, "zstd")


_MAX_BYTE_EXPANSION = 256
"""LZO1X and LZ4 code a long match or literal run as 255 more bytes per extra length byte, so no
input byte yields more than 255 output bytes: a block of n bytes decodes to less than 256 n + 256."""


def _expansion_bound(raw: Buffer, limit: int) -> int:
    """The smaller of `limit` and what `raw` can decode to: these decoders allocate the bound up front."""
    return min(limit, _MAX_BYTE_EXPANSION * (len(raw) + 1))


def lz4_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:  # noqa: ARG001
    """Decompress a raw LZ4 block (no frame), always whole: LZ4 decodes at GB/s."""
    limit = _expansion_bound(raw, limit)
    try:
        out: bytes = lz4.block.decompress(raw, uncompressed_size=limit)
    except lz4.block.LZ4BlockError as exc:
        raise BlockError(f"lz4 block is corrupt or decompresses past {limit} bytes") from exc
    return out


def lzo_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:  # noqa: ARG001
    """Decompress an LZO1X block, always whole.

    No LZO binding at hand both bounds the output and reports its length: lzokay fails past its
    buffer but returns the whole buffer, zero-padded; dissect's LZO returns the exact output but
    ignores the buffer size it is given. lzokay runs first and proves the output fits in `limit`,
    so the second, exact decoding is bounded too. LZO decodes at several hundred MB/s; the
    second pass costs little next to the safety.
    """
    data = bytes(raw)
    limit = _expansion_bound(raw, limit)
    try:
        lzokay.decompress(data, limit)
    except lzokay.OutputOverrunError as exc:
        raise BlockError(f"lzo block decompresses past the {limit} bytes it may hold") from exc
    except lzokay.LzokayError as exc:
        raise BlockError(f"lzo block is corrupt: {type(exc).__name__}") from exc
    try:
        out: bytes = dissect_lzo.decompress(data, header=False, buflen=limit)
    except (ValueError, IndexError, EOFError) as exc:
        raise BlockError(f"lzo block is corrupt: {exc}") from exc
    if len(out) > limit:
        raise BlockError(f"lzo block decompresses past the {limit} bytes it may hold")
    return out


def rtime_block(raw: Buffer, limit: int, need: int | None = None) -> bytes:  # noqa: ARG001
    """Decompress a JFFS2 "rtime" node (Linux fs/jffs2/compr_rtime.c), into exactly `limit` bytes.

    No package implements rtime, and it is a few lines: each step copies one byte, then repeats
    the bytes that followed that byte value's previous occurrence. Unlike the kernel's, this
    checks both buffers' bounds.
    """
    data = bytes(raw)
    out = bytearray()
    positions = [0] * 256
    pos = 0
    while len(out) < limit:
        if pos + 2 > len(data):
            raise BlockError("rtime block ends before its output does")
        value, repeat = data[pos], data[pos + 1]
        pos += 2
        out.append(value)
        back = positions[value]
        positions[value] = len(out)
        if repeat:
            if len(out) + repeat > limit:
                raise BlockError(f"rtime block decompresses past the {limit} bytes it may hold")
            if back + repeat <= len(out):
                out += out[back : back + repeat]
            else:
                for i in range(repeat):  # the source overlaps what is being written
                    out.append(out[back + i])
    return bytes(out)
