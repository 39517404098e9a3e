"""U-Boot legacy uImage: a 64-byte big-endian header over one payload, or several ("multi-file")."""

from __future__ import annotations

import struct
import zlib

from firmware_audit.extract.formats.base import Claim, Detection, Handler, Output, Slice
from firmware_audit.model import IssueKind

HEADER = struct.Struct(">IIIIIIIBBBB32s")
MAGIC = 0x27051956
_TYPE_MULTI = 4
# include/image.h: IH_COMP_*; the names match our handler names so claims can be checked.
_COMPRESSION = {0: None, 1: "gzip", 2: "bzip2", 3: "lzma", 4: "lzo", 5: "lz4", 6: "zstd"}
_TYPES = {
    1: "standalone",
    2: "kernel",
    3: "ramdisk",
    4: "multi",
    5: "firmware",
    6: "script",
    7: "filesystem",
    8: "flat_dt",
}
_ARCH = {2: "arm", 3: "x86", 5: "mips", 22: "arm64", 15: "sh"}


class UImageHandler(Handler):
    """U-Boot legacy image (mkimage)."""

    name = "uimage"
    magics = (b"\x27\x05\x19\x56",)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check magic and header CRC; the length is the header's (it may lie, unpack checks)."""
        if len(data) < HEADER.size:
            return None
        fields = HEADER.unpack_from(data)
        magic, hcrc, _, size = fields[0], fields[1], fields[2], fields[3]
        if magic != MAGIC:
            return None
        header = bytearray(data[: HEADER.size])
        header[4:8] = b"\0\0\0\0"
        if zlib.crc32(header) != hcrc:
            return None
        name = fields[11].split(b"\0", 1)[0].decode("latin-1")
        kind = _TYPES.get(fields[9], f"type {fields[9]}")
        comp = _COMPRESSION.get(fields[10], f"compression {fields[10]}")
        arch = _ARCH.get(fields[8], f"arch {fields[8]}")
        return Detection(f"uImage '{name}', {arch} {kind}, {comp or 'uncompressed'}", HEADER.size + size)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Emit the payload (or each image of a multi-file image) as a slice; check the data CRC."""
        fields = HEADER.unpack_from(data)
        declared: int = fields[3]
        dcrc, image_type, comp = fields[6], fields[9], fields[10]
        available = len(data) - HEADER.size
        size = min(declared, available)
        if declared > available:
            out.issue(IssueKind.TRUNCATED, f"header says {declared} data bytes; only {available} are there")
        elif zlib.crc32(data[HEADER.size : HEADER.size + size]) != dcrc:
            out.issue(IssueKind.CHECKSUM, "data CRC does not match the header")
        said = _COMPRESSION.get(comp)
        claims = (Claim("uImage header", said, immediate=True),) if said else ()
        if image_type == _TYPE_MULTI:
            self._multi(data, size, claims, out)
        else:
            out.file("payload", Slice(HEADER.size, size), payload=True, claims=claims)
        return HEADER.size + size

    @staticmethod
    def _multi(data: memoryview, size: int, claims: tuple[Claim, ...], out: Output) -> None:
        """A multi-file image: a zero-terminated table of big-endian sizes, then 4-byte-aligned images."""
        sizes: list[int] = []
        pos = HEADER.size
        end = HEADER.size + size
        while pos + 4 <= end:
            (n,) = struct.unpack_from(">I", data, pos)
            pos += 4
            if n == 0:
                break
            sizes.append(n)
        for index, said in enumerate(sizes):
            n = min(said, max(end - pos, 0))
            if n < said:
                out.issue(IssueKind.TRUNCATED, f"image {index} says {said} bytes; only {n} are left")
            out.file(f"payload.{index}", Slice(pos, n), payload=True, claims=claims if index == 0 else ())
            pos += (n + 3) & ~3


HANDLER = UImageHandler()
