import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import gz, uimage

from firmware_audit import cli
from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.model import Report


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "fw.bin"
    path.write_bytes(uimage(gz(b"kernel log line\n" * 200), comp=3))
    return path


def test_audit_json_report_round_trips(image, tmp_path) -> None:
    out = tmp_path / "r.json"
    assert main(["audit", str(image), "--format", "json", "-o", str(out)]) == ExitCode.AUDITED
    report = Report.from_json(out.read_text())
    assert report.image.name == "fw.bin"
    assert report.files == 2
    assert report.issues[0].kind == "mislabeled"
    assert report.coverage.bytes_total == image.stat().st_size
    assert json.loads(out.read_text())["schema_version"].startswith("1.")


def test_audit_text_to_stdout_with_declared_identity(image, capsys) -> None:
    code = main(["audit", str(image), "--declared-vendor", "DVision", "--declared-country", "kr"])
    text = capsys.readouterr().out
    assert code == ExitCode.AUDITED
    assert "Declared: DVision (KR)" in text
    assert "uImage header says lzma" in text


def test_extract_list_and_provenance(image, capsys) -> None:
    assert main(["extract", str(image), "--list"]) == ExitCode.AUDITED
    assert capsys.readouterr().out.splitlines() == ["/payload", "/payload!/payload"]
    main(["extract", str(image), "--list", "--provenance"])
    assert "fw.bin » uimage » /payload » gzip » /payload" in capsys.readouterr().out


def test_extract_to_directory(image, tmp_path, capsys) -> None:
    out = tmp_path / "x"
    assert main(["extract", str(image), "--to", str(out)]) == ExitCode.AUDITED
    assert (out / "payload.extracted" / "payload").read_bytes() == b"kernel log line\n" * 200
    assert "wrote 2 files" in capsys.readouterr().err


def test_usage_errors(tmp_path, capsys) -> None:
    assert main(["audit", str(tmp_path / "missing.bin")]) == ExitCode.USAGE
    assert "not a readable file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["audit"])
    assert exc.value.code == ExitCode.USAGE


def test_console_script_runs(image) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "firmware_audit.cli", "audit", str(image), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == ExitCode.AUDITED, proc.stderr
    assert Report.from_json(proc.stdout).files == 2


def test_audit_home_country_grades_endpoints(capsys) -> None:
    xm = Path(__file__).resolve().parents[1] / "corpus" / "images" / "01-xm-hi3516ev300-general.bin"
    assert main(["audit", str(xm), "--format", "json"]) == ExitCode.AUDITED
    unjudged = Report.from_json(capsys.readouterr().out)
    assert main(["audit", str(xm), "--format", "json", "--home-country", "de"]) == ExitCode.AUDITED
    judged = Report.from_json(capsys.readouterr().out)
    after = {g.id: g.severity.value for g in judged.findings}
    levels = {f.endpoint.host: (f.severity.value, after[f.id]) for f in unjudged.findings if f.endpoint}
    assert levels["pub-cfg.secu100.net"] == ("low", "high")
    assert levels["8.8.8.8"] == ("low", "medium")
    assert judged.verdict.countries == {"CN": 12, "US": 1}
    assert main(["audit", str(xm), "--home-country", "Germany"]) == ExitCode.USAGE
    assert "two-letter" in capsys.readouterr().err


def test_audit_reads_a_submission_and_flags_override_it(image, tmp_path, capsys) -> None:
    sidecar = tmp_path / "submission.toml"
    sidecar.write_text('vendor = "Acme GmbH"\nmodel = "X1"\ncountry = "DE"\n', encoding="utf-8")
    assert main(["audit", str(image), "--submission", str(sidecar)]) == ExitCode.AUDITED
    assert "Declared: Acme GmbH (DE), model X1." in capsys.readouterr().out
    main(["audit", str(image), "--submission", str(sidecar), "--declared-country", "at"])
    assert "Declared: Acme GmbH (AT), model X1." in capsys.readouterr().out


def test_audit_rejects_an_unusable_submission(image, tmp_path, capsys) -> None:
    sidecar = tmp_path / "submission.toml"
    sidecar.write_text('vendor = "Acme GmbH"\n', encoding="utf-8")
    assert main(["audit", str(image), "--submission", str(sidecar)]) == ExitCode.USAGE
    assert "--submission: submission.toml must declare model, country" in capsys.readouterr().err
    assert main(["audit", str(image), "--declared-country", "Germany"]) == ExitCode.USAGE
    assert "--declared-country 'Germany'" in capsys.readouterr().err


def test_the_command_line_starts_without_the_unpacker_or_the_analyzers() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from firmware_audit.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "heavy = ('lief', 'capstone', 'yara', 'pydantic', 'rich', 'firmware_audit.extract.engine',\n"
        "         'firmware_audit.analyze')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_command_ends_at_once_with_its_whole_output(image, tmp_path) -> None:
    command = [sys.executable, "-m", "firmware_audit.cli", "audit", str(image), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == ExitCode.AUDITED
    assert Report.from_json(done.stdout).image.name == "fw.bin"
    out = tmp_path / "r.json"
    done = subprocess.run([*command, "-o", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == ExitCode.AUDITED
    assert Report.from_json(out.read_text()).files == 2
    missing = [*command[:4], str(tmp_path / "missing.bin")]
    usage = subprocess.run(missing, capture_output=True, text=True, check=False)
    assert usage.returncode == ExitCode.USAGE
    assert "missing.bin" in usage.stderr


@pytest.mark.parametrize("command", [["extract", "--list"], ["audit", "--format", "json"], ["audit"]])
def test_an_output_its_reader_closed_ends_the_command_quietly(image, command) -> None:
    # `firmware-audit extract IMAGE --list | head -1`: the reader is gone before the command writes
    # (its end of the pipe is closed before the command starts, so every write fails, whatever the timing).
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "firmware_audit.cli", command[0], str(image), *command[1:]],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == ExitCode.OUTPUT_CLOSED == 141
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr


def test_a_broken_pipe_that_is_not_the_output_is_a_bug(image, monkeypatch, capsys) -> None:
    def broken(_args):
        raise BrokenPipeError(32, "a pipe of our own")

    monkeypatch.setattr(cli, "_extract", broken)
    monkeypatch.setattr(cli, "_reader_gone", lambda: False)
    assert main(["extract", str(image), "--list"]) == ExitCode.INTERNAL
    assert "internal error" in capsys.readouterr().err


class _EndedError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _ended_at_once(code: int) -> None:
    raise _EndedError(code)


def test_run_ends_the_process_at_once_after_flushing(monkeypatch) -> None:
    monkeypatch.setattr(cli, "main", lambda: ExitCode.REVIEW)
    monkeypatch.setattr(cli.os, "_exit", _ended_at_once)
    with pytest.raises(_EndedError) as ended:
        cli.run()
    assert ended.value.code == ExitCode.REVIEW


def test_run_exits_the_ordinary_way_while_a_child_lives(monkeypatch) -> None:
    monkeypatch.setattr(cli, "main", lambda: ExitCode.REJECT)
    monkeypatch.setattr(cli.os, "_exit", _ended_at_once)
    stop = multiprocessing.get_context("spawn").Event()
    child = multiprocessing.get_context("spawn").Process(target=stop.wait, daemon=True)
    child.start()
    try:
        with pytest.raises(SystemExit) as exited:
            cli.run()
        assert exited.value.code == ExitCode.REJECT
    finally:
        stop.set()
        child.join()


class _ClosedPipe:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_run_exits_the_ordinary_way_when_the_output_cannot_be_flushed(monkeypatch) -> None:
    monkeypatch.setattr(cli, "main", lambda: ExitCode.AUDITED)
    monkeypatch.setattr(cli.os, "_exit", _ended_at_once)
    monkeypatch.setattr(cli.sys, "stdout", _ClosedPipe())
    with pytest.raises(SystemExit) as exited:
        cli.run()
    assert exited.value.code == ExitCode.AUDITED
