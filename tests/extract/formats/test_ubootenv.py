import pytest
from conftest import DATA

from firmware_audit.extract import unpack

BOOT = DATA / "boot"


@pytest.mark.parametrize("name", ["env.bin", "env-redundant.bin"])
def test_environment_made_by_mkenvimage(name: str) -> None:
    tree = unpack(BOOT / name)
    assert tree.root.format == "uboot-env"
    assert tree.root.label == "U-Boot environment, 65536 bytes, 4 variables"
    text = tree.read("/environment").decode()
    assert text.splitlines()[2] == "serverip=192.168.1.107"
    assert "mtdparts=hi_sfc:256k(boot)" in text
    assert tree.coverage.explained_ratio == 1.0


def test_a_wrong_crc_is_not_an_environment() -> None:
    data = bytearray((BOOT / "env.bin").read_bytes())
    data[10] ^= 1
    tree = unpack(bytes(data))
    assert tree.root.format is None
    assert tree.coverage.unexplained


def test_the_environment_does_not_claim_a_payload_where_a_format_was_found() -> None:
    data = (BOOT / "env.bin").read_bytes() + (BOOT / "kernel.uimg").read_bytes()
    tree = unpack(data)
    assert [n.path for n in tree if "!" not in n.path] == ["/0x00010000.uimage"]
