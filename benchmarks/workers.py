"""Time one process against two worker processes, paired, on each image given; where does it pay?

For each image, each round runs `firmware-audit audit IMAGE --format json --jobs 1` and `--jobs 2`
(fresh processes, alternating which goes first), checks that the two reports are byte-identical, and
prints the bytes of files the audit analyses (what `workers.processes` decides by), the medians, the
median of the per-round ratios (two processes over one: below 1 pays), the CPU seconds each used (the
cost of the second process), the peak memory of the audit and its workers together (Linux), and the
load average before and after (other work on the machine slows both sides; the ratio is paired per
round).

    python benchmarks/workers.py [--rounds 3] [--real] [--corpus] [IMAGE ...]

`--real` adds every piece of `../shared/real-firmware` (each file of its folders), `--corpus` the
corpus images; with no image and neither flag, the audit benchmark's squashfs (`benchmarks/.work/`,
built by `audit_vs_unsquashfs.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
IMAGE = WORK / "camera-rootfs.xz.squashfs"
REAL = HERE.parents[1] / "shared" / "real-firmware"
CORPUS = HERE.parent / "corpus" / "images"


def run(image: Path, jobs: int) -> tuple[float, float, int, bytes]:
    """Audit in a fresh process: wall seconds, CPU seconds of it and its workers, peak memory, the report.

    The memory is the largest sum, over the audit and its workers, of their proportional set size
    (`Pss` of `/proc/PID/smaps_rollup`: pages the forked workers share with the audit count once),
    sampled every 0.1 s; 0 where `/proc` does not say.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-m", "firmware_audit.cli", "audit", str(image), "--format", "json"]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--jobs", str(jobs)],
            stdout=out,
            stderr=subprocess.DEVNULL,
            cwd=WORK if WORK.is_dir() else HERE,
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _pss(proc.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        out.seek(0)
        report = out.read()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in {0, 10, 11}:
        sys.exit(f"audit of {image} --jobs {jobs} failed with exit code {proc.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak, report


def _pss(pid: int) -> int:
    """Bytes of proportional set size of a process and its descendants (0 when unknown)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            for child in (task / "children").read_text().split():
                total += _pss(int(child))
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
    return total


def analysed_bytes(image: Path) -> int:
    """Bytes of the files an audit of the image analyses (as `analyze_tree` sums them)."""
    from firmware_audit.analyze.run import MAX_ANALYZED_FILE  # noqa: PLC0415  (after argument parsing)
    from firmware_audit.extract import unpack  # noqa: PLC0415

    tree = unpack(image)
    nodes = [n for n in tree.files() if n.withheld is None] or [tree.root]
    return sum(n.size for n in nodes if n.size <= MAX_ANALYZED_FILE)


def measure(image: Path, rounds: int) -> None:
    """Paired rounds of one against two processes on one image; print one line."""
    wall: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    peak = {1: 0, 2: 0}
    load = os.getloadavg()[0]
    for round_ in range(rounds):
        reports = {}
        for jobs in (1, 2) if round_ % 2 == 0 else (2, 1):
            seconds, used, memory, reports[jobs] = run(image, jobs)
            wall[jobs].append(seconds)
            cpu[jobs].append(used)
            peak[jobs] = max(peak[jobs], memory)
        if reports[1] != reports[2]:
            sys.exit(f"{image}: the reports of one and two processes differ")
    ratios = [b / a for a, b in zip(wall[1], wall[2], strict=True)]
    sides = "; ".join(
        f"jobs={j} {statistics.median(wall[j]):.2f} s (CPU {statistics.median(cpu[j]):.1f} s, "
        f"peak PSS {peak[j] / 2**20:.0f} MiB)"
        for j in (1, 2)
    )
    print(
        f"{image.name}: {analysed_bytes(image) / 2**20:.1f} MiB of files; {sides}; "
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
