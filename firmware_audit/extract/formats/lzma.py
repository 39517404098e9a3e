"""Legacy LZMA ("LZMA-alone", `.lzma`): U-Boot `IH_COMP_LZMA` kernels, old squashfs-lzma tools.

The 13-byte header has no magic: a properties byte, the dictionary size and the uncompressed size.
The probe therefore checks the header for sanity, with the rules liblzma's own "picky" .lzma
detector uses (`src/liblzma/common/alone_decoder.c`), and decodes the first bytes.
"""

from __future__ import annotations

import lzma
import struct

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import DECODER_MEMORY, decodes, unpack_stream

_HEADER = struct.Struct("<BIq")
_MAX_PROPERTIES = 9 * 5 * 5  # (pb * 5 + lp) * 9 + lc with lc <= 8, lp <= 4, pb <= 4
_UNKNOWN_SIZE = -1
_MAX_SIZE = 1 << 38  # liblzma rejects larger sizes as certainly not .lzma


class LzmaHandler(Handler):
    """LZMA-alone stream, with a known uncompressed size or an end marker."""

    name = "lzma"
    # lc=3 lp=0 pb=2 (every common tool's default), and lc=1 lp=2 pb=2 (OpenWrt's kernels and
    # initramfs: `Build/lzma` in its include/image-commands.mk), each with a dictionary that is a
    # multiple of 64 KiB.
    magics = (b"\x5d\x00\x00", b"\x6d\x00\x00")
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check the header's sanity, then that the range-coded data decodes."""
        header = _header(data)
        if header is None:
            return None
        dictionary, size = header
        # The decoder would refuse this dictionary; recognise the stream so unpack reports the limit.
        if dictionary < DECODER_MEMORY and not decodes(
            lzma.LZMADecompressor(format=lzma.FORMAT_ALONE, memlimit=DECODER_MEMORY), data
        ):
            return None
        said = "unknown size" if size == _UNKNOWN_SIZE else f"{size} bytes uncompressed"
        return Detection(f"LZMA compressed data (legacy .lzma), dictionary {dictionary >> 10} KiB, {said}")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress the stream; it ends at its declared size or at its end marker."""
        decomp = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE, memlimit=DECODER_MEMORY)
        return unpack_stream(self.name, decomp, data, out)


def _header(data: memoryview) -> tuple[int, int] | None:
    """The dictionary and uncompressed sizes, or None when the header cannot be a real one."""
    if len(data) < _HEADER.size + 1:
        return None
    properties, dictionary, size = _HEADER.unpack_from(data)
    if properties >= _MAX_PROPERTIES or not _is_dictionary_size(dictionary):
        return None
    if size != _UNKNOWN_SIZE and not 0 < size < _MAX_SIZE:
        return None
    # The range coder's first byte is always zero (liblzma rejects anything else).
    if data[_HEADER.size] != 0:
        return None
    return dictionary, size


def _is_dictionary_size(value: int) -> bool:
    """2^n or 2^n + 2^(n-1), as every LZMA encoder writes (or UINT32_MAX, "unknown")."""
    if value == 0xFFFFFFFF:
        return True
    if value < 4096:
        return False
    low = value & -value
    return value in {low, low * 3}


HANDLER = LzmaHandler()
