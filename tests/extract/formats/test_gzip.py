import gzip

from builders import gz
from conftest import DATA

from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

BOOT = DATA / "boot"


def test_gzip_made_by_gzip() -> None:
    tree = unpack(BOOT / "kernel.txt.gz")
    assert tree.root.format == "gzip"
    assert tree.read("/payload") == (BOOT / "kernel.txt").read_bytes()
    assert [r.location.path for r in tree.coverage.unexplained] == ["/payload"]  # text: not a format


def test_trailing_data_after_the_member_is_carved() -> None:
    data = (BOOT / "kernel.txt.gz").read_bytes()
    tree = unpack(data + b"\xff" * 100 + data)
    assert [n.path for n in tree if "!" not in n.path] == [
        "/0x00000000.gzip",
        f"/{len(data) + 100:#010x}.gzip",
    ]


def test_truncated_gzip_keeps_what_was_decoded() -> None:
    data = (BOOT / "kernel.txt.gz").read_bytes()
    tree = unpack(data[: len(data) // 2])
    assert IssueKind.TRUNCATED in {i.kind for i in tree.issues}
    text = (BOOT / "kernel.txt").read_bytes()
    assert text.startswith(tree.read("/payload")[:100])


def test_gzip_magic_over_garbage_is_not_gzip() -> None:
    tree = unpack(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)
    assert tree.root.format is None


def test_members_that_follow_one_another_are_one_file_as_gunzip_gives_it() -> None:
    # RFC 1952 2.2: a gzip file is a series of members; gunzip (and gzip.decompress) writes their
    # concatenation.
    stream = b"".join(gz(b"member %d\n" % i) for i in range(300))
    tree = unpack(stream)
    assert tree.root.format == "gzip"
    assert [n.path for n in tree] == ["/payload"]
    assert tree.read("/payload") == gzip.decompress(stream)
    assert [(i.kind, i.message) for i in tree.issues] == [
        (
            IssueKind.SUMMARISED,
            "gzip: a stream of 300 members, shown as one file: their concatenation, as gunzip gives it",
        )
    ]
    assert [r.location.path for r in tree.coverage.unexplained] == ["/payload"]


def test_a_broken_member_ends_the_stream_and_is_carved_on_its_own() -> None:
    whole = gz(b"first\n") + gz(b"second\n")
    broken = gz(b"third, cut short " * 40)
    data = whole + broken[: len(broken) // 2]
    tree = unpack(data)
    assert [n.path for n in tree if "!" not in n.path] == ["/0x00000000.gzip", f"/{len(whole):#010x}.gzip"]
    assert tree.read("/0x00000000.gzip!/payload") == b"first\nsecond\n"
    kinds = [i.kind for i in tree.issues]
    assert IssueKind.SUMMARISED in kinds
    assert IssueKind.TRUNCATED in kinds


def test_a_lone_member_is_not_reported() -> None:
    tree = unpack(gz(b"one member\n") + b"\xff" * 64)
    assert tree.issues == ()
