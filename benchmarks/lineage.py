"""Lineage: the time the comparison with a reference index of at least 5,000 binaries adds per image.

The shipped index holds a few dozen maker binaries; to time the comparison against an index of the
size the issue asks for, this script **synthesises** extra rows until the index holds `--binaries`
(default 5,000): each copies the function count and TLSH length byte of a real reference binary,
with random function digests and a random TLSH body (so they share the real rows' bucket sizes, not
their content). It says so in its output. For one image (default: the Wyze Cam v3 app partition of
`../shared/real-firmware`, 66 ELF files; else the corpus image 01), it prints:

* per image: ELF files, the time to digest them (independent of the index), and the comparison
  time against the shipped index and against the synthetic large index, paired file by file;
* the index sizes (binaries, function digests, common digests, bytes on disk of the shipped index);
* the whole audit (in one process) with and without the lineage analyzer (the added time, as a ratio).

Times are CPU seconds of this process (`time.process_time`), which other work on a busy machine
changes far less than wall time.

    python benchmarks/lineage.py [IMAGE] [--binaries 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import numpy as np

from firmware_audit import unpack
from firmware_audit.analyze import ANALYZERS, FileContext
from firmware_audit.analyze.lineage import digest as digest_module
from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage import tokens as tokens_module
from firmware_audit.analyze.lineage.digest import digest
from firmware_audit.analyze.lineage.match import best_match, common_functions
from firmware_audit.audit import audit

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-firmware" / "camera" / "wyze_cam_v3_4.36.8.32" / "filesys2"
CORPUS = ROOT / "corpus" / "images" / "01-xm-hi3516ev300-general.bin"


def synthetic(shipped: lineage_index.Index, total: int, seed: int = 5000) -> lineage_index.Index:
    """The shipped index plus synthetic rows shaped like its binaries, `total` binaries in all."""
    rng = random.Random(seed)  # noqa: S311  (synthetic rows, not secrets)
    source = lineage_index.Source("synthetic/rows", "0" * 40, "-", "0" * 64)
    rows = list(shipped.binaries)
    models = [b for b in shipped.binaries if len(b.functions)]
    for number in range(max(0, total - len(rows))):
        model = rng.choice(models)
        reference = lineage_index.Reference(
            f"synthetic-{number // 20}", f"Maker {number % 97}", "", "", "", source
        )
        functions = np.array([rng.getrandbits(64) for _ in range(len(model.functions))], dtype=np.uint64)
        tlsh = None
        if model.tlsh is not None:
            tlsh = model.tlsh[:6] + "".join(
                rng.choice("0123456789ABCDEF") for _ in range(len(model.tlsh) - 6)
            )
        rows.append(
            lineage_index.RefBinary(
                reference, f"/synthetic/{number}", "0" * 64, 1, model.arch, tlsh, np.unique(functions)
            )
        )
    return lineage_index.Index(name="synthetic", binaries=rows, common=shipped.common)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", type=Path, default=REAL if REAL.is_file() else CORPUS)
    parser.add_argument("--binaries", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    shipped = lineage_index.load(lineage_index.SHIPPED, "shipped")
    large = synthetic(shipped, args.binaries)
    on_disk = sum(p.stat().st_size for p in lineage_index.SHIPPED.rglob("*.json"))
    print(
        f"shipped index: {len(shipped)} binaries, {shipped.functions:,} function digests, "
        f"{len(shipped.common):,} common digests, {on_disk / 1024:.0f} KiB of JSON"
    )
    print(
        f"timing index: {len(large):,} binaries ({len(large) - len(shipped):,} SYNTHESISED rows), "
        f"{large.functions:,} function digests"
    )

    tree = unpack(args.image)
    digest_module._CACHE.clear()  # noqa: SLF001  (time a cold start: no word decoded before)
    tokens_module._MASKED.clear()  # noqa: SLF001
    files = []
    digest_time = 0.0
    for node in tree.files():
        ctx = FileContext(tree, node)
        if node.withheld is not None or not ctx.is_elf or ctx.elf() is None:
            continue
        start = time.process_time()
        found = digest(ctx.data(), ctx.elf())
        digest_time += time.process_time() - start
        if found is not None:
            files.append(found)
    print(f"image: {args.image.name}, {len(files)} ELF files digested in {digest_time:.2f} s CPU")

    small_common, large_common = common_functions([shipped]), common_functions([large])
    timings: dict[str, list[float]] = {"shipped": [], "large": []}
    for _ in range(args.repeat):
        for name, index, common in (("shipped", shipped, small_common), ("large", large, large_common)):
            start = time.process_time()
            for found in files:
                best_match(found, [index], common)
            timings[name].append(time.process_time() - start)
    small, big = statistics.median(timings["shipped"]), statistics.median(timings["large"])
    print(
        f"comparison per image: {small * 1000:.0f} ms CPU against the shipped index, "
        f"{big * 1000:.0f} ms against {len(large):,} binaries (median of {args.repeat})"
    )

    without = [a for a in ANALYZERS if a.name != "lineage"]
    cpu: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(args.repeat):
        for name, analyzers in (("without", without), ("with", list(ANALYZERS))):
            digest_module._CACHE.clear()  # noqa: SLF001  (each audit starts cold, as a new process does)
            tokens_module._MASKED.clear()  # noqa: SLF001
            start = time.process_time()
            audit(args.image, analyzers=analyzers, jobs=1)
            cpu[name].append(time.process_time() - start)
    before, after = statistics.median(cpu["without"]), statistics.median(cpu["with"])
    print(
        f"audit CPU time: {before:.2f} s without lineage, {after:.2f} s with it "
        f"(+{after - before:.2f} s, ratio {after / before:.2f}; median of {args.repeat})"
    )


if __name__ == "__main__":
    main()
