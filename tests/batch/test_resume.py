"""Durability: a batch killed with SIGKILL midway, then run again, gives every submission exactly once."""

import os
import signal
import subprocess
import sys
import time

import pytest
from batch_helpers import CLEAN, ENCRYPTED, HERE, ROOT, journal_rows, submission

from firmware_audit.batch import BatchError, BatchOptions, Journal, run_batch
from firmware_audit.batch.journal import exclusive
from firmware_audit.policy import Policy

# Readable images are accepted; unreadable ones are rejected outright under this policy.
POLICY = 'home_country = "DE"\non_unverifiable = "reject"\n'
SUBMISSIONS = 6

DRIVER = """
import sys
from pathlib import Path
from firmware_audit.batch import BatchOptions, run_batch
from firmware_audit.policy import Policy
run_batch(Path(sys.argv[1]), BatchOptions(out=Path(sys.argv[2]), policy=Policy.load(sys.argv[3]), jobs=2,
          entry="fake_audits:slow"), progress=False)
"""


def _expected(name):
    return "reject" if name.endswith("enc") else "accept"


def test_sigkill_midway_then_rerun_gives_each_submission_once(tmp_path, monkeypatch):
    subs, out, policy = tmp_path / "subs", tmp_path / "out", tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    for i in range(SUBMISSIONS):
        if i % 2:
            submission(subs, f"s{i}-enc", {"fw.bin": ENCRYPTED})
        else:
            submission(subs, f"s{i}-clean", {"fw.bin": CLEAN})
    gate = tmp_path / "gate"
    gate.mkdir()
    # Two audits go ahead; the rest wait at the gate, so the kill lands while images are in flight.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
        "FAKE_AUDIT_DELAY": "0",
        "FAKE_AUDIT_GATE": str(gate),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(subs), str(out), str(policy)], env=env, cwd=tmp_path
    )
    journal = out / "results.jsonl"
    # Wait for the two audits the gate lets through, however long they take on a busy machine (the
    # hour is only there so a broken batch fails the test instead of hanging it).
    deadline = time.monotonic() + 3600
    while not (journal.exists() and journal.read_bytes().count(b"\n") >= 2):
        assert proc.poll() is None, "the batch ended before the kill"
        assert time.monotonic() < deadline, "no two rows after an hour"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (gate / "open").touch()
    before = journal_rows(out)
    assert len(before) == 2
    # A kill during a write leaves a torn last line: the next run must cut it off, not trip over it.
    with journal.open("ab") as fh:
        fh.write(b'{"key": "torn-by-kill", "submission": "s0-cl')

    monkeypatch.setenv("PYTHONPATH", str(HERE))
    monkeypatch.setenv("FAKE_AUDIT_DELAY", "0")
    options = BatchOptions(out=out, policy=Policy.load(policy), jobs=2, entry="fake_audits:slow")
    result = run_batch(subs, options, progress=False)

    rows = journal_rows(out)
    assert rows[: len(before)] == before  # nothing written before the kill was lost or rewritten
    assert len(rows) == SUBMISSIONS
    assert len({r["key"] for r in rows}) == SUBMISSIONS
    assert sorted(r["submission"] for r in rows) == sorted(p.name for p in subs.iterdir())
    for row in rows:
        assert row["status"] == "audited"
        assert row["outcome"] == _expected(row["submission"]), row
    assert result.resumed == len(before)
    assert result.audited == SUBMISSIONS - len(before)
    assert {s.name: s.outcome.value for s in result.submissions} == {
        p.name: _expected(p.name) for p in subs.iterdir()
    }


def test_a_rerun_with_everything_done_audits_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    subs, out = tmp_path / "subs", tmp_path / "out"
    submission(subs, "only", {"fw.bin": CLEAN})
    options = BatchOptions(out=out, policy=Policy.from_toml(POLICY), jobs=1)
    first = run_batch(subs, options, progress=False)
    second = run_batch(subs, options, progress=False)
    assert (first.audited, first.resumed) == (1, 0)
    assert (second.audited, second.resumed) == (0, 1)
    assert len(journal_rows(out)) == 1
    # A different policy is a different decision: that image is audited again, under its own key.
    third = run_batch(
        subs,
        BatchOptions(out=out, policy=Policy.from_toml(POLICY + 'min_severity = "high"\n'), jobs=1),
        progress=False,
    )
    assert third.audited == 1
    assert len(Journal(out / "results.jsonl").rows) == 2


def test_two_batches_never_write_one_journal_at_once(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    submission(subs, "only", {"fw.bin": CLEAN})
    with exclusive(out), pytest.raises(BatchError, match="another batch is writing its results there"):
        run_batch(subs, BatchOptions(out=out), progress=False)
    assert not (out / "results.jsonl").exists()
