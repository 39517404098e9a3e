import io
import zipfile

from firmware_audit.writers.dahua import build_dahua, main

MEMBERS = [("Install", b"script\n"), ("romfs-x.squashfs.img", b"R" * 500), ("hwid", b"id\n")]


def _local_headers(image: bytes) -> list[int]:
    """Offsets of the local headers, from the central directory (which keeps PK)."""
    with zipfile.ZipFile(io.BytesIO(image)) as zf:
        return [info.header_offset for info in zf.infolist()]


def test_first_local_header_is_dh_and_the_rest_is_a_zip() -> None:
    image = build_dahua(MEMBERS)
    offsets = _local_headers(image)
    assert image[:4] == b"DH\x03\x04"
    assert [image[o : o + 4] for o in offsets[1:]] == [b"PK\x03\x04"] * 2
    patched = b"PK" + image[2:]
    with zipfile.ZipFile(io.BytesIO(patched)) as zf:
        assert [(i.filename, zf.read(i)) for i in zf.infolist()] == [(n, d) for n, d in MEMBERS]
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())


def test_every_header_variant() -> None:
    image = build_dahua(MEMBERS, every_header=True, compression="stored")
    offsets = _local_headers(image)
    assert [image[o : o + 4] for o in offsets] == [b"DH\x03\x04"] * 3
    assert b"PK\x01\x02" in image
    assert b"PK\x05\x06" in image
    assert image.count(b"R" * 500) == 1  # stored, not compressed


def test_command_line_rebuilds_the_committed_image(data_dir, tmp_path) -> None:
    vendor = data_dir / "vendor"
    install = tmp_path / "Install"
    install.write_bytes(b"Install stand-in\n")
    out = tmp_path / "dahua.bin"
    members = [
        f"Install={install}",
        f"romfs-x.squashfs.img={vendor / 'romfs.img'}",
        f"user-x.cramfs.img={vendor / 'user.img'}",
    ]
    assert main(["-o", str(out), *members]) == 0
    assert out.read_bytes() == (vendor / "dahua.bin").read_bytes()
    assert main(["-o", str(out), "--every-header", "--compression", "stored", *members]) == 0
    assert out.read_bytes() == (vendor / "dahua-every.bin").read_bytes()
