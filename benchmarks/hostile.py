"""Hostile inputs of the classes fuzzing found, built here, and what the audit costs on each.

Each case is written to a temporary folder and audited by the command line in a child process
(`firmware-audit audit IMAGE --format json`); the script prints the wall time, the child's peak RSS,
the exit code and the issue kinds. The same builders make the inputs of tests/test_bad_input.py
(which asserts the outcome and the memory bound, never the time).

    python benchmarks/hostile.py                 # every case
    python benchmarks/hostile.py uimage-flood-64m elf-2m-dynsym
"""

from __future__ import annotations

import argparse
import bz2
import io
import json
import lzma
import os
import random
import resource
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

MiB = 1 << 20


def uimage_flood(size: int) -> bytes:
    """A valid legacy uImage header (data size 0) every 64 bytes."""
    from firmware_audit.writers.uimage import build_uimage  # noqa: PLC0415

    header = build_uimage(b"", name="x", image_type="kernel", compression="none", load=0, entry=0)
    return header * (size // len(header))


def random_bytes(size: int, seed: int = 5) -> bytes:
    """Incompressible bytes: an encrypted or unknown image."""
    return random.Random(seed).randbytes(size)  # noqa: S311  (reproducible test data)


def zip_same_name(count: int) -> bytes:
    """A zip of `count` members that all have one name."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns about each duplicate name
        for i in range(count):
            zf.writestr(zipfile.ZipInfo("same.txt", date_time=(2020, 1, 1, 0, 0, 0)), b"%d\n" % i)
    return buf.getvalue()


def tar_same_name(count: int) -> bytes:
    """A tar of `count` members that all have one name."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for i in range(count):
            data = b"%d\n" % i
            info = tarfile.TarInfo("same.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_many(count: int) -> bytes:
    """A zip of `count` small members with distinct names, written without zipfile's per-member cost."""
    local, central = bytearray(), bytearray()
    for i in range(count):
        name = b"f%07d" % i
        data = b"x"
        crc = zlib.crc32(data)
        offset = len(local)
        local += (
            struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, 1, 1, len(name), 0) + name + data
        )
        fields = (20, 20, 0, 0, 0, 0, crc, 1, 1, len(name), 0, 0, 0, 0, 0, offset)
        central += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", *fields) + name
    entries = min(count, 0xFFFF)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, entries, entries, len(central), len(local), 0)
    return bytes(local + central + end)


def gzip_members(count: int) -> bytes:
    """`count` concatenated gzip members of a few bytes of text each."""
    return b"".join(zlib.compress(b"member %d\n" % i, wbits=31) for i in range(count))


def streams(codec: str, count: int) -> bytes:
    """`count` concatenated xz or bzip2 streams of a few bytes of text each (decoded as one file)."""
    compress = {"xz": lzma.compress, "bzip2": bz2.compress}[codec]
    return b"".join(compress(b"stream %d\n" % i) for i in range(count))


def gzip_members_apart(count: int) -> bytes:
    """`count` gzip members of a few bytes of text, a byte of other data after each: carved one by one."""
    return b"".join(zlib.compress(b"member %d\n" % i, wbits=31) + b"A" for i in range(count))


def elf_symbols(count: int, *, dynamic: bool = False) -> bytes:
    """A 32-bit little-endian ARM shared object whose symbol table holds `count` symbols.

    The table is `.symtab` (SHT_SYMTAB), or with `dynamic` `.dynsym` (SHT_DYNSYM), the one a
    stripped binary keeps.
    """
    strtab = b"\0sym\0"
    sym = struct.pack("<IIIBBH", 1, 0x1000, 4, 0x12, 0, 4)  # name "sym", global function, in .text
    symtab = bytes(16) + sym * (count - 1)
    shstrtab = (
        b"\0.strtab\0.dynsym\0.shstrtab\0.text\0" if dynamic else b"\0.strtab\0.symtab\0.shstrtab\0.text\0"
    )
    text = b"\x1e\xff\x2f\xe1" * 4  # bx lr
    offsets = [52]
    for part in (strtab, symtab, shstrtab, text):
        offsets.append(offsets[-1] + len(part))
    header = b"\x7fELF\x01\x01\x01" + bytes(9)
    header += struct.pack("<HHIIIIIHHHHHH", 3, 40, 1, 0x1000, 0, offsets[4], 0x5000000, 52, 32, 0, 40, 5, 3)
    # (name, type, offset, size, link, info, entsize) of each section after the null one
    rows = (
        (1, 3, offsets[0], len(strtab), 0, 0, 0),
        (9, 11 if dynamic else 2, offsets[1], len(symtab), 1, 1, 16),
        (17, 3, offsets[2], len(shstrtab), 0, 0, 0),
        (27, 1, offsets[3], len(text), 0, 0, 0),
    )
    table = bytes(40) + b"".join(
        struct.pack("<10I", name, kind, 2, off, off, size, link, info, 4, ent)
        for name, kind, off, size, link, info, ent in rows
    )
    return header + strtab + symtab + shstrtab + text + table


def toc1_nested(levels: int, items: int, size: int) -> bytes:
    """Allwinner TOC1 packages nested `levels` deep, each of `items` items over the same bytes (the next).

    Opened naively that is `items` to the power `levels` payloads, each carved again.
    """
    inner = bytes(range(256)) * (size // 256)
    for _ in range(levels):
        table_end = 64 + 368 * items
        length = table_end + len(inner) + (-(table_end + len(inner)) % 4)
        table = b"".join(
            struct.pack("<64sIIIIII276sI", b"item%d" % i, table_end, len(inner), 0, 3, 0, 0, b"", 0x3B454949)
            for i in range(items)
        )
        head = struct.pack(
            "<16sIIIIII20sI", b"sunxi-package", 0x89119800, 0x5F0A6C39, 0, 0, items, length, b"", 0x3B45494D
        )
        package = bytearray((head + table + inner).ljust(length, b"\0"))
        struct.pack_into("<I", package, 20, sum(struct.unpack_from(f"<{length // 4}I", package)) & 0xFFFFFFFF)
        inner = bytes(package)
    return inner


def zip_escape_name() -> bytes:
    """A zip whose member name clears the screen and prints a fake all-clear line."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("/\x1b[2J\x1b[H\x1b[32mAll clear: 0 issues\x1b[0m\n", b"data")
    return buf.getvalue()


CASES: dict[str, Callable[[], bytes]] = {
    "uimage-flood-64m": lambda: uimage_flood(64 * MiB),
    "uimage-flood-200m": lambda: uimage_flood(200 * MiB),
    "random-200m": lambda: random_bytes(200 * MiB),
    "zip-20000-same-name": lambda: zip_same_name(20_000),
    "tar-40000-same-name": lambda: tar_same_name(40_000),
    "gzip-10000-members": lambda: gzip_members(10_000),
    "gzip-10000-members-apart": lambda: gzip_members_apart(10_000),
    "xz-10000-streams": lambda: streams("xz", 10_000),
    "bzip2-10000-streams": lambda: streams("bzip2", 10_000),
    "elf-2m-symbols": lambda: elf_symbols(2_000_000),
    "elf-2m-dynsym": lambda: elf_symbols(2_000_000, dynamic=True),
    "zip-1m-entries": lambda: zip_many(1_000_000),
    "zip-escape-name": zip_escape_name,
    "toc1-64-items-4-deep": lambda: toc1_nested(4, 64, MiB),
}


def measure(image: Path, baseline: str | None = None) -> dict[str, object]:
    """Audit `image` with the command line in a child; its wall time, peak RSS, exit code and issues.

    With `baseline` (a checkout of the project), that checkout's code is audited instead of this one's.
    """
    env = {**os.environ, "PYTHONPATH": baseline} if baseline else None
    started = time.monotonic()
    # Run from the image's folder, so the checkout this script sits in is not on the path by accident.
    proc = subprocess.run(
        [sys.executable, "-m", "firmware_audit.cli", "audit", str(image), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=image.parent,
        env=env,
    )
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    kinds: dict[str, int] = {}
    if proc.returncode == 0:
        for issue in json.loads(proc.stdout)["issues"]:
            kinds[issue["kind"]] = kinds.get(issue["kind"], 0) + 1
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": peak // 1024,
        "exit": proc.returncode,
        "issues": kinds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", choices=[*CASES, []], help="default: every case")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of the project (e.g. a git worktree of main) audited right before this one, "
        "on the same input: both results and the ratio of their times are printed",
    )
    args = parser.parse_args(argv)
    for name in args.cases or list(CASES):
        with tempfile.TemporaryDirectory() as tmp:
            image = Path(tmp) / f"{name}.bin"
            image.write_bytes(CASES[name]())
            size = image.stat().st_size
            row: dict[str, object] = {"case": name, "bytes": size}
            if args.baseline:
                row["baseline"] = _one(image, str(args.baseline.resolve()))
            row["this"] = _one(image, None)
            if args.baseline:
                before, after = row["baseline"], row["this"]
                if isinstance(before, dict) and isinstance(after, dict) and after.get("seconds"):
                    row["speedup"] = round(before["seconds"] / after["seconds"], 2)
        print(json.dumps(row), flush=True)
    return 0


def _one(image: Path, baseline: str | None) -> dict[str, object]:
    # A fresh interpreter per run, so RUSAGE_CHILDREN is that run's peak alone.
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(image), *([baseline] if baseline else [])],
        capture_output=True,
        text=True,
        check=False,
    )
    result: dict[str, object] = (
        json.loads(out.stdout) if out.returncode == 0 else {"error": out.stderr[-500:]}
    )
    return result


if __name__ == "__main__":
    if len(sys.argv) in {3, 4} and sys.argv[1] == "--one":
        print(json.dumps(measure(Path(sys.argv[2]), sys.argv[3] if len(sys.argv) == 4 else None)))
        sys.exit(0)
    sys.exit(main())
