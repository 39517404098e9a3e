from backports import zstd

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import zstd as zstd_format
from firmware_audit.model import IssueKind


def test_label_gives_the_declared_size(data_dir) -> None:
    tree = unpack(data_dir / "compress" / "a.txt.zst")
    assert tree.root.label == "Zstandard compressed data, 11290 bytes uncompressed"


def test_reserved_bit_and_undecodable_frames_are_not_zstd(data_dir) -> None:
    stream = (data_dir / "compress" / "a.txt.zst").read_bytes()
    assert zstd_format.HANDLER.probe(memoryview(stream)) is not None
    assert zstd_format.HANDLER.probe(memoryview(stream[:4] + bytes([stream[4] | 0x08]) + stream[5:])) is None
    # The magic as it appears in code that links libzstd, followed by instructions.
    assert zstd_format.HANDLER.probe(memoryview(b"\x28\xb5\x2f\xfd" + bytes(range(64)))) is None


def test_first_block_of_128_kib_is_probed_whole() -> None:
    incompressible = bytes((i * 7919 + (i >> 8) * 31) & 0xFF for i in range(300_000))
    stream = zstd.compress(incompressible, level=1)
    tree = unpack(stream)
    assert tree.root.format == "zstd"
    assert tree.read("/payload") == incompressible


def test_frames_that_follow_one_another_are_one_file_as_zstd_gives_it() -> None:
    # RFC 8878 3: Zstandard data is one or more frames; `zstd -d` writes their contents one after another.
    first, second = zstd.compress(b"one\n" * 100), zstd.compress(b"two\n" * 100)
    tree = unpack(first + second)
    assert tree.root.format == "zstd"
    assert [n.path for n in tree] == ["/payload"]
    assert tree.read("/payload") == b"one\n" * 100 + b"two\n" * 100
    assert [(i.kind, i.message) for i in tree.issues] == [
        (
            IssueKind.SUMMARISED,
            "zstd: 2 Zstandard frames, shown as one file: their concatenation, as zstd -d gives it",
        )
    ]


def test_other_bytes_between_frames_end_the_series() -> None:
    first, second = zstd.compress(b"one\n" * 100), zstd.compress(b"two\n" * 100)
    tree = unpack(first + b"\xaa" * 16 + second)
    assert tree.read("/0x00000000.zstd!/payload") == b"one\n" * 100
    assert tree.read(f"/{len(first) + 16:#010x}.zstd!/payload") == b"two\n" * 100
    assert IssueKind.SUMMARISED not in {i.kind for i in tree.issues}


def test_corrupt_block_is_malformed_not_a_crash(data_dir) -> None:
    stream = bytearray((data_dir / "compress" / "a.txt.zst").read_bytes())
    stream[400] ^= 0xFF
    tree = unpack(bytes(stream))
    assert IssueKind.MALFORMED in [i.kind for i in tree.issues]
    assert "ZstdError" in tree.issues[0].message
