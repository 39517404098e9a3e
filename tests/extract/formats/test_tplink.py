"""TP-Link firmware headers, built field by field to OpenWrt's `mktplinkfw.c` and `mktplinkfw2.c`.

No Debian package writes them (the tools are OpenWrt's). Images of three real devices read the same
way, MD5 included where the image keeps it: a TP-Link MT7628 router's kernel partition (version 3,
its MD5 blanked in flash), the image inside FACT's `test.tpl` (version 1) and an OpenWrt factory image
for the TL-WR841 v11 (version 1, vendor `OpenWrt`), all in `../shared/real-firmware/router`.
"""

from __future__ import annotations

import hashlib
import lzma
import struct

from builders import noise, tar_of

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import tplink
from firmware_audit.model import IssueKind

BANNER = b"Linux version 2.6.36 (builder@host) (gcc version 4.6.3 (Buildroot 2012.11.1) ) #1 Sun Nov 19\n"
_V1_SALT = bytes.fromhex("dcd73aa5c39598fbddf9e7f40eae4738")
_V2_SALT = bytes.fromhex("dcd73aa5c39598fbdcf9e7f40eae4737")


def _image(
    kernel: bytes,
    rootfs: bytes,
    *,
    layout: int = 1,
    md5: str = "good",
    boot: int = 0,
    rootfs_at: int | None = None,
) -> bytes:
    """A header of `layout` 1 (mktplinkfw) or 2 (mktplinkfw2, header version 3) over the two parts."""
    header = bytearray(b"\xff" * 0x200 if layout == 2 else bytes(0x200))
    rootfs_at = rootfs_at if rootfs_at is not None else 0x200 + len(kernel)
    end = rootfs_at + len(rootfs)
    offsets = (0x80000000, 0x80000000, end, 0x200, len(kernel), rootfs_at, len(rootfs), 0, boot)
    if layout == 1:
        vendor, version = b"TP-LINK Technologies", b"ver. 1.0"
        struct.pack_into(">I24s36sIII", header, 0, 0x01000000, vendor, version, 0x08410009, 1, 0)
        struct.pack_into(">9I", header, 0x74, *offsets)
        md5_at, salt = 0x4C, _V1_SALT
    else:
        struct.pack_into("<I", header, 0, 3)
        header[4:52] = b"ver. 2.0".ljust(48, b"\0")
        struct.pack_into(">III", header, 0x34, 0x08410014, 1, 0x14)
        struct.pack_into(">9I", header, 0x68, *offsets)
        struct.pack_into(">HBBBBBB", header, 0x8C, 0x55AA, 4, 19, 0xA5, 0, 9, 1)
        md5_at, salt = 0x40, _V2_SALT
    gap = bytes(rootfs_at - 0x200 - len(kernel))
    image = bytearray(bytes(header) + kernel + gap + rootfs)
    image[md5_at : md5_at + 16] = salt
    digest = hashlib.md5(image, usedforsecurity=False).digest()
    image[md5_at : md5_at + 16] = {"good": digest, "bad": bytes(16 - 1) + b"\1", "blank": bytes(16)}[md5]
    return bytes(image)


KERNEL = lzma.compress(BANNER + noise(600_000, seed=3), format=lzma.FORMAT_ALONE)
ROOTFS = tar_of({"etc/banner": b"router\n"})


def test_both_layouts_give_the_kernel_and_the_root_filesystem() -> None:
    for layout in (1, 2):
        tree = unpack(_image(KERNEL, ROOTFS, layout=layout))
        assert tree.root.format == "tplink"
        label = f"TP-Link firmware header v{2 * layout - 1} 'ver. {layout}.0'"
        assert (tree.root.label or "").startswith(label)
        assert tree.read("/kernel") == KERNEL
        assert tree["/kernel"].format == "lzma"
        assert tree.read("/rootfs!/etc/banner") == b"router\n"
        assert tree.issues == ()
        assert tree.coverage.explained_ratio == 1.0


def test_the_md5_is_checked_and_a_blank_one_said_to_be_unchecked() -> None:
    bad = unpack(_image(KERNEL, ROOTFS, md5="bad"))
    assert [(i.kind, i.message) for i in bad.issues] == [
        (IssueKind.CHECKSUM, "tplink: the header's MD5 does not match the image")
    ]
    blank = unpack(_image(KERNEL, ROOTFS, layout=2, md5="blank"))
    assert [i.kind for i in blank.issues] == [IssueKind.CHECKSUM]
    assert "blank" in blank.issues[0].message
    assert blank.read("/rootfs!/etc/banner") == b"router\n"  # the parts are read all the same


def test_a_root_filesystem_in_the_next_partition_is_said_to_be_missing() -> None:
    # A dump of the kernel partition alone: the header points past it to the root filesystem.
    image = _image(KERNEL, ROOTFS, layout=2, md5="blank", rootfs_at=0x100000)[:0x100000]
    tree = unpack(image)
    assert [n.path for n in tree if n.path.count("!") == 0] == ["/kernel"]
    (missing,) = [i for i in tree.issues if i.kind is IssueKind.TRUNCATED]
    assert "the rootfs" in missing.message


def test_a_kernel_member_decompresses_to_the_kernel_around_its_initramfs() -> None:
    # The kernel partition of the MT7628 router: an LZMA kernel embedding its initramfs, and its
    # command line naming the flash's partitions (the kernel is no flash).
    body = bytearray(BANNER + noise(600_000, seed=4))
    cmdline = b"console=ttyS0 mtdparts=raspi:128k(u-boot),64k(u-boot-env),64k(factory),-(firmware)\0"
    body[5000 : 5000 + len(cmdline)] = cmdline
    initramfs = tar_of({"init": b"#!/bin/sh\n"})
    body[300_000 : 300_000 + len(initramfs)] = initramfs
    tree = unpack(_image(lzma.compress(bytes(body), format=lzma.FORMAT_ALONE), ROOTFS, layout=2))
    payload = tree["/kernel!/payload"]
    assert payload.format == "linux-kernel"
    assert tree.read(f"{payload.path}!/0x000493e0.tar!/init") == b"#!/bin/sh\n"
    assert tree.coverage.explained_ratio == 1.0


def test_an_image_carrying_a_boot_loader_is_left_to_carving() -> None:
    # Its parts lie elsewhere than its offsets say (FACT's `test.tpl`): the header is not trusted.
    tree = unpack(_image(KERNEL, ROOTFS, boot=0x1000))
    assert tree.root.format != "tplink"


def test_look_alikes_are_not_headers() -> None:
    good = _image(KERNEL, ROOTFS, layout=2)
    no_marks = bytearray(good)
    no_marks[0x90] = 0  # the 0xA5 mark
    kernel_in_header = bytearray(_image(KERNEL, ROOTFS))
    struct.pack_into(">I", kernel_in_header, 0x80, 0x100)
    for image in (bytes(no_marks), bytes(kernel_in_header), good[:0x1FF]):
        assert tplink.HANDLER.probe(memoryview(image)) is None
