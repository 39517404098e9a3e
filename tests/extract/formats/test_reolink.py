import random
import struct

import pytest

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.extract.formats.reolink import HANDLER, vendor_crc
from firmware_audit.extract.tree import ContentUnavailableError
from firmware_audit.model import IssueKind
from firmware_audit.writers.reolink import build_reolink

SECTIONS = [("uboot1", b"U" * 300), ("kernel", b"K" * 1000), ("fs", b"F" * 700), ("app", b"A" * 200)]
REGISTERED = {h.name for h in HANDLERS}
needs_squashfs = pytest.mark.skipif("squashfs" not in REGISTERED, reason="no squashfs handler registered")
needs_cramfs = pytest.mark.skipif("cramfs" not in REGISTERED, reason="no cramfs handler registered")


def _kinds(tree) -> list[IssueKind]:
    return [i.kind for i in tree.issues]


def _bitwise_crc(data: bytes, crc: int = 0) -> int:
    """The reflected CRC-32 polynomial with no initial or final inversion, one bit at a time."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc


def test_vendor_crc_is_crc32_without_inversions() -> None:
    pieces = [b"section data", b"\x02\0\0\0", b"table"]
    assert vendor_crc(pieces) == _bitwise_crc(b"".join(pieces))
    assert vendor_crc([b""]) == 0


@pytest.mark.parametrize("is64", [False, True])
@pytest.mark.parametrize("spare", [0, 4])
def test_round_trip(is64, spare) -> None:
    image = build_reolink(SECTIONS, is64=is64, spare_slots=spare)
    tree = unpack(image, name="fw.pak")
    assert tree.issues == ()
    assert [n.path for n in tree] == ["/uboot1", "/kernel", "/fs", "/app"]
    for name, data in SECTIONS:
        assert tree.read(f"/{name}") == data
        assert tree[f"/{name}"].payload
    label = tree.root.label
    assert label.startswith(f"Reolink PAK {'64' if is64 else '32'}-bit, magic 0x32725913, type 0x2, ")
    assert "4 sections (uboot1, kernel, fs, app)" in label
    assert (f"and {spare} empty" in label) == bool(spare)
    assert f"{4 + spare} flash partitions" in label


def test_second_magic() -> None:
    tree = unpack(build_reolink(SECTIONS, magic=0x32725923))
    assert tree.issues == ()
    assert "magic 0x32725923" in tree.root.label


@pytest.mark.parametrize("is64", [False, True])
def test_section_count_without_a_repeated_name(is64) -> None:
    """When partition 0 does not repeat section 0's name, the tables' size against the data decides."""
    image = bytearray(build_reolink(SECTIONS, is64=is64, spare_slots=1))
    partitions_at = 24 + 5 * 72 if is64 else 12 + 5 * 64
    assert image[partitions_at : partitions_at + 6] == b"uboot1"
    image[partitions_at : partitions_at + 6] = b"loader"  # not part of the CRC
    tree = unpack(bytes(image))
    assert tree.issues == ()
    assert [n.path for n in tree] == ["/uboot1", "/kernel", "/fs", "/app"]


def test_bad_crc() -> None:
    image = bytearray(build_reolink(SECTIONS))
    image[-1] ^= 0x01
    tree = unpack(bytes(image))
    assert _kinds(tree) == [IssueKind.CHECKSUM]
    assert tree.read("/app")[:-1] == SECTIONS[3][1][:-1]


def test_cut_short_keeps_what_is_there() -> None:
    image = build_reolink(SECTIONS)
    tree = unpack(image[:-250])
    messages = [i.message for i in tree.issues if i.kind is IssueKind.TRUNCATED]
    assert any("'fs' says 700 bytes; only 650 are there" in m for m in messages)
    assert any("'app' starts at" in m and "past the end" in m for m in messages)
    assert tree.read("/kernel") == SECTIONS[1][1]
    assert tree.read("/fs") == SECTIONS[2][1][:650]
    assert "/app" not in tree


def test_section_larger_than_its_flash_partition() -> None:
    tree = unpack(build_reolink(SECTIONS, flash_sizes={"kernel": 512}))
    assert _kinds(tree) == [IssueKind.MALFORMED]
    assert "'kernel' is 1000 bytes; its flash partition '/dev/mtd1' holds 512" in tree.issues[0].message


def test_committed_images(data_dir) -> None:
    vendor = data_dir / "vendor"
    for name, width in (("reolink.pak", "32-bit"), ("reolink64.pak", "64-bit")):
        tree = unpack(vendor / name)
        assert tree.issues == ()
        assert f"Reolink PAK {width}" in tree.root.label
        assert [n.path for n in tree if "!" not in n.path] == ["/uboot1", "/fs", "/app"]
        assert tree["/fs"].format == "uimage"
        assert tree.read("/fs!/payload") == (vendor / "romfs.squashfs").read_bytes()
        assert tree.read("/app!/payload") == (vendor / "user.cramfs").read_bytes()
    assert "3 empty" in unpack(vendor / "reolink64.pak").root.label


@needs_squashfs
def test_committed_image_nests_down_to_squashfs(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "reolink64.pak")
    assert tree.read("/fs!/payload!/etc/init.d/rcS").startswith(b"#!/bin/sh")


@needs_cramfs
def test_committed_image_nests_down_to_cramfs(data_dir) -> None:
    tree = unpack(data_dir / "vendor" / "reolink.pak")
    assert tree.read("/app!/payload!/app/lib/libdvr.so") == b"libstand-in\n"


def test_found_after_other_bytes() -> None:
    image = b"\0" * 100 + build_reolink(SECTIONS, is64=True)
    tree = unpack(image)
    assert tree.read("/0x00000064.reolink-pak!/fs") == SECTIONS[2][1]


@pytest.mark.parametrize(
    "head",
    [
        struct.pack("<III", 0x32725913, 0, 2) + b"\0" * 200,  # no section name
        struct.pack("<III", 0x32725913, 1, 2) + b"\x01\x02" * 100,  # names are not text
        struct.pack("<III", 0x32725913, 1, 2) + b"uboot1".ljust(56, b"\0") + struct.pack("<II", 7, 9),
    ],
)
def test_magic_alone_is_not_enough(head) -> None:
    assert HANDLER.probe(memoryview(head)) is None


def test_mutated_tables_never_break_the_reader() -> None:
    image = build_reolink(SECTIONS, is64=True, spare_slots=2)
    rng = random.Random(9)
    for _ in range(300):
        mutated = bytearray(image)
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(24 + 6 * (72 + 76))] = rng.randrange(256)
        tree = unpack(bytes(mutated))
        assert IssueKind.PARSER_ERROR not in _kinds(tree)


def test_sections_sharing_bytes_are_listed_once_with_content() -> None:
    image = bytearray(build_reolink(SECTIONS))
    fs_start = struct.unpack_from("<I", image, 12 + 2 * 64 + 56)[0]
    struct.pack_into("<I", image, 12 + 3 * 64 + 56, fs_start)  # app over fs
    tree = unpack(bytes(image))
    malformed = [i.message for i in tree.issues if i.kind is IssueKind.MALFORMED]
    assert malformed == [
        "reolink-pak: section 'app' shares bytes with another section; recorded without content"
    ]
    assert tree.read("/fs") == SECTIONS[2][1]
    with pytest.raises(ContentUnavailableError):
        tree.read("/app")
