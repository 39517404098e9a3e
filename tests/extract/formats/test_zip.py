import io
import lzma
import struct
import sys
import zipfile
import zlib

import pytest
from benchmark_scripts import load

from firmware_audit.extract import unpack
from firmware_audit.extract.formats import zip as zipfmt
from firmware_audit.extract.formats.base import Claim, Lazy, NodeKind, Output, Slice
from firmware_audit.extract.limits import Budget, GiB, Limits, MiB
from firmware_audit.extract.tree import ContentUnavailableError
from firmware_audit.model import IssueKind

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

_SOURCE_PATHS = {
    "/bin",
    "/bin/busybox",
    "/bin/ls",
    "/bin/sh",
    "/dev",
    "/etc",
    "/etc/init.d",
    "/etc/init.d/rcS",
    "/etc/passwd",
    "/var",
    "/var/empty",
    "/www",
    "/www/cgi-bin",
    "/www/cgi-bin/status.cgi",
    "/www/index.html",
}


def _busybox() -> bytes:
    return b"".join(b"BusyBox v1.31.1 applet %d: built-in shell (ash)\n" % i for i in range(400))


# -- hand-made archives: the hostile cases zip tools refuse to write ---------------------------------


def _local(name: bytes, method: int, crc: int, csize: int, usize: int, *, flags: int = 0) -> bytes:
    fields = (b"PK\x03\x04", 20, flags, method, 0, 0x21, crc, csize, usize, len(name), 0)
    return struct.pack("<4sHHHHHIIIHH", *fields) + name


def _central(
    name: bytes, method: int, crc: int, csize: int, usize: int, *, offset: int, flags: int = 0
) -> bytes:
    fields = (b"PK\x01\x02", (3 << 8) | 20, 20, flags, method, 0, 0x21, crc, csize, usize)
    tail = (len(name), 0, 0, 0, 0, 0o100644 << 16, offset)
    return struct.pack("<4sHHHHHHIIIHHHHHII", *fields, *tail) + name


def _end(count: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def _craft(members: list[tuple[bytes, int, bytes, int, int]], *, flags: int = 0) -> bytes:
    """A zip of (name, method, raw data, crc, uncompressed size) members, each with its own local header."""
    body, directory = b"", b""
    for name, method, raw, crc, size in members:
        directory += _central(name, method, crc, len(raw), size, offset=len(body), flags=flags)
        body += _local(name, method, crc, len(raw), size, flags=flags) + raw
    return body + directory + _end(len(members), len(directory), len(body))


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _zeros_deflated(mib: int) -> bytes:
    """Raw deflate of `mib` MiB of zeros, made in milliseconds: after a full flush the compressor
    starts afresh, so every further MiB compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(MiB)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return first + again * (mib - 1) + c.flush()


# -- archives made by zip tools ---------------------------------------------------------------------


def test_tree_zip_lists_every_member_with_modes_and_links(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.zip")
    assert tree.root.format == "zip"
    assert set(tree.nodes) == _SOURCE_PATHS
    assert tree.issues == ()
    assert tree["/bin/sh"].kind is NodeKind.SYMLINK
    assert tree["/bin/sh"].link == b"busybox"
    assert tree["/etc/init.d/rcS"].mode == 0o755
    assert tree["/var/empty"].kind is NodeKind.DIRECTORY
    assert tree.coverage.explained_ratio == 1.0


def test_deflated_members_are_lazy_and_stored_ones_are_views_of_the_image(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "tree.zip")
    busybox = tree["/bin/busybox"]
    assert isinstance(busybox.content, Lazy)
    assert busybox.content.compressed_size is not None
    assert busybox.content.compressed_size < busybox.size
    assert tree.read(busybox) == _busybox()
    assert tree.read(busybox, 10) == b"BusyBox v1"
    # `zip -n .html` stored the page: the tree serves it straight from the mapped image.
    page = tree.view("/www/index.html")
    assert isinstance(page, memoryview)
    assert bytes(page) == b"<html><body>IP Camera</body></html>\n"


def test_zip64_records_and_bzip2_members(data_dir) -> None:
    raw = (data_dir / "archive" / "tree64.zip").read_bytes()
    assert b"PK\x06\x06" in raw  # zip -fz wrote the zip64 end record
    tree = unpack(raw)
    assert tree.root.format == "zip"
    assert tree.issues == ()
    assert tree.read("/bin/busybox") == _busybox()
    assert tree.read("/etc/passwd").startswith(b"root:x:0:0:")


def test_windows_zip_uses_backslashes_as_separators(data_dir) -> None:
    tree = unpack(data_dir / "archive" / "windows.zip")
    assert tree["/config"].kind is NodeKind.DIRECTORY
    assert tree.read("/config/network.ini") == b"[net]\nntp=time.windows.com\n"
    assert tree["/config/network.ini"].name == b"config\\network.ini"


def test_extent_ends_with_the_end_record_when_the_zip_sits_inside_a_blob(data_dir) -> None:
    archive = (data_dir / "archive" / "tree.zip").read_bytes()
    blob = b"\x11" * 100 + archive + b"\x22" * 300
    tree = unpack(blob)
    carved = tree["/0x00000064.zip"]
    assert carved.size == len(archive)
    assert tree.read("/0x00000064.zip!/etc/passwd").startswith(b"root:")


def test_a_stored_zip_inside_a_zip_does_not_end_the_outer_one(data_dir) -> None:
    inner = (data_dir / "archive" / "tree.zip").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("inner.zip", inner)
        zf.writestr("after.txt", b"listed from the outer directory")
    tree = unpack(buf.getvalue())
    assert tree.read("/after.txt") == b"listed from the outer directory"
    assert tree["/inner.zip"].format == "zip"
    assert tree.read("/inner.zip!/bin/busybox") == _busybox()


def test_list_members_serves_vendor_containers() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("romfs-x.cramfs.img", b"A" * 1000)
    dahua = memoryview(b"DH" + buf.getvalue()[2:])
    out = Output(Budget(Limits()))
    extent = zipfmt.list_members(
        dahua,
        out,
        payload=True,
        local_magics=(b"DH\x03\x04", zipfmt.LOCAL_MAGIC),
        claims_for=lambda name: (Claim("member name", "cramfs"),) if b"cramfs" in name else (),
    )
    assert extent == len(dahua)
    (entry,) = out.entries
    assert entry.payload
    assert entry.claims == (Claim("member name", "cramfs"),)
    assert isinstance(entry.content, Lazy)
    assert entry.content.read(None) == b"A" * 1000
    assert out.problems == []


# -- hostile archives --------------------------------------------------------------------------------


def test_zip_slip_names_are_recorded_inside_the_container_with_issues() -> None:
    evil = _craft(
        [
            (b"../../etc/cron.d/evil", 0, b"* * * * * root sh\n", zlib.crc32(b"* * * * * root sh\n"), 18),
            (b"/etc/shadow", 0, b"root::0:0\n", zlib.crc32(b"root::0:0\n"), 10),
        ]
    )
    tree = unpack(evil)
    assert tree.read("/etc/cron.d/evil") == b"* * * * * root sh\n"
    assert tree.read("/etc/shadow") == b"root::0:0\n"
    assert tree["/etc/cron.d/evil"].name == b"../../etc/cron.d/evil"
    unsafe = [i.message for i in tree.issues if i.kind is IssueKind.UNSAFE_PATH]
    assert unsafe == [
        "member '../../etc/cron.d/evil': name climbs out of the container with '..'",
        "member '/etc/shadow': absolute name",
    ]


def test_encrypted_member_is_recorded_without_content() -> None:
    secret = b"\x8a" * 40  # what ZipCrypto output looks like to a reader without the password
    tree = unpack(_craft([(b"config.bin", 0, secret, 0x12345678, 28)], flags=0x1))
    node = tree["/config.bin"]
    assert node.kind is NodeKind.FILE
    with pytest.raises(ContentUnavailableError):
        tree.read(node)
    assert [(i.kind, i.message) for i in tree.issues] == [
        (IssueKind.ENCRYPTED, "zip: member 'config.bin' is encrypted; recorded without content")
    ]


def test_unsupported_method_is_recorded_with_an_issue() -> None:
    tree = unpack(_craft([(b"kernel", 9, b"\x00" * 64, 0, 4096)]))
    assert "/kernel" in tree
    assert [i.kind for i in tree.issues] == [IssueKind.UNSUPPORTED]
    assert "method 9 (deflate64)" in tree.issues[0].message


def test_member_declaring_2_gib_is_stopped_by_the_ratio_limit() -> None:
    body = _zeros_deflated(2048)
    bomb = _craft([(b"rootfs.img", 8, body, 0, 2 * GiB)])
    tree = unpack(bomb)
    node = tree["/rootfs.img"]
    assert node.size == 2 * GiB
    assert node.withheld is not None
    assert "ratio" in node.withheld
    assert [i.kind for i in tree.issues] == [IssueKind.LIMIT]


def test_lazy_read_decodes_only_what_is_asked_and_never_past_the_declared_size() -> None:
    body = _zeros_deflated(2048)
    out = Output(Budget(Limits()))
    members = [(b"big", 8, body, 0, 2 * GiB), (b"small", 8, body, zlib.crc32(bytes(100)), 100)]
    zipfmt.HANDLER.unpack(memoryview(_craft(members)), out)
    big, small = (entry.content for entry in out.entries)
    assert isinstance(big, Lazy)
    assert isinstance(small, Lazy)
    assert len(big.read(MiB)) == MiB
    # The stream holds 2 GiB, the directory says 100 bytes: the reader stops at 100.
    assert small.read(None) == bytes(100)


def test_overlapping_members_are_reported_and_withheld() -> None:
    body = _zeros_deflated(64)
    local = _local(b"kernel", 8, 0, len(body), 64 * MiB)
    directory = b"".join(_central(b"k%04d" % i, 8, 0, len(body), 64 * MiB, offset=0) for i in range(1000))
    bomb = local + body + directory + _end(1000, len(directory), len(local) + len(body))
    tree = unpack(bomb)
    assert sum(1 for _ in tree.files()) == 1000
    readable = [n for n in tree.files() if n.content is not None and n.withheld is None]
    assert readable == []
    kinds = sorted(i.kind for i in tree.issues)
    assert kinds == [IssueKind.LIMIT, IssueKind.MALFORMED]
    assert "999 members share bytes with another member" in next(
        i.message for i in tree.issues if i.kind is IssueKind.MALFORMED
    )


def test_ten_thousand_tiny_members_all_unpack() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(10_000):
            zf.writestr(f"www/d{i % 100}/f{i}.txt", f"file {i}\n")
    tree = unpack(buf.getvalue())
    assert sum(1 for _ in tree.files()) == 10_000
    assert tree.read("/www/d42/f9942.txt") == b"file 9942\n"
    assert tree.issues == ()


def test_truncated_zip_lists_the_local_headers_it_still_has(data_dir) -> None:
    archive = (data_dir / "archive" / "tree.zip").read_bytes()
    cut = archive.index(b"etc/passwd") + 40  # inside the passwd member's data
    tree = unpack(archive[:cut])
    assert tree.root.format == "zip"
    assert tree.read("/bin/busybox") == _busybox()
    # Local headers do not carry the Unix mode: without the directory a symlink reads as its target.
    assert tree.read("/bin/sh") == b"busybox"
    assert tree.read("/etc/init.d/rcS").startswith(b"#!/bin/sh")
    assert "/www/index.html" not in tree
    messages = [i.message for i in tree.issues if i.kind is IssueKind.TRUNCATED]
    assert messages[0] == "zip: no end-of-central-directory record; listed the local file headers"
    assert any("member 'etc/passwd' needs" in m for m in messages)


def test_bad_crc_of_a_stored_member_is_a_checksum_issue_and_of_a_deflated_one_a_read_error() -> None:
    text = b"hello camera\n"
    tree = unpack(
        _craft([(b"stored.txt", 0, text, 1, len(text)), (b"deflated.txt", 8, _deflate(text), 1, len(text))])
    )
    assert tree.read("/stored.txt") == text
    checksum = [i.message for i in tree.issues if i.kind is IssueKind.CHECKSUM]
    assert checksum == ["zip: member 'stored.txt': CRC-32 does not match"]
    assert tree["/deflated.txt"].withheld is not None
    assert "CRC-32" in tree["/deflated.txt"].withheld


def test_probe_rejects_bad_local_headers() -> None:
    good = _local(b"a", 0, 0, 0, 0)
    assert zipfmt.HANDLER.probe(memoryview(good)) is not None
    assert zipfmt.HANDLER.probe(memoryview(_local(b"", 0, 0, 0, 0))) is None
    assert zipfmt.HANDLER.probe(memoryview(_local(b"a", 77, 0, 0, 0))) is None
    assert zipfmt.HANDLER.probe(memoryview(good[:20])) is None


def test_stored_members_are_slices() -> None:
    out = Output(Budget(Limits()))
    archive = _craft([(b"a.txt", 0, b"abc", zlib.crc32(b"abc"), 3)])
    assert zipfmt.HANDLER.unpack(memoryview(archive), out) == len(archive)
    assert out.entries[0].content == Slice(30 + len(b"a.txt"), 3)


def test_lzma_members_written_by_zipfile_decode() -> None:
    text = b"lzma member of a firmware zip\n" * 300
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_LZMA) as zf:
        zf.writestr("app.bin", text)
    tree = unpack(buf.getvalue())
    assert tree.read("/app.bin") == text
    assert tree.read("/app.bin", 12) == text[:12]
    assert tree.issues == ()


@pytest.mark.parametrize(
    ("method", "encode"),
    [(93, zstd.compress), (95, lambda data: lzma.compress(data, lzma.FORMAT_XZ))],
)
def test_zstd_and_xz_members_decode(method, encode) -> None:
    text = b"newer zip tools write zstd and xz members\n" * 100
    tree = unpack(_craft([(b"member.bin", method, encode(text), zlib.crc32(text), len(text))]))
    assert tree.read("/member.bin") == text
    assert tree.issues == ()


def test_a_member_whose_local_header_is_gone_is_recorded_without_content() -> None:
    archive = bytearray(_craft([(b"a.bin", 0, b"data", zlib.crc32(b"data"), 4)]))
    archive[0:2] = b"DH"  # not a signature the generic lister accepts
    out = Output(Budget(Limits()))
    assert zipfmt.list_members(memoryview(bytes(archive)), out) == len(archive)
    assert out.entries[0].name == b"a.bin"
    assert out.entries[0].content is None
    assert [p.message for p in out.problems] == [
        "member 'a.bin': no local file header at 0; recorded without content"
    ]


def test_a_directory_longer_than_the_file_limit_is_read_only_up_to_it() -> None:
    archive = load("hostile").zip_many(1000)
    tree = unpack(archive, limits=Limits(max_files=100))
    names = [n.path for n in tree.files()]
    assert len(names) == 100
    assert names[:2] == ["/f0000000", "/f0000001"]
    assert [i.message for i in tree.issues if i.kind is IssueKind.LIMIT] == [
        "files limit: more than 100 entries; this branch was not unpacked further"
    ]


def test_central_names_reads_the_directory_without_zipfile(monkeypatch) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("dir/", b"")
        zf.writestr("dir/Install", b"x")
        zf.writestr("romfs.img", b"y")
    archive = memoryview(buf.getvalue())
    monkeypatch.setattr(zipfile, "ZipFile", None)  # a vendor probe must not build zipfile's objects
    assert zipfmt.central_names(archive) == [b"dir/Install", b"romfs.img"]
    assert zipfmt.central_names(archive[: len(archive) - 22]) is None  # no end record, no directory


def test_a_million_member_directory_is_listed_by_zipfile_once_at_most(monkeypatch) -> None:
    """The shape of a zip of a million members, scaled down: the vendor probes read names only."""
    opened = []
    real = zipfile.ZipFile

    def counting(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(zipfile, "ZipFile", counting)
    tree = unpack(load("hostile").zip_many(20_000))
    assert sum(1 for _ in tree.files()) == 20_000
    assert len(opened) == 1
