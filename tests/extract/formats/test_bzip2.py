import bz2

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import bzip2
from firmware_audit.model import IssueKind


def test_label_gives_the_block_size(data_dir) -> None:
    tree = unpack(data_dir / "compress" / "a.txt.bz2")
    assert tree.root.label == "bzip2 compressed data, block size 900k"


def test_probe_wants_a_level_digit_and_a_block_magic(data_dir) -> None:
    stream = (data_dir / "compress" / "a.txt.bz2").read_bytes()
    assert bzip2.HANDLER.probe(memoryview(stream)) is not None
    assert bzip2.HANDLER.probe(memoryview(b"BZh0" + stream[4:])) is None
    assert bzip2.HANDLER.probe(memoryview(stream[:4] + b"1AY&SZ" + stream[10:])) is None
    assert bzip2.HANDLER.probe(memoryview(b"BZh91AY&S")) is None


def test_streams_that_follow_one_another_are_one_file_as_bunzip2_gives_it() -> None:
    # bunzip2 decompresses concatenated streams (`cat a.bz2 b.bz2`) into their concatenation.
    streams = b"".join(bz2.compress(b"stream %d\n" % i * 20) for i in range(30))
    tree = unpack(streams)
    assert tree.root.format == "bzip2"
    assert [n.path for n in tree] == ["/payload"]
    assert tree.read("/payload") == bz2.decompress(streams)
    assert [(i.kind, i.message) for i in tree.issues] == [
        (
            IssueKind.SUMMARISED,
            "bzip2: 30 bzip2 streams, shown as one file: their concatenation, as bunzip2 gives it",
        )
    ]


def test_empty_stream_is_recognised_and_holds_nothing() -> None:
    tree = unpack(bz2.compress(b""))
    assert tree.root.format == "bzip2"
    assert len(tree) == 0
    assert tree.issues == ()


def test_corrupt_block_is_malformed_not_a_crash(data_dir) -> None:
    stream = bytearray((data_dir / "compress" / "a.txt.bz2").read_bytes())
    stream[200] ^= 0xFF
    tree = unpack(bytes(stream))
    assert [i.kind for i in tree.issues] == [IssueKind.MALFORMED]
    assert tree.issues[0].message.startswith("bzip2: stream broken after 0 bytes: OSError")
