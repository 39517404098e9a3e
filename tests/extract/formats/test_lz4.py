import struct

import lz4.block
import lz4.frame

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import lz4 as lz4_format
from firmware_audit.model import IssueKind

LEGACY = b"\x02\x21\x4c\x18"


def _block(data: bytes) -> bytes:
    chunk = lz4.block.compress(data, store_size=False)
    return struct.pack("<I", len(chunk)) + chunk


def _unexplained_at_top(tree) -> list[tuple[int, int]]:
    return [(r.location.offset, r.length) for r in tree.coverage.unexplained if r.location.path == ""]


def test_frame_label(data_dir) -> None:
    tree = unpack(data_dir / "compress" / "a.txt.lz4")
    assert tree.root.label == "LZ4 frame, 64 KiB blocks, 11290 bytes uncompressed"


def test_frame_with_a_bad_descriptor_checksum_is_not_lz4(data_dir) -> None:
    stream = bytearray((data_dir / "compress" / "a.txt.lz4").read_bytes())
    stream[14] ^= 1  # the header checksum byte after FLG, BD and the 8-byte content size
    assert lz4_format.HANDLER.probe(memoryview(bytes(stream))) is None


def test_frame_ending_exactly_at_the_end_of_the_input() -> None:
    # python-lz4 leaves unused_data None here; the handler must still find the frame's extent.
    tree = unpack(lz4.frame.compress(b"exact end\n" * 50))
    assert tree.read("/payload") == b"exact end\n" * 50
    assert tree.issues == ()


def test_legacy_label(data_dir) -> None:
    assert unpack(data_dir / "compress" / "a.txt.legacy.lz4").root.label == "LZ4 legacy frame (Linux kernel)"


def test_legacy_blocks_and_concatenated_frames_are_one_stream() -> None:
    parts = [b"block one\n" * 300, b"block two\n" * 300, b"after a second magic\n" * 100]
    stream = LEGACY + _block(parts[0]) + _block(parts[1]) + LEGACY + _block(parts[2])
    tree = unpack(stream)
    assert tree.root.format == "lz4"
    assert tree.read("/payload") == b"".join(parts)
    assert tree.issues == ()


def test_legacy_stream_ends_before_the_kernel_size_trailer() -> None:
    text = b"kernel image\n" * 500
    stream = LEGACY + _block(text)
    tree = unpack(stream + struct.pack("<I", len(text)))
    assert tree.root.format == "lz4"
    assert tree.read("/payload") == text
    assert _unexplained_at_top(tree) == [(len(stream), 4)]
    assert tree.issues == ()


def test_legacy_stream_ends_at_an_implausible_block_size() -> None:
    text = b"kernel image\n" * 500
    stream = LEGACY + _block(text)
    tree = unpack(stream + b"hsqs" + b"\x00" * 60)
    assert tree.read("/payload") == text
    assert _unexplained_at_top(tree) == [(len(stream), 64)]
    assert tree.issues == ()


def test_legacy_stream_cut_inside_a_block_keeps_the_blocks_before() -> None:
    first = b"first block\n" * 400
    stream = LEGACY + _block(first) + _block(b"second block\n" * 400)
    tree = unpack(stream[:-10])
    assert tree.root.format == "lz4"
    assert [i.kind for i in tree.issues] == [IssueKind.TRUNCATED]
    assert "block 1 says" in tree.issues[0].message
    assert tree.read("/payload") == first


def test_legacy_block_that_does_not_decode_is_not_lz4() -> None:
    assert lz4_format.HANDLER.probe(memoryview(LEGACY + struct.pack("<I", 16) + b"\xff" * 16)) is None
