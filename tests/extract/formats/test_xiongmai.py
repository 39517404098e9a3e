import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.extract.formats._vendorzip import name_claims
from firmware_audit.extract.formats.base import Claim
from firmware_audit.extract.formats.xiongmai import HANDLER
from firmware_audit.model import IssueKind
from firmware_audit.writers._zip import build_zip
from firmware_audit.writers.uimage import build_uimage
from firmware_audit.writers.xiongmai import build_xiongmai

NAMES = [h.name for h in HANDLERS]
needs_squashfs = pytest.mark.skipif("squashfs" not in NAMES, reason="no squashfs handler registered")
needs_cramfs = pytest.mark.skipif("cramfs" not in NAMES, reason="no cramfs handler registered")
GENERAL = "General_TEST_IPC_HI3518EV300_V5.00.R02.bin"


def _mislabeled(tree) -> list[tuple[str, str]]:
    return [(i.location.path, i.message) for i in tree.issues if i.kind is IssueKind.MISLABELED]


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (b"romfs-x.cramfs.img", "cramfs"),
        (b"mtd-x.jffs2.img", "jffs2"),
        (b"user-x.squashfs.img", "squashfs"),
        (b"custom-x.SquashFS.img", "squashfs"),
        (b"rootfs.ubifs.img", "ubifs"),
    ],
)
def test_member_names_claim_a_filesystem(name, said) -> None:
    assert name_claims(name) == (Claim("member name", said),)


@pytest.mark.parametrize("name", [b"u-boot.bin.img", b"kernel.img", b"InstallDesc", b"cramfs.txt"])
def test_other_names_claim_nothing(name) -> None:
    assert name_claims(name) == ()


def test_vendor_containers_come_before_the_formats_they_are_built_from() -> None:
    for generic in ("zip", "uimage"):
        if generic in NAMES:
            for vendor in ("xiongmai", "dahua-zip", "digicap", "reolink-pak"):
                assert NAMES.index(vendor) < NAMES.index(generic)


def test_round_trip() -> None:
    romfs = build_uimage(b"R" * 2000, name="romfs")
    image = build_xiongmai([("u-boot.bin.img", b"B" * 500), ("romfs-x.cramfs.img", romfs)], install=b"go\n")
    tree = unpack(image, name="General.bin")
    assert tree.root.format == "xiongmai"
    assert tree.root.label == "Xiongmai General bin (zip), 2 images, with InstallDesc and Install"
    assert [n.path for n in tree if "!" not in n.path] == [
        "/InstallDesc",
        "/Install",
        "/u-boot.bin.img",
        "/romfs-x.cramfs.img",
    ]
    assert not tree["/InstallDesc"].payload
    assert tree["/romfs-x.cramfs.img"].payload
    assert b'"FileName": "romfs-x.cramfs.img"' in tree.read("/InstallDesc")
    assert tree.read("/romfs-x.cramfs.img!/payload") == b"R" * 2000
    # The name says cramfs; the uImage passes the claim on to what it wraps, which is no filesystem.
    assert _mislabeled(tree) == [
        (
            "/romfs-x.cramfs.img!/payload",
            "member name says cramfs; the content is not a format firmware_audit recognises",
        )
    ]


def test_committed_general_bin_unpacks_and_reports_both_lies(data_dir) -> None:
    vendor = data_dir / "vendor"
    tree = unpack(vendor / GENERAL, name=GENERAL)
    assert tree.root.format == "xiongmai"
    assert tree.read("/romfs-x.cramfs.img") == (vendor / "gzip-lie.img").read_bytes()
    assert tree.read("/romfs-x.cramfs.img!/payload") == (vendor / "romfs.squashfs").read_bytes()
    lies = _mislabeled(tree)
    romfs = [m for p, m in lies if p == "/romfs-x.cramfs.img!/payload"]
    assert any(m.startswith("member name says cramfs; the content is ") for m in romfs)
    assert any(m.startswith("uImage header says gzip; the content is ") for m in romfs)


@needs_squashfs
def test_committed_general_bin_names_what_the_romfs_really_is(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / GENERAL)
    romfs = sorted(m for p, m in _mislabeled(tree) if p == "/romfs-x.cramfs.img!/payload")
    assert len(romfs) == 2
    assert romfs[0].startswith("member name says cramfs; the content is squashfs")
    assert romfs[1].startswith("uImage header says gzip; the content is squashfs")
    assert tree.read("/romfs-x.cramfs.img!/payload!/etc/passwd").startswith(b"root:")


@needs_cramfs
def test_committed_general_bin_honest_member_has_no_issue(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / GENERAL)
    assert tree["/user-x.cramfs.img!/payload"].format == "cramfs"
    assert [p for p, _ in _mislabeled(tree) if p.startswith("/user-x.cramfs.img")] == []


def test_a_zip_without_install_description_is_left_to_the_zip_handler() -> None:
    image = build_xiongmai([("a.img", b"x" * 10)], install=None)
    assert HANDLER.probe(memoryview(image)) is not None
    plain, _ = build_zip([("readme.txt", b"hello"), ("a.img", b"x")])
    assert HANDLER.probe(memoryview(plain)) is None
    no_images, _ = build_zip([("InstallDesc", b"{}")])
    assert HANDLER.probe(memoryview(no_images)) is None
    if "zip" in NAMES:
        assert unpack(plain).root.format == "zip"


def test_gzip_header_over_a_raw_cramfs(data_dir) -> None:
    cramfs = (data_dir / "vendor" / "user.cramfs").read_bytes()
    lie = build_uimage(cramfs, name="user", image_type="standalone", compression="gzip")
    tree = unpack(build_xiongmai([("user-x.cramfs.img", lie)]))
    issues = _mislabeled(tree)
    assert [p for p, _ in issues] == ["/user-x.cramfs.img!/payload"] * len(issues)
    assert any(m.startswith("uImage header says gzip; the content is ") for _, m in issues)
    assert tree.read("/user-x.cramfs.img!/payload") == cramfs
    if "cramfs" in NAMES:
        assert issues == [("/user-x.cramfs.img!/payload", issues[0][1])]
        assert "cramfs" in issues[0][1]
