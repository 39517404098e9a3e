"""xz (the .xz container of LZMA2): streams that follow one another are one file, as `xz -d` gives it.

xz-file-format.txt section 2 makes a .xz file one or more streams, and `xz -d` writes their
concatenation. The series ends at the first stream that does not follow on directly (stream padding,
other bytes, a stream that breaks), and what follows is carved on its own.
"""

from __future__ import annotations

import lzma
import struct
import zlib

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import DECODER_MEMORY, unpack_series

# xz-file-format.txt 2.1.1: magic, two stream-flag bytes, then the CRC32 of those two bytes.
_HEADER = struct.Struct("<6s2sI")
_CHECKS = {0x00: "no check", 0x01: "CRC32", 0x04: "CRC64", 0x0A: "SHA-256"}


class XzHandler(Handler):
    """xz stream (`xz`, kernels and initramfs built with CONFIG_*_XZ)."""

    name = "xz"
    magics = (b"\xfd7zXZ\x00",)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check the stream header's CRC; with the 6-byte magic that is a strong signature.

        The probe does not decode, so a stream whose dictionary is over the decoder's memory limit
        is still recognised and the limit is reported by `unpack`.
        """
        if len(data) < _HEADER.size:
            return None
        _, flags, crc = _HEADER.unpack_from(data)
        if flags[0] != 0 or flags[1] > 0x0F or zlib.crc32(flags) != crc:
            return None
        check = _CHECKS.get(flags[1], f"check type {flags[1]}")
        return Detection(f"xz compressed data, {check}")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress the streams that follow one another (blocks and index; padding is left to carving)."""
        return unpack_series(
            self,
            lambda: lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=DECODER_MEMORY),
            data,
            out,
            parts="{n} xz streams",
            tool="xz -d",
        )


HANDLER = XzHandler()
