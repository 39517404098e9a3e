import io
import tarfile

import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import tar
from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.model import IssueKind


def _busybox() -> bytes:
    return b"".join(b"BusyBox v1.31.1 applet %d: built-in shell (ash)\n" % i for i in range(400))


def _tar(*members: tuple[tarfile.TarInfo, bytes | None], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for info, data in members:
            tf.addfile(info, None if data is None else io.BytesIO(data))
    return buf.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _symlink(name: str, target: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info, None


@pytest.mark.parametrize(
    ("name", "label"), [("tree.tar", "GNU tar archive"), ("tree-pax.tar", "POSIX tar archive")]
)
def test_tree_lists_links_devices_and_plain_slices(data_dir, name, label) -> None:
    tree = unpack(data_dir / "archive" / name)
    assert tree.root.label == label
    assert tree["/bin/ls"].kind is NodeKind.HARDLINK
    assert tree["/bin/ls"].link == b"./bin/busybox"
    assert tree.read("/bin/ls") == _busybox()
    assert tree["/bin/sh"].kind is NodeKind.SYMLINK
    assert tree["/bin/sh"].link == b"busybox"
    assert tree["/dev/console"].kind is NodeKind.CHAR_DEVICE
    assert tree["/var/log.fifo"].kind is NodeKind.FIFO
    assert tree["/etc/init.d/rcS"].mode == 0o755
    assert "/." not in tree
    page = tree.view("/www/index.html")
    assert isinstance(page, memoryview)  # tar data is stored plainly: a view of the image
    assert bytes(page) == b"<html><body>IP Camera</body></html>\n"
    assert [(i.kind, i.location.path) for i in tree.issues] == [(IssueKind.UNSAFE_PATH, "/dev/console")]


def test_extent_ends_after_the_two_zero_blocks(data_dir) -> None:
    archive = (data_dir / "archive" / "tree.tar").read_bytes()
    end = (len(archive.rstrip(b"\0")) + 511) // 512 * 512 + 1024
    blob = bytes(range(256)) * 2 + archive[:end] + bytes(range(256)) * 8
    tree = unpack(blob)
    assert tree["/0x00000200.tar"].size == end
    assert tree.read("/0x00000200.tar!/etc/passwd").startswith(b"root:x:0:0:")
    regions = [(r.location.offset, r.length) for r in tree.coverage.unexplained]
    assert regions == [(0, 512), (512 + end, 2048)]


def test_symlink_to_tmp_then_a_file_through_it_resolves_nothing() -> None:
    archive = _tar(_symlink("x", "/tmp"), _file("x/evil", b"pwned\n"))
    tree = unpack(archive)
    link = tree["/x"]
    assert link.kind is NodeKind.SYMLINK
    assert link.link == b"/tmp"
    # The file is kept, in a directory renamed apart from the symlink: never written through it.
    assert tree["/x~1"].kind is NodeKind.DIRECTORY
    assert tree.read("/x~1/evil") == b"pwned\n"
    assert tree["/x~1/evil"].name == b"x/evil"
    assert tree.resolve("/x") is None
    assert [(i.kind, i.location.path) for i in tree.issues] == [(IssueKind.UNSAFE_PATH, "/x")]
    assert "goes through this symlink" in tree.issues[0].message


def test_tar_slip_names_are_kept_inside_with_issues() -> None:
    tree = unpack(_tar(_file("../../etc/profile", b"evil\n"), _file("/etc/hosts", b"1.2.3.4 update\n")))
    assert tree.read("/etc/profile") == b"evil\n"
    assert tree.read("/etc/hosts") == b"1.2.3.4 update\n"
    assert sorted(i.message for i in tree.issues) == [
        "member '../../etc/profile': name climbs out of the container with '..'",
        "member '/etc/hosts': absolute name",
    ]


def test_missing_end_blocks_end_the_archive_at_its_last_member_with_an_issue() -> None:
    archive = _tar(_file("a.txt", b"A" * 100), _file("b.txt", b"B" * 600))
    members_end = 512 + 512 + 512 + 1024
    tree = unpack(bytes(range(256)) * 2 + archive[:members_end] + b"\x77" * 1536)
    assert tree["/0x00000200.tar"].size == members_end
    assert tree.read("/0x00000200.tar!/b.txt") == b"B" * 600
    assert [i.kind for i in tree.issues] == [IssueKind.TRUNCATED]
    assert "no zero blocks" in tree.issues[0].message


def test_truncated_member_keeps_what_is_there() -> None:
    archive = _tar(_file("a.txt", b"A" * 100), _file("big.bin", b"B" * 5000))
    tree = unpack(archive[: 512 + 512 + 512 + 1000])
    assert tree.read("/a.txt") == b"A" * 100
    assert tree.read("/big.bin") == b"B" * 1000
    assert [i.kind for i in tree.issues] == [IssueKind.TRUNCATED]
    assert "says 5000 bytes; only 1000 are there" in tree.issues[0].message


def test_probe_checks_the_header_checksum(data_dir) -> None:
    archive = bytearray((data_dir / "archive" / "tree.tar").read_bytes())
    assert tar.HANDLER.probe(memoryview(archive)) is not None
    archive[0] ^= 0x01
    assert tar.HANDLER.probe(memoryview(archive)) is None
    assert tar.HANDLER.probe(memoryview(b"\0" * 257 + b"ustar\0" + b"\0" * 250)) is None


def test_oversized_pax_header_is_not_parsed() -> None:
    """CVE-2024-6232: tarfile parses a pax header in quadratic time; 1 MB of digits would hang it."""
    payload = b"1" * (1024 * 1024)
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = len(payload)
    pax = header.tobuf(format=tarfile.USTAR_FORMAT) + payload
    member = tarfile.TarInfo("a").tobuf(format=tarfile.USTAR_FORMAT)
    tree = unpack(pax + b"\0" * 1024)  # the first member
    middle = unpack(member + pax + b"\0" * 1024)  # a later one
    for t in (tree, middle):
        assert [i.kind for i in t.issues] == [IssueKind.UNSUPPORTED]
        assert "pax header of 1048576 bytes not read" in t.issues[0].message
    assert [n.path for n in middle] == ["/a"]
