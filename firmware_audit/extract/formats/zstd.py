"""Zstandard: frames that follow one another are one file, as `zstd -d` gives it.

RFC 8878 (section 3) makes Zstandard data one or more frames, and `zstd -d` writes the concatenation
of their contents. The series ends at the first frame that does not follow on directly (a skippable
frame, padding, other bytes, a frame that breaks), and what follows is carved on its own.
"""

from __future__ import annotations

import sys

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import decodes, unpack_series

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

_RESERVED_BIT = 0x08  # of the frame header descriptor; must be zero (RFC 8878, 3.1.1.1.1)
# A probe must feed the first block whole before the decoder gives output: blocks are at most 128 KiB.
_PROBE_INPUT = 128 * 1024 + 32


class ZstdHandler(Handler):
    """Zstandard frame (`zstd`, kernels and squashfs-era tools built with zstd)."""

    name = "zstd"
    magics = (b"\x28\xb5\x2f\xfd",)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check the frame header, then that the first block decodes."""
        if len(data) < 6 or data[4] & _RESERVED_BIT:
            return None
        try:
            info = zstd.get_frame_info(bytes(data[:18]))
        except zstd.ZstdError:
            return None
        if not decodes(zstd.ZstdDecompressor(), data, max_input=_PROBE_INPUT, errors=(zstd.ZstdError,)):
            return None
        size = info.decompressed_size
        said = "" if size is None else f", {size} bytes uncompressed"
        return Detection(f"Zstandard compressed data{said}")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress the frames that follow one another (the window limit, 128 MiB, bounds memory)."""
        return unpack_series(
            self,
            zstd.ZstdDecompressor,
            data,
            out,
            parts="{n} Zstandard frames",
            tool="zstd -d",
            errors=(zstd.ZstdError,),
        )


HANDLER = ZstdHandler()
