import struct
import zlib

import pytest
from fstree import check_binwalk_tree, check_fact_tree, check_partial_reads, check_tree

from firmware_audit.extract import ContentUnavailableError, unpack
from firmware_audit.extract.formats import cramfs
from firmware_audit.model import IssueKind

ENDIANS = {"le": "<", "be": ">"}


def _image(data_dir, endian: str) -> bytearray:
    return bytearray((data_dir / "fs" / f"cramfs-{endian}.img").read_bytes())


def _inodes(data: bytearray, e: str, start: int, size: int) -> dict[bytes, tuple[int, int, int]]:
    """Name -> (position, data offset, size) of the inodes of one directory."""
    found = {}
    pos = start
    while pos < start + size:
        _, size_gid, name_offset = struct.unpack_from(e + "III", data, pos)
        if e == "<":
            namelen, offset, isize = name_offset & 0x3F, name_offset >> 6, size_gid & 0xFFFFFF
        else:
            namelen, offset, isize = name_offset >> 26, name_offset & 0x3FFFFFF, size_gid >> 8
        name = bytes(data[pos + 12 : pos + 12 + namelen * 4]).rstrip(b"\0")
        found[name] = (pos, offset << 2, isize)
        pos += 12 + namelen * 4
    return found


def _root(data: bytearray, e: str) -> dict[bytes, tuple[int, int, int]]:
    return _inodes(data, e, *_inodes(data, e, 64, 12)[b""][1:])


def _fix_crc(data: bytearray, e: str) -> None:
    struct.pack_into(e + "I", data, 32, 0)
    struct.pack_into(e + "I", data, 32, zlib.crc32(data))


@pytest.mark.parametrize("endian", ENDIANS)
def test_both_byte_orders_unpack_the_whole_tree(data_dir, endian) -> None:
    tree = unpack(data_dir / "fs" / f"cramfs-{endian}.img")
    order = "little" if endian == "le" else "big"
    assert tree.root.format == "cramfs"
    assert tree.root.label == f"cramfs, {order}-endian, 'fixture', 19 files"
    check_tree(tree, hard_links=False)
    assert tree.coverage.explained_ratio == 1.0


@pytest.mark.parametrize("endian", ENDIANS)
def test_reads_are_prefixes(data_dir, endian) -> None:
    check_partial_reads(cramfs.HANDLER, bytes(_image(data_dir, endian)))


@pytest.mark.parametrize("endian", ENDIANS)
def test_length_is_the_superblock_size(data_dir, endian) -> None:
    data = _image(data_dir, endian)
    detection = cramfs.HANDLER.probe(memoryview(bytes(data) + b"\xff" * 5000))
    assert detection is not None
    assert detection.length == struct.unpack_from(ENDIANS[endian] + "I", data, 4)[0] == 8192


def test_a_damaged_image_fails_its_crc(data_dir) -> None:
    data = _image(data_dir, "le")
    data[48] ^= 0x20  # a letter of the volume name: the listing is unchanged, the CRC is not
    tree = unpack(bytes(data))
    assert [i.message for i in tree.issues if i.kind is IssueKind.CHECKSUM] == [
        "cramfs: the image CRC does not match the superblock"
    ]
    assert tree.read("/etc/passwd").startswith(b"root:")


def test_probe_wants_the_signature_and_a_root_directory(data_dir) -> None:
    data = _image(data_dir, "le")
    assert cramfs.HANDLER.probe(memoryview(bytes(data))) is not None
    bad = bytearray(data)
    bad[16:32] = b"Compressed ROMFZ"
    assert cramfs.HANDLER.probe(memoryview(bytes(bad))) is None
    bad = bytearray(data)
    struct.pack_into("<H", bad, 64, 0o100644)  # the root inode is a regular file
    assert cramfs.HANDLER.probe(memoryview(bytes(bad))) is None
    assert cramfs.HANDLER.probe(memoryview(bytes(data[:70]))) is None


@pytest.mark.parametrize("endian", ENDIANS)
def test_directory_pointing_at_the_root_listing_is_a_loop(data_dir, endian) -> None:
    data = _image(data_dir, endian)
    e = ENDIANS[endian]
    root_children = _inodes(data, e, 64, 12)[b""][1]
    dev_at = _root(data, e)[b"dev"][0]
    (word,) = struct.unpack_from(e + "I", data, dev_at + 8)
    # The 26-bit offset field: above the 6-bit name length little-endian, below it big-endian.
    shift, keep = (6, 0x3F) if e == "<" else (0, ~0x3FFFFFF & 0xFFFFFFFF)
    word = (word & keep) | (root_children >> 2) << shift
    struct.pack_into(e + "I", data, dev_at + 8, word)
    struct.pack_into(e + "I", data, dev_at + 4, struct.unpack_from(e + "I", data, 64 + 4)[0])  # root's size
    _fix_crc(data, e)
    tree = unpack(bytes(data))
    # /dev now lists the root's entries: itself is a loop, the directories are listed once each
    # (under /dev, which the walk reaches before the root's own etc, lib and var).
    again = "directory is already listed elsewhere in the image; not listed again"
    assert [i.message for i in tree.issues if i.kind is IssueKind.MALFORMED] == [
        f"cramfs: /dev/bin: {again}",
        "cramfs: /dev/dev: directory entry points back at an enclosing directory (a loop); not followed",
        f"cramfs: /etc: {again}",
        f"cramfs: /lib: {again}",
        f"cramfs: /var: {again}",
    ]
    assert tree.read("/dev/etc/passwd").startswith(b"root:")
    assert tree.read("/bin/busybox").startswith(b"not really")


def test_a_block_that_expands_past_a_page_is_refused(data_dir) -> None:
    data = _image(data_dir, "le")
    _, offset, size = _inodes(data, "<", *_root(data, "<")[b"lib"][1:])[b"numbers.txt"]
    blocks = -(-size // 4096)
    first = offset + 4 * blocks
    end = struct.unpack_from("<I", data, offset)[0]
    bomb = zlib.compress(bytes(1 << 20), 9)
    assert len(bomb) <= end - first
    data[first:end] = bomb.ljust(end - first, b"\0")
    _fix_crc(data, "<")
    tree = unpack(bytes(data))
    with pytest.raises(ContentUnavailableError, match="decompresses past the 4096 bytes"):
        tree.read("/lib/numbers.txt")


def test_fact_sample(shared_samples) -> None:
    check_fact_tree(unpack(shared_samples / "fact" / "cramfs.img"))


def test_binwalk_sample(shared_samples) -> None:
    check_binwalk_tree(unpack(shared_samples / "binwalk" / "cramfs.bin"))
