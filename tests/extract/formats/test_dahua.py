import zipfile

import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.extract.formats.dahua import HANDLER
from firmware_audit.model import IssueKind
from firmware_audit.writers.dahua import build_dahua

REGISTERED = {h.name for h in HANDLERS}
needs_squashfs = pytest.mark.skipif("squashfs" not in REGISTERED, reason="no squashfs handler registered")
needs_cramfs = pytest.mark.skipif("cramfs" not in REGISTERED, reason="no cramfs handler registered")
MEMBERS = [("Install", b"install script\n"), ("kernel.img", b"k" * 3000), ("hwid", b"HX4XXX\n")]


def _kinds(tree) -> list[IssueKind]:
    return [i.kind for i in tree.issues]


@pytest.mark.parametrize("every_header", [False, True])
@pytest.mark.parametrize("compression", ["stored", "deflated"])
def test_round_trip(every_header, compression) -> None:
    image = build_dahua(MEMBERS, every_header=every_header, compression=compression)
    tree = unpack(image)
    assert tree.issues == ()
    assert tree.root.format == "dahua-zip"
    assert tree.root.label == "Dahua DH-zip, first member 'Install'"
    assert [n.path for n in tree] == ["/Install", "/kernel.img", "/hwid"]
    for name, data in MEMBERS:
        assert tree.read(f"/{name}") == data
    # Flash images are payloads (carved, counted for coverage); the install script is a plain file.
    assert [tree[f"/{n}"].payload for n, _ in MEMBERS] == [False, True, False]


def test_committed_images(data_dir) -> None:
    vendor = data_dir / "vendor"
    for name in ("dahua.bin", "dahua-every.bin"):
        tree = unpack(vendor / name)
        assert tree.root.format == "dahua-zip"
        assert tree.read("/Install") == b"Install stand-in\n"
        assert tree.read("/romfs-x.squashfs.img") == (vendor / "romfs.img").read_bytes()
        assert tree["/user-x.cramfs.img"].format == "uimage"
        assert tree.read("/user-x.cramfs.img!/payload") == (vendor / "user.cramfs").read_bytes()


def test_member_name_claim_reaches_through_the_uimage(data_dir) -> None:
    """`romfs-x.squashfs.img` claims squashfs for what the uImage wraps, not for the uImage itself."""
    tree = unpack(data_dir / "vendor" / "dahua.bin")
    mislabeled = {i.location.path: i.message for i in tree.issues if i.kind is IssueKind.MISLABELED}
    expected = {}
    if "squashfs" not in REGISTERED:
        expected["/romfs-x.squashfs.img!/payload"] = "member name says squashfs; the content is not a format"
    if "cramfs" not in REGISTERED:
        expected["/user-x.cramfs.img!/payload"] = "member name says cramfs; the content is not a format"
    assert mislabeled.keys() == expected.keys()
    for path, start in expected.items():
        assert mislabeled[path].startswith(start)


@needs_squashfs
def test_committed_image_nests_down_to_squashfs_as_named(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "dahua.bin")
    assert tree["/romfs-x.squashfs.img!/payload"].format == "squashfs"
    assert tree.read("/romfs-x.squashfs.img!/payload!/etc/passwd").startswith(b"root:")


@needs_cramfs
def test_committed_image_nests_down_to_cramfs_as_named(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "dahua-every.bin")
    assert tree["/user-x.cramfs.img!/payload"].format == "cramfs"
    assert tree.read("/user-x.cramfs.img!/payload!/app/Sofia").startswith(b"Sofia stand-in")


def test_shared_dahua_sample(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "dh.bin")
    assert tree.issues == ()
    assert tree.root.format == "dahua-zip"
    assert tree.read("/get_files_test/testfile2") == b"This is the second test file"
    assert tree.read("/get_files_test/generic folder/test file 3_.txt") == b"The third test file!"
    assert tree.read("/get_files_test/testfile1").startswith(b"test file:\ncontent: MyTestRule 1.2.3\n")
    assert tree["/get_files_test/generic folder"].kind == "directory"
    assert tree.coverage.explained_ratio == 1.0


def test_cut_short_keeps_the_members_that_are_there() -> None:
    image = build_dahua(MEMBERS, compression="stored")
    tree = unpack(image[:-200])  # the central directory is gone
    assert IssueKind.TRUNCATED in _kinds(tree)
    assert tree.read("/Install") == MEMBERS[0][1]
    assert tree.read("/kernel.img") == MEMBERS[1][1]


def test_a_pk_zip_is_not_a_dahua_image(tmp_path) -> None:
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Install", b"x")
    assert HANDLER.probe(memoryview(path.read_bytes())) is None
