"""Linux kernel images: ARM zImage and arm64 Image headers, and raw kernels known by their banner.

A kernel is code, not a container, but knowing that a region *is* the kernel explains it: the
coverage of a flash dump should not list the kernel as unknown bytes. A zImage carries its real
kernel compressed inside (the "piggy"); that stream is emitted as a payload so it is decoded in turn.
A raw kernel (what a uImage's gzip or a zImage's piggy decompresses to) has no header; it is
recognised by its `Linux version` banner, and only as a fallback, when nothing else was found in the
payload (the banner could otherwise claim a whole flash dump that merely holds a kernel). A U-Boot
binary is recognised the same way, by its version banner.
"""

from __future__ import annotations

import re
import struct

from firmware_audit.extract.formats.base import Detection, Handler, Output, Slice

_ZIMAGE_MAGIC = 0x016F2818
_ARM64_MAGIC = b"ARM\x64"
# Magics of the streams a zImage's decompressor may carry (arch/arm/boot/compressed).
_PIGGY_MAGICS = (
    b"\x1f\x8b\x08",
    b"\xfd7zXZ\x00",
    b"\x5d\x00\x00",
    b"\x02\x21\x4c\x18",
    b"\x89LZO",
    b"\x28\xb5\x2f\xfd",
)
_BANNER = re.compile(
    rb"Linux version (\d+\.\d+[^\s\x00]*) \(([^()\x00]{1,128})\) \(([^\x00\n]{1,256}?)\) #\d+"
)
_MIN_RAW_KERNEL = 512 * 1024
"""Smaller blobs with a banner are log files or strings tables, not kernels."""
_UBOOT_BANNER = re.compile(rb"U-Boot (?:SPL )?((?:\d{4}\.\d{2}|1\.[0-3]\.\d{1,2}(?![\d.]))[^\x00\n]{0,64})")
"""U-Boot's version banner: `2016.11` since 2008.10, `1.1.3` before (still in routers' and cameras'
SDKs: Ralink's and Atheros's boot loaders are 1.1.3 and 1.1.4)."""
_UBOOT_SEARCH = 2 * 1024 * 1024
"""A boot loader's banner sits in its first megabytes."""


class ZImageHandler(Handler):
    """ARM zImage: a self-decompressing kernel with its magic at 0x24."""

    name = "zimage"
    magics = (struct.pack("<I", _ZIMAGE_MAGIC),)
    magic_offset = 0x24

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic and that the start/end addresses give a size that fits."""
        if len(data) < 0x30:
            return None
        magic, start, end = struct.unpack_from("<III", data, 0x24)
        if magic != _ZIMAGE_MAGIC or not 0x30 < end - start <= len(data):
            return None
        return Detection("ARM zImage", end - start)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Emit the compressed kernel inside, from the first stream magic after the header."""
        hits = [i for i in (bytes(data).find(m, 0x30) for m in _PIGGY_MAGICS) if i >= 0]
        if hits:
            first = min(hits)
            out.file("piggy", Slice(first, len(data) - first), payload=True)
        return len(data)


class Arm64ImageHandler(Handler):
    """arm64 kernel Image: a 64-byte header with the magic `ARM` 0x64 at 0x38 and the size at 0x10."""

    name = "arm64-image"
    magics = (_ARM64_MAGIC,)
    magic_offset = 0x38

    def probe(self, data: memoryview) -> Detection | None:
        """Check the magic and the image size."""
        if len(data) < 0x40 or bytes(data[0x38:0x3C]) != _ARM64_MAGIC:
            return None
        (size,) = struct.unpack_from("<Q", data, 0x10)
        if not 0x40 < size <= len(data):
            return None
        return Detection(_label("arm64 kernel Image", data), size)

    def unpack(self, data: memoryview, out: Output) -> int | None:  # noqa: ARG002  (nothing inside)
        """A raw kernel holds no members."""
        return len(data)


class RawKernelHandler(Handler):
    """A raw (decompressed) Linux kernel, known only by its banner; tried when nothing else matched."""

    name = "linux-kernel"
    magics = ()

    def probe(self, data: memoryview) -> Detection | None:
        """Find the `Linux version` banner in a blob big enough to be a kernel."""
        if len(data) < _MIN_RAW_KERNEL:
            return None
        label = _label("", data)
        return Detection(label, len(data)) if label else None

    def unpack(self, data: memoryview, out: Output) -> int | None:  # noqa: ARG002  (nothing inside)
        """A raw kernel holds no members."""
        return len(data)


class UBootHandler(Handler):
    """A U-Boot binary, known by its version banner; tried when nothing else matched."""

    name = "u-boot"
    magics = ()

    def probe(self, data: memoryview) -> Detection | None:
        """Find the `U-Boot 20xx.yy` banner near the start."""
        match = _UBOOT_BANNER.search(data[:_UBOOT_SEARCH])
        if match is None:
            return None
        return Detection(f"U-Boot boot loader {match.group(1).decode('latin-1').strip()}", len(data))

    def unpack(self, data: memoryview, out: Output) -> int | None:  # noqa: ARG002  (nothing inside)
        """A boot loader binary holds no members firmware_audit opens."""
        return len(data)


def _label(prefix: str, data: memoryview) -> str:
    match = _BANNER.search(data)
    if match is None:
        return prefix
    version, builder, compiler = (g.decode("latin-1").strip() for g in match.groups())
    text = f"Linux kernel {version}, built by {builder} with {compiler}"
    return f"{prefix}: {text}" if prefix else text


ZIMAGE = ZImageHandler()
ARM64_IMAGE = Arm64ImageHandler()
RAW_KERNEL = RawKernelHandler()
UBOOT = UBootHandler()
