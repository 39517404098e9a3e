import struct

from firmware_audit.writers.reolink import build_reolink, main

SECTIONS = [("uboot1", b"u" * 100), ("kernel", b"k" * 0x10001)]


def _crc(data: bytes) -> int:
    """CRC-32 (reflected 0xEDB88320) from 0 with no final inversion, as pakler's calc_crc amounts to."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc


def test_32_bit_layout() -> None:
    image = build_reolink(SECTIONS, versions={"kernel": "v3.0.0.1"})
    magic, crc, kind = struct.unpack_from("<III", image)
    assert (magic, kind) == (0x32725913, 2)
    data_start = 12 + 2 * 64 + 2 * 76  # pakler's partition entry is 76 bytes: 32 + 4 + 32 + 4 + 4
    sections = [struct.unpack_from("<32s24sII", image, 12 + 64 * i) for i in range(2)]
    assert sections[0] == (b"uboot1".ljust(32, b"\0"), b"\0" * 24, data_start, 100)
    assert sections[1] == (
        b"kernel".ljust(32, b"\0"),
        b"v3.0.0.1".ljust(24, b"\0"),
        data_start + 100,
        0x10001,
    )
    parts = [struct.unpack_from("<32sI32sII", image, 12 + 128 + 76 * i) for i in range(2)]
    assert parts[0] == (b"uboot1".ljust(32, b"\0"), 0, b"/dev/mtd0".ljust(32, b"\0"), 0, 0x10000)
    assert parts[1] == (b"kernel".ljust(32, b"\0"), 0, b"/dev/mtd1".ljust(32, b"\0"), 0x10000, 0x20000)
    assert image[data_start:] == b"u" * 100 + b"k" * 0x10001
    # pakler: the CRC covers the data from the first section on, a 4-byte 2, then the section table.
    assert crc == _crc(image[data_start:] + b"\x02\0\0\0" + image[12 : 12 + 128])


def test_64_bit_layout_with_spare_slots() -> None:
    image = build_reolink(SECTIONS[:1], is64=True, spare_slots=2, pak_type=0x4B02)
    magic, crc, kind = struct.unpack_from("<QQQ", image)
    assert (magic, kind) == (0x32725913, 0x4B02)
    table = image[24 : 24 + 3 * 72]
    assert table[72:] == b"\0" * 144
    name, _, start, length = struct.unpack_from("<32s24sQQ", table)
    # 24 + 3 * (72 + 76) = 468 bytes of tables; the data starts at the next 8-byte boundary.
    assert (name.rstrip(b"\0"), start, length) == (b"uboot1", 472, 100)
    assert image[468:472] == b"\0" * 4
    assert crc == _crc(image[start:] + b"\x02" + b"\0" * 7 + table)


def test_command_line_rebuilds_the_committed_images(data_dir, tmp_path) -> None:
    vendor = data_dir / "vendor"
    uboot = tmp_path / "uboot"
    uboot.write_bytes(b"U" * 512)
    sections = [f"uboot1={uboot}", f"fs={vendor / 'romfs.img'}", f"app={vendor / 'user.img'}"]
    out = tmp_path / "x.pak"
    assert main(["-o", str(out), "--version", "fs=v3.0.0.1", *sections]) == 0
    assert out.read_bytes() == (vendor / "reolink.pak").read_bytes()
    assert main(["-o", str(out), "--64", "--spare-slots", "3", *sections]) == 0
    assert out.read_bytes() == (vendor / "reolink64.pak").read_bytes()
