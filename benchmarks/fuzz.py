"""Fuzz the unpacker (or the whole audit) with mutants of the project's own test inputs.

Each format family's seeds are the committed inputs of tests/data. A mutant is a seed with one to
three of: bit flips, a 16- or 32-bit field (either byte order) set to 0, its maximum, the input's
length or just past it, a field set to its own offset (a block that points at itself), a byte range
zeroed or filled, a block repeated, truncation, and a splice from another seed.

Mutants run in a long-lived child forked from this process after the imports (a fork per mutant
cost more than most mutants), under the documented limits: an address-space limit (--memory, the
batch's default 4 GiB), CPU time per mutant (--timeout, 30 s; wall clock 20 times that) and the
audit's own `Limits`; its
peak RSS is reset before each mutant. Anything but a clean run is replayed alone in a fresh child,
whose outcome is the one kept, and the long-lived child is replaced. The parent classifies each run:

* `crash`: an exception escaped `unpack()`/`audit()`, or the child died of a signal (an abort in a
  native library);
* `hang`: the CPU time (or, for a child that waits without computing, the wall clock) ran out;
* `memory`: the child's peak RSS passed --max-rss (1 GiB).

Every failure is kept under --out as a small reproducer: the mutant shrunk (tail cut, blocks zeroed)
while it still fails the same way, with what happened next to it. Each reproducer becomes a case
of tests/test_bad_input.py, built by the test.

    python benchmarks/fuzz.py --mutants 10000                 # every family, 10,000 each
    python benchmarks/fuzz.py --family squashfs --mutants 500 --target audit
    python benchmarks/fuzz.py --replay fuzz-findings/*.bin    # exit 1 if any still fails
    python benchmarks/fuzz.py --engine atheris --family zip    # coverage-guided, in process

    python benchmarks/fuzz.py --engine atheris --mutants 10000  # coverage-guided, every family

`--engine atheris` runs libFuzzer through atheris (`pip install -e '.[fuzz]'`), each family from its
seeds and the corpus earlier runs grew under --out/atheris-FAMILY. Only the unpacker (or, with
`--target audit`, the package) is instrumented, after the imports. Inputs run in libFuzzer's process
(`InProcess`): an exception, a CPU-time overrun (--timeout, told by SIGPROF) or a peak RSS above
--max-rss is written under --out/pending and fuzzing goes on, so one finding does not end a long run;
only what Python cannot catch ends the process (libFuzzer's crash-*/timeout-*/oom-* file, with
-timeout at the wall clock above and -rss_limit_mb at --memory), and a new one goes on with the inputs
left. Every kept input is then replayed alone in a fresh uninstrumented child (`run_one`): what fails
there too becomes a shrunk reproducer like the mutation engine's; what does not is counted as
`unconfirmed` and kept under --out/unconfirmed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import random
import resource
import select
import signal
import struct
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
FAMILIES: dict[str, tuple[str, ...]] = {
    "squashfs": ("fs/squashfs-*.sqfs", "hostile/squashfs-*.sqfs"),
    "cramfs": ("fs/cramfs-*.img", "vendor/user.cramfs"),
    "jffs2": ("fs/jffs2-*.img",),
    "ext": ("fs/ext*.img",),
    "romfs": ("fs/romfs.img",),
    "ubi": ("archive/tree.ubi", "archive/tree.ubifs"),
    "archive": ("archive/*.tar", "archive/*.cpio", "archive/*.zip"),
    "compression": ("compress/a.txt.*", "compress/concat.bin", "boot/kernel.txt.gz"),
    "boot": ("boot/*.uimg", "boot/env*.bin", "boot/*.egon", "archive/*.itb", "archive/*.dtb"),
    "vendor": ("vendor/*.dav", "vendor/*.pak", "vendor/*.bin", "vendor/*.img", "vendor/romfs.squashfs"),
}
"""Format family -> seed globs under tests/data (the inputs made by each folder's make.sh)."""
MAX_SEED = 4 << 20
INTERESTING_32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)
INTERESTING_8 = (0x00, 0x01, 0x7F, 0x80, 0xFF)
HEADER = 4096
"""Half the mutations land in the first bytes, where headers and their sizes live."""
CRASH, HANG, MEMORY, OK = "crash", "hang", "memory", "ok"


# -- mutation ------------------------------------------------------------------------------------------


def seeds(family: str) -> list[Path]:
    found = sorted({p for pattern in FAMILIES[family] for p in DATA.glob(pattern) if p.is_file()})
    return [p for p in found if 0 < p.stat().st_size <= MAX_SEED]


def _offset(rng: random.Random, size: int, width: int = 1) -> int:
    top = max(1, size - width + 1)
    return rng.randrange(min(top, HEADER)) if rng.random() < 0.5 else rng.randrange(top)


def _field(rng: random.Random, data: bytearray, value: int) -> str:
    width = rng.choice((2, 4))
    if len(data) < width:
        return "none"
    at = _offset(rng, len(data), width) & ~(width - 1)
    order = rng.choice("<>")
    value &= (1 << (8 * width)) - 1
    struct.pack_into(f"{order}{'H' if width == 2 else 'I'}", data, at, value)
    return f"field{width * 8}{order}@{at:#x}={value:#x}"


def _bitflips(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    for _ in range(rng.randint(1, 8)):
        at = _offset(rng, len(data))
        data[at] ^= 1 << rng.randrange(8)
    return "bitflips"


def _byte(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    at = _offset(rng, len(data))
    data[at] = rng.choice(INTERESTING_8)
    return f"byte@{at:#x}"


def _extreme(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    return _field(rng, data, rng.choice(INTERESTING_32))


def _past_end(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    return _field(rng, data, len(data) + rng.choice((0, 1, 4, 4096)))


def _self_pointer(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    return _field(rng, data, _offset(rng, len(data), 4) & ~3)  # a block that points at itself


def _fill(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    at = _offset(rng, len(data))
    length = min(len(data) - at, rng.choice((4, 64, 512, 4096)))
    data[at : at + length] = bytes([rng.choice((0, 0xFF))]) * length
    return f"fill@{at:#x}+{length}"


def _repeat(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    at = _offset(rng, len(data))
    block = bytes(data[at : at + rng.choice((16, 64, 512))])
    data[at:at] = block * rng.choice((2, 16, 256))
    return f"repeat@{at:#x}"


def _truncate(rng: random.Random, data: bytearray, _others: list[bytes]) -> str:
    cut = rng.randrange(len(data))
    del data[cut:]
    return f"truncate@{cut:#x}"


def _splice(rng: random.Random, data: bytearray, others: list[bytes]) -> str:
    other = rng.choice(others)
    start = rng.randrange(len(other))
    chunk = other[start : start + rng.choice((64, 1024, 65536))]
    at = _offset(rng, len(data))
    data[at : at + len(chunk)] = chunk
    return f"splice@{at:#x}+{len(chunk)}"


MUTATORS = (_bitflips, _byte, _extreme, _past_end, _self_pointer, _fill, _repeat, _truncate, _splice)


def mutate(rng: random.Random, seed: bytes, others: list[bytes]) -> tuple[bytes, list[str]]:
    """A mutant of `seed` (one to three mutations) and the list of what was done to it."""
    data = bytearray(seed)
    done: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not data:
            break
        done.append(rng.choice(MUTATORS)(rng, data, others))
    return bytes(data), done


# -- running one input in a child ----------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    timeout: float
    memory: int
    max_rss_kib: int
    target: str


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str
    seconds: float
    rss_kib: int


def target(data: bytes, kind: str) -> None:
    """What a mutant goes through: unpacking (and a read of every file's head), or the whole audit."""
    from firmware_audit import audit, unpack  # noqa: PLC0415  (lazy in the package; warm_up loads it)
    from firmware_audit.extract import ContentUnavailableError  # noqa: PLC0415
    from firmware_audit.render.text import render  # noqa: PLC0415

    if kind == "audit":
        render(audit(data))
        return
    tree = unpack(data)
    for node in tree:
        if node.is_file and node.withheld is None:
            try:
                tree.read(node, 4096)
            except ContentUnavailableError:
                continue  # the documented answer for a file whose content the image does not hold


def warm_up(kind: str) -> None:
    """Run the target once here, so every lazy import and cache is in place before children fork."""
    target(seeds("archive")[0].read_bytes(), kind)


WALL_FACTOR = 20
"""The wall clock a mutant may take, in multiples of its CPU time limit: only a child that waits
without computing (a blocking call) meets it first."""


def _wall(limits: Limits) -> float:
    return limits.timeout * WALL_FACTOR


def _arm(limits: Limits) -> None:
    """Limit the next mutant's CPU time, and its wall clock far above that.

    A hang is told by CPU time: on a loaded machine, niced, a mutant that needs 0.4 s of CPU can wait
    30 s for it (a campaign under a load average of 15 took such waits for hangs).
    """
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_PROF, limits.timeout)
    signal.setitimer(signal.ITIMER_REAL, _wall(limits))


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


def _child(data: bytes, limits: Limits, write_fd: int) -> None:
    """In the forked child: limits on, then the target; the traceback (if any) goes up the pipe."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    _arm(limits)
    code = 0
    try:
        target(data, limits.target)
    except BaseException:  # noqa: BLE001  (anything that escapes is the finding)
        os.write(write_fd, traceback.format_exc()[-4000:].encode())
        code = 1
    os._exit(code)


def run_one(data: bytes, limits: Limits) -> Outcome:
    """Run the target over `data` in a forked child and say how it ended."""
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child)
        os.close(read_fd)
        _child(data, limits, write_fd)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.monotonic() - started
    detail = b"".join(chunks).decode("utf-8", "replace")
    rss = usage.ru_maxrss
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGPROF:
            return Outcome(HANG, f"no result after {limits.timeout:g} s of CPU time", seconds, rss)
        if sig == signal.SIGALRM:
            return Outcome(HANG, f"no result after {_wall(limits):g} s of wall clock", seconds, rss)
        return Outcome(CRASH, f"killed by signal {sig} ({signal.Signals(sig).name})", seconds, rss)
    if os.WEXITSTATUS(status) != 0:
        return Outcome(MEMORY if "MemoryError" in detail else CRASH, detail, seconds, rss)
    if rss > limits.max_rss_kib:
        return Outcome(MEMORY, f"peak RSS {rss // 1024} MiB", seconds, rss)
    return Outcome(OK, "", seconds, rss)


_LENGTH = struct.Struct("<Q")
WORKER_RUNS = 2000
"""Mutants a long-lived child runs before it is replaced by a fresh one (state cannot drift far)."""


def _hwm_kib() -> int:
    return _status_kib("VmHWM:")


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (`VmHWM:` peak RSS, `VmRSS:` now)."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_hwm() -> None:
    # Writing 5 to clear_refs resets this process's peak RSS to its current RSS (Linux >= 4.0).
    with Path("/proc/self/clear_refs").open("w", encoding="ascii") as refs:
        refs.write("5")


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _serve(limits: Limits, requests: int, replies: int) -> None:
    """In a long-lived child: run each mutant read from `requests`, answer on `replies`."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    while (head := _read_exact(requests, _LENGTH.size)) is not None:
        data = _read_exact(requests, _LENGTH.unpack(head)[0])
        if data is None:
            break
        _reset_hwm()
        _arm(limits)  # an overrun kills the child; the parent sees EOF
        detail = ""
        try:
            target(data, limits.target)
        except BaseException:  # noqa: BLE001  (anything that escapes is the finding)
            detail = traceback.format_exc()[-4000:]
        _disarm()
        reply = json.dumps({"detail": detail, "rss": _hwm_kib()}).encode()
        try:
            os.write(replies, _LENGTH.pack(len(reply)) + reply)
        except BrokenPipeError:
            break  # the campaign ended (or was stopped) while this mutant ran
    os._exit(0)


class Worker:
    """A child forked once that runs many mutants in turn: a fork per mutant cost more than most
    mutants' unpacking. Anything but a clean run is replayed alone in a fresh child (`run_one`),
    whose outcome is the one kept, and the worker is replaced, so no mutant is judged by the state
    another left behind."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pid = 0
        self.runs = 0
        self.requests = self.replies = -1

    def _start(self) -> None:
        to_child, requests = os.pipe()
        replies, from_child = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (the child)
            os.close(requests)
            os.close(replies)
            _serve(self.limits, to_child, from_child)
        os.close(to_child)
        os.close(from_child)
        self.pid, self.requests, self.replies, self.runs = pid, requests, replies, 0

    def stop(self) -> None:
        """End the child (it is killed: it may be stuck in a mutant)."""
        if not self.pid:
            return
        os.close(self.requests)
        os.close(self.replies)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pid = 0

    def run(self, data: bytes) -> Outcome:
        """Run one mutant; a failure (or the child's death) is replayed alone and that is the answer."""
        if not self.pid or self.runs >= WORKER_RUNS:
            self.stop()
            self._start()
        self.runs += 1
        started = time.monotonic()
        answer = None
        try:
            os.write(self.requests, _LENGTH.pack(len(data)))
            _write_all(self.requests, data)
            ready, _, _ = select.select([self.replies], [], [], _wall(self.limits) + 5)
            head = _read_exact(self.replies, _LENGTH.size) if ready else None
            body = _read_exact(self.replies, _LENGTH.unpack(head)[0]) if head else None
            answer = json.loads(body) if body else None
        except (BrokenPipeError, OSError):
            answer = None
        seconds = time.monotonic() - started
        if answer is not None and not answer["detail"] and answer["rss"] <= self.limits.max_rss_kib:
            return Outcome(OK, "", seconds, answer["rss"])
        self.stop()
        return run_one(data, self.limits)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def signature(outcome: Outcome) -> str:
    """What tells two failures apart: the kind, the exception type and the line that raised it."""
    if outcome.detail.startswith("peak RSS"):
        return f"{outcome.status}: peak RSS over the limit"  # one failure, whatever the figure
    lines = [line.strip() for line in outcome.detail.strip().splitlines() if line.strip()]
    if not lines or not lines[-1].split(":")[0].replace(".", "").isidentifier():
        return f"{outcome.status}: {lines[-1][:120] if lines else ''}"
    frames = [line for line in lines if line.startswith("File ")]
    where = frames[-1] if frames else ""
    return f"{outcome.status}: {lines[-1].split(':')[0]} at {where}"


def shrink(data: bytes, failing: str, limits: Limits, budget: int = 60) -> bytes:
    """Cut the tail and zero blocks while the failure stays the same; at most `budget` runs."""
    best = data
    runs = 0
    step = len(best) // 2
    while step >= 16 and runs < budget:
        candidate = best[: len(best) - step]
        runs += 1
        if candidate and signature(run_one(candidate, limits)) == failing:
            best = candidate
        else:
            step //= 2
    block = max(16, len(best) // 16)
    for start in range(0, len(best), block):
        if runs >= budget:
            break
        if not any(best[start : start + block]):
            continue
        candidate = best[:start] + bytes(min(block, len(best) - start)) + best[start + block :]
        runs += 1
        if signature(run_one(candidate, limits)) == failing:
            best = candidate
    return best


# -- campaigns -----------------------------------------------------------------------------------------


@dataclass
class Tally:
    mutants: int = 0
    seconds: float = 0.0
    peak_rss_kib: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    distinct: dict[str, str] = field(default_factory=dict)


def campaign(family: str, limits: Limits, out: Path, tally: Tally, *, count: int, seed: int) -> None:
    inputs = [p.read_bytes() for p in seeds(family)]
    if not inputs:
        print(f"{family}: no seeds", file=sys.stderr)
        return
    rng = random.Random(f"{seed}:{family}")  # noqa: S311  (reproducible mutants, not secrets)
    worker = Worker(limits)
    try:
        _mutants(family, inputs, rng, worker, out=out, tally=tally, count=count)
    finally:
        worker.stop()


def _mutants(
    family: str,
    inputs: list[bytes],
    rng: random.Random,
    worker: Worker,
    *,
    out: Path,
    tally: Tally,
    count: int,
) -> None:
    limits = worker.limits
    for index in range(count):
        base = rng.choice(inputs)
        mutant, done = mutate(rng, base, inputs)
        outcome = worker.run(mutant)
        tally.mutants += 1
        tally.seconds += outcome.seconds
        tally.peak_rss_kib = max(tally.peak_rss_kib, outcome.rss_kib)
        if outcome.status != OK:
            _keep(family, mutant, outcome, done=done, limits=limits, out=out, tally=tally, where=f"#{index}")
        if (index + 1) % 500 == 0:
            print(
                f"{family}: {index + 1}/{count} mutants, {len(tally.distinct)} distinct failures", flush=True
            )


def _keep(
    family: str,
    data: bytes,
    outcome: Outcome,
    *,
    done: list[str],
    limits: Limits,
    out: Path,
    tally: Tally,
    where: str = "",
) -> None:
    """Count a failure; the first of its signature is shrunk and written as a reproducer."""
    key = signature(outcome)
    tally.failures[outcome.status] = tally.failures.get(outcome.status, 0) + 1
    if key in tally.distinct:
        return
    small = shrink(data, key, limits)
    name = f"{family}-{outcome.status}-{hashlib.sha256(small).hexdigest()[:12]}"
    (out / f"{name}.bin").write_bytes(small)
    (out / f"{name}.txt").write_text(
        f"{key}\nmutations: {', '.join(done)}\n\n{outcome.detail}\n", encoding="utf-8"
    )
    tally.distinct[key] = name
    print(f"{family} {where}: {key} -> {name}.bin ({len(small)} bytes)", flush=True)


def replay(paths: list[Path], limits: Limits) -> int:
    bad = 0
    for path in paths:
        outcome = run_one(path.read_bytes(), limits)
        print(f"{path.name}: {outcome.status} ({outcome.seconds:.2f} s, {outcome.rss_kib // 1024} MiB)")
        if outcome.status != OK:
            print(outcome.detail, file=sys.stderr)
            bad += 1
    return 1 if bad else 0


# -- coverage-guided engine ----------------------------------------------------------------------------

_COUNTER = struct.Struct("<QQ")
"""Inputs run so far and the highest peak RSS (KiB) of one, as the coverage-guided process leaves them."""
ATHERIS_PARTS = ("crash-", "timeout-", "oom-", "leak-")
"""Prefixes of the files libFuzzer writes when an input ends its process."""


class _CpuTimeout(Exception):  # noqa: N818  (named for what it reports)
    """Raised in the coverage-guided process when one input has used its CPU time."""


class InProcess:
    """Runs inputs in this process, as libFuzzer calls it: a failure is kept as a file, not raised.

        An exception, a CPU-time overrun (told by a SIGPROF handler that raises) and a peak RSS above
        the limit (what the input adds to the process, over the process's resident size when it started)
    are written under `out/pending` (once per signature) and fuzzing goes on. The number
        of inputs run so far, and the highest peak RSS of one, are kept in `counter` after each input,
        so whoever started this process knows where it had got to if it dies.
    """

    def __init__(self, limits: Limits, out: Path, counter: Path) -> None:
        """Arm the CPU-time handler; failures go under `out/pending`."""
        self.limits = limits
        self.pending = out / "pending"
        self.pending.mkdir(parents=True, exist_ok=True)
        self.counter = os.open(counter, os.O_RDWR | os.O_CREAT, 0o644)
        self.armed = False
        self.seen: set[str] = set()
        self.runs = self.peak_kib = 0
        # An input is judged by what it adds to the process, as if it ran in a fresh one: libFuzzer's
        # own memory grows over a long run (2.3 GB after 37,000 `ubi` inputs, while the same inputs
        # unpacked in a plain process leave it flat), which is no input's doing.
        self.start_kib = _status_kib("VmRSS:")
        signal.signal(signal.SIGPROF, self._expire)

    def _expire(self, _signum: int, _frame: object) -> None:
        if self.armed:
            self.armed = False
            raise _CpuTimeout

    def __call__(self, data: bytes) -> None:
        """Run the target over one input; say how it went in `counter` and, if badly, in `pending`."""
        _reset_hwm()
        before = _status_kib("VmRSS:")
        self.armed = True
        signal.setitimer(signal.ITIMER_PROF, self.limits.timeout)
        status, detail = OK, ""
        try:
            target(data, self.limits.target)
        except _CpuTimeout:
            status, detail = HANG, f"no result after {self.limits.timeout:g} s of CPU time"
        except MemoryError:
            status, detail = MEMORY, traceback.format_exc()[-4000:]
        except Exception:  # noqa: BLE001  (anything that escapes is the finding)
            status, detail = CRASH, traceback.format_exc()[-4000:]
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_PROF, 0)
        rss = self.start_kib + max(0, _hwm_kib() - before)
        if status == OK and rss > self.limits.max_rss_kib:
            status, detail = MEMORY, f"peak RSS {rss // 1024} MiB"
        self.runs += 1
        self.peak_kib = max(self.peak_kib, rss)
        os.pwrite(self.counter, _COUNTER.pack(self.runs, self.peak_kib), 0)
        key = signature(Outcome(status, detail, 0.0, rss))
        if status != OK and key not in self.seen:
            self.seen.add(key)
            name = hashlib.sha256(data).hexdigest()[:12]
            (self.pending / f"{name}.bin").write_bytes(data)
            (self.pending / f"{name}.txt").write_text(f"{key}\n\n{detail}\n", encoding="utf-8")


def _atheris_child(family: str, count: int, limits: Limits, out: Path, counter: Path) -> None:
    """The process libFuzzer runs in: the package instrumented, each input through `InProcess`.

    Only what Python cannot catch (a native abort, a stuck native call, the address-space limit hit
    in native code) ends the process; libFuzzer keeps that input as crash-*/timeout-*/oom-*.
    """
    import atheris  # noqa: PLC0415  (optional: pip install -e '.[fuzz]')

    package = "firmware_audit" if limits.target == "audit" else "firmware_audit.extract"
    with atheris.instrument_imports(include=[package]):
        warm_up(limits.target)  # every lazy import of the target happens here, instrumented
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory, limits.memory))
    argv = [
        sys.argv[0],
        str(out / f"atheris-{family}"),
        f"-runs={count}",
        f"-timeout={int(_wall(limits))}",
        f"-rss_limit_mb={limits.memory >> 20}",
        f"-max_len={max(4096, *(p.stat().st_size for p in seeds(family)))}",
        "-report_slow_units=100000",
        "-print_final_stats=1",
        f"-artifact_prefix={out}/",
    ]
    atheris.Setup(argv, InProcess(limits, out, counter))
    atheris.Fuzz()


def atheris_run(family: str, count: int, limits: Limits, out: Path, tally: Tally) -> None:
    """Run `count` inputs of one family through libFuzzer (atheris), in as many processes as it takes.

    Each process fuzzes from the corpus the previous ones grew (under `out/atheris-FAMILY`); when one
    ends early (an input Python could not catch), the next starts with the inputs left. Every failure,
    caught in process or ending it, is replayed alone in a fresh uninstrumented child (`run_one`):
    what still fails there is kept, shrunk, as a reproducer like the mutation engine's; what does not
    is counted as `unconfirmed` and kept under `out/unconfirmed` to be looked at.
    """
    corpus = out / f"atheris-{family}"
    corpus.mkdir(parents=True, exist_ok=True)
    for path in seeds(family):
        (corpus / path.name).write_bytes(path.read_bytes())
    counter = out / f"atheris-{family}.runs"
    started = time.monotonic()
    done = stalls = 0
    while done < count and stalls < 3:
        counter.write_bytes(_COUNTER.pack(0, 0))
        child = [sys.executable, __file__, "--engine", "atheris", "--family", family]
        child += ["--mutants", str(count - done), "--target", limits.target, "--out", str(out)]
        child += ["--timeout", str(limits.timeout), "--memory", str(limits.memory >> 20)]
        child += ["--max-rss", str(limits.max_rss_kib >> 10), "--atheris-counter", str(counter)]
        with (out / f"atheris-{family}.log").open("ab") as log:
            code = subprocess.run(child, stdout=log, stderr=log, check=False).returncode
        ran, peak_kib = _COUNTER.unpack(counter.read_bytes()[: _COUNTER.size])
        tally.peak_rss_kib = max(tally.peak_rss_kib, peak_kib)
        done += ran
        stalls = stalls + 1 if ran == 0 else 0
        print(f"{family}: {done}/{count} inputs (process ended with {code})", flush=True)
        _confirm(family, out, limits, tally)
    tally.mutants += done
    tally.seconds += time.monotonic() - started


def _confirm(family: str, out: Path, limits: Limits, tally: Tally) -> None:
    """Replay what the coverage-guided process kept; keep what fails alone too, as a reproducer."""
    found = sorted((out / "pending").glob("*.bin")) if (out / "pending").is_dir() else []
    found += [p for p in sorted(out.iterdir()) if p.is_file() and p.name.startswith(ATHERIS_PARTS)]
    for path in found:
        data = path.read_bytes()
        outcome = run_one(data, limits)
        if outcome.status == OK:
            tally.failures["unconfirmed"] = tally.failures.get("unconfirmed", 0) + 1
            (out / "unconfirmed").mkdir(exist_ok=True)
            path.replace(out / "unconfirmed" / f"{family}-{path.name}")
            note = path.with_suffix(".txt")
            if note.exists():
                note.replace(out / "unconfirmed" / f"{family}-{note.name}")
            continue
        _keep(family, data, outcome, done=["coverage-guided"], limits=limits, out=out, tally=tally)
        path.unlink()
        path.with_suffix(".txt").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="default: every family")
    parser.add_argument("--mutants", type=int, default=1000, help="mutants per family")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=("unpack", "audit"), default="unpack")
    parser.add_argument("--engine", choices=("mutate", "atheris"), default="mutate")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds of CPU time per mutant")
    parser.add_argument("--memory", type=int, default=4096, help="address-space limit of a child, MiB")
    parser.add_argument("--max-rss", type=int, default=1024, help="peak RSS above this is a failure, MiB")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--replay", type=Path, nargs="+", help="run these files once each")
    parser.add_argument("--atheris-counter", type=Path, help=argparse.SUPPRESS)  # in libFuzzer's process
    args = parser.parse_args(argv)
    limits = Limits(args.timeout, args.memory << 20, args.max_rss << 10, args.target)
    families = args.family or sorted(FAMILIES)
    if args.atheris_counter:
        _atheris_child(families[0], args.mutants, limits, args.out, args.atheris_counter)
        return 0
    warm_up(limits.target)
    gc.freeze()  # children share the warmed-up heap; collections there would copy every page of it
    if args.replay:
        return replay(args.replay, limits)
    args.out.mkdir(parents=True, exist_ok=True)

    summary = {}
    for family in families:
        tally = Tally()
        if args.engine == "atheris":
            atheris_run(family, args.mutants, limits, args.out, tally)
        else:
            campaign(family, limits, args.out, tally, count=args.mutants, seed=args.seed)
        summary[family] = {
            "seeds": len(seeds(family)),
            "mutants": tally.mutants,
            "failures": tally.failures,
            "distinct": sorted(tally.distinct.values()),
            "child_seconds": round(tally.seconds, 1),
            "peak_rss_mib": tally.peak_rss_kib // 1024,
        }
        print(json.dumps({family: summary[family]}), flush=True)
        (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
