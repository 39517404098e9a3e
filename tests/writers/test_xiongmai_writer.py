import io
import json
import zipfile

from firmware_audit.writers.xiongmai import build_xiongmai, main


def _members(image: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(image)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_plain_zip_with_a_generated_install_description() -> None:
    image = build_xiongmai(
        [("u-boot.bin.img", b"u"), ("romfs-x.cramfs.img", b"r"), ("notes", b"n")], install=b"run\n"
    )
    assert image[:4] == b"PK\x03\x04"
    members = _members(image)
    assert list(members) == ["InstallDesc", "Install", "u-boot.bin.img", "romfs-x.cramfs.img", "notes"]
    desc = json.loads(members["InstallDesc"])
    assert [c["FileName"] for c in desc["UpgradeCommand"]] == ["u-boot.bin.img", "romfs-x.cramfs.img"]
    assert members["Install"] == b"run\n"


def test_given_install_description_is_kept() -> None:
    members = _members(build_xiongmai([("InstallDesc", b"mine"), ("a.img", b"a")]))
    assert list(members) == ["InstallDesc", "a.img"]
    assert members["InstallDesc"] == b"mine"


def test_command_line_rebuilds_the_committed_image(data_dir, tmp_path) -> None:
    vendor = data_dir / "vendor"
    install = tmp_path / "Install"
    install.write_bytes(b"Install stand-in\n")
    out = tmp_path / "General.bin"
    args = [
        "-o",
        str(out),
        "--install",
        str(install),
        f"romfs-x.cramfs.img={vendor / 'gzip-lie.img'}",
        f"user-x.cramfs.img={vendor / 'user.img'}",
    ]
    assert main(args) == 0
    assert out.read_bytes() == (vendor / "General_TEST_IPC_HI3518EV300_V5.00.R02.bin").read_bytes()
