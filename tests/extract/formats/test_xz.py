import lzma
import struct
import zlib

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import xz
from firmware_audit.model import IssueKind


def test_label_gives_the_integrity_check(data_dir) -> None:
    tree = unpack(data_dir / "compress" / "a.txt.xz")
    assert tree.root.label == "xz compressed data, CRC64"


def test_probe_checks_the_stream_header_crc(data_dir) -> None:
    stream = (data_dir / "compress" / "a.txt.xz").read_bytes()
    assert xz.HANDLER.probe(memoryview(stream)) is not None
    assert xz.HANDLER.probe(memoryview(stream[:7] + b"\x05" + stream[8:])) is None
    assert xz.HANDLER.probe(memoryview(stream[:11])) is None


def test_two_streams_and_their_padding_are_two_regions(text_blob) -> None:
    first = lzma.compress(text_blob, check=lzma.CHECK_CRC32)
    second = lzma.compress(b"second\n" * 100)
    tree = unpack(first + b"\0" * 4 + second)
    second_at = len(first) + 4
    assert [n.path for n in tree if "!/" not in n.path] == ["/0x00000000.xz", f"/{second_at:#010x}.xz"]
    assert tree["/0x00000000.xz"].label == "xz compressed data, CRC32"
    assert tree.read(f"/{second_at:#010x}.xz!/payload") == b"second\n" * 100
    assert tree.issues == ()


def test_streams_that_follow_one_another_are_one_file_as_xz_gives_it(text_blob) -> None:
    # xz-file-format.txt 2: a .xz file is one or more streams; `xz -d` writes their concatenation.
    streams = [lzma.compress(text_blob), *(lzma.compress(b"stream %d\n" % i) for i in range(40))]
    tree = unpack(b"".join(streams))
    assert tree.root.format == "xz"
    assert [n.path for n in tree] == ["/payload"]
    assert tree.read("/payload") == lzma.decompress(b"".join(streams))
    assert [(i.kind, i.message) for i in tree.issues] == [
        (IssueKind.SUMMARISED, "xz: 41 xz streams, shown as one file: their concatenation, as xz -d gives it")
    ]


def test_a_broken_stream_ends_the_series_and_is_carved_on_its_own(text_blob) -> None:
    whole = lzma.compress(b"first\n" * 50) + lzma.compress(b"second\n" * 50)
    broken = lzma.compress(text_blob)
    tree = unpack(whole + broken[: len(broken) // 2])
    assert [n.path for n in tree if "!" not in n.path] == ["/0x00000000.xz", f"/{len(whole):#010x}.xz"]
    assert tree.read("/0x00000000.xz!/payload") == b"first\n" * 50 + b"second\n" * 50
    assert {IssueKind.SUMMARISED, IssueKind.TRUNCATED} <= {i.kind for i in tree.issues}


def test_corrupt_data_is_reported_and_its_bytes_stay_unexplained(data_dir) -> None:
    stream = bytearray((data_dir / "compress" / "a.txt.xz").read_bytes())
    stream[300] ^= 0x55
    tree = unpack(bytes(stream))
    assert [i.kind for i in tree.issues] == [IssueKind.MALFORMED]
    assert tree.issues[0].message.startswith("xz: stream broken after 0 bytes: LZMAError")
    assert tree.issues[0].location.offset == 0
    # Where a broken stream ends is unknown, so nothing is claimed as explained.
    assert tree.coverage.bytes_explained == 0


def test_dictionary_over_the_decoder_memory_limit_is_a_limit_issue() -> None:
    # Ask for a 1 GiB dictionary by editing the block header (encoding with one would take 1 GiB):
    # the LZMA2 property byte sits at offset 16, the header's CRC32 after its 8 bytes.
    header = bytearray(lzma.compress(b"x" * 1000)[:24])
    assert header[12:17] == b"\x02\x00\x21\x01\x16"
    header[16] = 36  # (2 | 36 % 2) << (36 // 2 + 11) = 1 GiB
    header[20:24] = struct.pack("<I", zlib.crc32(header[12:20]))
    stream = bytes(header) + lzma.compress(b"x" * 1000)[24:]
    tree = unpack(stream)
    assert [i.kind for i in tree.issues] == [IssueKind.LIMIT]
    assert "Memory usage limit" in tree.issues[0].message
