import random
import struct
import zlib

import pytest
from fstree import check_fact_tree, check_partial_reads, check_tree, lazy_files

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import jffs2
from firmware_audit.extract.formats._blockcodec import BlockError
from firmware_audit.extract.formats.base import Output
from firmware_audit.extract.limits import Budget, Limits
from firmware_audit.model import IssueKind

IMAGES = {"le": "<", "be": ">", "rtime": "<", "lzo": ">"}


def _crc(data: bytes) -> int:
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def _dirent(e: str, pino: int, ino: int, name: bytes, *, version: int = 100, dtype: int = 4) -> bytes:
    """A JFFS2 directory entry node with every CRC right, padded to 4 bytes."""
    totlen = 40 + len(name)
    header = struct.pack(e + "HHI", 0x1985, 0xE001, totlen)
    body = struct.pack(e + "IIIIBB2x", pino, version, ino, 0, len(name), dtype)
    node = header + struct.pack(e + "I", _crc(header)) + body
    node += struct.pack(e + "II", _crc(node), _crc(name)) + name
    return node.ljust((totlen + 3) & ~3, b"\xff")


def _scan(data: bytes) -> jffs2._Log:
    view = memoryview(data)
    endian = jffs2._endian(view)
    assert endian is not None
    return jffs2._scan(view, endian, Output(Budget(Limits())))


def _image(data_dir, name: str) -> bytes:
    return (data_dir / "fs" / f"jffs2-{name}.img").read_bytes()


def _ino(log: jffs2._Log, pino: int, name: bytes) -> int:
    return log.dirents[pino, name].ino


@pytest.mark.parametrize("name", IMAGES)
def test_every_byte_order_and_codec_unpacks_the_whole_tree(data_dir, name) -> None:
    tree = unpack(data_dir / "fs" / f"jffs2-{name}.img")
    order = "little" if IMAGES[name] == "<" else "big"
    assert tree.root.format == "jffs2"
    assert tree.root.label == f"JFFS2 filesystem, {order}-endian"
    check_tree(tree)


@pytest.mark.parametrize("name", IMAGES)
def test_reads_are_prefixes(data_dir, name) -> None:
    check_partial_reads(jffs2.HANDLER, _image(data_dir, name))


def test_codecs_are_the_ones_the_images_claim(data_dir) -> None:
    used = {
        name: {n.compr for nodes in _scan(_image(data_dir, name)).inodes.values() for n in nodes}
        for name in IMAGES
    }
    assert used == {"le": {0, 6}, "be": {0, 6}, "rtime": {0, 2}, "lzo": {0, 7}}


def test_extent_covers_the_nodes_and_the_erased_space_after_them(data_dir) -> None:
    data = _image(data_dir, "le")
    nodes_end = data.rindex(b"\x85\x19")
    assert set(data[nodes_end + 100 :]) == {0xFF}
    assert _scan(data).end == len(data) == 8192
    # Another format after the erased space: the walk stops where the erased space ends.
    tail = random.Random(7).randbytes(3000)
    tree = unpack(data + tail)
    assert tree.root.format == "jffs2"
    assert [(r.location.offset, r.length) for r in tree.coverage.unexplained] == [(8192, 3000)]
    # Without padding, the extent is the end of the last node.
    unpadded = _image(data_dir, "rtime")
    assert _scan(unpadded).end == len(unpadded)
    assert _scan(unpadded + tail).end == len(unpadded)


def test_probe_checks_the_header_crc_not_just_the_magic() -> None:
    rng = random.Random(1)
    for _ in range(200):
        noise = rng.randbytes(64)
        assert jffs2.HANDLER.probe(memoryview(b"\x85\x19" + noise)) is None
        assert jffs2.HANDLER.probe(memoryview(b"\x19\x85" + noise)) is None
    assert jffs2.HANDLER.probe(memoryview(_dirent("<", 1, 2, b"x"))) is not None


def test_random_data_full_of_magics_is_rejected() -> None:
    blob = bytearray(random.Random(2).randbytes(1 << 20))
    for at in range(0, len(blob), 512):
        blob[at : at + 2] = b"\x85\x19"
    tree = unpack(bytes(blob))
    assert not [n for n in tree if n.format == "jffs2"]


def test_a_node_with_a_bad_crc_is_dropped_and_counted(data_dir) -> None:
    data = bytearray(_image(data_dir, "le"))
    at = data.index(b"starting")  # the data of etc/init.d/rcS, stored uncompressed
    data[at] ^= 0x01
    tree = unpack(bytes(data))
    assert [i.message for i in tree.issues if i.kind is IssueKind.CHECKSUM] == [
        "jffs2: 1 nodes failed their CRC check and were ignored"
    ]
    assert "jffs2: /etc/init.d/rcS: cannot read the entry: inode" in " ".join(i.message for i in tree.issues)
    assert tree.read("/etc/passwd").startswith(b"root:")


def test_damaged_bytes_between_nodes_are_skipped_and_reported(data_dir) -> None:
    data = bytearray(_image(data_dir, "be"))
    at = data.index(b"passwd") - 40  # the dirent naming etc/passwd
    assert data[at : at + 2] == b"\x19\x85"
    data[at : at + 8] = b"\x00" * 8
    tree = unpack(bytes(data))
    skipped = [i for i in tree.issues if i.kind is IssueKind.MALFORMED]
    assert len(skipped) == 1
    assert skipped[0].message.startswith("jffs2: ")
    assert skipped[0].message.endswith(" damaged bytes between nodes skipped")
    assert skipped[0].location.offset == at
    assert "/etc/passwd" not in tree
    assert tree.read("/lib/numbers.txt").startswith(b"1\n2\n3\n")


def test_a_zero_length_node_ends_the_walk_instead_of_looping(data_dir) -> None:
    data = _image(data_dir, "rtime")
    end = _scan(data).end
    header = struct.pack("<HHI", 0x1985, 0xE001, 0)
    looping = data[:end] + header + struct.pack("<I", _crc(header)) + data[end + 12 :]
    log = _scan(looping)
    assert log.end == end


def test_an_unlinked_name_is_not_listed(data_dir) -> None:
    data = _image(data_dir, "le")
    log = _scan(data)
    etc = _ino(log, 1, b"etc")
    unlink = _dirent("<", etc, 0, b"passwd", version=1000, dtype=0)
    tree = unpack(data[: log.end] + unlink)
    assert "/etc/passwd" not in tree
    assert "/etc/hosts" in tree


def test_a_later_version_of_a_name_wins(data_dir) -> None:
    data = _image(data_dir, "le")
    log = _scan(data)
    etc, busybox = _ino(log, 1, b"etc"), _ino(log, _ino(log, 1, b"bin"), b"busybox")
    renamed = _dirent("<", etc, busybox, b"passwd", version=1000, dtype=8)
    tree = unpack(data[: log.end] + renamed)
    assert tree.read("/etc/passwd") == b"not really busybox\n"


def test_directory_entry_pointing_at_the_root_is_a_loop(data_dir) -> None:
    data = _image(data_dir, "be")
    log = _scan(data)
    etc = _ino(log, 1, b"etc")
    tree = unpack(data[: log.end] + _dirent(">", etc, 1, b"up"))
    assert [i.message for i in tree.issues if i.kind is IssueKind.MALFORMED] == [
        "jffs2: /etc/up: directory entry points back at an enclosing directory (a loop); not followed"
    ]
    assert tree.read("/etc/passwd").startswith(b"root:")


def test_unsupported_compression_is_reported_once(data_dir) -> None:
    data = bytearray(_image(data_dir, "le"))
    log = _scan(bytes(data))
    numbers = _ino(log, _ino(log, 1, b"lib"), b"numbers.txt")
    nodes = log.inodes[numbers]
    for node in nodes:  # relabel the zlib nodes as dynrubin, with the node CRC fixed
        pos = node.start - 68
        data[pos + 56] = 5
        struct.pack_into("<I", data, pos + 64, _crc(bytes(data[pos : pos + 60])))
    tree = unpack(bytes(data))
    assert [i.message for i in tree.issues if i.kind is IssueKind.UNSUPPORTED] == [
        f"jffs2: {len(nodes)} data nodes use dynrubin compression; the files holding them cannot be read"
    ]
    assert tree["/lib/numbers.txt"].withheld is not None


def test_a_node_that_expands_past_its_size_is_refused(data_dir) -> None:
    data = bytearray(_image(data_dir, "le"))
    log = _scan(bytes(data))
    numbers = _ino(log, _ino(log, 1, b"lib"), b"numbers.txt")
    node = next(n for n in log.inodes[numbers] if n.compr == 6)
    bomb = zlib.compress(bytes(1 << 20), 9)
    assert len(bomb) <= node.csize
    pos = node.start - 68
    data[node.start : node.start + len(bomb)] = bomb
    struct.pack_into("<I", data, pos + 48, len(bomb))  # csize
    struct.pack_into("<I", data, pos + 60, _crc(bomb))  # data_crc
    struct.pack_into("<I", data, pos + 64, _crc(bytes(data[pos : pos + 60])))  # node_crc
    _, files = lazy_files(jffs2.HANDLER, bytes(data))
    with pytest.raises(BlockError, match=f"decompresses past the {node.dsize} bytes"):
        files[b"lib/numbers.txt"].read(None)


@pytest.mark.parametrize("name", ["le", "be"])
def test_fact_samples(shared_samples, name) -> None:
    check_fact_tree(unpack(shared_samples / "fact" / f"jffs2_{name}.img"))
