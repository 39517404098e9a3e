"""A worker that crashes, one that hangs and one that exhausts its memory cost one image each."""

import pytest
from batch_helpers import CLEAN, EXAMPLE_POLICY, HERE, journal_rows, submission

from firmware_audit.batch import BatchOptions, run_batch, runner
from firmware_audit.exitcodes import ExitCode
from firmware_audit.policy import Policy

HANG_TIMEOUT = 1.0
"""The worker timeout of the batch that holds only hanging images: whatever the machine's load, a
worker that sleeps for an hour reaches it, and no other worker runs under it."""


@pytest.fixture
def flaky_entry(monkeypatch):
    # Workers are fresh interpreters: they find the fake audits through PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    return "fake_audits:flaky"


def test_crash_and_oom_become_error_rows_and_the_batch_goes_on(tmp_path, flaky_entry):
    subs = tmp_path / "subs"
    submission(subs, "b-crash", {"crash.bin": CLEAN})
    submission(subs, "c-oom", {"oom.bin": CLEAN})
    submission(subs, "d-good", {"fw.bin": CLEAN})
    out = tmp_path / "out"
    # The default worker timeout: nothing in this batch hangs, so how long it takes does not matter.
    options = BatchOptions(
        out=out, policy=Policy.load(EXAMPLE_POLICY), jobs=2, memory_limit=1024 * 1024**2, entry=flaky_entry
    )
    result = run_batch(subs, options, progress=False)

    rows = {r["submission"]: r for r in journal_rows(out)}
    assert set(rows) == {"b-crash", "c-oom", "d-good"}
    assert rows["b-crash"]["status"] == "error"
    assert "killed by signal 6, SIGABRT" in rows["b-crash"]["error"]
    assert rows["c-oom"]["status"] == "error"
    assert "out of memory" in rows["c-oom"]["error"]
    assert rows["d-good"]["status"] == "audited"
    assert rows["d-good"]["outcome"] == "accept"
    # A failed image is never accepted unseen: the example policy sends unverifiable images to review.
    assert {rows[n]["outcome"] for n in ("b-crash", "c-oom")} == {"review"}
    # Every image has its row whatever order the workers finished in; no row was written twice.
    assert sorted(r["submission"] for r in journal_rows(out)) == ["b-crash", "c-oom", "d-good"]
    assert result.exit_code == ExitCode.REVIEW
    assert "SIGABRT" in (out / "summary.html").read_text(encoding="utf-8")


def test_a_hung_worker_is_killed_and_frees_its_slot(tmp_path, flaky_entry):
    subs = tmp_path / "subs"
    submission(subs, "a-hang", {"hang.bin": CLEAN})
    submission(subs, "b-hang", {"hang.bin": CLEAN})
    out = tmp_path / "out"
    # One slot and two images that hang: the second gets its turn only if the first worker was killed.
    options = BatchOptions(
        out=out, policy=Policy.load(EXAMPLE_POLICY), jobs=1, timeout=HANG_TIMEOUT, entry=flaky_entry
    )
    result = run_batch(subs, options, progress=False)

    rows = {r["submission"]: r for r in journal_rows(out)}
    assert set(rows) == {"a-hang", "b-hang"}
    for row in rows.values():
        assert row["status"] == "error"
        assert f"timed out after {HANG_TIMEOUT:g} s" in row["error"]
        assert row["outcome"] == "review"
    assert result.exit_code == ExitCode.REVIEW
    assert "timed out after" in (out / "summary.html").read_text(encoding="utf-8")


def test_a_submission_that_cannot_be_read_is_an_error_row(tmp_path):
    subs = tmp_path / "subs"
    (subs / "no-sidecar").mkdir(parents=True)
    (subs / "no-sidecar" / "fw.bin").write_bytes(b"x" * 100)
    submission(subs, "bad-country", {"fw.bin": b"y" * 100}, country="Germany")
    submission(subs, "missing-file", {"fw.bin": b"z" * 100}, firmware=["other.bin"])
    out = tmp_path / "out"
    result = run_batch(
        subs, BatchOptions(out=out, policy=Policy.load(EXAMPLE_POLICY), jobs=1), progress=False
    )
    rows = {r["submission"]: r for r in journal_rows(out)}
    assert "no submission.toml" in rows["no-sidecar"]["error"]
    assert "'Germany' is not an ISO 3166-1 alpha-2 code" in rows["bad-country"]["error"]
    assert "'other.bin' is not a regular file" in rows["missing-file"]["error"]
    assert all(r["outcome"] == "review" and r["image"] is None for r in rows.values())
    assert result.exit_code == ExitCode.REVIEW
    assert result.audited == 0


def test_an_output_that_cannot_be_rendered_is_that_image_s_error_row(tmp_path, monkeypatch):
    # A renderer failing on what one firmware holds (a URL CycloneDX refused, before it was escaped)
    # ended the whole batch; it is that image's error now, and the batch goes on.
    real = runner.render

    def render(report, fmt):
        if fmt == "cyclonedx" and report.image.name == "bad.bin":
            raise ValueError("a URI the library refuses")
        return real(report, fmt)

    monkeypatch.setattr(runner, "render", render)
    subs = tmp_path / "subs"
    submission(subs, "a-bad", {"bad.bin": CLEAN})
    submission(subs, "b-good", {"fw.bin": CLEAN})
    out = tmp_path / "out"
    result = run_batch(
        subs, BatchOptions(out=out, policy=Policy.load(EXAMPLE_POLICY), jobs=1), progress=False
    )
    rows = {r["submission"]: r for r in journal_rows(out)}
    assert rows["a-bad"]["status"] == "error"
    assert (
        rows["a-bad"]["error"]
        == "the cyclonedx report could not be written: ValueError: a URI the library refuses"
    )
    assert rows["a-bad"]["outcome"] == "review"
    assert rows["b-good"]["status"] == "audited"
    assert result.exit_code == ExitCode.REVIEW
