"""The fuzzing harness (benchmarks/fuzz.py): mutants are reproducible, and every way a child can fail
is told apart and kept."""

import random
import signal
import time
from pathlib import Path

import pytest
from benchmark_scripts import load

fuzz = load("fuzz")
LIMITS = fuzz.Limits(timeout=600.0, memory=4 << 30, max_rss_kib=1 << 20, target="unpack")


def test_every_family_has_seeds_and_mutants_are_reproducible() -> None:
    for family in fuzz.FAMILIES:
        assert fuzz.seeds(family), family
    seed = fuzz.seeds("archive")[0].read_bytes()
    first = fuzz.mutate(random.Random(7), seed, [seed])
    again = fuzz.mutate(random.Random(7), seed, [seed])
    assert first == again
    assert first[0] != seed


def test_a_clean_run_is_ok() -> None:
    outcome = fuzz.run_one(fuzz.seeds("archive")[0].read_bytes(), LIMITS)
    assert outcome.status == fuzz.OK


def _raises(_data: bytes, _kind: str) -> None:
    raise ValueError("a parser gave up")


def _sleeps(_data: bytes, _kind: str) -> None:
    time.sleep(600)


def _spins(_data: bytes, _kind: str) -> None:
    while True:
        pass


def _hoards(_data: bytes, _kind: str) -> None:
    hoard = bytearray(256 << 20)
    hoard[::4096] = b"\x01" * len(hoard[::4096])


def _nothing(_data: bytes, _kind: str) -> None:
    return None


def _resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.parametrize(
    ("target", "limits", "status", "detail"),
    [
        (_raises, LIMITS, fuzz.CRASH, "ValueError: a parser gave up"),
        (_spins, fuzz.Limits(0.5, 4 << 30, 1 << 20, "unpack"), fuzz.HANG, "after 0.5 s of CPU time"),
        (_sleeps, fuzz.Limits(0.05, 4 << 30, 1 << 20, "unpack"), fuzz.HANG, "no result after"),
        (_hoards, None, fuzz.MEMORY, "peak RSS"),
        (_nothing, None, fuzz.OK, ""),
    ],
)
def test_failures_are_classified(monkeypatch, target, limits, status, detail) -> None:
    monkeypatch.setattr(fuzz, "target", target)
    if target is _spins:
        # The wall clock is only a backstop for a child that waits; here it must not come first,
        # however slowly a busy machine gives the child its CPU time.
        monkeypatch.setattr(fuzz, "WALL_FACTOR", 100_000)
    if limits is None:
        # A forked child starts with this process's resident pages as they are now (not its peak,
        # which earlier tests may have raised); 64 MiB more is far below the hoard.
        limits = fuzz.Limits(600.0, 4 << 30, _resident_kib() + (64 << 10), "unpack")
    outcome = fuzz.run_one(b"anything", limits)
    assert outcome.status == status
    assert detail in outcome.detail


def test_a_failure_is_shrunk_while_it_fails_the_same_way(monkeypatch) -> None:
    def needs_marker(data: bytes, _kind: str) -> None:
        if b"BOOM" in data:
            raise ValueError("marker")

    monkeypatch.setattr(fuzz, "target", needs_marker)
    data = b"BOOM" + bytes(range(256)) * 16
    key = fuzz.signature(fuzz.run_one(data, LIMITS))
    small = fuzz.shrink(data, key, LIMITS, budget=20)
    assert small.startswith(b"BOOM")
    assert len(small) < len(data)


@pytest.mark.parametrize(
    ("target", "status", "detail"),
    [
        (_raises, fuzz.CRASH, "ValueError: a parser gave up"),
        (_spins, fuzz.HANG, "no result after 0.5 s of CPU time"),
    ],
)
def test_a_long_lived_worker_replays_a_failure_alone(monkeypatch, target, status, detail) -> None:
    monkeypatch.setattr(fuzz, "target", target)
    monkeypatch.setattr(fuzz, "WALL_FACTOR", 100_000)  # CPU time tells the hang, not the clock
    worker = fuzz.Worker(fuzz.Limits(0.5, 4 << 30, 1 << 20, "unpack"))
    try:
        outcome = worker.run(b"anything")
    finally:
        worker.stop()
    assert outcome.status == status
    assert detail in outcome.detail


def test_a_long_lived_worker_runs_clean_mutants_in_one_child(monkeypatch) -> None:
    seen = []
    monkeypatch.setattr(fuzz, "target", _nothing)
    worker = fuzz.Worker(LIMITS)
    try:
        for _ in range(5):
            assert worker.run(b"anything").status == fuzz.OK
            seen.append(worker.pid)
        assert worker.runs == 5
    finally:
        worker.stop()
    assert len(set(seen)) == 1


# -- the coverage-guided engine's side: inputs run in process, failures kept, then confirmed alone -----


@pytest.fixture
def profiling_signal():
    """InProcess takes SIGPROF for its CPU-time limit; the test process gets its own handler back."""
    before = signal.getsignal(signal.SIGPROF)
    yield
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.signal(signal.SIGPROF, before)


def _counted(counter: Path) -> tuple[int, int]:
    return fuzz._COUNTER.unpack(counter.read_bytes())


def _boom(data: bytes, _kind: str) -> None:
    if b"BOOM" in data:
        raise ValueError("marker")


@pytest.mark.usefixtures("profiling_signal")
def test_in_process_a_failure_is_kept_once_and_fuzzing_goes_on(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(fuzz, "target", _boom)
    counter = tmp_path / "runs"
    runner = fuzz.InProcess(LIMITS, tmp_path, counter)
    for data in (b"fine", b"BOOM 1", b"BOOM 2", b"fine again"):
        runner(data)  # nothing escapes
    assert _counted(counter)[0] == 4
    kept = sorted(p.name for p in (tmp_path / "pending").iterdir())
    assert len(kept) == 2  # the first BOOM and its note; the second has the same signature
    note = next((tmp_path / "pending").glob("*.txt")).read_text()
    assert note.startswith("crash: ValueError at ")
    assert (tmp_path / "pending" / kept[0]).read_bytes() == b"BOOM 1"


@pytest.mark.usefixtures("profiling_signal")
def test_in_process_a_cpu_time_overrun_is_a_hang(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(fuzz, "target", _spins)
    limits = fuzz.Limits(0.5, 4 << 30, 1 << 20, "unpack")
    runner = fuzz.InProcess(limits, tmp_path, tmp_path / "runs")
    runner(b"anything")
    (note,) = (tmp_path / "pending").glob("*.txt")
    assert note.read_text().startswith("hang: no result after 0.5 s of CPU time")


def test_what_fails_alone_too_becomes_a_reproducer_the_rest_is_unconfirmed(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(fuzz, "target", _boom)
    pending = tmp_path / "pending"
    pending.mkdir()
    (pending / "a.bin").write_bytes(b"BOOM" + bytes(64))
    (pending / "b.bin").write_bytes(b"failed only in the fuzzing process")
    (tmp_path / "crash-0123").write_bytes(b"BOOM again")  # libFuzzer's file for an input that ended it
    tally = fuzz.Tally()
    fuzz._confirm("compression", tmp_path, LIMITS, tally)
    assert tally.failures == {"crash": 2, "unconfirmed": 1}
    (kept,) = tally.distinct.values()
    assert (tmp_path / f"{kept}.bin").read_bytes().startswith(b"BOOM")
    assert [p.name for p in (tmp_path / "unconfirmed").iterdir()] == ["compression-b.bin"]
    assert list(pending.iterdir()) == []
    assert not (tmp_path / "crash-0123").exists()


def test_the_coverage_guided_engine_counts_its_inputs(tmp_path) -> None:
    pytest.importorskip("atheris", reason="the coverage-guided engine needs pip install -e '.[fuzz]'")
    tally = fuzz.Tally()
    fuzz.atheris_run("compression", 200, LIMITS, tmp_path, tally)
    assert tally.mutants == 200
    assert tally.failures == {}
    assert (tmp_path / "atheris-compression").is_dir()


@pytest.mark.usefixtures("profiling_signal")
def test_in_process_an_input_is_judged_by_the_memory_it_adds(monkeypatch, tmp_path) -> None:
    limits = fuzz.Limits(600.0, 4 << 30, _resident_kib() + (64 << 10), "unpack")
    runner = fuzz.InProcess(limits, tmp_path, tmp_path / "runs")
    # The fuzzing process's own memory grows (libFuzzer's, over a long run): no input's doing.
    grown = bytearray(256 << 20)
    grown[::4096] = b"\x01" * len(grown[::4096])
    monkeypatch.setattr(fuzz, "target", _nothing)
    runner(b"clean")
    assert list((tmp_path / "pending").iterdir()) == []
    monkeypatch.setattr(fuzz, "target", _hoards)
    runner(b"hoards")
    (note,) = (tmp_path / "pending").glob("*.txt")
    assert note.read_text().startswith("memory: peak RSS over the limit")
    del grown
