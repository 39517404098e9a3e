"""gzip (RFC 1952): a series of members, decoded as one file as gunzip decodes it.

RFC 1952 (section 2.2) makes a gzip file a series of members, and gunzip writes their concatenation
as one file. The stream ends at the first member that does not follow on directly (other bytes, or
a member that breaks): what follows is carved on its own, as before, so a broken member is reported
by the engine as the single-member stream it is.
"""

from __future__ import annotations

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import ZlibStream, decodes, unpack_series

_MAGIC = b"\x1f\x8b\x08"
_FLAG_RESERVED = 0xE0
_MIN_MEMBER = 18
"""A member's fixed header (10 bytes) and trailer (8 bytes)."""


def _starts_member(data: memoryview) -> bool:
    """A gzip member with deflate data that decodes starts here."""
    return (
        len(data) >= _MIN_MEMBER
        and data[:3] == _MAGIC
        and not data[3] & _FLAG_RESERVED
        and decodes(ZlibStream(31), data)
    )


class GzipHandler(Handler):
    """gzip stream (one or more members) with deflate compression."""

    name = "gzip"
    magics = (_MAGIC,)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check the fixed header and that the deflate data decodes."""
        if not _starts_member(data):
            return None
        return Detection("gzip compressed data")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress the members that follow one another into one payload, as gunzip does."""
        return unpack_series(
            self,
            lambda: ZlibStream(31),
            data,
            out,
            parts="a stream of {n} members",
            tool="gunzip",
        )


HANDLER = GzipHandler()
