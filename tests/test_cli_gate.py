"""The command line of the gate: `audit --policy` exit codes, the output formats, and `batch`."""

import json
import shutil
from pathlib import Path

import pytest

from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "corpus" / "images"
EXAMPLE = ROOT / "corpus" / "policy-example.toml"


@pytest.mark.parametrize(
    ("image", "policy", "code"),
    [
        ("10-clean-domestic.bin", 'home_country = "DE"', ExitCode.AUDITED),
        ("11-encrypted.bin", 'home_country = "DE"', ExitCode.REVIEW),
        ("11-encrypted.bin", 'home_country = "DE"\non_unverifiable = "reject"', ExitCode.REJECT),
    ],
)
def test_audit_exit_code_is_the_decision(tmp_path, image, policy, code):
    path = tmp_path / "policy.toml"
    path.write_text(policy, encoding="utf-8")
    out = tmp_path / "r.json"
    assert (
        main(["audit", str(IMAGES / image), "--policy", str(path), "--format", "json", "-o", str(out)])
        == code
    )
    assert (
        json.loads(out.read_text())["decision"]["outcome"] == {0: "accept", 10: "review", 11: "reject"}[code]
    )


def test_a_bad_policy_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "policy.toml"
    path.write_text('home_country = "DE"\non_contradiction = "ignore"', encoding="utf-8")
    assert main(["audit", str(IMAGES / "11-encrypted.bin"), "--policy", str(path)]) == ExitCode.USAGE
    assert (
        f"{path}: on_contradiction: 'ignore' is not one of accept, review, reject" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("sarif", '"version": "2.1.0"'), ("html", "<!DOCTYPE html>"), ("cyclonedx", '"bomFormat": "CycloneDX"')],
)
def test_output_formats(tmp_path, fmt, marker):
    out = tmp_path / "report"
    assert (
        main(["audit", str(IMAGES / "10-clean-domestic.bin"), "--format", fmt, "-o", str(out)])
        == ExitCode.AUDITED
    )
    assert marker in out.read_text(encoding="utf-8")


def test_batch_command(tmp_path, capsys):
    subs = tmp_path / "subs"
    for name, image in (("clean", "10-clean-domestic.bin"), ("locked", "11-encrypted.bin")):
        (subs / name).mkdir(parents=True)
        shutil.copyfile(IMAGES / image, subs / name / image)
        (subs / name / "submission.toml").write_text('vendor = "V"\nmodel = "M"\ncountry = "DE"\n')
    code = main(["batch", str(subs), "--policy", str(EXAMPLE), "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == ExitCode.REVIEW
    out = tmp_path / "subs-audit"  # the default: beside the submissions folder
    assert (out / "summary.html").is_file()
    assert len((out / "results.jsonl").read_text().splitlines()) == 2
    assert "Batch summary" in captured.out
    assert "[2/2]" in captured.err  # plain progress lines when stderr is not a terminal
    assert main(["batch", str(tmp_path / "missing")]) == ExitCode.USAGE


def test_text_report_shows_the_decision(capsys):
    assert main(["audit", str(IMAGES / "11-encrypted.bin"), "--policy", str(EXAMPLE)]) == ExitCode.REVIEW
    text = capsys.readouterr().out
    assert "Decision: REVIEW\n  - unverifiable: only 0% of the image could be explained" in text
