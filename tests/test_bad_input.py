"""Hostile inputs, end to end: every one gives a tree and a report with Issues.

Each input is built at test time in `tmp_path` and unpacked in a child process, so that a crash, a
hang or a memory blow-up costs one case, and so the child's own peak RSS can be measured. The child
runs in an empty working directory with an empty TMPDIR, records every file write, network call and
process start through an audit hook (PEP 578), and reports the tree as JSON. The checks are:

* no traceback and no hang (the child is killed after `CPU_LIMIT` seconds of CPU time);
* peak RSS under 1 GiB;
* nothing written: no write-mode open, mkdir, link or rename anywhere, and the working directory,
  TMPDIR and /tmp hold nothing new that bears the case's planted names;
* the Issues that the rules require for that input.

The same inputs then go through `firmware-audit audit IMAGE --format json`, which must exit with
`ExitCode.AUDITED` and print a report whose issues match.

The inputs are built from Python alone, or copied from `tests/data/hostile/` (made by its make.sh), so
the suite needs no tool beyond Python.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import signal
import struct
import subprocess
import sys
import tarfile
import time
import uuid
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from benchmark_scripts import load
from builders import gz, uimage
from conftest import DATA

from firmware_audit.exitcodes import ExitCode
from firmware_audit.extract import Limits
from firmware_audit.extract.coverage import MAX_LISTED
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.model import IssueKind, Report

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.slow

GiB = 1 << 30
MiB = 1 << 20
MAX_RSS_KIB = GiB // 1024
CPU_LIMIT = 120
"""Seconds of CPU time after which a child counts as hung (each case needs a few when healthy). A
hang is told by CPU time, not by the clock: on a busy machine a healthy child waits for its CPU."""
WALL_LIMIT = 20 * CPU_LIMIT
"""The clock a child may take: only one that waits without computing meets it first."""

REGISTERED = {handler.name for handler in HANDLERS}

# The child: hook writes, unpack, describe the tree as JSON on stdout.
CHILD = r"""
import json, os, resource, sys, time

from firmware_audit import unpack

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
WATCHED = ("os.mkdir", "os.symlink", "os.link", "os.rename", "os.remove", "os.rmdir", "os.chmod",
           "os.truncate", "os.utime", "shutil.", "subprocess.", "os.exec", "os.posix_spawn", "os.system",
           "os.fork", "socket.")
events = []

def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (flags or 0) & WRITE_FLAGS:
            events.append(f"open {path!r} mode={mode} flags={flags}")
    elif event.startswith(WATCHED):
        events.append(f"{event} {args!r}")

sys.addaudithook(hook)
started = time.monotonic()
tree = unpack(sys.argv[1])
seconds = time.monotonic() - started

def peak_kib():
    # VmHWM is this process's own peak. ru_maxrss is not: a child spawned with vfork inherits the
    # parent's peak (pytest's, after other tests) when it execs.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def text(raw):
    return None if raw is None else raw.decode("utf-8", "backslashreplace")

nodes = [
    {"path": n.path, "kind": str(n.kind), "link": text(n.link), "size": n.size, "format": n.format,
     "withheld": n.withheld}
    for n in tree
]
resolved = {}
for n in tree:
    if n.kind == "symlink":
        target = tree.resolve(n.path)
        resolved[n.path] = None if target is None else target.path
print(json.dumps({
    "issues": [
        {"kind": str(i.kind), "path": i.location.path, "offset": i.location.offset, "message": i.message}
        for i in tree.issues
    ],
    "nodes": nodes,
    "resolved": resolved,
    "explained_ratio": tree.coverage.explained_ratio,
    "unexplained": [
        {"path": r.location.path, "offset": r.location.offset, "length": r.length, "entropy": r.entropy}
        for r in tree.coverage.unexplained[:20]
    ],
    "seconds": seconds,
    "maxrss_kib": peak_kib(),
    "writes": events,
}))
"""

# Runs a command and reports that command's peak RSS (it is this wrapper's only child; a fresh,
# small wrapper is its parent, so the peak it may inherit at exec is the wrapper's, not pytest's).
RSS_WRAPPER = r"""
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], check=False)
print(f"MAXRSS_KIB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(proc.returncode)
"""


@dataclass
class Outcome:
    """What the child saw."""

    issues: list[dict[str, Any]]
    nodes: dict[str, dict[str, Any]]
    resolved: dict[str, str | None]
    explained_ratio: float
    unexplained: list[dict[str, Any]]
    seconds: float
    maxrss_kib: int
    writes: list[str]
    wall: float = 0.0

    def kinds(self) -> set[str]:
        return {i["kind"] for i in self.issues}

    def messages(self, kind: str) -> list[str]:
        return [i["message"] for i in self.issues if i["kind"] == kind]


@dataclass
class Case:
    """A hostile input: how to build it, what the tree must show, which handlers it needs."""

    name: str
    build: Callable[[Path, str], Path]
    check: Callable[[Outcome, str], None]
    needs: tuple[str, ...] = ()
    report_issues: tuple[str, ...] = ()


# -- byte builders -----------------------------------------------------------------------------------


def _zeros_deflate(total: int) -> tuple[bytes, int]:
    """Raw deflate of `total` zero bytes, built from one 1 MiB chunk repeated; and the CRC-32.

    A full flush empties the compressor's window, so every chunk compresses to the same bytes and
    they can be repeated without compressing gigabytes. The stream ends with an empty final block.
    """
    assert total % MiB == 0
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MiB)
    chunk = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(total // MiB):
        crc = zlib.crc32(zeros, crc)
    return chunk * (total // MiB) + comp.flush(zlib.Z_FINISH), crc


def _zip_one(name: bytes, deflated: bytes, crc: int, size: int) -> bytes:
    """A zip of one deflated member, written by hand so `size` can exceed what we compress."""
    # version needed, flags, method 8 (deflate), time, date, CRC, sizes, name and extra lengths
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), size, len(name), 0)
    # the same, after "version made by"; then comment length, disk, attributes, local header offset 0
    fields = (20, 20, 0, 8, 0, 0, crc, len(deflated), size, len(name), 0, 0, 0, 0, 0, 0)
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", *fields)
    cd_offset = len(local) + len(name) + len(deflated)
    cd_size = len(central) + len(name)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, cd_size, cd_offset, 0)
    return local + name + deflated + central + name + end


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _fixture(tmp_path: Path, name: str) -> Path:
    """Copy a committed hostile fixture (tests/data/hostile/make.sh made it) next to the case's inputs."""
    return _write(tmp_path, name, (DATA / "hostile" / name).read_bytes())


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- cases ---------------------------------------------------------------------------------------------


def build_zip_slip(tmp_path: Path, token: str) -> Path:
    return _write(
        tmp_path,
        "slip.zip",
        _zip(
            [
                (f"../../{token}-relative.txt", b"climbs out\n"),
                (f"/tmp/{token}-absolute.txt", b"absolute\n"),
                ("ok/inside.txt", b"fine\n"),
            ]
        ),
    )


def check_zip_slip(out: Outcome, token: str) -> None:
    unsafe = " | ".join(out.messages("unsafe-path"))
    assert "climbs out of the container" in unsafe
    assert "absolute name" in unsafe
    # Both members are kept, under names that stay inside the container.
    assert f"/{token}-relative.txt" in out.nodes
    assert f"/tmp/{token}-absolute.txt" in out.nodes
    assert "/ok/inside.txt" in out.nodes


def build_tar_symlink_then_write(tmp_path: Path, token: str) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, target in (("evil", "/tmp"), ("up", "../../../../../../../../tmp")):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = tarfile.SYMTYPE, target
            tf.addfile(link)
            data = f"written through {name}\n".encode()
            member = tarfile.TarInfo(f"{name}/{token}-{name}.txt")
            member.size = len(data)
            tf.addfile(member, io.BytesIO(data))
    return _write(tmp_path, "links.tar", buf.getvalue())


def check_tar_symlink_then_write(out: Outcome, token: str) -> None:
    assert out.nodes["/evil"]["kind"] == "symlink"
    assert out.nodes["/evil"]["link"] == "/tmp"
    assert out.nodes["/up"]["link"] == "../../../../../../../../tmp"
    # The files are recorded (under a path of their own), never written through the links.
    written = sorted(p for p in out.nodes if p.endswith((f"{token}-evil.txt", f"{token}-up.txt")))
    assert len(written) == 2
    assert all(out.nodes[p]["kind"] == "file" for p in written)
    unsafe = " | ".join(out.messages("unsafe-path"))
    assert "goes through this symlink" in unsafe
    assert "symlink points outside its filesystem: ../../../../../../../../tmp" in unsafe


def build_squashfs_links(tmp_path: Path, _token: str) -> Path:
    return _fixture(tmp_path, "squashfs-links.sqfs")


def check_squashfs_links(out: Outcome, _token: str) -> None:
    links = {p: n["link"] for p, n in out.nodes.items() if n["kind"] == "symlink"}
    assert links == {
        "/absolute": "/etc/shadow",
        "/escaping": "../../../../../etc/passwd",
        "/dir/up": "../../..",
        "/self": "self",
        "/ping": "pong",
        "/pong": "ping",
        "/good": "file.txt",
    }
    outside = " | ".join(out.messages("unsafe-path"))
    assert "points outside its filesystem: ../../../../../etc/passwd" in outside
    assert "points outside its filesystem: ../../.." in outside
    # Resolution stays in the image and ends on loops instead of spinning.
    assert out.resolved == {
        "/absolute": None,
        "/escaping": None,
        "/dir/up": None,
        "/self": None,
        "/ping": None,
        "/pong": None,
        "/good": "/file.txt",
    }


def build_zip_2gib_zeros(tmp_path: Path, _token: str) -> Path:
    deflated, crc = _zeros_deflate(2 * GiB)
    return _write(tmp_path, "zeros.zip", _zip_one(b"zeros.bin", deflated, crc, 2 * GiB))


def check_zip_2gib_zeros(out: Outcome, _token: str) -> None:
    assert any("ratio limit" in m for m in out.messages("limit"))
    node = out.nodes["/zeros.bin"]
    assert node["size"] == 2 * GiB
    assert node["withheld"] is not None


def build_gzip_4gib(tmp_path: Path, _token: str) -> Path:
    deflated, crc = _zeros_deflate(4 * GiB)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
    trailer = struct.pack("<II", crc, (4 * GiB) & 0xFFFFFFFF)
    return _write(tmp_path, "zeros.gz", header + deflated + trailer)


def check_gzip_4gib(out: Outcome, _token: str) -> None:
    (message,) = out.messages("limit")
    assert message.startswith("ratio limit: gzip expands")
    # What was decoded before the limit is kept, and it is a few MiB, not gigabytes.
    assert 0 < out.nodes["/payload"]["size"] < 64 * MiB


def build_nested_zip_bomb(tmp_path: Path, _token: str) -> Path:
    # 10 x 10 x 10 x 10 x 10 leaves of 1 MiB of zeros: 100,000-fold, 100 GiB in all.
    level = _zip([(f"leaf{i}.bin", bytes(MiB)) for i in range(10)])
    for depth in range(4):
        level = _zip([(f"level{depth}-{i}.zip", level) for i in range(10)])
    return _write(tmp_path, "bomb.zip", level)


def check_nested_zip_bomb(out: Outcome, _token: str) -> None:
    assert "limit" in out.kinds()
    leaves = [n for p, n in out.nodes.items() if p.endswith(".bin")]
    assert sum(n["size"] for n in leaves if n["withheld"] is None) <= 4 * GiB
    assert any(n["withheld"] for n in leaves) or len(leaves) < 100_000


def build_gzip_60_deep(tmp_path: Path, _token: str) -> Path:
    data = b"the innermost file\n"
    for _ in range(60):
        data = gz(data)
    return _write(tmp_path, "deep.gz", data)


def check_depth_limit(out: Outcome, _token: str) -> None:
    assert any(m.startswith("depth limit:") for m in out.messages("limit"))
    # Exactly max_depth containers were opened, one inside the other.
    deepest = max(p.count("!/") for p in out.nodes)
    assert deepest + 1 == Limits().max_depth


def build_zip_60_deep(tmp_path: Path, _token: str) -> Path:
    data = _zip([("innermost.txt", b"the innermost file\n")])
    for depth in range(59):
        data = _zip([(f"level{depth}.zip", data)])
    return _write(tmp_path, "deep.zip", data)


def build_squashfs_truncated(tmp_path: Path, _token: str) -> Path:
    image = _fixture(tmp_path, "squashfs-many.sqfs")
    data = image.read_bytes()
    image.write_bytes(data[: len(data) * 6 // 10])
    return image


def check_squashfs_truncated(out: Outcome, _token: str) -> None:
    assert out.kinds() & {"truncated", "malformed", "parser-error"}


def build_uimage_4gib(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "uimage.bin", uimage(gz(b"kernel\n" * 100), comp=1, declared=0xFFFFFFFF))


def check_uimage_4gib(out: Outcome, _token: str) -> None:
    assert any("4294967295" in m for m in out.messages("truncated"))
    assert out.nodes["/payload"]["format"] == "gzip"


def build_random(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "random.bin", random.Random(20240501).randbytes(8 * MiB))


def check_random(out: Outcome, _token: str) -> None:
    assert out.explained_ratio < 0.01
    assert out.unexplained[0]["path"] == ""
    assert out.unexplained[0]["entropy"] > 7.9


def build_empty(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "empty.bin", b"")


def check_empty(out: Outcome, _token: str) -> None:
    assert [i["kind"] for i in out.issues] == ["empty"]
    assert out.nodes == {}


# -- found by fuzzing: a crash, an abort and memory floods --------------------------------------------


_BAD_MTD_NUMBERS = (b"08", b"abc", b"0x", b"9" * 5000)


def build_mtdparts_bad_numbers(tmp_path: Path, _token: str) -> Path:
    tables = b"".join(b"bootargs=mtdparts=x:" + token + b"(a)\0" for token in _BAD_MTD_NUMBERS)
    return _write(tmp_path, "flash.bin", tables.ljust(512 * 1024, b"\xff"))


def check_mtdparts_bad_numbers(out: Outcome, _token: str) -> None:
    bad = [m for m in out.messages("malformed") if "is not a number" in m]
    assert len(bad) == len(_BAD_MTD_NUMBERS)


def _jffs2_crc(data: bytes) -> int:
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def build_jffs2_lzo_huge_dsize(tmp_path: Path, _token: str) -> Path:
    """The LZO fixture with every LZO node's dsize set to 0xFFFFFFFF, node CRCs made right again."""
    image = bytearray((DATA / "fs" / "jffs2-lzo.img").read_bytes())
    pos = patched = 0
    while pos + 68 <= len(image):
        magic, nodetype, totlen = struct.unpack_from(">HHI", image, pos)
        if magic != 0x1985 or totlen < 12:
            pos += 4
            continue
        if nodetype == 0xE002 and image[pos + 56] == 7:  # an inode node compressed with LZO
            struct.pack_into(">I", image, pos + 52, 0xFFFFFFFF)
            struct.pack_into(">I", image, pos + 64, _jffs2_crc(bytes(image[pos : pos + 60])))
            patched += 1
        pos += (totlen + 3) & ~3
    assert patched
    return _write(tmp_path, "lzo-dsize.jffs2", bytes(image))


def check_jffs2_lzo_huge_dsize(out: Outcome, _token: str) -> None:
    assert any("claims 4294967295 bytes" in m for m in out.messages("parser-error"))


_PEB = 16 * 1024
_VID = 64
_DATA = 128


def _ubi_crc(data: bytes) -> int:
    return ~zlib.crc32(data) & 0xFFFFFFFF


def _ubi_with(vid_patches: dict[int, tuple[str, int]], record_patches: dict[int, tuple[str, int]]) -> bytes:
    """tree.ubi with fields of the env volume (id 1) changed: its VID header and its table record."""
    image = bytearray((DATA / "archive" / "tree.ubi").read_bytes())
    for start in range(0, len(image), _PEB):
        vol_id = struct.unpack_from(">I", image, start + _VID + 8)[0]
        if vol_id == 1:
            for offset, (fmt, value) in vid_patches.items():
                struct.pack_into(fmt, image, start + _VID + offset, value)
            crc = _ubi_crc(bytes(image[start + _VID : start + _VID + 60]))
            struct.pack_into(">I", image, start + _VID + 60, crc)
        elif vol_id == 0x7FFFEFFF:  # the layout volume: the volume table, record 1
            at = start + _DATA + 172
            for offset, (fmt, value) in record_patches.items():
                struct.pack_into(fmt, image, at + offset, value)
            struct.pack_into(">I", image, at + 168, _ubi_crc(bytes(image[at : at + 168])))
    return bytes(image)


def build_ubi_static_used_ebs_huge(tmp_path: Path, _token: str) -> Path:
    image = _ubi_with({24: (">I", 0x7FFFFFFF)}, {0: (">I", 0x7FFFFFFF)})  # used_ebs, reserved_pebs
    return _write(tmp_path, "used-ebs.ubi", image)


def check_ubi_static_used_ebs_huge(out: Outcome, _token: str) -> None:
    assert any("claims 2147483647 blocks" in m for m in out.messages("malformed"))


def build_ubi_dynamic_lnum_huge(tmp_path: Path, _token: str) -> Path:
    # LEB number 0x7FFFFFF0 in a dynamic volume that reserves 0x7FFFFFFF blocks
    image = _ubi_with({12: (">I", 0x7FFFFFF0)}, {0: (">I", 0x7FFFFFFF), 12: (">B", 1)})
    return _write(tmp_path, "lnum.ubi", image)


def check_ubi_dynamic_lnum_huge(out: Outcome, _token: str) -> None:
    assert any("numbered past the 16 blocks" in m for m in out.messages("malformed"))


_REPEATS = 20_000


def build_zip_one_name_repeated(tmp_path: Path, _token: str) -> Path:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns about each duplicate name: that is the point
        for i in range(_REPEATS):
            zf.writestr(zipfile.ZipInfo("same.txt", date_time=(2020, 1, 1, 0, 0, 0)), b"%d\n" % i)
    return _write(tmp_path, "same.zip", buf.getvalue())


def build_tar_one_name_repeated(tmp_path: Path, _token: str) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for i in range(_REPEATS):
            data = b"%d\n" % i
            info = tarfile.TarInfo("same.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return _write(tmp_path, "same.tar", buf.getvalue())


def check_one_name_repeated(out: Outcome, _token: str) -> None:
    same = [p for p in out.nodes if p.startswith("/same.txt")]
    assert len(same) == _REPEATS
    assert f"/same.txt~{_REPEATS - 1}" in out.nodes
    assert any(m.startswith(f"{_REPEATS - 1} members repeat the name") for m in out.messages("malformed"))


# -- floods, large regions, large tables (builders shared with benchmarks/hostile.py) --------------------

HOSTILE = load("hostile")


def build_uimage_flood(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "flood.bin", HOSTILE.uimage_flood(8 * MiB))


def check_uimage_flood(out: Outcome, _token: str) -> None:
    assert any(m.startswith("carved limit: more than 10000 regions") for m in out.messages("limit"))
    assert len(out.nodes) <= Limits().max_files


def build_gzip_members(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "members.gz", HOSTILE.gzip_members(10_000))


def check_gzip_members(out: Outcome, _token: str) -> None:
    # One stream of 10,000 members: one file, as gunzip gives it, and an issue that says so.
    assert list(out.nodes) == ["/payload"]
    assert out.messages("summarised") == [
        "gzip: a stream of 10,000 members, shown as one file: their concatenation, as gunzip gives it"
    ]


def build_xz_streams(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "streams.xz", HOSTILE.streams("xz", 10_000))


def check_xz_streams(out: Outcome, _token: str) -> None:
    # 10,000 streams one after another: one file, as `xz -d` gives it, and an issue that says so.
    assert list(out.nodes) == ["/payload"]
    assert out.messages("summarised") == [
        "xz: 10,000 xz streams, shown as one file: their concatenation, as xz -d gives it"
    ]


def build_toc1_nested(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "nested.toc1", HOSTILE.toc1_nested(4, 64, 1 << 20))


def check_toc1_nested(out: Outcome, _token: str) -> None:
    # 64 items over the same bytes, 4 deep: each range is opened once (64 nodes a level, 256 in all,
    # where 64 to the fourth would be carved), the others say where.
    assert len(out.nodes) == 4 * 64
    assert len(out.messages("summarised")) == 4 * 63
    assert "the same bytes as /item0; not unpacked again" in out.messages("summarised")


def build_gzip_members_apart(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "apart.gz", HOSTILE.gzip_members_apart(10_000))


def check_gzip_members_apart(out: Outcome, _token: str) -> None:
    assert sum(1 for p in out.nodes if p.endswith(".gzip")) == 10_000  # the report summarises them


def build_elf_symbols(tmp_path: Path, _token: str) -> Path:
    return _write(tmp_path, "symbols.so", HOSTILE.elf_symbols(2_000_000))


def check_elf_symbols(out: Outcome, _token: str) -> None:
    assert out.kinds() <= {"limit", "parser-error"}  # unpacking sees one file; LIEF is the audit's


def build_random_over_analysis_limit(tmp_path: Path, _token: str) -> Path:
    # The shape of a 200 MB encrypted image: incompressible and larger than a file the audit analyses.
    return _write(tmp_path, "encrypted.bin", HOSTILE.random_bytes(64 * MiB + 1))


CASES = [
    Case("zip-slip", build_zip_slip, check_zip_slip, ("zip",), ("unsafe-path",)),
    Case(
        "tar-symlink-then-write",
        build_tar_symlink_then_write,
        check_tar_symlink_then_write,
        ("tar",),
        ("unsafe-path",),
    ),
    Case("squashfs-links", build_squashfs_links, check_squashfs_links, ("squashfs",), ("unsafe-path",)),
    Case("zip-2gib-zeros", build_zip_2gib_zeros, check_zip_2gib_zeros, ("zip",), ("limit",)),
    Case("gzip-4gib", build_gzip_4gib, check_gzip_4gib, (), ("limit",)),
    Case("nested-zip-bomb", build_nested_zip_bomb, check_nested_zip_bomb, ("zip",), ("limit",)),
    Case("gzip-60-deep", build_gzip_60_deep, check_depth_limit, (), ("limit",)),
    Case("zip-60-deep", build_zip_60_deep, check_depth_limit, ("zip",), ("limit",)),
    Case("squashfs-truncated", build_squashfs_truncated, check_squashfs_truncated, ("squashfs",)),
    Case("uimage-4gib-size", build_uimage_4gib, check_uimage_4gib, (), ("truncated",)),
    Case("random-8mib", build_random, check_random),
    Case("random-64mib-and-a-byte", build_random_over_analysis_limit, check_random, (), ("limit",)),
    Case("empty", build_empty, check_empty, (), ("empty",)),
    Case("mtdparts-bad-numbers", build_mtdparts_bad_numbers, check_mtdparts_bad_numbers, (), ("malformed",)),
    Case(
        "jffs2-lzo-dsize-ffffffff",
        build_jffs2_lzo_huge_dsize,
        check_jffs2_lzo_huge_dsize,
        ("jffs2",),
        ("parser-error",),
    ),
    Case(
        "ubi-static-used-ebs-huge",
        build_ubi_static_used_ebs_huge,
        check_ubi_static_used_ebs_huge,
        ("ubi",),
        ("malformed",),
    ),
    Case(
        "ubi-dynamic-lnum-huge",
        build_ubi_dynamic_lnum_huge,
        check_ubi_dynamic_lnum_huge,
        ("ubi",),
        ("malformed",),
    ),
    Case("uimage-flood-8mib", build_uimage_flood, check_uimage_flood, ("uimage",), ("limit",)),
    Case("gzip-10000-members", build_gzip_members, check_gzip_members, (), ("summarised",)),
    Case("gzip-10000-members-apart", build_gzip_members_apart, check_gzip_members_apart, (), ("summarised",)),
    Case("xz-10000-streams", build_xz_streams, check_xz_streams, (), ("summarised",)),
    Case("toc1-64-items-4-deep", build_toc1_nested, check_toc1_nested, ("sunxi-toc1",), ("summarised",)),
    Case("elf-2m-symbols", build_elf_symbols, check_elf_symbols, (), ("limit",)),
    Case(
        "zip-20000-same-name", build_zip_one_name_repeated, check_one_name_repeated, ("zip",), ("malformed",)
    ),
    Case(
        "tar-20000-same-name", build_tar_one_name_repeated, check_one_name_repeated, ("tar",), ("malformed",)
    ),
]


# -- running -------------------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """The places an audit must not write to, and their contents before it ran."""

    cwd: Path
    tmpdir: Path
    token: str
    tmp_before: set[str]

    @classmethod
    def make(cls, tmp_path: Path) -> Sandbox:
        cwd, tmpdir = tmp_path / "cwd", tmp_path / "tmpdir"
        cwd.mkdir()
        tmpdir.mkdir()
        return cls(cwd, tmpdir, f"fa-planted-{uuid.uuid4().hex[:12]}", _tmp_names())

    def env(self) -> dict[str, str]:
        return {**os.environ, "TMPDIR": str(self.tmpdir), "PYTHONDONTWRITEBYTECODE": "1"}

    def assert_untouched(self, tmp_path: Path, image: Path) -> None:
        assert list(self.cwd.iterdir()) == []
        assert list(self.tmpdir.iterdir()) == []
        # Other processes share /tmp, so only names this case planted in its input are checked there.
        new_in_tmp = _tmp_names() - self.tmp_before
        assert [n for n in new_in_tmp if self.token in n] == []
        planted = [p for p in tmp_path.parent.rglob(f"*{self.token}*") if p != image]
        assert planted == []


def _tmp_names() -> set[str]:
    return {p.name for p in Path("/tmp").iterdir()}


def _assert_registered(case: Case) -> None:
    missing = [name for name in case.needs if name not in REGISTERED]
    assert not missing, f"handler not registered: {', '.join(missing)}"


def _cpu_limit() -> None:
    # In the child before it runs (inherited by the processes it starts): SIGXCPU past the limit.
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT + 10))


def _timed(cmd: list[str], sandbox: Sandbox) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            cwd=sandbox.cwd,
            env=sandbox.env(),
            capture_output=True,
            text=True,
            timeout=WALL_LIMIT,
            check=False,
            preexec_fn=_cpu_limit,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: no result after {WALL_LIMIT:g} s of wall clock")
    # Killed by SIGXCPU: the child itself, or the command the RSS wrapper ran (its exit code then).
    if proc.returncode in {-signal.SIGXCPU, 256 - signal.SIGXCPU}:
        pytest.fail(f"hang: no result after {CPU_LIMIT:g} s of CPU time")
    return proc, time.monotonic() - started


def _unpack_in_child(image: Path, sandbox: Sandbox) -> Outcome:
    proc, wall = _timed([sys.executable, "-c", CHILD, str(image)], sandbox)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    raw = json.loads(proc.stdout)
    raw["nodes"] = {n["path"]: n for n in raw["nodes"]}
    return Outcome(**raw, wall=wall)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_unpack_survives(case: Case, tmp_path: Path) -> None:
    _assert_registered(case)
    sandbox = Sandbox.make(tmp_path)
    image = case.build(tmp_path, sandbox.token)
    out = _unpack_in_child(image, sandbox)
    print(  # noqa: T201  (pytest -s shows the measurements the report quotes)
        f"\n{case.name}: unpack {out.seconds:.2f} s, child {out.wall:.2f} s, "
        f"peak RSS {out.maxrss_kib / 1024:.0f} MiB, {len(out.nodes)} entries, issues {sorted(out.kinds())}"
    )
    assert out.writes == []
    sandbox.assert_untouched(tmp_path, image)
    assert out.maxrss_kib < MAX_RSS_KIB
    case.check(out, sandbox.token)


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("firmware-audit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "firmware_audit.cli"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_audit_reports_instead_of_failing(case: Case, tmp_path: Path) -> None:
    _assert_registered(case)
    sandbox = Sandbox.make(tmp_path)
    image = case.build(tmp_path, sandbox.token)
    cmd = [sys.executable, "-c", RSS_WRAPPER, *_cli(), "audit", str(image), "--format", "json"]
    proc, wall = _timed(cmd, sandbox)
    rss_line = proc.stderr.strip().splitlines()[-1]
    assert rss_line.startswith("MAXRSS_KIB=")
    maxrss = int(rss_line.removeprefix("MAXRSS_KIB="))
    print(f"\n{case.name}: cli {wall:.2f} s, peak RSS {maxrss / 1024:.0f} MiB")  # noqa: T201
    assert proc.returncode == ExitCode.AUDITED, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    sandbox.assert_untouched(tmp_path, image)
    assert maxrss < MAX_RSS_KIB
    report = Report.from_json(proc.stdout)
    assert set(case.report_issues) <= {str(i.kind) for i in report.issues}
    assert len(report.coverage.unexplained) + len(report.coverage.runs) <= MAX_LISTED
    if case.name == "empty":
        assert report.verdict.unverifiable


def test_a_zip_listing_more_members_than_the_file_limit_gives_a_report(tmp_path: Path) -> None:
    """The shape of a zip of a million members: its directory lists ten times what the limit lets in."""
    sandbox = Sandbox.make(tmp_path)
    image = _write(tmp_path, "many.zip", HOSTILE.zip_many(50_000))
    limit = ["--max-files", "5000"]
    cmd = [sys.executable, "-c", RSS_WRAPPER, *_cli(), "audit", str(image), "--format", "json", *limit]
    proc, wall = _timed(cmd, sandbox)
    maxrss = int(proc.stderr.strip().splitlines()[-1].removeprefix("MAXRSS_KIB="))
    print(f"\nzip of 50,000 members: cli {wall:.2f} s, peak RSS {maxrss / 1024:.0f} MiB")  # noqa: T201
    assert proc.returncode == ExitCode.AUDITED, proc.stderr[-3000:]
    assert maxrss < MAX_RSS_KIB
    report = Report.from_json(proc.stdout)
    assert [i.message for i in report.issues if i.kind is IssueKind.LIMIT] == [
        "files limit: more than 5000 entries; this branch was not unpacked further"
    ]
    assert report.files == 5000
    sandbox.assert_untouched(tmp_path, image)


HOSTILE_REPRO = Path(__file__).resolve().parents[2] / "shared" / "hostile-repro"
_REPRO_FILES = sorted(p.name for p in HOSTILE_REPRO.glob("*") if p.is_file() and p.suffix != ".md")


@pytest.mark.parametrize("name", _REPRO_FILES or ["(none)"])
def test_shared_reproducers_give_a_report_with_issues(name: str, tmp_path: Path) -> None:
    """The reproducers found by an outside fuzzing campaign, audited in place where they are present."""
    if not _REPRO_FILES:
        pytest.skip(f"no hostile reproducers at {HOSTILE_REPRO} beside this clone")
    sandbox = Sandbox.make(tmp_path)
    cmd = [sys.executable, "-c", RSS_WRAPPER, *_cli(), "audit", str(HOSTILE_REPRO / name), "--format", "json"]
    proc, wall = _timed(cmd, sandbox)
    maxrss = int(proc.stderr.strip().splitlines()[-1].removeprefix("MAXRSS_KIB="))
    print(f"\n{name}: cli {wall:.2f} s, peak RSS {maxrss / 1024:.0f} MiB")  # noqa: T201
    assert proc.returncode == ExitCode.AUDITED, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert maxrss < MAX_RSS_KIB
    report = Report.from_json(proc.stdout)
    # Each says what went wrong or what is unusual (10,000 gzip members: one stream, summarised).
    assert report.issues


def test_the_write_detector_is_not_blind(tmp_path: Path) -> None:
    sandbox = Sandbox.make(tmp_path)
    image = build_empty(tmp_path, sandbox.token)
    call = "tree = unpack(sys.argv[1])"
    assert CHILD.count(call) == 1
    writing = CHILD.replace(call, f"open(os.path.join(os.environ['TMPDIR'], 'x'), 'w').close(); {call}")
    proc, _ = _timed([sys.executable, "-c", writing, str(image)], sandbox)
    writes = json.loads(proc.stdout)["writes"]
    assert len(writes) == 1
    assert writes[0].startswith(f"open '{sandbox.tmpdir / 'x'}' mode=w")
    with pytest.raises(AssertionError):
        sandbox.assert_untouched(tmp_path, image)
