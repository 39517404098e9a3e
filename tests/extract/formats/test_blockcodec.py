"""Block decompression never produces more than the block may hold."""

import lzma
import zlib

import lz4.block
import lzokay
import pytest
from backports import zstd

from firmware_audit.extract.formats._blockcodec import (
    BlockError,
    lz4_block,
    lzma_alone_block,
    lzo_block,
    rtime_block,
    xz_block,
    zlib_block,
    zstd_block,
)

TEXT = b"".join(b"line %d of a small text\n" % i for i in range(400))
BOMB = bytes(1 << 22)  # 4 MiB of zeros: every codec shrinks it to a few KiB or less

CODECS = {
    "zlib": (zlib_block, zlib.compress),
    "xz": (xz_block, lambda d: lzma.compress(d, lzma.FORMAT_XZ)),
    "lzma": (lzma_alone_block, lambda d: lzma.compress(d, lzma.FORMAT_ALONE)),
    "zstd": (zstd_block, zstd.compress),
    "lz4": (lz4_block, lambda d: lz4.block.compress(d, store_size=False)),
    "lzo": (lzo_block, lzokay.compress),
}


@pytest.mark.parametrize("name", CODECS)
def test_round_trip_within_the_limit(name) -> None:
    codec, compress = CODECS[name]
    assert codec(compress(TEXT), len(TEXT)) == TEXT
    assert codec(compress(TEXT), 1 << 20) == TEXT


@pytest.mark.parametrize("name", CODECS)
def test_a_bomb_stops_at_the_limit(name) -> None:
    codec, compress = CODECS[name]
    packed = compress(BOMB)
    assert len(packed) < 64 * 1024
    with pytest.raises(BlockError, match="past"):
        codec(packed, 4096)


@pytest.mark.parametrize("name", ["zlib", "xz", "lzma", "zstd"])
def test_streams_can_stop_after_the_bytes_needed(name) -> None:
    codec, compress = CODECS[name]
    head = codec(compress(TEXT), len(TEXT), 100)
    assert len(head) >= 100
    assert TEXT.startswith(head)


@pytest.mark.parametrize("name", CODECS)
def test_garbage_is_a_block_error(name) -> None:
    codec, compress = CODECS[name]
    packed = compress(TEXT)
    with pytest.raises(BlockError):
        codec(packed[: len(packed) // 2], len(TEXT))


def test_rtime_matches_the_kernel_format() -> None:
    # (byte, repeat) pairs: "ab", then "a" repeating the 1 byte after the previous "a" three times.
    assert rtime_block(bytes([0x61, 0, 0x62, 0, 0x61, 3]), 6) == b"ababab"
    # A repeat that overlaps the bytes it writes.
    assert rtime_block(bytes([0x78, 0, 0x78, 4]), 6) == b"xxxxxx"
    with pytest.raises(BlockError, match="past the 4 bytes"):
        rtime_block(bytes([0x78, 0, 0x78, 200]), 4)
    with pytest.raises(BlockError, match="ends before"):
        rtime_block(bytes([0x78, 0]), 4)
