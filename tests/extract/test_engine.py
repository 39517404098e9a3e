import pytest
from builders import gz, noise, uimage

from firmware_audit.extract import Limits, unpack
from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.model import IssueKind


def _kinds(tree) -> list[IssueKind]:
    return [i.kind for i in tree.issues]


def test_uimage_over_gzip_nests_and_names_the_chain(text_blob) -> None:
    tree = unpack(uimage(gz(text_blob), comp=1), name="fw.bin")
    assert [n.path for n in tree] == ["/payload", "/payload!/payload"]
    inner = tree["/payload!/payload"]
    assert tree.read(inner) == text_blob
    assert tree["/payload"].format == "gzip"
    assert tree.root.format == "uimage"
    assert tree.describe(inner) == "fw.bin » uimage » /payload » gzip » /payload"
    assert tree.issues == ()


def test_header_compression_that_lies_is_an_issue(text_blob) -> None:
    tree = unpack(uimage(gz(text_blob), comp=3))  # says lzma, holds gzip
    assert _kinds(tree) == [IssueKind.MISLABELED]
    assert "uImage header says lzma" in tree.issues[0].message
    assert tree.read("/payload!/payload") == text_blob


def test_compression_claim_over_unknown_bytes_is_an_issue() -> None:
    tree = unpack(uimage(noise(4096), comp=1))
    assert _kinds(tree) == [IssueKind.MISLABELED]
    assert "not a format" in tree.issues[0].message


def test_uimage_cut_short_of_its_header_size(text_blob) -> None:
    blob = uimage(gz(text_blob), comp=1)
    tree = unpack(blob[:-30])
    assert IssueKind.TRUNCATED in _kinds(tree)
    assert tree["/payload"].size == len(blob) - 30 - 64


def test_size_field_of_4_gib(text_blob) -> None:
    payload = gz(text_blob)
    tree = unpack(uimage(payload, comp=1, declared=0xFFFFFFFF))
    (issue,) = [i for i in tree.issues if i.kind is IssueKind.TRUNCATED]
    assert "4294967295" in issue.message
    assert tree.read("/payload!/payload") == text_blob


def test_carving_finds_formats_at_any_offset_and_accounts_for_gaps(text_blob) -> None:
    junk = noise(1000, seed=7)
    image = junk + gz(text_blob) + b"\xff" * 3000 + uimage(b"\0" * 100) + b"\0" * 64
    tree = unpack(image)
    regions = [n.path for n in tree if n.path.count("!/") == 0]
    assert regions == [f"/{1000:#010x}.gzip", f"/{image.index(bytes.fromhex('27051956')):#010x}.uimage"]
    assert tree.root.format == "carved"
    # The noise is unexplained with high entropy; the 0xff and 0x00 padding is not listed.
    top = [r for r in tree.coverage.unexplained if r.location.path == ""]
    assert [(r.location.offset, r.length) for r in top] == [(0, 1000)]
    assert top[0].entropy > 7.5
    assert top[0].image_bytes == 1000


def test_padding_runs_inside_a_gap_are_not_listed() -> None:
    content = b"\0".join([b"bootcmd=bootm 0x80000"] * 8)
    # boot loader bytes, a short zero run that is content, then zero and 0xff padding as flash holds it
    image = noise(300, seed=9) + b"\0" * 10 + content + b"\0" * 4000 + b"\xff" * 60000
    tree = unpack(image)
    listed = [(r.location.offset, r.length) for r in tree.coverage.unexplained]
    assert listed == [(0, 300 + 10 + len(content))]
    assert tree.coverage.bytes_explained == 64000


def test_coverage_charges_decompressed_gaps_to_the_image_by_ratio(text_blob) -> None:
    compressed = gz(text_blob)
    tree = unpack(uimage(compressed, comp=1))
    (region,) = tree.coverage.unexplained
    assert region.location.path == "/payload!/payload"
    assert region.length == len(text_blob)
    assert abs(region.image_bytes - len(compressed)) <= 20  # weighted by the gzip's own size
    assert tree.coverage.bytes_explained == tree.coverage.bytes_total - region.image_bytes


def test_random_bytes_are_all_unexplained() -> None:
    tree = unpack(noise(256 * 1024, seed=3))
    assert tree.coverage.explained_ratio < 0.01
    assert tree.coverage.unexplained[0].entropy > 7.9


def test_empty_image() -> None:
    tree = unpack(b"")
    assert _kinds(tree) == [IssueKind.EMPTY]
    assert tree.coverage.bytes_total == 0
    assert len(tree) == 0


def test_flash_dump_is_split_by_its_mtdparts(text_blob) -> None:
    boot = b"U-Boot 2010.06\0bootargs=console=ttyAMA0 mtdparts=hi_sfc:64k(boot),128k(kernel),-(rootfs)\0"
    boot = boot.ljust(64 * 1024, b"\xff")
    kernel = uimage(gz(text_blob), comp=1).ljust(128 * 1024, b"\xff")
    rootfs = (noise(2048, seed=5) + gz(b"config " * 100)).ljust(832 * 1024, b"\xff")
    tree = unpack(boot + kernel + rootfs, name="flash.bin")
    parts = [n.path for n in tree if "!" not in n.path]
    assert parts == ["/mtd0-boot", "/mtd1-kernel", "/mtd2-rootfs"]
    assert tree.root.format == "mtdparts"
    assert tree["/mtd1-kernel"].format == "uimage"
    assert tree.read("/mtd1-kernel!/payload!/payload") == text_blob
    assert tree.read("/mtd2-rootfs!/0x00000800.gzip!/payload") == b"config " * 100
    assert (
        tree.describe("/mtd1-kernel!/payload")
        == "flash.bin » mtdparts@0x10000 » /mtd1-kernel » uimage » /payload"
    )
    unexplained = {(r.location.path, r.location.offset) for r in tree.coverage.unexplained}
    assert ("/mtd2-rootfs", 0) in unexplained  # the noise before the gzip


def test_partition_table_that_does_not_fit_is_ignored_with_an_issue() -> None:
    boot = b"mtdparts=sfc:64k(boot),8m(rootfs)\0".ljust(600 * 1024, b"\xff")
    tree = unpack(boot)
    assert _kinds(tree) == [IssueKind.MALFORMED]
    assert "does not fit" in tree.issues[0].message


@pytest.mark.parametrize("token", [b"08", b"abc", b"0x", b"9" * 5000])
def test_partition_table_with_a_bad_number_is_ignored_with_an_issue(token: bytes) -> None:
    boot = b"mtdparts=x:" + token + b"(a)\0"
    tree = unpack(boot.ljust(512 * 1024, b"\xff"))
    assert _kinds(tree) == [IssueKind.MALFORMED]
    assert "not a number" in tree.issues[0].message
    assert len(tree.issues[0].message) < 400


def test_depth_limit_stops_nesting_with_an_issue(text_blob) -> None:
    blob = text_blob
    for _ in range(20):
        blob = gz(blob)
    tree = unpack(blob, limits=Limits(max_depth=5))
    assert IssueKind.LIMIT in _kinds(tree)
    assert max(n.path.count("!/") for n in tree) == 4
    assert any("depth limit" in i.message for i in tree.issues)


def test_bytes_limit_stops_the_branch_and_keeps_what_was_found() -> None:
    big = gz(b"\0" * (3 << 20))
    tree = unpack(uimage(big, comp=1), limits=Limits(max_bytes=1 << 20))
    assert any(i.kind is IssueKind.LIMIT and "bytes limit" in i.message for i in tree.issues)
    assert tree["/payload"].format == "gzip"


def test_ratio_limit_stops_a_bomb() -> None:
    tree = unpack(gz(b"\0" * (8 << 20)))
    (issue,) = [i for i in tree.issues if i.kind is IssueKind.LIMIT]
    assert "ratio limit" in issue.message
    assert "more than 1:200" in issue.message


def test_time_budget_is_reported_once_and_counted(text_blob) -> None:
    members = b"".join(uimage(gz(text_blob), comp=1) for _ in range(5))
    tree = unpack(members, limits=Limits(time_budget=0.0))
    limits = [i for i in tree.issues if i.kind is IssueKind.LIMIT]
    assert "time limit" in limits[0].message
    assert len(limits) <= 2


def test_nodes_record_kinds_and_provenance(text_blob) -> None:
    tree = unpack(uimage(gz(text_blob), comp=1))
    node = tree["/payload!/payload"]
    assert node.kind is NodeKind.FILE
    assert node.payload
    assert [h.format for h in node.provenance] == ["uimage", "gzip"]


def test_carving_stops_at_the_region_limit_and_the_rest_is_one_gap() -> None:
    flood = uimage(b"") * 500
    tree = unpack(flood, limits=Limits(max_carved=50))
    carved = [n for n in tree if "!" not in n.path]
    assert len(carved) == 50
    assert [i.message for i in tree.issues] == [
        "carved limit: more than 50 regions in one payload; this branch was not unpacked further"
    ]
    (gap,) = tree.coverage.unexplained
    assert (gap.location.offset, gap.length) == (50 * 64, 450 * 64)


def test_carved_regions_count_against_the_file_limit() -> None:
    tree = unpack(uimage(b"") * 500, limits=Limits(max_files=30))
    assert len([n for n in tree if "!" not in n.path]) <= 30
    assert any(i.message.startswith("files limit: more than 30 entries") for i in tree.issues)
