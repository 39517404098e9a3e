"""Allwinner boot images: an eGON boot0 made by mkimage, and TOC1 packages built to Allwinner's layout.

mkimage 2023.01 (Debian's u-boot-tools) writes eGON images but not TOC1 packages; the packages here
are built field by field from `private_toc.h` (the layout the module docstring gives). A TOC1 and an
eGON image of a real Allwinner camera's boot partition (a Yi 1080, `kriskaminski/yi-1080-bfus-firmware`,
not in this repository) read the same way, checksums included.
"""

from __future__ import annotations

import struct

from conftest import DATA

from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

EGON = DATA / "boot" / "boot0.egon"
UBOOT = b"\0U-Boot 2018.05-00007-g8b9203a (Jul 14 2020 - 14:49:11 +0800) Allwinner Technology\0"


def _toc1(items: list[tuple[bytes, bytes]], *, checksum: bool = True, outside: bool = False) -> bytes:
    """A TOC1 package of named items, each 16-byte aligned after the head and the item table."""
    body = 64 + 368 * len(items)
    table, data = b"", b""
    for name, content in items:
        offset = body + len(data)
        size = len(content) + (1 << 20 if outside else 0)
        table += struct.pack("<64sIIIIII276sI", name, offset, size, 0, 3, 0x4A000000, 0, b"", 0x3B454949)
        data += content + bytes(-len(content) % 16)
    length = body + len(data)
    head = struct.pack(
        "<16sIIIIII20sI", b"sunxi-package", 0x89119800, 0x5F0A6C39, 0, 0, len(items), length, b"", 0x3B45494D
    )
    package = bytearray(head + table + data)
    total = sum(struct.unpack_from(f"<{length // 4}I", package)) & 0xFFFFFFFF
    struct.pack_into("<I", package, 20, total if checksum else total ^ 1)
    return bytes(package)


def test_an_egon_boot0_made_by_mkimage_is_known_and_explained() -> None:
    tree = unpack(EGON)
    assert (tree.root.format, tree.root.label) == ("sunxi-egon", "Allwinner eGON boot0, 8192 bytes")
    assert tree.coverage.explained_ratio == 1.0


def test_an_egon_header_whose_checksum_fails_is_not_one() -> None:
    data = bytearray(EGON.read_bytes())
    data[100] ^= 0xFF
    assert unpack(bytes(data)).root.format != "sunxi-egon"


def test_a_toc1_package_lists_its_items_as_payloads() -> None:
    dtb = DATA / "archive" / "board.dtb"
    package = _toc1([(b"u-boot", UBOOT * 40), (b"dtb", dtb.read_bytes())])
    tree = unpack(package)
    assert tree.root.format == "sunxi-toc1"
    assert tree.root.label == "Allwinner TOC1 package 'sunxi-package', 2 items"
    assert tree["/u-boot"].format == "u-boot"
    assert tree["/dtb"].format == "fit"
    assert tree.issues == ()


def test_a_toc1_package_says_what_is_wrong_with_it() -> None:
    tree = unpack(_toc1([(b"u-boot", UBOOT * 40)], checksum=False))
    assert [(i.kind, i.message) for i in tree.issues] == [
        (IssueKind.CHECKSUM, "sunxi-toc1: TOC1 checksum does not match its contents")
    ]
    tree = unpack(_toc1([(b"u-boot", UBOOT * 40)], outside=True))
    assert "/u-boot" not in tree
    assert [i.kind for i in tree.issues] == [IssueKind.TRUNCATED]
    # a length that is no multiple of 4 leaves the checksum unchecked, and says so
    package = bytearray(_toc1([(b"u-boot", UBOOT * 40)]) + b"\0")
    struct.pack_into("<I", package, 36, len(package))
    tree = unpack(bytes(package))
    assert tree["/u-boot"].format == "u-boot"
    assert [(i.kind, i.message) for i in tree.issues] == [
        (
            IssueKind.MALFORMED,
            f"sunxi-toc1: TOC1 length {len(package)} is no multiple of 4; its checksum is not checked",
        )
    ]


def test_a_boot_partition_holds_boot0_then_the_package() -> None:
    # The layout of an Allwinner SPI flash's first partition: boot0 at 0, the TOC1 package at 64 KiB.
    flash = EGON.read_bytes().ljust(0x10000, b"\xff") + _toc1([(b"u-boot", UBOOT * 40)])
    tree = unpack(flash)
    assert [n.format for n in tree] == ["sunxi-egon", "sunxi-toc1", "u-boot"]
    assert tree.coverage.explained_ratio == 1.0
