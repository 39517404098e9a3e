"""gzip (RFC 1952), one member; what follows the member is carved on its own."""

from __future__ import annotations

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import ZlibStream, decodes, unpack_stream

_FLAG_RESERVED = 0xE0


class GzipHandler(Handler):
    """gzip member with deflate compression."""

    name = "gzip"
    magics = (b"\x1f\x8b\x08",)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check the fixed header and that the deflate data decodes."""
        if len(data) < 18 or data[3] & _FLAG_RESERVED:
            return None
        if not decodes(ZlibStream(31), data):
            return None
        return Detection("gzip compressed data")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress the member."""
        return unpack_stream(self.name, ZlibStream(31), data, out)


HANDLER = GzipHandler()
