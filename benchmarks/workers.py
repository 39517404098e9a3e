"""Time one process against two worker processes, paired, on each image given; where does it pay?

For each image, each round runs `firmware-audit audit IMAGE --format json --jobs 1` and `--jobs 2`
(fresh processes, alternating which goes first), checks that the two reports are byte-identical, and
prints the bytes of files the audit analyses (what `workers.processes` decides by), the medians, the
median of the per-round ratios (two processes over one: below 1 pays), the CPU seconds each used (the
cost of the second process), and the load average before and after (other work on the machine slows
both sides; the ratio is paired per round).

    python benchmarks/workers.py [--rounds 3] [--real] [--corpus] [IMAGE ...]

`--real` adds every piece of `../shared/real-firmware` (each file of its folders), `--corpus` the
corpus images; with no image and neither flag, the audit benchmark's squashfs (`benchmarks/.work/`,
built by `audit_vs_unsquashfs.py`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
IMAGE = WORK / "camera-rootfs.xz.squashfs"
REAL = HERE.parents[1] / "shared" / "real-firmware"
CORPUS = HERE.parent / "corpus" / "images"


def run(image: Path, jobs: int) -> tuple[float, float, bytes]:
    """Audit in a fresh process: wall seconds, CPU seconds of it and its workers, the report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "firmware_audit.cli",
            "audit",
            str(image),
            "--format",
            "json",
            "--jobs",
            str(jobs),
        ],
        capture_output=True,
        check=False,
        cwd=WORK if WORK.is_dir() else HERE,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in {0, 10, 11}:
        sys.exit(f"audit of {image} --jobs {jobs} failed ({done.returncode}): {done.stderr[-500:]!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def analysed_bytes(image: Path) -> int:
    """Bytes of the files an audit of the image analyses (as `analyze_tree` sums them)."""
    from firmware_audit.analyze.run import MAX_ANALYZED_FILE  # noqa: PLC0415  (after argument parsing)
    from firmware_audit.extract import unpack  # noqa: PLC0415

    tree = unpack(image)
    nodes = [n for n in tree.files() if n.withheld is None] or [tree.root]
    return sum(n.size for n in nodes if n.size <= MAX_ANALYZED_FILE)


def measure(image: Path, rounds: int) -> None:
    """Paired rounds of one against two processes on one image; print one line."""
    one: list[float] = []
    two: list[float] = []
    cpu1: list[float] = []
    cpu2: list[float] = []
    load = os.getloadavg()[0]
    for round_ in range(rounds):
        order = (1, 2) if round_ % 2 == 0 else (2, 1)
        reports = {}
        for jobs in order:
            wall, cpu, reports[jobs] = run(image, jobs)
            (one if jobs == 1 else two).append(wall)
            (cpu1 if jobs == 1 else cpu2).append(cpu)
        if reports[1] != reports[2]:
            sys.exit(f"{image}: the reports of one and two processes differ")
    ratios = [b / a for a, b in zip(one, two, strict=True)]
    print(
        f"{image.name}: {analysed_bytes(image) / 2**20:.1f} MiB of files; "
        f"jobs=1 {statistics.median(one):.2f} s (CPU {statistics.median(cpu1):.1f} s), "
        f"jobs=2 {statistics.median(two):.2f} s (CPU {statistics.median(cpu2):.1f} s); "
        f"ratio 2/1 median {statistics.median(ratios):.2f} ({', '.join(f'{r:.2f}' for r in ratios)}); "
        f"load {load:.1f} -> {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    """Measure every image asked for."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("images", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="every piece of ../shared/real-firmware")
    parser.add_argument("--corpus", action="store_true", help="every corpus image")
    args = parser.parse_args()
    images = [p.resolve() for p in args.images]
    if args.real:
        images += sorted(p.resolve() for p in REAL.rglob("*") if p.is_file() and p.parent != REAL)
    if args.corpus:
        images += sorted(p for p in CORPUS.iterdir() if not p.name.endswith(".toml"))
    for image in images or [IMAGE]:
        measure(image, args.rounds)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
