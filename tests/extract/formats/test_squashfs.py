import re
import shutil
import struct
import subprocess
import zlib
from concurrent.futures import Future

import pytest
from fstree import NUMBERS, check_partial_reads, check_tree, lazy_files

from firmware_audit import audit
from firmware_audit.extract import ContentUnavailableError, unpack
from firmware_audit.extract.formats import squashfs
from firmware_audit.extract.formats.base import NodeKind
from firmware_audit.model import IssueKind

COMPRESSORS = ["gzip", "lzma", "lzo", "xz", "lz4", "zstd"]
_SUPER = struct.Struct("<5I6H8Q")
_FIELDS = [
    *("magic", "inodes", "mkfs_time", "block_size", "fragments", "compression", "block_log", "flags"),
    *("no_ids", "major", "minor", "root_inode", "bytes_used", "id_table", "xattr_table", "inode_table"),
    *("directory_table", "fragment_table", "lookup_table"),
]
LOST_FRAGMENTS = "squashfs: the fragment table lies beyond the end of the data"


def _super(data: bytes) -> dict[str, int]:
    return dict(zip(_FIELDS, _SUPER.unpack_from(data), strict=True))


def _issues(tree, kind: IssueKind) -> list[str]:
    return [i.message for i in tree.issues if i.kind is kind]


@pytest.mark.parametrize("comp", COMPRESSORS)
def test_every_compressor_unpacks_the_whole_tree(data_dir, comp) -> None:
    tree = unpack(data_dir / "fs" / f"squashfs-{comp}.sqfs")
    assert tree.root.format == "squashfs"
    assert tree.root.label == f"squashfs 4.0, {comp}"
    check_tree(tree)
    assert tree.coverage.explained_ratio == 1.0


@pytest.mark.parametrize("comp", [*COMPRESSORS, "plain"])
def test_reads_are_prefixes_and_decode_only_what_is_asked(data_dir, comp) -> None:
    check_partial_reads(squashfs.HANDLER, (data_dir / "fs" / f"squashfs-{comp}.sqfs").read_bytes())


def test_length_is_bytes_used_not_the_padded_file(data_dir) -> None:
    data = (data_dir / "fs" / "squashfs-gzip.sqfs").read_bytes()
    detection = squashfs.HANDLER.probe(memoryview(data))
    assert detection is not None
    assert detection.length == _super(data)["bytes_used"] == 5855
    assert len(data) == 8192  # mksquashfs pads to 4 KiB; the padding is not the filesystem's


def test_lazy_files_carry_their_stored_size_for_the_ratio_limit(data_dir) -> None:
    _, files = lazy_files(squashfs.HANDLER, (data_dir / "fs" / "squashfs-xz.sqfs").read_bytes())
    numbers = files[b"lib/numbers.txt"]
    assert numbers.compressed_size is not None
    assert 0 < numbers.compressed_size < numbers.size


def test_hard_link_names_the_first_path(data_dir) -> None:
    tree = unpack(data_dir / "fs" / "squashfs-gzip.sqfs")
    node = tree["/etc/hosts.hardlink"]
    assert node.kind is NodeKind.HARDLINK
    assert node.link == b"etc/hosts"


def test_probe_rejects_a_magic_followed_by_noise() -> None:
    rng = bytes((i * 7919 + 13) % 251 for i in range(4096))
    assert squashfs.HANDLER.probe(memoryview(b"hsqs" + rng)) is None
    assert squashfs.HANDLER.probe(memoryview(b"sqsh" + rng)) is None
    assert squashfs.HANDLER.probe(memoryview(b"hsqs")) is None


@pytest.mark.parametrize(
    ("field", "offset", "fmt", "value"),
    [
        ("block_log", 22, "<H", 13),  # does not match the 4 KiB block size
        ("compression", 20, "<H", 9),
        ("minor", 30, "<H", 1),
        ("directory_table", 72, "<Q", 1 << 40),  # past bytes_used
        ("no_ids", 26, "<H", 0),
    ],
)
def test_probe_checks_superblock_fields(data_dir, field, offset, fmt, value) -> None:
    data = bytearray((data_dir / "fs" / "squashfs-gzip.sqfs").read_bytes())
    assert squashfs.HANDLER.probe(memoryview(bytes(data))) is not None
    struct.pack_into(fmt, data, offset, value)
    assert squashfs.HANDLER.probe(memoryview(bytes(data))) is None, field


def _legacy_superblock(major: int, minor: int, *, big: bool) -> bytes:
    """A squashfs 1.x-3.x superblock as mksquashfs 3 wrote it (packed, 64 KiB blocks)."""
    e = ">" if big else "<"
    sb = bytearray(1000)
    sb[:4] = b"sqsh" if big else b"hsqs"
    struct.pack_into(e + "II", sb, 4, 7, 1000 if major < 3 else 0)
    struct.pack_into(e + "HHHH", sb, 28, major, minor, 0, 16)
    if major == 3:
        struct.pack_into(e + "I", sb, 51, 65536)
        struct.pack_into(e + "Q", sb, 63, 1000)
    return bytes(sb)


@pytest.mark.parametrize(
    ("major", "minor", "big"), [(3, 1, False), (3, 0, True), (2, 0, True), (2, 1, False)]
)
def test_older_versions_are_reported_unsupported_with_their_version(major, minor, big) -> None:
    image = _legacy_superblock(major, minor, big=big)
    detection = squashfs.HANDLER.probe(memoryview(image))
    assert detection is not None
    assert detection.length == 1000
    endian = "big" if big else "little"
    assert detection.label == f"squashfs {major}.{minor}, {endian}-endian (unsupported)"
    tree = unpack(image)
    assert tree.root.format == "squashfs"
    (message,) = _issues(tree, IssueKind.UNSUPPORTED)
    assert message.startswith(f"squashfs: squashfs {major}.{minor}, {endian}-endian")
    assert len(tree) == 0


def test_symlinks_are_recorded_and_an_escaping_one_is_reported(data_dir) -> None:
    tree = unpack(data_dir / "fs" / "squashfs-links.sqfs")
    links = {n.path: n.link for n in tree if n.kind is NodeKind.SYMLINK}
    assert links == {
        "/sub/absolute": b"/etc/passwd",
        "/sub/escape": b"../../../../etc/shadow",
        "/sub/self": b"self",
    }
    assert _issues(tree, IssueKind.UNSAFE_PATH) == [
        "symlink points outside its filesystem: ../../../../etc/shadow"
    ]
    assert tree.resolve("/sub/self") is None  # a loop ends instead of spinning
    assert tree.resolve("/sub/absolute") is None  # nothing at /etc/passwd inside this image
    assert tree.read("/sub/file") == b"x\n"


def _truncated(data_dir, cut) -> tuple[bytes, object]:
    data = (data_dir / "fs" / "squashfs-gzip.sqfs").read_bytes()
    sb = _super(data)
    return data[: cut(sb)], sb


def test_cut_in_half_reports_truncation_and_lists_what_it_can(data_dir) -> None:
    image, sb = _truncated(data_dir, lambda sb: sb["bytes_used"] // 2)
    tree = unpack(image)
    assert tree.root.format == "squashfs"
    truncated = _issues(tree, IssueKind.TRUNCATED)
    # The tables are written last: half the image keeps data blocks but no way to reach them.
    assert (
        f"squashfs: squashfs says it spans {sb['bytes_used']} bytes; only {len(image)} are there" in truncated
    )
    assert "squashfs: the fragment table lies beyond the end of the data" in truncated
    assert any("cannot read the root directory" in m for m in truncated)
    assert len(tree) == 0


@pytest.mark.parametrize("comp", ["gzip", "xz"])
def test_cut_after_the_directories_keeps_the_listing_and_the_readable_blocks(data_dir, comp) -> None:
    data = (data_dir / "fs" / f"squashfs-{comp}.sqfs").read_bytes()
    tree = unpack(data[: _super(data)["fragment_table"]])
    assert "squashfs: the fragment table lies beyond the end of the data" in _issues(
        tree, IssueKind.TRUNCATED
    )
    assert tree["/lib/numbers.txt"].size == len(NUMBERS)
    if comp == "xz":  # made with -always-use-fragments: the tail of numbers.txt was in a fragment
        with pytest.raises(ContentUnavailableError, match="fragment table is lost"):
            tree.read("/lib/numbers.txt")
        # The engine could not read it whole to identify it; the whole blocks still read directly.
        _, files = lazy_files(squashfs.HANDLER, data[: _super(data)["fragment_table"]])
        assert files[b"lib/numbers.txt"].read(12288) == NUMBERS[:12288]
    else:
        assert tree.read("/lib/numbers.txt") == NUMBERS
    with pytest.raises(ContentUnavailableError, match="fragment table is lost"):
        tree.read("/etc/passwd")
    assert tree.read("/empty") == b""
    assert tree["/bin/sh"].link == b"busybox"


def _plain(data_dir) -> bytearray:
    return bytearray((data_dir / "fs" / "squashfs-plain.sqfs").read_bytes())


def _dirent(data: bytearray, name: bytes, inode_type: int) -> int:
    """Offset of the squashfs_dir_entry naming `name` in an uncompressed directory table."""
    sb = _super(data)
    table = bytes(data[sb["directory_table"] : sb["fragment_table"]])
    hits = [
        m.start() for m in re.finditer(re.escape(struct.pack("<HH", inode_type, len(name) - 1) + name), table)
    ]
    assert len(hits) == 1
    return sb["directory_table"] + hits[0] - 4


def test_directory_entry_pointing_at_the_root_is_a_loop_not_followed(data_dir) -> None:
    data = _plain(data_dir)
    root = _super(data)["root_inode"]
    assert root >> 16 == 0  # every inode is in the first metadata block, as is the dir header's
    struct.pack_into("<H", data, _dirent(data, b"etc", 1), root & 0xFFFF)
    tree = unpack(bytes(data))
    (message,) = _issues(tree, IssueKind.MALFORMED)
    assert message == (
        "squashfs: /etc: directory entry points back at an enclosing directory (a loop); not followed"
    )
    assert "/etc" not in tree
    assert tree.read("/lib/numbers.txt") == NUMBERS


def test_directory_listed_from_two_places_is_listed_once(data_dir) -> None:
    data = _plain(data_dir)
    etc = struct.unpack_from("<H", data, _dirent(data, b"etc", 1))[0]
    struct.pack_into("<H", data, _dirent(data, b"var", 1), etc)
    tree = unpack(bytes(data))
    assert _issues(tree, IssueKind.MALFORMED) == [
        "squashfs: /var: directory is already listed elsewhere in the image; not listed again"
    ]
    assert tree.read("/etc/passwd").startswith(b"root:")
    assert "/var/empty" not in tree


def test_entry_name_with_a_slash_is_skipped_and_reported(data_dir) -> None:
    data = _plain(data_dir)
    at = _dirent(data, b"etc", 1)
    data[at + 8 : at + 11] = b"e/c"
    tree = unpack(bytes(data))
    assert _issues(tree, IssueKind.UNSAFE_PATH)[0] == (
        "squashfs: /: entry named b'e/c' is not a valid file name; skipped"
    )
    assert "/etc/passwd" not in tree
    assert "/bin/busybox" in tree


def test_a_block_that_expands_past_the_block_size_is_refused(data_dir) -> None:
    data = _plain(data_dir)
    # numbers.txt: three uncompressed 4 KiB blocks (flag bit 24 set), listed in its inode.
    words = struct.pack("<I", 4096 | 1 << 24) * 3
    at = bytes(data).index(words)
    start = struct.unpack_from("<I", data, at - 16)[0]
    bomb = zlib.compress(bytes(1 << 20), 9)
    assert len(bomb) < 4096
    data[start : start + 4096] = bomb.ljust(4096, b"\0")
    struct.pack_into("<I", data, at, 4096)  # the first block now says it is compressed
    tree = unpack(bytes(data))
    with pytest.raises(ContentUnavailableError, match="decompresses past the 4096 bytes"):
        tree.read("/lib/numbers.txt")
    # Unpacking reads no more of a file than its magics need; the audit that reads it says why it cannot.
    found = [i for i in audit(bytes(data), jobs=1).issues if "decompresses past the 4096 bytes" in i.message]
    assert [i.location.path if i.location else None for i in found] == ["/lib/numbers.txt"]


def test_inode_of_unknown_type_is_reported(data_dir) -> None:
    data = _plain(data_dir)
    at = _dirent(data, b"empty", 2)
    offset = struct.unpack_from("<H", data, at)[0]
    inode_at = _super(data)["inode_table"] + 2 + offset
    assert struct.unpack_from("<H", data, inode_at)[0] == 2
    struct.pack_into("<H", data, inode_at, 77)
    tree = unpack(bytes(data))
    assert "squashfs: /empty: cannot read the entry: unknown inode type 77" in _issues(
        tree, IssueKind.MALFORMED
    )
    assert "/empty" not in tree


def _unsquashfs_listing(path) -> set[str]:
    out = subprocess.run(["unsquashfs", "-l", "-d", "", str(path)], capture_output=True, check=True).stdout
    return {line.decode("utf-8", "surrogateescape") for line in out.splitlines() if line.strip(b"/")}


def _our_listing(tree) -> set[str]:
    # A member's name is its raw path inside the filesystem.
    return {"/" + n.name.decode("utf-8", "surrogateescape") for n in tree}


@pytest.mark.skipif(shutil.which("unsquashfs") is None, reason="squashfs-tools is not installed")
@pytest.mark.parametrize("comp", COMPRESSORS)
def test_listing_matches_unsquashfs(data_dir, comp) -> None:
    image = data_dir / "fs" / f"squashfs-{comp}.sqfs"
    assert _our_listing(unpack(image)) == _unsquashfs_listing(image)


SAMPLE_FILES = {
    "/generic folder/test file 3_.txt": b"The third test file!",
    "/testfile2": b"This is the second t",
}


@pytest.mark.parametrize("name", ["gzip", "lz4", "lzma", "lzo", "xz", "zstd"])
def test_fact_samples_each_compressor(shared_samples, name) -> None:
    image = shared_samples / "fact" / "squashfs" / f"{name}.sqfs"
    tree = unpack(image)
    assert tree.root.label == f"squashfs 4.0, {name}"
    assert {n.path for n in tree} == {"/generic folder", *SAMPLE_FILES, "/testfile1"}
    for path, start in SAMPLE_FILES.items():
        assert tree.read(path).startswith(start)
    assert tree.issues == ()
    if shutil.which("unsquashfs"):
        assert _our_listing(tree) == _unsquashfs_listing(
            shared_samples / "fact" / "squashfs" / f"{name}.sqfs"
        )


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("avm_be.sqfs4", "4.0, big-endian"),
        ("zlib_le.sqfs3", "3.1, little-endian"),
        ("zlib_be.sqfs3", "3.1, big-endian"),
        ("lzma_le.sqfs2", "2.76, little-endian"),
    ],
)
def test_fact_samples_unsupported_versions(shared_samples, name, version) -> None:
    tree = unpack(shared_samples / "fact" / "squashfs" / name)
    assert tree.root.label == f"squashfs {version} (unsupported)"
    assert len(_issues(tree, IssueKind.UNSUPPORTED)) == 1


def test_fact_sample_avm_little_endian_reads(shared_samples) -> None:
    tree = unpack(shared_samples / "fact" / "squashfs" / "avm_le.sqfs4")
    assert tree.read("/testfile2").startswith(b"This is the second")


def test_binwalk_samples(shared_samples) -> None:
    tree = unpack(shared_samples / "binwalk" / "squashfs.bin")
    assert [n.path for n in tree] == ["/lsb-release"]
    assert tree.read("/lsb-release").startswith(b"DISTRIB_ID=Ubuntu")
    v2 = unpack(shared_samples / "binwalk" / "squashfs_v2.bin")
    assert v2.root.label == "squashfs 2.0, big-endian (unsupported)"
    assert v2.root.size == 2587654
    assert len(_issues(v2, IssueKind.UNSUPPORTED)) == 1
    assert v2.coverage.explained_ratio == 1.0


def test_carved_from_a_flash_dump_by_its_exact_length(data_dir) -> None:
    fs = (data_dir / "fs" / "squashfs-lz4.sqfs").read_bytes()
    used = _super(fs)["bytes_used"]
    blob = bytes(range(256)) * 16 + fs[:used] + b"\xff" * 1000
    tree = unpack(blob)
    assert tree.root.format == "carved"
    node = tree["/0x00001000.squashfs"]
    assert node.size == used
    assert tree.read("/0x00001000.squashfs!/lib/numbers.txt") == NUMBERS


class _Blocks:
    """Fragment blocks for `_FragmentCache`: what was decoded on demand, what was started ahead."""

    def __init__(self, count: int, fail: int | None = None) -> None:
        self.count, self.fail = count, fail
        self.loaded: list[int] = []
        self.started: list[int] = []

    def block(self, index: int) -> bytes:
        if index == self.fail:
            raise squashfs.FsError(IssueKind.MALFORMED, f"fragment {index} is corrupt")
        return bytes([index]) * 16

    def load(self, index: int) -> bytes:
        self.loaded.append(index)
        return self.block(index)

    def ahead(self, index: int) -> Future[tuple[int, bytes]] | None:
        if index >= self.count:
            return None
        self.started.append(index)
        done: Future[tuple[int, bytes]] = Future()
        try:
            done.set_result((0, self.block(index)))
        except squashfs.FsError as exc:
            done.set_exception(exc)
        return done


def test_fragment_blocks_after_one_read_are_started_ahead_and_taken_when_asked() -> None:
    blocks = _Blocks(count=squashfs._AHEAD + 3)
    cache = squashfs._FragmentCache(blocks.load, blocks.ahead)
    assert [cache(i) for i in range(blocks.count)] == [blocks.block(i) for i in range(blocks.count)]
    assert blocks.loaded == [0]  # every later block was started ahead and taken from there
    assert blocks.started == list(range(1, blocks.count))  # none twice, none past the last
    assert cache(2) == blocks.block(2)  # held: neither decoded nor started again
    assert blocks.loaded == [0]
    assert blocks.started == list(range(1, blocks.count))


def test_a_fragment_block_started_ahead_fails_when_it_is_asked_for_as_on_demand() -> None:
    blocks = _Blocks(count=4, fail=2)
    cache = squashfs._FragmentCache(blocks.load, blocks.ahead)
    assert cache(0) == blocks.block(0)
    assert 2 in blocks.started  # its failure waits in its thread until the block is read
    with pytest.raises(squashfs.FsError, match="fragment 2 is corrupt"):
        cache(2)
    assert cache(3) == blocks.block(3)


class _InTheParent(Future[tuple[int, bytes]]):
    """A block started by the parent's threads, which a forked process does not have."""

    def result(self, timeout: float | None = None) -> tuple[int, bytes]:
        raise AssertionError(f"a forked process waited (timeout {timeout}) for its parent's thread")


def test_a_forked_process_decodes_what_its_parent_started(monkeypatch) -> None:
    blocks = _Blocks(count=4)
    cache = squashfs._FragmentCache(blocks.load, lambda _index: _InTheParent())
    assert cache(0) == blocks.block(0)
    monkeypatch.setattr(squashfs.os, "getpid", lambda: -1)
    assert cache(1) == blocks.block(1)  # decoded here, not waited for
    assert blocks.loaded == [0, 1]


def test_fragment_blocks_are_decoded_ahead_from_the_image(data_dir) -> None:
    data = memoryview((data_dir / "fs" / "squashfs-xz.sqfs").read_bytes())
    found = squashfs._identify(data)
    assert isinstance(found, squashfs._Super)
    fs = squashfs._SquashFS(data, found)
    started = fs._fragment_ahead(0)
    assert started is not None
    assert started.result()[1] == fs._fragment(0)
    assert fs._fragment_ahead(found.fragments) is None  # past the last: not started
    fs.fragment_table = []
    assert fs._fragment_ahead(0) is None  # a lost table: reading the fragment reports it
