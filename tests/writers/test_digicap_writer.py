import struct

import pytest

from firmware_audit.writers.digicap import build_digicap, main

KEY = bytes.fromhex("BACDBCFED6CADDD3BAB9A3ABBFCBB5BE")
MEMBERS = [("hroot.img", b"\x01\x02\x03" * 100), ("uImage", b"\xff" * 77)]


def _clear(header: bytes) -> bytes:
    """formats.md 1.1, one byte at a time: byte p is XORed with K[(p + p // 16) mod 16]."""
    return bytes(b ^ KEY[(p + p // 16) % 16] for p, b in enumerate(header))


@pytest.mark.parametrize("order", ["offset-size", "size-offset"])
def test_layout_follows_the_format_description(order) -> None:
    image = build_digicap(
        MEMBERS,
        order=order,
        device_class=0x30,
        oem_code=2,
        version=0x050500,
        build_date=0x200101,
        text=b"DS-2CD",
    )
    header = _clear(image[: 0x40 + 2 * 44])
    magic, checksum, length, count, language, device, oem, version, total, date = struct.unpack_from(
        "<4s9I", header
    )
    assert (magic, length, count) == (b"SWKH", 0x98, 2)  # 0x98: the typical length for two files
    assert (language, device, oem, version, date) == (1, 0x30, 2, 0x050500, 0x200101)
    assert total == len(image)
    assert header[0x28:0x40] == b"DS-2CD".ljust(24, b"\0")
    assert checksum == sum(header[0x0C:])
    offset = 0x98
    for i, (name, data) in enumerate(MEMBERS):
        raw, a, b, file_sum = struct.unpack_from("<32sIII", header, 0x40 + 44 * i)
        assert raw == name.encode().ljust(32, b"\0")
        assert (a, b) == ((offset, len(data)) if order == "offset-size" else (len(data), offset))
        assert file_sum == sum(data)
        assert image[offset : offset + len(data)] == data
        offset += len(data)


def test_clear_header_and_other_magic() -> None:
    image = build_digicap(MEMBERS, magic=b"02KH", obfuscate=False)
    assert image[:4] == b"02KH"
    assert image[0x40:0x49] == b"hroot.img"
    assert _clear(build_digicap(MEMBERS, magic=b"02KH")[:0x98]) == image[:0x98]


def test_deterministic_and_long_names_refused() -> None:
    assert build_digicap(MEMBERS) == build_digicap(MEMBERS)
    with pytest.raises(ValueError, match="longer than 32 bytes"):
        build_digicap([("n" * 33, b"")])


def test_command_line_rebuilds_the_committed_image(data_dir, tmp_path) -> None:
    vendor = data_dir / "vendor"
    out = tmp_path / "digicap.dav"
    args = [
        "-o",
        str(out),
        "--device-class",
        "0x30",
        "--oem-code",
        "1",
        "--version",
        "0x05050000",
        "--text",
        "IPC_G1",
        f"hroot.img={vendor / 'romfs.img'}",
        f"user.img={vendor / 'user.img'}",
    ]
    assert main(args) == 0
    assert out.read_bytes() == (vendor / "digicap.dav").read_bytes()
