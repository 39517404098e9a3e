"""Worker processes: the same report as one process, a dying worker costs one content, limits hold."""

import gc
import importlib
import io
import multiprocessing
import os
import signal
import zipfile
from collections.abc import Iterable
from typing import ClassVar

import pytest
from builders import tar_of
from conftest import ROOT

from firmware_audit.analyze import ANALYZERS, FileContext
from firmware_audit.audit import audit
from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.extract import Limits, Node, unpack
from firmware_audit.model import IssueKind, Report

workers = importlib.import_module("firmware_audit.analyze.workers")
IMAGES = sorted(p for p in (ROOT / "corpus" / "images").iterdir() if not p.name.endswith(".toml"))
needs_fork = pytest.mark.skipif(not workers.available(), reason="workers need fork (not on this platform)")
TEST_PROCESS = os.getpid()


@pytest.fixture
def one_content_per_chunk(monkeypatch) -> None:
    """Every content goes to a worker on its own, so both workers get some of a small image."""
    monkeypatch.setattr(workers, "CHUNK_CONTENTS", 1)


@needs_fork
@pytest.mark.usefixtures("one_content_per_chunk")
@pytest.mark.parametrize("image", IMAGES, ids=lambda p: p.name)
def test_one_and_two_processes_give_byte_identical_reports(image) -> None:
    assert audit(image, jobs=2).to_json() == audit(image, jobs=1).to_json()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@needs_fork
@pytest.mark.usefixtures("one_content_per_chunk")
def test_copies_take_their_findings_from_a_content_analysed_in_a_worker() -> None:
    configs = {
        f"m{i}/config.ini": b"[p2p]\nserver=https://p2p%d.easy4ipcloud.com:8800/\nmodel=m%d\n" % (i % 3, i)
        for i in range(12)
    }
    configs |= {
        f"n{i}/config.ini": b"[p2p]\nserver=https://p2p%d.easy4ipcloud.com:8800/\nmodel=m%d\n" % (i % 3, i)
        for i in range(12)
    }
    image = _zip(configs)
    one, two = audit(image, jobs=1), audit(image, jobs=2)
    assert one.findings, "the image should give findings for the comparison to mean something"
    assert two.to_json() == one.to_json()


class _Poison:
    """Kills the worker process it runs in when a file holds the word POISON (never the test process)."""

    name: ClassVar[str] = "poison"
    version: ClassVar[str] = "1"

    def applies_to(self, node: Node) -> bool:
        return node.size > 0

    def analyze(self, ctx: FileContext) -> Iterable:
        if b"POISON" in ctx.data() and os.getpid() != TEST_PROCESS:
            os.kill(os.getpid(), signal.SIGKILL)
        return ()


@needs_fork
@pytest.mark.usefixtures("one_content_per_chunk")
def test_a_worker_that_dies_costs_its_content_which_becomes_an_issue() -> None:
    files = {f"etc/app{i}.conf": b"[cloud]\nurl=https://secu%d.xmeye.net/fw\n" % i for i in range(6)}
    files["bin/crasher"] = b"POISON" + bytes(range(256))
    image = tar_of(dict(sorted(files.items())))
    report = audit(image, analyzers=(*ANALYZERS, _Poison()), jobs=2)
    (died,) = [i for i in report.issues if "worker process" in i.message]
    assert died.kind is IssueKind.ANALYZER_ERROR
    assert died.location.path == "/bin/crasher"
    assert "killed by signal 9" in died.message
    # Every other file was analysed: the findings are those of the audit without the crashing analyzer.
    alone = audit(image, jobs=1)
    assert alone.findings
    assert [f.model_dump() for f in report.findings] == [f.model_dump() for f in alone.findings]


@needs_fork
def test_a_worker_that_dies_within_a_chunk_costs_only_the_content_it_was_on() -> None:
    # One chunk of seven contents, the crasher fourth: the three analysed before it, whose results
    # had not been sent, and the three after it are analysed again by another worker.
    files = {f"etc/app{i}.conf": b"[cloud]\nurl=https://secu%d.xmeye.net/fw\n" % i for i in range(6)}
    files["etc/app2b.bin"] = b"POISON" + bytes(range(256))
    image = tar_of(dict(sorted(files.items())))
    assert len(files) <= workers.CHUNK_CONTENTS
    report = audit(image, analyzers=(*ANALYZERS, _Poison()), jobs=2)
    (died,) = [i for i in report.issues if "worker process" in i.message]
    assert died.location.path == "/etc/app2b.bin"
    alone = audit(image, jobs=1)
    assert len({f.location.path for f in alone.findings}) == 6
    assert [f.model_dump() for f in report.findings] == [f.model_dump() for f in alone.findings]


@needs_fork
def test_a_spent_time_budget_counts_every_file_with_workers() -> None:
    image = tar_of({f"etc/app{i}.conf": b"url=http://a%d.example.cn/\n" % i for i in range(5)})
    report = audit(unpack(image), limits=Limits(time_budget=-1.0), jobs=2)
    assert report.findings == ()
    (issue,) = [i for i in report.issues if "time budget" in i.message]
    assert "5 files not analysed" in issue.message


def test_the_number_of_processes_follows_the_size_unless_one_is_asked_for(monkeypatch) -> None:
    monkeypatch.setattr(workers, "available", lambda: True)
    monkeypatch.setattr(workers, "_usable_cores", lambda: 8)
    assert workers.processes(None, workers.MIN_PARALLEL_BYTES - 1) == 1
    assert workers.processes(None, workers.MIN_PARALLEL_BYTES) == workers.MAX_AUTO_PROCESSES
    assert workers.processes(3, 0) == 3
    monkeypatch.setattr(workers, "_usable_cores", lambda: 1)
    assert workers.processes(None, workers.MIN_PARALLEL_BYTES) == 1
    monkeypatch.setattr(workers, "available", lambda: False)
    assert workers.processes(2, workers.MIN_PARALLEL_BYTES) == 1


@needs_fork
def test_the_cli_takes_the_number_of_processes(tmp_path, capsys) -> None:
    image = ROOT / "corpus" / "images" / "05-ingenic-tutk.bin"
    out1, out2 = tmp_path / "1.json", tmp_path / "2.json"
    assert (
        main(["audit", str(image), "--format", "json", "-o", str(out1), "--jobs", "1"]) != ExitCode.INTERNAL
    )
    assert (
        main(["audit", str(image), "--format", "json", "-o", str(out2), "--jobs", "2"]) != ExitCode.INTERNAL
    )
    assert Report.from_json(out1.read_text()).findings
    assert out1.read_text() == out2.read_text()
    assert main(["audit", str(image), "--jobs", "0"]) == ExitCode.USAGE
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_the_collector_is_left_as_the_host_set_it() -> None:
    # The analysis freezes what exists while it runs, and unfreezes it after, in one process or two.
    assert gc.get_freeze_count() == 0
    image = tar_of({f"f{i}.txt": b"server = cloud%d.example.net\n" % i for i in range(40)})
    for jobs in (1, 2):
        assert audit(image, jobs=jobs).files == 40
        assert gc.get_freeze_count() == 0
    # A host that froze objects of its own (before forking servers) keeps them frozen.
    gc.freeze()
    try:
        for jobs in (1, 2):
            audit(image, jobs=jobs)
            assert gc.get_freeze_count() > 0  # (some frozen objects may have been freed meanwhile)
    finally:
        gc.unfreeze()


def _audit_json(image: bytes) -> str:
    return audit(image, jobs=2).model_dump_json()


@needs_fork
def test_an_audit_in_a_daemonic_process_stays_in_it() -> None:
    # A `multiprocessing.Pool` worker may not have children: two processes asked for, one is used.
    image = tar_of(
        {f"bin/app{i}": b"\x7fELF" + bytes([i]) * 5000 + b"http://cloud.example.com/" for i in range(4)}
    )
    with multiprocessing.get_context("fork").Pool(1) as pool:
        (got,) = pool.map(_audit_json, [image])
    assert got == audit(image, jobs=1).model_dump_json()
