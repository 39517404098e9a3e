"""DataFrames of reports, evidence, tree entries and batch results."""

import hashlib

import pandas as pd
import pytest
from corpus_audits import XIONGMAI, audited, empty_report

from firmware_audit.batch.journal import Row
from firmware_audit.model import Declared, Outcome
from firmware_audit.notebook import batch_frame, batch_report, entries_frame, evidence_frame, findings_frame
from firmware_audit.notebook.frames import BATCH_COLUMNS, FINDING_COLUMNS


def test_one_row_per_finding_with_payload_columns():
    _, report = audited(XIONGMAI)
    frame = report.to_dataframe()
    assert list(frame.columns) == list(FINDING_COLUMNS)
    assert len(frame) == len(report.findings)
    assert list(frame["id"]) == [f.id for f in report.findings]
    server = frame.set_index("host").loc["pub-cfg.secu100.net"]
    assert (server.payload, server.role, server.country, server.vendor) == (
        "endpoint",
        "cloud",
        "CN",
        "Xiongmai",
    )
    assert server.severity == "high"  # foreign cloud server, home country DE
    mpp = frame[(frame.family == "hisilicon-mpp") & frame.path.str.endswith("/bin/Sofia")].iloc[0]
    assert (mpp.payload, mpp.vendor, mpp.kind, mpp.detail, mpp.library) == (
        "sdk",
        "HiSilicon",
        "soc",
        "imported",
        "libmpi.so",
    )
    chips = frame[frame.payload == "chip"]
    assert set(chips.kind) == {"chip-string", "kernel-module"}
    assert "HI3516EV300" in set(chips.detail)
    pd.testing.assert_frame_equal(frame, findings_frame(report))


def test_severity_is_ordered_and_offsets_are_integers():
    _, report = audited(XIONGMAI)
    frame = report.to_dataframe()
    assert frame["severity"].dtype.ordered
    assert list(frame["severity"].cat.categories) == ["info", "low", "medium", "high", "critical"]
    serious = frame[frame.severity >= "medium"]
    assert len(serious) == sum(1 for f in report.findings if f.severity.rank >= 2)
    assert str(frame["offset"].dtype) == "Int64"


def test_a_report_without_findings_has_the_columns():
    frame = empty_report().to_dataframe()
    assert frame.empty
    assert list(frame.columns) == list(FINDING_COLUMNS)


def test_evidence_of_one_finding():
    _, report = audited(XIONGMAI)
    finding = next(f for f in report.findings if f.endpoint and f.endpoint.host == "upgrade.secu100.net")
    frame = evidence_frame(finding)
    assert list(frame.columns) == ["kind", "value", "path", "offset", "context"]
    assert len(frame) == len(finding.evidence)
    assert list(frame["kind"]) == [e.kind for e in finding.evidence]
    assert "upgrade.secu100.net" in set(frame["value"])
    assert set(frame["path"]) == {"/user-x.cramfs.img!/payload!/bin/Sofia"}


def test_entries_of_a_listing_with_hashes():
    tree, _ = audited(XIONGMAI)
    frame = entries_frame(tree, tree.ls("/user-x.cramfs.img!/payload!/bin"), hashes=True)
    assert list(frame.path) == ["/user-x.cramfs.img!/payload!/bin/Sofia"]
    sofia = frame.iloc[0]
    assert (sofia.kind, sofia["size"]) == ("file", 5588)
    assert sofia.sha256 == hashlib.sha256(tree.read("/user-x.cramfs.img!/payload!/bin/Sofia")).hexdigest()
    everything = entries_frame(tree)
    assert len(everything) == len(tree)
    assert "sha256" not in everything.columns
    uimage = everything.set_index("path").loc["/user-x.cramfs.img"]
    assert (uimage.format, uimage.label) == ("uimage", "uImage 'user', arm standalone, gzip")


def _row(name, outcome, report=None, **extra):
    return Row(
        key=f"k-{name}",
        submission=name,
        image=f"{name}.bin",
        sha256="ab" * 32,
        declared=Declared(vendor=f"Vendor {name}", model="M1", country="DE"),
        signatures="sig",
        status="audited" if outcome else "error",
        outcome=outcome,
        reasons=(f"reason of {name}",) if outcome else (),
        findings=3,
        seconds=1.5,
        outputs={"json": report} if report else {},
        **extra,
    )


def test_batch_results_read_only_and_torn_line_skipped(tmp_path):
    _, report = audited(XIONGMAI)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.json").write_text(report.to_json(), encoding="utf-8")
    lines = [
        _row("a", Outcome.REJECT, "reports/a.json").model_dump_json(),
        _row("b", None, error="worker killed after 900 s").model_dump_json(),
    ]
    journal = tmp_path / "results.jsonl"
    content = ("\n".join(lines) + "\n" + '{"key": "torn').encode()
    journal.write_bytes(content)

    frame = batch_frame(tmp_path)
    assert journal.read_bytes() == content  # never repaired here: a running batch owns the file
    assert list(frame.columns) == list(BATCH_COLUMNS)
    assert list(frame.submission) == ["a", "b"]
    a, b = frame.iloc[0], frame.iloc[1]
    assert (a.outcome, a.reasons, a.vendor, a.country) == ("reject", ["reason of a"], "Vendor a", "DE")
    assert a.report == str(tmp_path / "reports" / "a.json")
    assert (b.status, b.error) == ("error", "worker killed after 900 s")
    assert pd.isna(b.outcome)
    assert pd.isna(b.report)
    pd.testing.assert_frame_equal(batch_frame(journal), frame)

    assert batch_report(a) == report
    assert batch_report(a.report) == report
    with pytest.raises(FileNotFoundError, match="b: no report"):
        batch_report(b)
