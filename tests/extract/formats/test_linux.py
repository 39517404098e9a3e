import struct

from builders import gz, noise, tar_of, uimage

from firmware_audit.extract import unpack

BANNER = (
    b"Linux version 4.9.37 (jenkins@hik-build-07) (gcc version 6.3.0 (Hisilicon_v600_20180227) ) "
    b"#1 SMP Wed Jun 3 10:00:00 CST 2020\n"
)


def _raw_kernel(size: int = 600 * 1024) -> bytes:
    body = noise(size, seed=11)
    return body[:1000] + BANNER + body[1000 + len(BANNER) :]


def _zimage(piggy: bytes) -> bytes:
    stub = bytearray(noise(0x200, seed=12))
    struct.pack_into("<III", stub, 0x24, 0x016F2818, 0, len(stub) + len(piggy))
    return bytes(stub) + piggy


def test_raw_kernel_is_known_by_its_banner() -> None:
    tree = unpack(_raw_kernel())
    assert tree.root.format == "linux-kernel"
    assert tree.root.label == (
        "Linux kernel 4.9.37, built by jenkins@hik-build-07 with gcc version 6.3.0 (Hisilicon_v600_20180227)"
    )
    assert tree.coverage.explained_ratio == 1.0


def test_small_blob_with_a_banner_is_not_a_kernel() -> None:
    tree = unpack(b"dmesg: " + BANNER * 10)
    assert tree.root.format is None


def test_zimage_piggy_is_decompressed_and_recognised() -> None:
    kernel = _raw_kernel()
    tree = unpack(_zimage(gz(kernel)))
    assert tree.root.format == "zimage"
    assert tree["/piggy"].format == "gzip"
    assert tree["/piggy!/payload"].format == "linux-kernel"
    assert tree.read("/piggy!/payload") == kernel
    assert tree.coverage.explained_ratio == 1.0


def test_u_boot_binary_is_known_by_its_banner() -> None:
    boot = (
        noise(4000, seed=13) + b"\0U-Boot 2016.11 (Jun 03 2020 - 10:00:00 +0800) hi3516ev300\0" + noise(2000)
    )
    tree = unpack(boot + b"\xff" * 10000)
    assert tree.root.format == "u-boot"
    assert tree.root.label == "U-Boot boot loader 2016.11 (Jun 03 2020 - 10:00:00 +0800) hi3516ev300"


def _kernel_embedding(initramfs: bytes, size: int = 600 * 1024) -> bytes:
    """A raw kernel with its banner and, in the middle, an embedded initramfs (as `.init.ramfs`)."""
    kernel = bytearray(_raw_kernel(size))
    kernel[300_000 : 300_000 + len(initramfs)] = initramfs
    return bytes(kernel)


INITRAMFS = tar_of({"init": b"#!/bin/sh\necho initramfs of the test kernel\n"})


def test_a_kernel_that_embeds_its_initramfs_is_the_kernel_around_it() -> None:
    # What a kernel uImage or a zImage decompresses to is the kernel: its own bytes are explained,
    # and the initramfs carving finds in it is its member (an Ingenic T31 kernel, a Fullhan one).
    for image in (
        uimage(gz(_kernel_embedding(INITRAMFS)), comp=1),
        _zimage(gz(_kernel_embedding(INITRAMFS))),
    ):
        tree = unpack(image)
        (kernel,) = [n for n in tree if n.format == "linux-kernel"]
        assert (kernel.label or "").startswith("Linux kernel 4.9.37")
        assert tree[f"{kernel.path}!/0x000493e0.tar!/init"].size > 0
        assert tree.coverage.explained_ratio == 1.0
        own = tree.own_bytes(kernel, tree.read(kernel))
        assert BANNER in own
        assert own[300_000 : 300_000 + len(INITRAMFS)] == bytes(len(INITRAMFS))  # read as its own file


def test_a_banner_in_a_payload_that_holds_formats_is_no_kernel_elsewhere() -> None:
    # The same bytes in a flash dump (no kernel image around them) are no kernel: its gaps stay unknown.
    tree = unpack(_kernel_embedding(INITRAMFS))
    assert tree.root.format == "carved"
    assert tree.coverage.explained_ratio < 0.1
    assert tree.own_bytes(tree.root, b"abc") == b"abc"


def test_a_u_boot_of_the_old_numbering_is_known_too() -> None:
    # Ralink's and Atheros's SDKs still ship U-Boot 1.1.3 and 1.1.4 (a TP-Link MT7628 router's boot loader).
    boot = noise(4000, seed=14) + b"\0U-Boot 1.1.3 (Nov 19 2023 - 18:30:02)\0" + noise(2000)
    tree = unpack(boot + b"\xff" * 10000)
    assert tree.root.format == "u-boot"
    assert tree.root.label == "U-Boot boot loader 1.1.3 (Nov 19 2023 - 18:30:02)"
    for other in (b"U-Boot 1.1.3.4 (x)", b"U-Boot 1.5.0 (x)", b"U-Boot v1.1.3"):
        assert unpack(noise(4000, seed=15) + b"\0" + other + b"\0" + noise(2000)).root.format != "u-boot"
