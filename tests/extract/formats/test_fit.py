import gzip
import struct

import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import fit
from firmware_audit.extract.formats.base import Claim, Output, Slice
from firmware_audit.extract.limits import Budget, Limits
from firmware_audit.model import IssueKind

_KERNEL_TEXT = b"Linux version 4.9.37 (builder@hisilicon) #1 SMP\n"


def _fdt(*items: tuple, tail: bytes = b"") -> bytes:
    """A device tree blob from ("begin", name) / ("prop", name, value) / ("end",) items."""
    structure, strings, names = bytearray(), bytearray(), {}
    for item in items:
        if item[0] == "begin":
            structure += struct.pack(">I", 1) + item[1] + b"\0"
        elif item[0] == "prop":
            if item[1] not in names:
                names[item[1]] = len(strings)
                strings += item[1] + b"\0"
            structure += struct.pack(">III", 3, len(item[2]), names[item[1]]) + item[2]
        else:
            structure += struct.pack(">I", 2)
        structure += b"\0" * (-len(structure) % 4)
    structure += struct.pack(">I", 9)
    off_struct = 40 + 16
    off_strings = off_struct + len(structure)
    size = off_strings + len(strings)
    header = struct.pack(
        ">10I", 0xD00DFEED, size, off_struct, off_strings, 40, 17, 16, 0, len(strings), len(structure)
    )
    return header + bytes(16) + bytes(structure) + bytes(strings) + tail


def test_fit_images_are_zero_copy_payloads_with_compression_claims(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "fit.itb")
    assert tree.root.format == "fit"
    assert tree.root.label == "U-Boot FIT image 'test camera FIT', 2 images"
    kernel = tree["/kernel-1"]
    assert kernel.payload
    assert kernel.format == "gzip"
    assert isinstance(tree.view(kernel), memoryview)
    assert tree.read("/kernel-1!/payload") == _KERNEL_TEXT
    ramdisk = tree["/ramdisk-1!/payload"]
    assert ramdisk.format == "cpio"
    assert tree["/ramdisk-1!/payload!/bin/sh"].link == b"busybox"
    assert not [i for i in tree.issues if i.kind is not IssueKind.UNSAFE_PATH]


def test_external_data_is_found_after_the_tree_and_counted_in_the_extent(data_dir) -> None:
    embedded = unpack(data_dir / "archive" / "fit.itb")
    external = unpack(data_dir / "archive" / "fit-external.itb")
    raw = (data_dir / "archive" / "fit-external.itb").read_bytes()
    # The tree is 844 bytes; the kernel (68) and ramdisk (1626) follow; mkimage pads the file to 4.
    assert fit.HANDLER.probe(memoryview(raw)).length == 844 + 68 + 1626 == len(raw) - 2
    assert external.read("/kernel-1") == embedded.read("/kernel-1")
    assert external.read("/ramdisk-1") == embedded.read("/ramdisk-1")
    assert external.read("/ramdisk-1!/payload!/etc/passwd").startswith(b"root:x:0:0:")


def test_data_position_is_an_absolute_offset() -> None:
    payload = gzip.compress(_KERNEL_TEXT, mtime=0)
    blob = _fdt(
        ("begin", b""),
        ("begin", b"images"),
        ("begin", b"kernel"),
        ("prop", b"data-size", struct.pack(">I", len(payload))),
        ("prop", b"data-position", struct.pack(">I", 0x1000)),
        ("prop", b"compression", b"gzip\0"),
        ("end",),
        ("end",),
        ("end",),
    )
    image = blob + b"\xff" * (0x1000 - len(blob)) + payload
    out = Output(Budget(Limits()))
    assert fit.HANDLER.unpack(memoryview(image), out) == 0x1000 + len(payload)
    (entry,) = out.entries
    assert entry.content == Slice(0x1000, len(payload))
    assert entry.claims == (Claim("FIT image node", "gzip", immediate=True),)
    assert unpack(image).read("/kernel!/payload") == _KERNEL_TEXT


def test_a_lying_compression_property_is_mislabeled(data_dir) -> None:
    raw = (data_dir / "archive" / "fit.itb").read_bytes()
    first = raw.index(b"gzip\0")
    tree = unpack(raw[:first] + b"lzma" + raw[first + 4 :])
    mislabeled = [i.message for i in tree.issues if i.kind is IssueKind.MISLABELED]
    assert mislabeled == ["FIT image node says lzma; the content is gzip compressed data"]


def test_hash_nodes_are_checked(data_dir) -> None:
    raw = bytearray((data_dir / "archive" / "fit.itb").read_bytes())
    at = raw.index(gzip.compress(b"", mtime=0)[:3]) + 20  # inside the kernel's gzip data
    raw[at] ^= 0xFF
    tree = unpack(bytes(raw))
    checksum = [i.message for i in tree.issues if i.kind is IssueKind.CHECKSUM]
    assert checksum == ["fit: images/kernel-1/hash-1: crc32 does not match the image data"]


def test_plain_device_tree_is_recognised_with_no_members(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "board.dtb")
    assert tree.root.format == "fit"
    assert tree.root.label == "flattened device tree 'Test IPC board' (version 17)"
    assert len(tree) == 0
    assert tree.issues == ()
    assert tree.coverage.explained_ratio == 1.0


def test_truncated_fit_keeps_the_part_of_the_image_that_is_there(data_dir) -> None:
    raw = (data_dir / "archive" / "fit-external.itb").read_bytes()
    tree = unpack(raw[:-100])
    assert tree.root.format == "fit"
    truncated = sorted(i.message for i in tree.issues if i.kind is IssueKind.TRUNCATED)
    assert "fit: image 'ramdisk-1' says 1626 bytes; only 1528 are there" in truncated
    assert tree["/ramdisk-1"].size == 1528


@pytest.mark.parametrize(
    "items",
    [
        (("begin", b""), ("end",), ("end",)),  # FDT_END_NODE with no node open
        (("begin", b""),) * 70,  # nested deeper than 64
        (("prop", b"data", b"x"),),  # property outside a node
    ],
)
def test_broken_structure_is_not_recognised(items) -> None:
    assert fit.HANDLER.probe(memoryview(_fdt(*items))) is None


def test_unknown_token_and_unterminated_walk_are_rejected() -> None:
    good = _fdt(("begin", b""), ("end",))
    assert fit.HANDLER.probe(memoryview(good)) is not None
    assert fit.HANDLER.probe(memoryview(good.replace(struct.pack(">I", 9), struct.pack(">I", 7)))) is None
    assert fit.HANDLER.probe(memoryview(good[:40])) is None


def test_fact_fit_sample(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "fit.itb")
    assert tree.root.label == "U-Boot FIT image 'FACT Test FIT Image', 3 images"
    assert tree["/kernel"].format == "gzip"
    assert tree["/fdt"].label == "flattened device tree (version 17)"
    assert tree["/rootfs!/payload"].format == "squashfs"
    assert tree.issues == ()


def test_fact_legacy_uimage_sample_is_listed_by_the_uimage_handler(shared_samples) -> None:
    # Not a FIT: the legacy header (magic 27 05 19 56) is the uImage handler's; FIT must not claim it.
    tree = unpack(shared_samples / "fact" / "uboot.image_with_header")
    first = tree["/0x00000000.uimage"]
    assert first.label == "uImage 'u-boot image', mips firmware, lzma"
    assert tree["/0x00000000.uimage!/payload"].format == "lzma"
    assert not tree.find("*.fit")
