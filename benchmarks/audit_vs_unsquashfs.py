"""Time a full audit against `unsquashfs` plus reading every file, paired; and the other speed figures.

The input is a 35-45 MB xz squashfs root filesystem of a camera's shape: ARM and MIPS ELF binaries and
libraries, shell scripts, configuration files and web assets from Debian's armhf and mipsel packages
(`apt-get download` and `dpkg-deb -x` into a temporary folder, then `mksquashfs -comp xz`), built once
into `benchmarks/.work/` (never committed). `--image` takes another image instead.

The firmware_audit the measured processes import has its bytecode compiled first, as an install or a
first run leaves it (`PYTHONDONTWRITEBYTECODE`, set on the project's machines, would otherwise make each
fresh process compile the package's source again), and its matching engine compiled once into the user's
cache folder, where a first run leaves it (`FIRMWARE_AUDIT_CACHE_DIR` chooses another or turns it off).

Printed, each with how it was measured:
- the audit (`firmware-audit audit IMAGE --format json`, a fresh process) against `unsquashfs` to a
  temporary folder (in `benchmarks/.work/`, or `--unsquashfs-dir`: a tmpfs takes the disk out of that
  side) plus reading every file once, alternating in each round; the medians, the median
  of the per-round ratios, the CPU time each side spent (user and system apart, with its children:
  the `unsquashfs` side's system time is the kernel writing its files, which moves from machine to
  machine and minute to minute), and the audit's peak RSS;
- the whole real-firmware development set (`../shared/real-firmware`, every file of its folders,
  through the CLI, audited as its README scores them: `--home-country KR`);
- the nested zip bomb of `tests/test_bad_input.py` through the CLI;
- `import firmware_audit` in a fresh interpreter, median of several.
- `firmware-audit --help` the same way (the command line's start-up).

Needs squashfs-tools, and for building the image `dpkg --add-architecture armhf mipsel` and
`apt-get update` (for the benchmark only; firmware_audit itself never runs them).

    python benchmarks/audit_vs_unsquashfs.py [--rounds 5] [--image IMAGE] [--skip-real] [--skip-bomb]
        [--unsquashfs-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

WORK = Path(__file__).parent / ".work"
IMAGE = WORK / "camera-rootfs.xz.squashfs"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real-firmware"
# Packages a camera or NVR root filesystem is made of: a libc, busybox, a web server, TLS, media and
# network tools, Lua and JavaScript assets; taken for two instruction sets, as a vendor SDK ships them.
PACKAGES = {
    "armhf": (
        "libc6",
        "busybox",
        "libssl3",
        "openssl",
        "libcurl4",
        "curl",
        "lighttpd",
        "dnsmasq-base",
        "wpasupplicant",
        "hostapd",
        "iptables",
        "libavcodec59",
        "libavformat59",
        "libavutil57",
        "libx264-164",
        "libjson-c5",
        "libsqlite3-0",
        "liblua5.3-0",
        "lua5.3",
        "libmbedcrypto7",
        "libmbedtls14",
        "dropbear-bin",
        "libstdc++6",
        "libgcc-s1",
        "zlib1g",
        "libpcre2-8-0",
        "libxml2",
        "libglib2.0-0",
    ),
    "mipsel": (
        "libc6",
        "busybox",
        "libssl3",
        "curl",
        "libcurl4",
        "dnsmasq-base",
        "iptables",
        "libstdc++6",
        "libgcc-s1",
        "zlib1g",
        "libjson-c5",
        "libsqlite3-0",
        "mosquitto",
        "libmosquitto1",
        "libwebsockets17",
        "libuv1",
        "libcjson1",
        "libavutil57",
        "libavcodec59",
        "libopus0",
        "libwebp7",
        "libavformat59",
        "libx264-164",
    ),
    "all": (
        "libjs-jquery",
        "libjs-jquery-ui",
        "libjs-bootstrap4",
        "ca-certificates",
        "tzdata",
        "ifupdown",
        "lua-json",
    ),
}
MKSQUASHFS = (
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
)
MiB = 1024 * 1024
HELP = (
    "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
)
"""`firmware-audit --help`, in the interpreter that times it."""
AUDITED = {0, 10, 11}
"""Exit codes of a finished audit (audited, needs review, rejected)."""


def build_image() -> Path:
    """Build (once) the camera-shaped xz squashfs from Debian packages, reproducibly ordered."""
    if IMAGE.exists():
        return IMAGE
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        debs, root = Path(tmp) / "debs", Path(tmp) / "root"
        debs.mkdir()
        names = [f"{p}:{a}" if a != "all" else p for a, pkgs in PACKAGES.items() for p in pkgs]
        # As root, apt's download sandbox user cannot write to a private temporary folder.
        download = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", *names]
        subprocess.run(download, cwd=debs, check=True, stdout=subprocess.DEVNULL)
        for deb in sorted(debs.glob("*.deb")):
            # Each instruction set in a folder of its own, as a multi-board SDK tree would hold them.
            target = root / deb.stem.rsplit("_", 1)[-1]
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(target)], check=True)
        for doc in sorted(root.glob("*/usr/share/doc")) + sorted(root.glob("*/usr/share/man")):
            shutil.rmtree(doc)  # a camera ships no manuals
        subprocess.run(["mksquashfs", str(root), str(IMAGE), *MKSQUASHFS], check=True)
    return IMAGE


def cli(*args: str) -> tuple[float, int]:
    """Run `firmware-audit ARGS` in a fresh process; return seconds and its peak RSS in bytes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    # Run from the work folder, so that PYTHONPATH (e.g. an older checkout to compare) decides which
    # firmware_audit is imported, not the current directory.
    done = subprocess.run(
        [sys.executable, "-m", "firmware_audit.cli", *args], stdout=subprocess.DEVNULL, check=False, cwd=WORK
    )
    seconds = time.perf_counter() - start
    if done.returncode not in AUDITED:
        sys.exit(f"firmware-audit {' '.join(args)} failed with exit code {done.returncode}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: report it only when it grew.
    return seconds, max(peak, before) * 1024


def cpu_seconds() -> tuple[float, float]:
    """(user, system) CPU seconds of this process and of its children waited for, so far."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + children.ru_utime, mine.ru_stime + children.ru_stime


def _spent(before: tuple[float, float]) -> tuple[float, float]:
    user, system = cpu_seconds()
    return user - before[0], system - before[1]


def theirs(image: Path, where: Path = WORK) -> tuple[float, tuple[float, float]]:
    """unsquashfs to a temporary folder in `where` and read every file once; seconds and (user, system) CPU.

    Removing the folder afterwards is not counted.
    """
    with tempfile.TemporaryDirectory(dir=where) as tmp:
        start, cpu = time.perf_counter(), cpu_seconds()
        subprocess.run(
            ["unsquashfs", "-q", "-n", "-d", f"{tmp}/out", str(image)], check=True, stdout=subprocess.DEVNULL
        )
        for path in Path(f"{tmp}/out").rglob("*"):
            if path.is_file() and not path.is_symlink():
                path.read_bytes()
        return time.perf_counter() - start, _spent(cpu)


def describe(image: Path) -> str:
    """Size, file count and bytes inside, from unsquashfs's listing."""
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        subprocess.run(
            ["unsquashfs", "-q", "-n", "-d", f"{tmp}/out", str(image)], check=True, stdout=subprocess.DEVNULL
        )
        files = [p for p in Path(f"{tmp}/out").rglob("*") if p.is_file() and not p.is_symlink()]
        inside = sum(p.stat().st_size for p in files)
        elf = sum(1 for p in files if p.open("rb").read(4) == b"\x7fELF")
    size = image.stat().st_size / 1e6
    return f"{size:.1f} MB, {len(files):,} files ({elf:,} ELF), {inside / 1e6:.0f} MB inside"


def real_pieces() -> list[Path]:
    """Every piece of the real-firmware set: each file in its folders (its own files lie at the top)."""
    return sorted(p.resolve() for p in REAL.rglob("*") if p.is_file() and p.parent != REAL)


def nested_zip_bomb() -> Path:
    """The nested zip bomb of tests/test_bad_input.py: 10^5 leaves of 1 MiB of zeros."""
    path = WORK / "bomb.zip"
    if not path.exists():
        level = _zip([(f"leaf{i}.bin", bytes(MiB)) for i in range(10)])
        for depth in range(4):
            level = _zip([(f"level{depth}-{i}.zip", level) for i in range(10)])
        path.write_bytes(level)
    return path


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def bytecode() -> str:
    """Compile the bytecode of the firmware_audit that the measured processes import; say where.

    An install compiles it, and a first run writes it; where `PYTHONDONTWRITEBYTECODE` is set (as on
    the project's CI machines) an editable checkout would otherwise compile every module from source
    at each start (about 0.5 s a process), which no user's installed copy does.
    """
    code = (
        "import compileall, os, firmware_audit; "
        "folder = os.path.dirname(firmware_audit.__file__); "
        "compileall.compile_dir(folder, quiet=1); print(folder)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, cwd=WORK, capture_output=True, text=True)
    return done.stdout.strip()


def engine_cache() -> str:
    """Compile the matching engine once, as a first run leaves it in the cache; say where it is kept."""
    code = "from firmware_audit.analyze.matching import engine, stored; engine(); print(stored.folder())"
    done = subprocess.run([sys.executable, "-c", code], check=True, cwd=WORK, capture_output=True, text=True)
    return done.stdout.strip()


def import_time(code: str = "import firmware_audit", runs: int = 7) -> float:
    """Median wall time of `code` (an import) in a fresh interpreter, less a bare interpreter's."""

    def once(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=WORK)
        return time.perf_counter() - start

    bare = statistics.median(once("pass") for _ in range(runs))
    return statistics.median(once(code) for _ in range(runs)) - bare


def main() -> None:
    """Run every measurement and print it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--image", type=Path, help="a squashfs image to use instead of the built one")
    parser.add_argument("--skip-real", action="store_true", help="leave out the real-firmware set")
    parser.add_argument("--skip-bomb", action="store_true", help="leave out the nested zip bomb")
    parser.add_argument(
        "--unsquashfs-dir",
        type=Path,
        default=WORK,
        help="the folder unsquashfs writes into (default benchmarks/.work; a tmpfs such as /dev/shm "
        "takes the disk out of its side)",
    )
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    image = (args.image or build_image()).resolve()
    print(f"image: {image.name}: {describe(image)}")
    print(f"unsquashfs writes into {args.unsquashfs_dir}")
    print(f"bytecode compiled for {bytecode()} (as an install or a first run leaves it)")
    kept = engine_cache()
    print("matching engine: the cache is off" if kept == "None" else f"matching engine kept in {kept}")
    ours_t, theirs_t, ratios, peak = [], [], [], 0
    ours_cpu, theirs_cpu = [], []
    for _ in range(args.rounds):
        before = cpu_seconds()
        t, rss = cli("audit", str(image), "--format", "json")
        ours_cpu.append(_spent(before))
        u, spent = theirs(image, args.unsquashfs_dir)
        theirs_cpu.append(spent)
        ours_t.append(t)
        theirs_t.append(u)
        ratios.append(t / u)
        peak = max(peak, rss)
    print(f"audit --format json:    median {statistics.median(ours_t):.2f} s over {args.rounds} rounds")
    print(f"unsquashfs + read all:  median {statistics.median(theirs_t):.2f} s")
    print(
        f"ratio (audit / unsquashfs): median {statistics.median(ratios):.2f} (rounds: "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + ")"
    )
    # The unsquashfs side's wall time moves with what the kernel spends writing 115 MB of new files
    # (0.3 s to 4.7 s of system time on one machine within an hour): its user time is the decoding.
    ours_user, ours_system = (statistics.median(c[i] for c in ours_cpu) for i in (0, 1))
    theirs_user, theirs_system = (statistics.median(c[i] for c in theirs_cpu) for i in (0, 1))
    print(
        f"CPU, medians (with children): audit user {ours_user:.2f} s, system {ours_system:.2f} s; "
        f"unsquashfs + read all user {theirs_user:.2f} s, system {theirs_system:.2f} s"
    )
    print(f"peak RSS of the audit: {peak / MiB:.0f} MiB")
    if not args.skip_real and REAL.is_dir():
        pieces = real_pieces()
        start = time.perf_counter()
        for piece in pieces:
            cli("audit", str(piece), "--format", "json", "--home-country", "KR")
        size = sum(p.stat().st_size for p in pieces) / 1e6
        print(
            f"real-firmware set: {len(pieces)} pieces, {size:.1f} MB, in {time.perf_counter() - start:.1f} s"
        )
    if not args.skip_bomb:
        seconds, _ = cli("audit", str(nested_zip_bomb().resolve()), "--format", "json")
        print(f"nested zip bomb through the CLI: {seconds:.1f} s")
    print(f"import firmware_audit: {import_time() * 1000:.0f} ms (median of 7, less a bare interpreter)")
    helped = import_time("import contextlib, io\nfrom firmware_audit.cli import main\n" + HELP)
    print(f"firmware-audit --help: {helped * 1000:.0f} ms (median of 7, less a bare interpreter)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
