"""What the zip-based camera containers (Dahua DH-zip, Xiongmai General bin) share.

Their members are named after the flash partition they are burnt to and the filesystem they are
said to hold (`romfs-x.cramfs.img`, `user-x.squashfs.img`, `mtd-x.jffs2.img`). The name is a label,
often wrong (a "cramfs" image holding squashfs), so it becomes a claim the engine checks against
the content.
"""

from __future__ import annotations

import re
import struct
from dataclasses import replace
from typing import TYPE_CHECKING

from firmware_audit.extract.formats.base import Claim, NodeKind

if TYPE_CHECKING:
    from firmware_audit.extract.formats.base import Output

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_MAX_METHOD = 99  # the highest compression method APPNOTE assigns (AES)
_MAX_VERSION = 100
_FORMAT_WORD = re.compile(rb"[.-](cramfs|squashfs|jffs2|ubifs|ubi)\.img\Z", re.IGNORECASE)
_IMAGE_SUFFIXES = (b".img", b".bin")


def first_member(data: memoryview, magic: bytes) -> bytes | None:
    """The name in a plausible local file header at the start of `data` that begins with `magic`.

    Only the low byte of "version needed" is a version: some writers put the host system in the
    high byte (0x0314), as the FACT Dahua sample does.
    """
    if len(data) < _LOCAL.size:
        return None
    fields = _LOCAL.unpack_from(data)
    signature, version, method, name_length = fields[0], fields[1], fields[3], fields[9]
    if signature != magic or version & 0xFF > _MAX_VERSION or method > _MAX_METHOD or not name_length:
        return None
    if _LOCAL.size + name_length > len(data):
        return None
    return bytes(data[_LOCAL.size : _LOCAL.size + name_length])


def name_claims(name: bytes) -> tuple[Claim, ...]:
    """The filesystem a member's name says it holds, as a claim (none when the name names none)."""
    match = _FORMAT_WORD.search(name)
    if match is None:
        return ()
    return (Claim("member name", match.group(1).decode("ascii").lower()),)


def is_image(name: bytes) -> bool:
    """Tell whether a member is a flash image (`*.img`, `*.bin`) rather than an install script or id."""
    return name.lower().endswith(_IMAGE_SUFFIXES)


def mark_images(out: Output, first: int) -> None:
    """Make the flash images among the entries listed from `first` on payloads, the rest ordinary files.

    Images are carved and count for coverage; an install script or hardware id is a plain file.
    """
    for index in range(first, len(out.entries)):
        entry = out.entries[index]
        if entry.kind is NodeKind.FILE:
            out.entries[index] = replace(entry, payload=is_image(entry.name))
