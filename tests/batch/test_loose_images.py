"""A batch folder of loose firmware files: each is audited as an undeclared submission, and said so."""

import pytest
from batch_helpers import EXAMPLE_POLICY, journal_rows, submission

from firmware_audit.batch import BatchOptions, discover, run_batch
from firmware_audit.batch.runner import BatchError
from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.policy import Policy


def test_loose_files_are_undeclared_submissions_beside_the_folders(tmp_path):
    submission(tmp_path, "acme", {"fw.bin": b"1"})
    (tmp_path / "b.bin").write_bytes(b"2")
    (tmp_path / "a.bin").write_bytes(b"3")
    (tmp_path / ".hidden").write_bytes(b"4")
    (tmp_path / "link.bin").symlink_to(tmp_path / "a.bin")
    subs = discover(tmp_path)
    assert [(s.name, s.declared is None, [p.name for p in s.images]) for s in subs] == [
        ("acme", False, ["fw.bin"]),
        ("a.bin", True, ["a.bin"]),
        ("b.bin", True, ["b.bin"]),
    ]
    assert all(s.problem is None for s in subs)


def test_a_folder_of_loose_images_is_audited_and_the_note_says_how(tmp_path):
    root = tmp_path / "drop"
    root.mkdir()
    (root / "cam1.bin").write_bytes(b"\x00" * 64 + b"random firmware bytes" * 20)
    (root / "cam2.bin").write_bytes(b"\xff" * 64 + b"other firmware bytes" * 20)
    out = tmp_path / "out"
    result = run_batch(
        root, BatchOptions(out=out, policy=Policy.load(EXAMPLE_POLICY), jobs=1), progress=False
    )
    rows = {r["submission"]: r for r in journal_rows(out)}
    assert set(rows) == {"cam1.bin", "cam2.bin"}
    assert all(r["status"] == "audited" for r in rows.values())
    assert result.audited == 2
    (note,) = result.notes
    assert note.startswith(f"2 firmware files lie loose in {root} and were audited as undeclared submissions")
    assert "submission.toml" in note


def test_an_empty_folder_is_no_success(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match="no submissions"):
        run_batch(tmp_path / "empty", BatchOptions(out=tmp_path / "out"), progress=False)
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out2")]) == ExitCode.USAGE
    assert "submission.toml" in capsys.readouterr().err
