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
