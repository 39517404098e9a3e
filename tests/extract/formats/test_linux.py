import struct

from builders import gz, noise

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
