"""xz (the .xz container of LZMA2), one stream; what follows the stream is carved on its own."""

from __future__ import annotations

import lzma
import struct
import zlib

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import DECODER_MEMORY, unpack_stream

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
        """Decompress the stream (its blocks and index; stream padding is left to carving)."""
        decomp = lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=DECODER_MEMORY)
        return unpack_stream(self.name, decomp, data, out)


HANDLER = XzHandler()
