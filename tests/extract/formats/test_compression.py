"""Behaviour shared by the single-stream compression handlers: round trip, extent, truncation."""

import bz2
import lzma
import random
import struct

import lz4.block
import lz4.frame
import pytest
from backports import zstd
from builders import gz

from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

# Committed streams made by the command-line tools (tests/data/compress/make.sh), by format name.
TOOL_STREAMS = [
    ("bzip2", "a.txt.bz2"),
    ("xz", "a.txt.xz"),
    ("lzma", "a.txt.lzma"),
    ("lz4", "a.txt.lz4"),
    ("lz4", "a.txt.legacy.lz4"),
    ("zstd", "a.txt.zst"),
]


def _legacy_lz4(data: bytes, block: int) -> bytes:
    """The lz4 legacy frame with smaller blocks than the tool's 8 MiB, so a test input has several."""
    out = bytearray(b"\x02\x21\x4c\x18")
    for at in range(0, len(data), block):
        chunk = lz4.block.compress(data[at : at + block], store_size=False)
        out += struct.pack("<I", len(chunk)) + chunk
    return bytes(out)


# Library-made streams of a text large enough for several blocks, so a cut one still gives output.
MULTI_BLOCK = {
    "gzip": gz,
    "bzip2": lambda d: bz2.compress(d, 1),
    "xz": lambda d: lzma.compress(d, lzma.FORMAT_XZ),
    "lzma": lambda d: lzma.compress(d, lzma.FORMAT_ALONE),
    "lz4": lambda d: lz4.frame.compress(d, block_size=lz4.frame.BLOCKSIZE_MAX64KB),
    "lz4-legacy": lambda d: _legacy_lz4(d, 64 * 1024),
    "zstd": zstd.compress,
}


@pytest.fixture(scope="module")
def words() -> bytes:
    """About 600 kB of seeded random words: compresses about 3:1 and spans several blocks."""
    rng = random.Random(5)
    vocab = [bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(4000)]
    return b" ".join(rng.choices(vocab, k=100_000))


@pytest.mark.parametrize(("fmt", "name"), TOOL_STREAMS)
def test_tool_stream_unpacks_to_its_text(data_dir, fmt, name) -> None:
    tree = unpack(data_dir / "compress" / name)
    assert tree.root.format == fmt
    assert [n.path for n in tree] == ["/payload"]
    assert tree.read("/payload") == (data_dir / "compress" / "a.txt").read_bytes()
    assert tree.issues == ()


@pytest.mark.parametrize(("fmt", "name"), TOOL_STREAMS)
def test_stream_extent_lets_carving_go_on_after_it(data_dir, fmt, name) -> None:
    stream = (data_dir / "compress" / name).read_bytes()
    after = gz(b"what comes next\n" * 20)
    image = b"\xff" * 64 + stream + b"\x00" * 64 + after
    tree = unpack(image)
    region = f"/{64:#010x}.{fmt}"
    assert tree[region].size == len(stream)
    assert tree.read(region + "!/payload") == (data_dir / "compress" / "a.txt").read_bytes()
    next_start = 64 + len(stream) + 64
    assert tree.read(f"/{next_start:#010x}.gzip!/payload") == b"what comes next\n" * 20
    assert tree.issues == ()


@pytest.mark.parametrize("fmt", sorted(MULTI_BLOCK))
def test_truncated_stream_keeps_what_was_decoded(words, fmt) -> None:
    stream = MULTI_BLOCK[fmt](words)
    cut = stream[: len(stream) * 3 // 4]
    tree = unpack(cut)
    assert tree.root.format == fmt.removesuffix("-legacy")
    assert IssueKind.TRUNCATED in [i.kind for i in tree.issues]
    partial = tree.read("/payload")
    assert len(words) // 4 < len(partial) < len(words)
    assert words.startswith(partial)


def test_concatenated_gzip_xz_and_padding_are_carved(data_dir) -> None:
    compress = data_dir / "compress"
    image = (compress / "concat.bin").read_bytes()
    tree = unpack(compress / "concat.bin")
    xz_at = image.index(b"\xfd7zXZ\x00")
    assert tree.root.format == "carved"
    assert [n.path for n in tree if "!/" not in n.path] == ["/0x00000000.gzip", f"/{xz_at:#010x}.xz"]
    assert tree.read("/0x00000000.gzip!/payload") == (compress / "a.txt").read_bytes()
    assert tree.read(f"/{xz_at:#010x}.xz!/payload") == (compress / "b.txt").read_bytes()
    # The two streams and the 0xff padding are all explained; only the texts inside are not parsed.
    assert [r.location.path for r in tree.coverage.unexplained if "!/" not in r.location.path] == []
    assert tree.issues == ()
