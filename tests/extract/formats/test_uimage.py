import pytest
from conftest import DATA

from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

BOOT = DATA / "boot"


def test_kernel_uimage_made_by_mkimage() -> None:
    tree = unpack(BOOT / "kernel.uimg")
    assert tree.root.format == "uimage"
    assert tree.root.label == "uImage 'Linux-4.9.37', arm kernel, gzip"
    assert tree["/payload"].format == "gzip"
    assert tree.read("/payload!/payload") == (BOOT / "kernel.txt").read_bytes()
    assert tree.issues == ()


def test_multi_file_uimage_made_by_mkimage() -> None:
    tree = unpack(BOOT / "multi.uimg")
    assert "mips multi" in (tree.root.label or "")
    assert tree.read("/payload.0") == (BOOT / "kernel.txt.gz").read_bytes()
    assert tree.read("/payload.1") == b"ramdisk blob\n"
    assert tree.read("/payload.0!/payload") == (BOOT / "kernel.txt").read_bytes()


def test_corrupt_data_crc_is_an_issue_and_the_payload_is_kept() -> None:
    data = bytearray((BOOT / "kernel.uimg").read_bytes())
    data[-1] ^= 0xFF
    tree = unpack(bytes(data))
    assert IssueKind.CHECKSUM in {i.kind for i in tree.issues}
    assert tree["/payload"].size == len(data) - 64


def test_corrupt_header_crc_is_not_a_uimage() -> None:
    data = bytearray((BOOT / "kernel.uimg").read_bytes())
    data[0x20] ^= 0xFF  # the image name, covered by the header CRC
    tree = unpack(bytes(data))
    assert tree.root.format == "carved"
    assert [n.path for n in tree if "!" not in n.path] == ["/0x00000040.gzip"]


@pytest.mark.parametrize("cut", [10, 63, 200])
def test_cut_uimage(cut: int) -> None:
    data = (BOOT / "kernel.uimg").read_bytes()[:cut]
    tree = unpack(data)
    if cut < 64:
        assert tree.root.format is None
        assert tree.coverage.bytes_explained == 0
    else:
        assert IssueKind.TRUNCATED in {i.kind for i in tree.issues}


def test_other_projects_uimage(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "uboot.image_with_header")
    first = tree["/0x00000000.uimage"]
    assert first.label == "uImage 'u-boot image', mips firmware, lzma"
    assert tree["/0x00000000.uimage!/payload"].format == "lzma"
    assert tree["/0x00000000.uimage!/payload!/payload"].size > 0
