"""Time `unpack()` plus reading every file against `unsquashfs` plus reading every file, paired.

The input is a ~40 MB xz squashfs root filesystem built from the host's shared libraries and Python
standard library (real ELF files and scripts, like a camera rootfs but bigger). Both sides run in the
same process tree on the same machine, alternating, and the script prints the median of each and their
ratio (ours / unsquashfs). Needs `mksquashfs` and `unsquashfs` (Debian's squashfs-tools) — for the
benchmark only; firmware_audit itself never runs them.

    python benchmarks/unpack_vs_unsquashfs.py [--rounds 5] [--target-mb 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from firmware_audit.extract import ContentUnavailableError, unpack

WORK = Path(__file__).parent / ".work"
MAX_FILE = 2 * 1024 * 1024
SOURCES = (Path("/usr/lib/x86_64-linux-gnu"), Path(sys.base_prefix) / "lib", Path("/usr/lib/python3.11"))


def build_image(target_mb: int) -> Path:
    """Build (once) an xz squashfs of about `target_mb` MB from host files, reproducibly ordered."""
    image = WORK / f"rootfs-{target_mb}mb.xz.squashfs"
    if image.exists():
        return image
    WORK.mkdir(exist_ok=True)
    tree = WORK / "rootfs"
    shutil.rmtree(tree, ignore_errors=True)
    budget = target_mb * 3 * 1024 * 1024  # xz shrinks libraries and scripts about threefold
    used = 0
    for source in SOURCES:
        for path in sorted(source.rglob("*")):
            if used >= budget:
                break
            if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.stat().st_size > MAX_FILE:  # a camera rootfs is many small files, not a few drivers
                continue
            dest = tree / source.name / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            used += dest.stat().st_size
    subprocess.run(
        [
            "mksquashfs",
            str(tree),
            str(image),
            "-comp",
            "xz",
            "-noappend",
            "-all-root",
            "-all-time",
            "0",
            "-mkfs-time",
            "0",
            "-quiet",
            "-no-progress",
        ],
        check=True,
    )
    shutil.rmtree(tree)
    return image


def ours(image: Path) -> tuple[float, int, int]:
    """unpack() and read every regular file; return seconds, files read and bytes read."""
    start = time.perf_counter()
    tree = unpack(image)
    files = total = 0
    for node in tree.files():
        try:
            total += len(tree.view(node))
        except ContentUnavailableError:
            continue
        files += 1
    return time.perf_counter() - start, files, total


def theirs(image: Path) -> tuple[float, int, int]:
    """unsquashfs to a temporary directory and read every file once; return seconds, files, bytes."""
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        start = time.perf_counter()
        subprocess.run(
            ["unsquashfs", "-q", "-n", "-d", f"{tmp}/out", str(image)], check=True, stdout=subprocess.DEVNULL
        )
        files = total = 0
        for path in Path(f"{tmp}/out").rglob("*"):
            if path.is_symlink() or not path.is_file():
                continue
            total += len(path.read_bytes())
            files += 1
        return time.perf_counter() - start, files, total


def main() -> None:
    """Build the image, run both sides alternately, print the medians and the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--target-mb", type=int, default=40)
    args = parser.parse_args()
    image = build_image(args.target_mb)
    ours_t, theirs_t = [], []
    for _ in range(args.rounds):
        t, files, total = ours(image)
        ours_t.append(t)
        u, ufiles, utotal = theirs(image)
        theirs_t.append(u)
        if (files, total) != (ufiles, utotal):
            sys.exit(f"mismatch: unpack read {files} files / {total} bytes, unsquashfs {ufiles} / {utotal}")
    a, b = statistics.median(ours_t), statistics.median(theirs_t)
    size_mb = image.stat().st_size / 1e6
    print(f"image: {image.name}, {size_mb:.1f} MB, {files} files, {total / 1e6:.1f} MB inside")
    print(f"unpack() + read all:    median {a:.2f} s over {args.rounds} rounds")
    print(f"unsquashfs + read all:  median {b:.2f} s over {args.rounds} rounds")
    print(f"ratio (ours / unsquashfs): {a / b:.2f}")


if __name__ == "__main__":
    main()
