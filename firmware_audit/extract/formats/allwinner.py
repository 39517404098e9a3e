"""Allwinner boot images: the eGON boot0 (SPL) header, and the TOC1 package of the later boot stages.

The boot ROM of Allwinner SoCs loads an eGON image (`eGON.BT0` at offset 4; U-Boot's
`include/sunxi_image.h`, `struct boot_file_head`: a branch instruction, the magic, a checksum and
the image length). Allwinner's own boot0 then loads a TOC1 package (`sunxi-package`: a 64-byte head
with the magic 0x89119800 at 16, the item count at 32, the length at 36 and the end mark `MIE;` at
60, then one 368-byte item each: a name, the item's offset and length at 64 and 68, the end mark
`IIE;` at 364; Allwinner's `private_toc.h`, `sbrom_toc1_head_info` and `sbrom_toc1_item_info`)
holding U-Boot, OP-TEE, the device tree and the like. Both carry a checksum: the 32-bit sum of
their words, taken with the checksum field set to 0x5F0A6C39. An eGON image is code (nothing
inside); the items of a TOC1 package are its members, each a payload read in turn.
"""

from __future__ import annotations

import struct

import numpy as np

from firmware_audit.extract.formats.base import Detection, Handler, Output, Slice
from firmware_audit.model import IssueKind

_STAMP = 0x5F0A6C39
"""The value the checksum field holds while the sum is taken."""
_EGON_MAGIC = b"eGON.BT0"
_EGON = struct.Struct("<I8sII")
"""Branch instruction, magic, checksum, length."""
_TOC1_MAGIC = 0x89119800
_TOC1_HEAD = struct.Struct("<16sIIIIII20sI")
"""Name, magic, checksum, serial number, status, item count, length, reserved, end mark."""
_TOC1_ITEM = struct.Struct("<64sIIIIII276sI")
"""Name, offset, length, encrypted, type, run address, index, reserved, end mark."""
_HEAD_END = 0x3B45494D
"""`MIE;`: the end of a TOC1 head."""
_ITEM_END = 0x3B454949
"""`IIE;`: the end of a TOC1 item."""
MAX_TOC1_ITEMS = 64
"""Items of one package at most (a package holds a handful)."""


MAX_EGON = 1 << 20
"""Bytes of an eGON image at most: it is loaded into the SoC's SRAM (32-64 KiB on camera SoCs)."""
MAX_TOC1 = 16 << 20
"""Bytes of a TOC1 package at most (U-Boot, OP-TEE and a device tree take a few hundred KiB)."""


def _checksum(data: memoryview, length: int, field: int) -> int:
    """The sum of the little-endian words of `data[:length]`, the word at `field` taken as the stamp."""
    words = np.frombuffer(data, dtype="<u4", count=length // 4)
    total = int(words.sum(dtype=np.uint64))
    stored = int(words[field // 4])
    return (total - stored + _STAMP) & 0xFFFFFFFF


class EgonHandler(Handler):
    """An eGON boot0 or SPL image: code the boot ROM loads."""

    name = "sunxi-egon"
    magics = (_EGON_MAGIC,)
    magic_offset = 4

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic, that the length fits, and the checksum."""
        if len(data) < _EGON.size:
            return None
        _, magic, stored, length = _EGON.unpack_from(data)
        if magic != _EGON_MAGIC or not _EGON.size <= length <= min(len(data), MAX_EGON) or length % 4:
            return None
        if _checksum(data, length, 12) != stored:
            return None
        return Detection(f"Allwinner eGON boot0, {length} bytes", length)

    def unpack(self, data: memoryview, out: Output) -> int | None:  # noqa: ARG002  (nothing inside)
        """Boot code holds no members."""
        return None


class Toc1Handler(Handler):
    """A TOC1 package (`sunxi-package`): U-Boot, OP-TEE, the device tree ... as named items."""

    name = "sunxi-toc1"
    magics = (struct.pack("<I", _TOC1_MAGIC),)
    magic_offset = 16

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic, the end mark, the item count and that the items' table fits the length."""
        if len(data) < _TOC1_HEAD.size:
            return None
        name, magic, _, _, _, items, length, _, end = _TOC1_HEAD.unpack_from(data)
        if magic != _TOC1_MAGIC or end != _HEAD_END or not 0 < items <= MAX_TOC1_ITEMS:
            return None
        if not _TOC1_HEAD.size + items * _TOC1_ITEM.size <= length <= min(len(data), MAX_TOC1):
            return None
        label = name.split(b"\0", 1)[0].decode("latin-1") or "TOC1"
        return Detection(f"Allwinner TOC1 package '{label}', {items} items", length)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Emit each item whose offset and length lie in the package; say what is wrong with the rest."""
        fields = _TOC1_HEAD.unpack_from(data)
        stored: int = fields[2]
        items: int = fields[5]
        length: int = fields[6]
        if length % 4:
            out.issue(
                IssueKind.MALFORMED, f"TOC1 length {length} is no multiple of 4; its checksum is not checked"
            )
        elif _checksum(data, length, 20) != stored:
            out.issue(IssueKind.CHECKSUM, "TOC1 checksum does not match its contents")
        for index in range(items):
            at = _TOC1_HEAD.size + index * _TOC1_ITEM.size
            raw, offset, size, _, _, _, _, _, end = _TOC1_ITEM.unpack_from(data, at)
            name = raw.split(b"\0", 1)[0] or f"item{index}".encode()
            if end != _ITEM_END:
                out.issue(IssueKind.MALFORMED, f"TOC1 item {index} lacks its end mark", at)
                continue
            if not _TOC1_HEAD.size <= offset <= offset + size <= length:
                out.issue(IssueKind.TRUNCATED, f"TOC1 item {index} lies outside the package", at)
                continue
            out.file(name, Slice(offset, size), payload=True)
        return length


EGON = EgonHandler()
TOC1 = Toc1Handler()
