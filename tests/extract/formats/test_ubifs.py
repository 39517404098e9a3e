import io
import re
import struct
import sys
import zipfile
import zlib

import pytest
from lzallright import LZOCompressor
from ubireader.ubifs import nodes
from ubireader.ubifs.defines import UBIFS_DENT_NODE, UBIFS_INO_NODE

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import ubifs
from firmware_audit.extract.formats.base import Lazy, NodeKind, Output
from firmware_audit.extract.limits import Budget, Limits
from firmware_audit.extract.tree import ContentUnavailableError
from firmware_audit.model import IssueKind

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

_LEB = 16256


def _busybox() -> bytes:
    return b"".join(b"BusyBox v1.31.1 applet %d: built-in shell (ash)\n" % i for i in range(400))


def _image(data_dir) -> bytearray:
    return bytearray((data_dir / "archive" / "tree.ubifs").read_bytes())


def _crc(data: bytes) -> int:
    return ~zlib.crc32(data) & 0xFFFFFFFF


def _fix_crc(image: bytearray, pos: int) -> None:
    length = struct.unpack_from("<I", image, pos + 16)[0]
    struct.pack_into("<I", image, pos + 4, _crc(bytes(image[pos + 8 : pos + length])))


def _nodes(image: bytearray, kind: int) -> list[tuple[int, bytes]]:
    """Every valid node of one type in the image: (offset, body)."""
    found = []
    for match in re.finditer(re.escape(b"\x31\x18\x10\x06"), image):
        pos = match.start()
        header = nodes.common_hdr(bytes(image[pos : pos + 24]))
        if header.node_type != kind or not 24 <= header.len < _LEB:
            continue
        if _crc(bytes(image[pos + 8 : pos + header.len])) == header.crc:
            found.append((pos, bytes(image[pos + 24 : pos + header.len])))
    return found


def _inode_of(image: bytearray, name: bytes) -> int:
    for _, body in _nodes(image, UBIFS_DENT_NODE):
        dent = nodes.dent_node(body[:32])
        if body[32 : 32 + dent.nlen] == name:
            return dent.inum
    raise AssertionError(name)


def _patch_inode(image: bytearray, inum: int, offset: int, fmt: str, value: int) -> None:
    """Change a field of every inode node of `inum` (offset within the body) and fix the CRCs."""
    for pos, body in _nodes(image, UBIFS_INO_NODE):
        if len(body) >= 136 and nodes.ino_node(body).key["ino_num"] == inum:
            struct.pack_into(fmt, image, pos + 24 + offset, value)
            _fix_crc(image, pos)


def test_tree_lists_the_filesystem(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.ubifs")
    assert tree.root.format == "ubifs"
    assert tree.root.label == "UBIFS filesystem, lzo, 16256 byte LEBs"
    assert tree.read("/bin/busybox") == _busybox()
    assert tree["/bin/ls"].kind is NodeKind.HARDLINK
    assert tree.read("/bin/ls") == _busybox()
    assert tree["/bin/sh"].link == b"busybox"
    assert tree["/dev/console"].kind is NodeKind.CHAR_DEVICE
    assert tree["/var/log.fifo"].kind is NodeKind.FIFO
    assert tree["/var/empty"].kind is NodeKind.DIRECTORY
    assert tree["/etc/init.d/rcS"].mode == 0o755
    assert tree.read("/www/cgi-bin/status.cgi").startswith(b"#!/bin/sh\n")
    assert [(i.kind, i.location.path) for i in tree.issues] == [(IssueKind.UNSAFE_PATH, "/dev/console")]
    assert tree.coverage.explained_ratio == 1.0


def test_files_are_lazy_with_their_stored_size_and_read_in_part(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.ubifs")
    content = tree["/bin/busybox"].content
    assert isinstance(content, Lazy)
    assert content.compressed_size is not None
    assert content.compressed_size < content.size
    assert tree.read("/bin/busybox", 5000) == _busybox()[:5000]  # crosses into the second block


def test_an_index_that_points_back_at_itself_terminates(data_dir) -> None:
    image = _image(data_dir)
    fs = ubifs._Filesystem(memoryview(bytes(image)), _LEB, len(image) // _LEB, Output(Budget(Limits())))
    master = fs.master()
    root = master.root_lnum * _LEB + master.root_offs
    struct.pack_into("<II", image, root + 24 + 4, master.root_lnum, master.root_offs)  # first branch
    _fix_crc(image, root)
    tree = unpack(bytes(image))
    assert "ubifs: index: 1 references to nodes already read; ignored" in [i.message for i in tree.issues]


def test_encrypted_files_are_recorded_without_content(data_dir) -> None:
    image = _image(data_dir)
    _patch_inode(image, _inode_of(image, b"passwd"), 84, "<I", 0x40)  # flags: UBIFS_CRYPT_FL
    tree = unpack(bytes(image))
    assert tree["/etc/passwd"].kind is NodeKind.FILE
    with pytest.raises(ContentUnavailableError):
        tree.read("/etc/passwd")
    assert (IssueKind.ENCRYPTED, "ubifs: 1 files are encrypted (fscrypt); recorded without content") in [
        (i.kind, i.message) for i in tree.issues
    ]


def test_a_huge_sparse_size_is_stopped_by_the_ratio_limit(data_dir) -> None:
    image = _image(data_dir)
    _patch_inode(image, _inode_of(image, b"passwd"), 24, "<Q", 1 << 40)  # size
    tree = unpack(bytes(image))
    node = tree["/etc/passwd"]
    assert node.size == 1 << 40
    assert node.withheld is not None
    assert "ratio" in node.withheld


def test_truncated_image_lists_what_it_can(data_dir) -> None:
    image = bytes(_image(data_dir))
    tree = unpack(image[: 6 * _LEB])
    assert tree.root.format == "ubifs"
    assert any(
        i.kind is IssueKind.MALFORMED and "past the end of the image" in i.message for i in tree.issues
    )


def test_probe_checks_the_superblock_crc(data_dir) -> None:
    image = _image(data_dir)
    assert ubifs.HANDLER.probe(memoryview(bytes(image))) is not None
    image[100] ^= 1
    assert ubifs.HANDLER.probe(memoryview(bytes(image))) is None


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _block(compression: int, raw: bytes, size: int) -> tuple[memoryview, ubifs._Block]:
    return memoryview(raw), ubifs._Block(0, 0, len(raw), compression, size)


@pytest.mark.parametrize(
    ("compression", "encode"),
    [
        (0, lambda data: data),
        (1, LZOCompressor().compress),
        (2, _deflate),
        (3, zstd.compress),
    ],
)
def test_data_nodes_of_every_compressor_decode(compression, encode) -> None:
    text = b"camera config line\n" * 200
    assert ubifs._decompress(*_block(compression, encode(text), len(text))) == text


def test_a_data_node_never_yields_more_than_one_block() -> None:
    bomb = _deflate(bytes(64 * 1024 * 1024))
    assert ubifs._decompress(*_block(2, bomb, 4096)) == bytes(4096)
    with pytest.raises(ValueError, match="decodes to 4096 bytes, its node says 100"):
        ubifs._decompress(*_block(2, bomb, 100))
    with pytest.raises(ValueError, match="a block holds 4096"):
        ubifs._decompress(*_block(2, bomb, 8192))
    with pytest.raises(ValueError, match="longer than any 4 KiB block needs"):
        ubifs._decompress(*_block(1, bytes(8192), 4096))
    with pytest.raises(ValueError, match="unknown compression 9"):
        ubifs._decompress(*_block(9, b"x", 1))


def test_fact_ubifs_sample(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "test.ubifs")
    assert tree.root.label == "UBIFS filesystem, lzo, 131072 byte LEBs"
    assert tree.read("/testfile1").startswith(b"test file:\ncontent: MyTestRule")
    assert tree["/generic folder"].kind is NodeKind.DIRECTORY
    assert tree.issues == ()


def test_a_ubifs_label_fits_a_bare_ubifs_image_and_a_ubi_image(data_dir) -> None:
    # A Xiongmai General bin names its images; "*.ubifs.img" is said of both kinds of content.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("InstallDesc", "{}")
        zf.writestr("rootfs-x.ubifs.img", (data_dir / "archive" / "tree.ubifs").read_bytes())
        zf.writestr("app-x.ubifs.img", (data_dir / "archive" / "tree.ubi").read_bytes())
    tree = unpack(buf.getvalue())
    assert tree["/rootfs-x.ubifs.img"].format == "ubifs"
    assert tree["/app-x.ubifs.img"].format == "ubi"
    assert [i for i in tree.issues if i.kind is IssueKind.MISLABELED] == []
