"""Hikvision `digicap.dav` (also EZVIZ): an XOR-obfuscated header with a file table, then the files.

No maintained library reads this format, so this is a small reader of its own (layout in
`domain/formats.md` section 1). The header is obfuscated with a fixed 16-byte key whose start shifts
by one every 16 bytes; some repacked images carry it in clear, and both are read. Public tools
disagree on the order of the two numbers of a file-table entry, so each image is read both ways
and the order that fits the file is kept (and named in the label).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

import numpy as np

from firmware_audit.extract.formats._spans import overlapping
from firmware_audit.extract.formats.base import Detection, Entry, Handler, NodeKind, Output, Slice
from firmware_audit.model import IssueKind

KEY = bytes.fromhex("BACDBCFED6CADDD3BAB9A3ABBFCBB5BE")
"""The XOR key of the header (themactep/hiktools, `KEY_XOR`)."""
MAGICS = (b"SWKH", b"02KH")
"""Header magics once de-obfuscated: classic images, and newer ones with the same layout."""
TABLE_OFFSET = 0x40
"""Where the file table starts: the fixed part of the header is 64 bytes."""
ENTRY = struct.Struct("<32sIII")
"""A file-table entry: name, two u32 (offset and size, in an order to be found), byte-sum."""
FIXED = struct.Struct("<4sIIIIIIIII24s")
"""The fixed header: magic, checksum, header length, file count, language, device class, OEM code,
firmware version, total size, build date, version/model string."""
CHECKSUM_START = 0x0C
"""The header checksum is the byte-sum of the clear header from here to its end."""

Order = Literal["offset-size", "size-offset"]

_MAX_FILES = 4096
_MAX_HEADER = TABLE_OFFSET + ENTRY.size * _MAX_FILES + 64 * 1024
# The key index (p + p // 16) mod 16 repeats every 256 positions, so one period serves any length.
_KEYSTREAM = bytes(KEY[(p + p // 16) % 16] for p in range(256))


def xor16(data: bytes | bytearray | memoryview) -> bytes:
    """Obfuscate or de-obfuscate a header that starts at file offset 0 (the operation is its own inverse)."""
    n = len(data)
    if not n:
        return b""
    stream = (_KEYSTREAM * (n // 256 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(n, "little")


def byte_sum(data: bytes | bytearray | memoryview) -> int:
    """The 32-bit byte-sum digicap uses for its header and file checksums."""
    if not len(data):
        return 0
    return int(np.frombuffer(data, dtype=np.uint8).sum(dtype=np.uint64)) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Member:
    name: bytes
    first: int
    second: int
    checksum: int

    def place(self, order: Order) -> tuple[int, int]:
        """(offset, size) under a table order."""
        return (self.first, self.second) if order == "offset-size" else (self.second, self.first)


@dataclass(frozen=True, slots=True)
class _Image:
    magic: bytes
    obfuscated: bool
    header: bytes  # de-obfuscated; shorter than `header_length` when the image is cut inside it
    header_length: int
    count: int
    checksum: int
    fields: tuple[int, ...]  # language, device class, OEM code, firmware version, total size, build date
    text: bytes
    members: tuple[_Member, ...]
    order: Order
    order_certain: bool

    def extent(self) -> int:
        """Where the image ends according to its header and table."""
        ends = [off + size for off, size in (m.place(self.order) for m in self.members)]
        return max([self.header_length, *ends])


def _parse(data: memoryview) -> _Image | None:
    """Read the header if `data` starts a digicap image; None when it does not."""
    if len(data) < 16:
        return None
    head = bytes(data[:16])
    if head[:4] in MAGICS:
        obfuscated = False
    elif xor16(head)[:4] in MAGICS:
        obfuscated = True
    else:
        return None
    clear16 = xor16(head) if obfuscated else head
    header_length, count = struct.unpack_from("<II", clear16, 8)
    if not 1 <= count <= _MAX_FILES:
        return None
    if not TABLE_OFFSET + ENTRY.size * count <= header_length <= _MAX_HEADER:
        return None
    raw = bytes(data[:header_length])
    header = xor16(raw) if obfuscated else raw
    fixed = header.ljust(FIXED.size, b"\0")
    magic, checksum, _, _, *rest = FIXED.unpack_from(fixed)
    fields = tuple(int(v) for v in rest[:6])
    members = []
    for i in range(count):
        at = TABLE_OFFSET + i * ENTRY.size
        if at + ENTRY.size > len(header):
            break
        name, first, second, msum = ENTRY.unpack_from(header, at)
        members.append(_Member(name.split(b"\0", 1)[0], first, second, msum))
    order, certain = _choose_order(members, header_length, len(data))
    return _Image(
        magic=magic,
        obfuscated=obfuscated,
        header=header,
        header_length=header_length,
        count=count,
        checksum=checksum,
        fields=fields,
        text=rest[6].split(b"\0", 1)[0],
        members=tuple(members),
        order=order,
        order_certain=certain,
    )


def _choose_order(members: list[_Member], header_length: int, size: int) -> tuple[Order, bool]:
    """Pick the table order under which the files sit best in the image, and whether the choice is clear.

    Files are stored one after another right after the header, so the right order chains them from
    the header's end; failing that, the one under which more files lie inside the image wins.
    """
    scores: dict[Order, tuple[int, int, int]] = {}
    for order in ("offset-size", "size-offset"):
        places = [m.place(order) for m in members]
        pos, chained = header_length, 0
        for off, length in places:
            if off != pos:
                break
            chained += 1
            pos = off + length
        inside = sum(header_length <= off and off + length <= size for off, length in places)
        starts = sum(header_length <= off <= size for off, _ in places)
        scores[order] = (chained, inside, starts)
    a, b = scores["offset-size"], scores["size-offset"]
    if b > a:
        return "size-offset", True
    return "offset-size", a != b


def _label(image: _Image) -> str:
    language, device_class, oem, version, _, _ = image.fields
    magic = image.magic.decode("latin-1")
    coding = "obfuscated header" if image.obfuscated else "header in clear"
    order = image.order.replace("-", ", ")
    guess = "" if image.order_certain or not image.members else " (either order fits)"
    parts = [
        f"Hikvision digicap {magic}, {coding}, {image.count} files, table ({order}){guess}",
        f"language {language}, device class {device_class:#x}, OEM code {oem:#x}, version {version:#x}",
    ]
    if image.text and all(0x20 <= c < 0x7F for c in image.text):
        parts.append(f"'{image.text.decode('ascii')}'")
    return ", ".join(parts)


class DigicapHandler(Handler):
    """Hikvision digicap.dav firmware."""

    name = "digicap"
    magics = (*MAGICS, *(xor16(m) for m in MAGICS))

    def probe(self, data: memoryview) -> Detection | None:
        """Recognise the magic, in clear or obfuscated, with a plausible header length and file count."""
        image = _parse(data)
        if image is None:
            return None
        return Detection(_label(image), image.extent())

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List each file of the table as a payload slice; check the header and file checksums."""
        image = _parse(data)
        if image is None:
            out.issue(IssueKind.MALFORMED, "digicap header no longer parses")
            return None
        if len(image.header) < image.header_length:
            out.issue(
                IssueKind.TRUNCATED,
                f"header says it is {image.header_length} bytes; the image ends after {len(data)}, "
                f"with {len(image.members)} of the {image.count} file-table entries",
            )
        elif byte_sum(image.header[CHECKSUM_START:]) != image.checksum:
            out.issue(IssueKind.CHECKSUM, "header checksum does not match the header")
        shared = overlapping([m.place(image.order) for m in image.members])
        for index, member in enumerate(image.members):
            name = member.name or f"file{index}".encode()
            if index in shared:
                out.issue(
                    IssueKind.MALFORMED,
                    f"file '{_shown(name)}' shares bytes with another file; recorded without content",
                )
                out.entries.append(Entry(name, NodeKind.FILE))
                continue
            self._member(data, image, name, member, out)
        return min(image.extent(), len(data))

    @staticmethod
    def _member(data: memoryview, image: _Image, name: bytes, member: _Member, out: Output) -> None:
        offset, size = member.place(image.order)
        shown = _shown(name)
        if offset < image.header_length:
            out.issue(IssueKind.MALFORMED, f"file '{shown}' starts at {offset}, inside the header")
            return
        if offset > len(data) or (offset == len(data) and size):
            out.issue(
                IssueKind.TRUNCATED,
                f"file '{shown}' starts at {offset}, past the end of the image ({len(data)} bytes)",
            )
            return
        length = min(size, len(data) - offset)
        if length < size:
            out.issue(
                IssueKind.TRUNCATED,
                f"file '{shown}' says {size} bytes; only {length} are there",
                offset,
            )
        elif byte_sum(data[offset : offset + size]) != member.checksum:
            out.issue(IssueKind.CHECKSUM, f"file '{shown}' checksum does not match its bytes", offset)
        out.file(name, Slice(offset, length), payload=True)


def _shown(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


HANDLER = DigicapHandler()
