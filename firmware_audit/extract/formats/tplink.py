"""TP-Link firmware headers: 512 bytes of big-endian fields over a kernel and a root filesystem.

Two layouts (OpenWrt's `firmware-utils`: `mktplinkfw.c` and `mktplinkfw2.c`, which write and inspect
them). The first (version 1, or 2 with the same layout) starts with the version, a vendor name
(`TP-LINK Technologies`; OpenWrt's own images say `OpenWrt`) and a firmware version; the second
(versions 2 and 3, MediaTek and Lantiq boards) with the version written little-endian and a firmware
version (`ver. 2.0`), and carries the marks 0x55AA and 0xA5 after its offsets. Both give the kernel's
and the root filesystem's offset and length, and an MD5 of the whole image taken with a fixed salt in
its place. The kernel and the root filesystem are the members, each a payload read in turn.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from firmware_audit.extract.formats.base import Detection, Handler, Output, Slice
from firmware_audit.model import IssueKind

HEADER_SIZE = 0x200
KERNEL = "kernel"
"""The name of the kernel member (the unpacker reads what it decompresses to as a kernel)."""
_V1_VENDORS = (b"TP-LINK Technologies\0", b"OpenWrt\0")
_V2_VERSION = b"ver. "
_V1_MAGICS = tuple(struct.pack(">I", version << 24) + vendor for version in (1, 2) for vendor in _V1_VENDORS)
_V2_MAGICS = tuple(struct.pack("<I", version) + _V2_VERSION for version in (2, 3))
_OFFSETS = struct.Struct(">9I")
"""Kernel load address and entry, total length, kernel offset and length, root filesystem offset and
length, boot loader offset and length."""
_V2_MARKS = struct.Struct(">H2xB")
"""0x55AA, the two bytes of the secondary version, 0xA5."""
_V2_MARKS_AT = 0x8C


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where one layout keeps its fields, and the salt of its MD5 (of an image without a boot loader)."""

    version_text: slice
    vendor: slice | None
    hw_id: int
    md5: int
    offsets: int
    salt: bytes


_V1 = _Layout(
    version_text=slice(28, 64),
    vendor=slice(4, 28),
    hw_id=0x40,
    md5=0x4C,
    offsets=0x74,
    salt=bytes.fromhex("dcd73aa5c39598fbddf9e7f40eae4738"),
)
_V2 = _Layout(
    version_text=slice(4, 52),
    vendor=None,
    hw_id=0x34,
    md5=0x40,
    offsets=0x68,
    salt=bytes.fromhex("dcd73aa5c39598fbdcf9e7f40eae4737"),
)


@dataclass(frozen=True, slots=True)
class _Header:
    layout: _Layout
    version: int
    text: str
    hw_id: int
    length: int
    kernel: tuple[int, int]
    rootfs: tuple[int, int]

    @property
    def extent(self) -> int:
        """The bytes the image says it spans: its total length, or past its last part."""
        return max(self.length, *(offset + size for offset, size in (self.kernel, self.rootfs)))


def _text(raw: memoryview) -> str | None:
    """A NUL-terminated printable field, or None when it is not one."""
    value = bytes(raw).split(b"\0", 1)[0]
    if not value or not all(0x20 <= b < 0x7F for b in value):
        return None
    return value.decode("ascii")


def _layout(data: memoryview) -> tuple[_Layout, int] | None:
    """The layout of a header and its version, or None when the version fits neither."""
    # Version 2 of the first layout and of the second are the same four bytes: the marks tell them apart.
    if _V2_MARKS.unpack_from(data, _V2_MARKS_AT) == (0x55AA, 0xA5):
        version = struct.unpack_from("<I", data)[0]
        return (_V2, version) if version in (2, 3) else None
    version = struct.unpack_from(">I", data)[0] >> 24
    return (_V1, version) if version in (1, 2) else None


def _header(data: memoryview) -> _Header | None:
    found = _layout(data) if len(data) >= HEADER_SIZE else None
    if found is None:
        return None
    layout, version = found
    text = _text(data[layout.version_text])
    _, _, length, kernel_at, kernel_size, rootfs_at, rootfs_size, _, boot_size = _OFFSETS.unpack_from(
        data, layout.offsets
    )
    # The kernel follows the header; the parts are in the image's order and do not overlap it. An
    # image that carries a boot loader lays its parts out otherwise than the offsets say (a copy of
    # the header and the firmware after the boot loader, as FACT's TP-Link sample): left to carving.
    if (
        text is None
        or (layout.vendor is not None and _text(data[layout.vendor]) is None)
        or kernel_at < HEADER_SIZE
        or kernel_size == 0
        or boot_size
        or (rootfs_size and rootfs_at < kernel_at + kernel_size)
    ):
        return None
    (hw_id,) = struct.unpack_from(">I", data, layout.hw_id)
    rootfs = (rootfs_at, rootfs_size) if rootfs_size else (0, 0)
    return _Header(layout, version, text, hw_id, length, (kernel_at, kernel_size), rootfs)


class TplinkHandler(Handler):
    """A TP-Link (or OpenWrt-for-TP-Link) firmware image: kernel and root filesystem."""

    name = "tplink"
    magics = (*_V1_MAGICS, *_V2_MAGICS)

    def probe(self, data: memoryview) -> Detection | None:
        """Check the layout's text fields, marks and that the kernel follows the header."""
        header = _header(data)
        if header is None:
            return None
        label = f"TP-Link firmware header v{header.version} '{header.text}', hardware id {header.hw_id:08x}"
        return Detection(label, min(len(data), header.extent))

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Emit the kernel and the root filesystem where they lie in the data; check the MD5."""
        header = _header(data)
        if header is None:  # probed before: the bytes cannot have changed
            return None
        extent = min(len(data), header.extent)
        _check_md5(data[:extent], header, out)
        for name, (offset, said) in ((KERNEL, header.kernel), ("rootfs", header.rootfs)):
            if said == 0:
                continue
            if offset + said > len(data):
                out.issue(
                    IssueKind.TRUNCATED,
                    f"the {name} ({said} bytes at {offset:#x}) reaches past the {len(data)} bytes here",
                )
            size = min(said, len(data) - offset)
            if size > 0:
                out.file(name, Slice(offset, size), payload=True)
        return extent


def _check_md5(image: memoryview, header: _Header, out: Output) -> None:
    """Compare the stored MD5 with that of the image taken with the layout's salt in its place."""
    at = header.layout.md5
    stored = bytes(image[at : at + 16])
    if stored == bytes(16):
        out.issue(IssueKind.CHECKSUM, "the header's MD5 is blank (a copy read back from flash): not checked")
        return
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(image[:at])
    digest.update(header.layout.salt)
    digest.update(image[at + 16 :])
    if digest.digest() != stored:
        out.issue(IssueKind.CHECKSUM, "the header's MD5 does not match the image")


HANDLER = TplinkHandler()
