import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import cpio
from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.model import IssueKind


def _busybox() -> bytes:
    return b"".join(b"BusyBox v1.31.1 applet %d: built-in shell (ash)\n" % i for i in range(400))


def _newc(name: bytes, data: bytes = b"", *, mode: int = 0o100644, ino: int = 1, nlink: int = 1) -> bytes:
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
    entry = b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"
    entry += b"\0" * (-len(entry) % 4)
    return entry + data + b"\0" * (-len(data) % 4)


_TRAILER = _newc(cpio.TRAILER, mode=0, ino=0)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("tree.newc.cpio", "cpio archive (newc)"),
        ("tree.crc.cpio", "cpio archive (newc with checksums)"),
        ("tree.odc.cpio", "cpio archive (odc)"),
    ],
)
def test_tree_lists_files_links_and_devices(data_dir, name, label) -> None:
    tree = unpack(data_dir / "archive" / name)
    assert tree.root.label == label
    assert tree.read("/bin/busybox") == _busybox()
    assert tree.read("/bin/ls") == _busybox()
    assert tree["/bin/sh"].kind is NodeKind.SYMLINK
    assert tree["/bin/sh"].link == b"busybox"
    assert tree["/dev/console"].kind is NodeKind.CHAR_DEVICE
    assert tree["/var/log.fifo"].kind is NodeKind.FIFO
    assert tree["/var/empty"].kind is NodeKind.DIRECTORY
    assert tree["/etc/init.d/rcS"].mode == 0o755
    assert isinstance(tree.view("/etc/passwd"), memoryview)
    assert [(i.kind, i.location.path) for i in tree.issues] == [(IssueKind.UNSAFE_PATH, "/dev/console")]


def test_newc_hard_links_point_to_the_name_that_holds_the_data(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.newc.cpio")
    # cpio wrote bin/busybox first with no data, and the data with its last name, bin/ls.
    assert tree["/bin/busybox"].kind is NodeKind.HARDLINK
    assert tree["/bin/busybox"].link == b"bin/ls"
    assert tree["/bin/ls"].kind is NodeKind.FILE
    assert tree["/bin/ls"].size == len(_busybox())


def test_odc_stores_every_link_with_its_data(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.odc.cpio")
    assert tree["/bin/busybox"].kind is NodeKind.FILE
    assert tree["/bin/ls"].kind is NodeKind.FILE


def test_crc_format_checks_the_data_sum(data_dir) -> None:
    archive = bytearray((data_dir / "archive" / "tree.crc.cpio").read_bytes())
    archive[archive.index(b"root:x:0:0")] ^= 0x20
    tree = unpack(bytes(archive))
    assert tree.read("/etc/passwd").startswith(b"Root:x")
    assert [(i.kind, i.message) for i in tree.issues if i.kind is not IssueKind.UNSAFE_PATH] == [
        (IssueKind.CHECKSUM, "cpio: member 'etc/passwd': data checksum does not match")
    ]


def test_trailer_ends_the_archive_and_what_follows_is_carved_on_its_own(data_dir) -> None:
    first = _newc(b"init", b"#!/bin/sh\n", mode=0o100755) + _TRAILER
    second = (data_dir / "archive" / "tree.newc.cpio").read_bytes()
    tree = unpack(bytes(range(256)) + first + b"\0" * 12 + second)
    assert tree["/0x00000100.cpio"].size == len(first)
    assert tree.read("/0x00000100.cpio!/init") == b"#!/bin/sh\n"
    second_at = 256 + len(first) + 12
    assert tree.read(f"/{second_at:#010x}.cpio!/bin/busybox") == _busybox()


def test_truncated_archive_keeps_what_is_there(data_dir) -> None:
    archive = (data_dir / "archive" / "tree.newc.cpio").read_bytes()
    cut = archive.index(b"BusyBox") + 1000
    tree = unpack(archive[:cut])
    assert tree.read("/bin/ls") == _busybox()[:1000]
    assert "/www/index.html" not in tree
    assert sorted(i.message for i in tree.issues if i.kind is IssueKind.TRUNCATED) == [
        f"cpio: member 'bin/ls' says {len(_busybox())} bytes; only 1000 are there",
        "cpio: the archive ends before TRAILER!!!",
    ]


def test_dot_is_the_root_and_not_a_member() -> None:
    tree = unpack(_newc(b".", mode=0o040755) + _newc(b"./etc", mode=0o040755) + _TRAILER)
    assert list(tree.nodes) == ["/etc"]


def test_hostile_headers_stop_the_listing_with_an_issue() -> None:
    bad_name = b"070701" + b"0" * 88 + b"%08X" % 100_000 + b"0" * 8
    tree = unpack(_newc(b"ok", b"fine") + bad_name + b"\0" * 200)
    assert tree.read("/ok") == b"fine"
    assert [i.kind for i in tree.issues] == [IssueKind.MALFORMED]
    assert "name size 100000 is out of range" in tree.issues[0].message
    long_link = _newc(b"link", b"a" * 5000, mode=0o120777) + _TRAILER
    tree = unpack(long_link)
    assert tree["/link"].kind is NodeKind.SYMLINK
    assert len(tree["/link"].link or b"") == 4096
    assert [i.kind for i in tree.issues] == [IssueKind.MALFORMED]


def test_probe_wants_digits_in_every_field() -> None:
    good = _newc(b"a", b"x")
    assert cpio.HANDLER.probe(memoryview(good)) is not None
    assert cpio.HANDLER.probe(memoryview(good[:20] + b"Z" + good[21:])) is None
    assert cpio.HANDLER.probe(memoryview(b"070707" + b"9" * 70)) is None
    assert cpio.HANDLER.probe(memoryview(good[:50])) is None
