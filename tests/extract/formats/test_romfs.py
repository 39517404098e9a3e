"""Linux romfs: the fixture genromfs made (tests/data/fs/make.sh), damaged copies, and others' samples."""

from __future__ import annotations

import struct

from fstree import check_binwalk_tree, check_fact_tree, check_partial_reads, check_tree

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import romfs
from firmware_audit.model import IssueKind


def _image(data_dir) -> bytes:
    return (data_dir / "fs" / "romfs.img").read_bytes()


def _first_header(data: bytes) -> int:
    """Where the root directory's header starts: after the superblock and the volume name."""
    return (data.index(b"\0", 16) + 1 + 15) // 16 * 16


def test_the_whole_tree_is_read(data_dir) -> None:
    tree = unpack(_image(data_dir))
    assert tree.root.format == "romfs"
    (size,) = struct.unpack_from(">I", _image(data_dir), 8)
    assert tree.root.label == f"romfs 'fixture', {size} bytes"  # genromfs pads the file past it
    check_tree(tree)
    assert tree.coverage.explained_ratio == 1.0


def test_reads_are_prefixes(data_dir) -> None:
    check_partial_reads(romfs.HANDLER, _image(data_dir))


def test_a_damaged_superblock_fails_its_checksum_and_is_read_all_the_same(data_dir) -> None:
    data = bytearray(_image(data_dir))
    data[20] ^= 0x01  # the volume name, covered by the superblock's checksum
    tree = unpack(bytes(data))
    assert [(i.kind, i.message) for i in tree.issues if i.kind is IssueKind.CHECKSUM] == [
        (IssueKind.CHECKSUM, "romfs: the superblock's checksum does not match")
    ]
    assert tree.read("/etc/passwd") == b"root:x:0:0:root:/root:/bin/sh\n"


def test_a_chain_of_entries_that_loops_is_cut(data_dir) -> None:
    data = bytearray(_image(data_dir))
    root = _first_header(bytes(data))
    # The last entry of the root's listing points back at the root's first entry.
    pos, last = struct.unpack_from(">I", data, root + 4)[0] & ~0xF, 0
    while pos:
        last = pos
        pos = struct.unpack_from(">I", data, pos)[0] & ~0xF
    (word,) = struct.unpack_from(">I", data, last)
    struct.pack_into(">I", data, last, root | (word & 0xF))
    tree = unpack(bytes(data))
    assert any("loops back" in i.message for i in tree.issues)
    assert tree.read("/etc/hosts") == b"127.0.0.1 localhost\n"


def test_headers_outside_the_image_are_issues(data_dir) -> None:
    data = bytearray(_image(data_dir))
    root = _first_header(bytes(data))
    (word,) = struct.unpack_from(">I", data, root + 4)
    struct.pack_into(">I", data, root + 4, 0x7FFFFFF0)  # the root's listing starts far past the end
    tree = unpack(bytes(data))
    assert [n.path for n in tree] == []
    assert any("beyond the end" in i.message for i in tree.issues)
    assert word  # the original pointed inside


def test_probe_wants_the_magic_and_a_printable_name() -> None:
    def probe(size: int, name: bytes) -> bool:
        image = b"-rom1fs-" + struct.pack(">II", size, 0) + name + bytes(48 - len(name))
        return romfs.HANDLER.probe(memoryview(image)) is not None

    assert probe(64, b"vol\0")
    assert not probe(64, b"v\x01l\0")  # not printable
    assert not probe(8, b"vol\0")  # smaller than its own superblock
    assert not probe(64, b"x" * 48)  # a name without end


def test_fact_sample(shared_samples) -> None:
    check_fact_tree(unpack(shared_samples / "fact" / "romfs.img"))


def test_binwalk_sample(shared_samples) -> None:
    check_binwalk_tree(unpack(shared_samples / "binwalk" / "romfs.bin"))
