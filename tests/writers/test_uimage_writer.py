import struct
import zlib

import pytest

from firmware_audit.writers.uimage import build_uimage, main, multi_data


@pytest.mark.parametrize(
    ("made_by_mkimage", "data", "options"),
    [
        ("romfs.img", "romfs.squashfs", {"name": "romfs"}),
        ("user.img", "user.cramfs", {"name": "user"}),
        (
            "gzip-lie.img",
            "romfs.squashfs",
            {"name": "romfs", "image_type": "standalone", "compression": "gzip"},
        ),
    ],
)
def test_same_bytes_as_mkimage(data_dir, made_by_mkimage, data, options) -> None:
    vendor = data_dir / "vendor"
    built = build_uimage((vendor / data).read_bytes(), **options)
    assert built == (vendor / made_by_mkimage).read_bytes()


def test_multi_file_image_matches_mkimage(data_dir) -> None:
    vendor = data_dir / "vendor"
    images = [(vendor / "romfs.squashfs").read_bytes(), (vendor / "user.cramfs").read_bytes()]
    built = build_uimage(multi_data(images), name="multi", image_type="multi")
    assert built == (vendor / "multi.img").read_bytes()


def test_header_fields() -> None:
    image = build_uimage(
        b"abc",
        name="n" * 40,
        arch="mips",
        image_type="kernel",
        compression="lzma",
        load=0x80008000,
        entry=0x80008040,
        timestamp=7,
    )
    magic, hcrc, stamp, size, load, entry, dcrc, os_, arch, kind, comp, name = struct.unpack(
        ">IIIIIIIBBBB32s", image[:64]
    )
    assert (magic, stamp, size, load, entry) == (0x27051956, 7, 3, 0x80008000, 0x80008040)
    assert (os_, arch, kind, comp) == (5, 5, 2, 3)
    assert dcrc == zlib.crc32(b"abc")
    assert name == b"n" * 32
    assert hcrc == zlib.crc32(image[:4] + b"\0\0\0\0" + image[8:64])
    assert image[64:] == b"abc"


def test_command_line(data_dir, tmp_path) -> None:
    vendor = data_dir / "vendor"
    out = tmp_path / "x.img"
    args = ["-o", str(out), "-T", "standalone", "-C", "gzip", "-n", "romfs", str(vendor / "romfs.squashfs")]
    assert main(args) == 0
    assert out.read_bytes() == (vendor / "gzip-lie.img").read_bytes()
    multi = tmp_path / "m.img"
    assert (
        main(["-o", str(multi), "-n", "multi", str(vendor / "romfs.squashfs"), str(vendor / "user.cramfs")])
        == 0
    )
    assert multi.read_bytes() == (vendor / "multi.img").read_bytes()
