import random
import re
import struct

import pytest
from fstree import NUMBERS, check_partial_reads, check_tree, lazy_files

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import extfs
from firmware_audit.extract.formats._fswalk import FsError
from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.model import IssueKind

LABELS = {"ext2": "ext2 filesystem, 1 KiB blocks", "ext4": "ext4 filesystem, 'fixture', 1 KiB blocks"}


def _image(data_dir, name: str) -> bytearray:
    return bytearray((data_dir / "fs" / f"{name}.img").read_bytes())


def _record(data: bytearray, name: bytes, file_type: int) -> int:
    """Offset of the directory record naming `name`, found by its name length, type and name.

    ext4 records have an 8-bit name length and a file type; genext2fs's ext2 has no `filetype`
    feature, so its records have a 16-bit name length.
    """
    filetype = struct.unpack_from("<I", data, 1024 + 96)[0] & 0x2
    pattern = (struct.pack("<BB", len(name), file_type) if filetype else struct.pack("<H", len(name))) + name
    at = bytes(data).index(pattern)
    assert bytes(data).find(pattern, at + 1) < 0
    return at - 6


def _malformed(tree) -> list[str]:
    return [i.message for i in tree.issues if i.kind is IssueKind.MALFORMED]


@pytest.mark.parametrize("name", LABELS)
def test_unpacks_the_whole_tree(data_dir, name) -> None:
    tree = unpack(data_dir / "fs" / f"{name}.img")
    assert tree.root.format == "extfs"
    assert tree.root.label == LABELS[name]
    assert tree["/lost+found"].kind is NodeKind.DIRECTORY
    check_tree(tree)
    assert tree.coverage.explained_ratio == 1.0


@pytest.mark.parametrize("name", LABELS)
def test_reads_are_prefixes(data_dir, name) -> None:
    check_partial_reads(extfs.HANDLER, bytes(_image(data_dir, name)))


@pytest.mark.parametrize(("name", "size"), [("ext2", 64 * 1024), ("ext4", 128 * 1024)])
def test_length_is_blocks_count_times_block_size(data_dir, name, size) -> None:
    data = bytes(_image(data_dir, name))
    detection = extfs.HANDLER.probe(memoryview(data + bytes(4096)))
    assert detection is not None
    assert detection.length == size == len(data)


def test_found_by_its_magic_at_0x438_inside_a_blob(data_dir) -> None:
    data = bytes(_image(data_dir, "ext2"))
    blob = random.Random(3).randbytes(4096) + data
    tree = unpack(blob)
    assert tree.root.format == "carved"
    assert tree["/0x00001000.extfs"].size == len(data)
    assert tree.read("/0x00001000.extfs!/etc/passwd").startswith(b"root:")


@pytest.mark.parametrize(
    ("offset", "fmt", "value"),
    [
        (1024 + 24, "<I", 9),  # a 512 KiB block
        (1024 + 32, "<I", 0),  # no blocks per group
        (1024 + 20, "<I", 0),  # 1 KiB blocks start at block 1
        (1024 + 76, "<I", 7),  # revision
        (1024 + 88, "<H", 100),  # inode size
    ],
)
def test_probe_checks_the_superblock(data_dir, offset, fmt, value) -> None:
    data = _image(data_dir, "ext4")
    assert extfs.HANDLER.probe(memoryview(bytes(data))) is not None
    struct.pack_into(fmt, data, offset, value)
    assert extfs.HANDLER.probe(memoryview(bytes(data))) is None


def test_random_bytes_with_the_magic_are_rejected() -> None:
    rng = random.Random(4)
    for _ in range(100):
        blob = bytearray(rng.randbytes(2048))
        blob[0x438:0x43A] = b"\x53\xef"
        assert extfs.HANDLER.probe(memoryview(bytes(blob))) is None


def test_directory_entry_pointing_at_the_root_is_a_loop(data_dir) -> None:
    data = _image(data_dir, "ext4")
    struct.pack_into("<I", data, _record(data, b"etc", 2), 2)
    tree = unpack(bytes(data))
    assert _malformed(tree) == [
        "extfs: /etc: directory entry points back at an enclosing directory (a loop); not followed"
    ]
    assert "/etc/passwd" not in tree
    assert tree.read("/bin/busybox") == b"not really busybox\n"


def test_zero_record_length_keeps_the_entries_before_it(data_dir) -> None:
    data = _image(data_dir, "ext2")
    at = _record(data, b"passwd", 1)
    struct.pack_into("<H", data, at + 4, 0)
    tree = unpack(bytes(data))
    (message,) = _malformed(tree)
    assert message.startswith("extfs: /etc: directory listing broken after ")
    assert message.endswith(f"directory record at {at % 1024} has length 0")
    assert "/etc/init.d/rcS" in tree  # listed before the broken record


def test_the_last_inode_number_is_not_dropped(data_dir) -> None:
    # dissect's own listing skips an entry whose inode is s_inodes_count; here it is read
    # (and, being unused, reported).
    data = _image(data_dir, "ext2")
    (count,) = struct.unpack_from("<I", data, 1024)
    struct.pack_into("<I", data, _record(data, b"passwd", 1), count)
    tree = unpack(bytes(data))
    assert "extfs: /etc/passwd: cannot read the entry: unknown file type in mode 0o0" in _malformed(tree)


def test_inode_number_out_of_range_is_reported(data_dir) -> None:
    data = _image(data_dir, "ext4")
    struct.pack_into("<I", data, _record(data, b"passwd", 1), 10_000_000)
    tree = unpack(bytes(data))
    messages = " | ".join(i.message for i in tree.issues)
    assert "extfs: /etc/passwd: cannot read the entry:" in messages
    assert "inum out of range" in messages
    assert tree.read("/etc/hosts") == b"127.0.0.1 localhost\n"


def test_truncated_image_reports_and_keeps_what_it_can(data_dir) -> None:
    data = bytes(_image(data_dir, "ext4"))
    tree = unpack(data[: len(data) // 2])
    assert tree.root.format == "extfs"
    truncated = [i.message for i in tree.issues if i.kind is IssueKind.TRUNCATED]
    assert f"extfs says it spans {len(data)} bytes; only {len(data) // 2} are there" in truncated[0]


def test_extent_tree_that_visits_a_block_twice_is_refused(data_dir) -> None:
    data = _image(data_dir, "ext4")
    # numbers.txt: 14 blocks of 1 KiB in two extents (6 and 8 blocks), in the inode's i_block.
    header = struct.pack("<HHHH", 0xF30A, 2, 4, 0)
    pattern = re.escape(header) + b"...." + re.escape(struct.pack("<IH", 0, 6))  # any eh_generation
    found = re.search(pattern, bytes(data), re.DOTALL)
    assert found is not None
    at = found.start()
    leaf, index = 100, 101  # free blocks of the 128
    assert not any(data[leaf * 1024 : (index + 1) * 1024])
    data[leaf * 1024 : leaf * 1024 + 36] = data[at : at + 36]
    data[index * 1024 : index * 1024 + 24] = struct.pack("<HHHH4xIIH2x", 0xF30A, 1, 84, 1, 0, leaf, 0)
    # The root now has depth 2 and two entries that both lead to the same index block.
    root = struct.pack("<HHHH4x", 0xF30A, 2, 4, 2) + struct.pack("<IIH2x", 0, index, 0) * 2
    data[at : at + len(root)] = root
    _, files = lazy_files(extfs.HANDLER, bytes(data))
    with pytest.raises(FsError, match="extent tree visits block 101 twice"):
        files[b"lib/numbers.txt"].read(None)
    # The same tree with one entry reads the file.
    data[at + 2 : at + 4] = struct.pack("<H", 1)
    _, files = lazy_files(extfs.HANDLER, bytes(data))
    assert files[b"lib/numbers.txt"].read(None) == NUMBERS
