import importlib
from collections.abc import Iterable
from typing import ClassVar

from builders import gz, noise, uimage
from conftest import ROOT

from firmware_audit.analyze import FileContext
from firmware_audit.audit import audit
from firmware_audit.extract import Limits, Node, unpack
from firmware_audit.model import (
    Category,
    Declared,
    Finding,
    IssueKind,
    Location,
    Severity,
    TracePayload,
)


class _Marker:
    """Finds the word 'sofia' in any file."""

    name: ClassVar[str] = "marker"
    version: ClassVar[str] = "1"

    def applies_to(self, node: Node) -> bool:
        return node.size > 0

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        data = ctx.data()
        at = data.find(b"sofia")
        if at < 0:
            return
        loc = Location(path=ctx.node.path, offset=at)
        yield Finding(
            id=Finding.fingerprint("marker", loc, "sofia"),
            category=Category.REBRANDING,
            rule="marker",
            title="sofia",
            severity=Severity.LOW,
            confidence=1.0,
            location=loc,
            trace=TracePayload(kind="string", detail="sofia"),
        )


class _Broken:
    name: ClassVar[str] = "broken"
    version: ClassVar[str] = "0"

    def applies_to(self, node: Node) -> bool:
        return node.is_file

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        raise RuntimeError(f"boom at {ctx.node.path}")


def test_report_without_analyzers_has_coverage_issues_and_file_count() -> None:
    report = audit(uimage(gz(b"x" * 5000), comp=1))
    assert report.files == 2
    assert report.findings == ()
    assert report.coverage.bytes_total > 0
    assert report.signatures.digest
    assert not report.verdict.unverifiable


def test_analyzer_findings_and_failures_land_in_the_report() -> None:
    report = audit(uimage(gz(b"..sofia.." * 100), comp=1), analyzers=(_Marker(), _Broken()))
    assert [f.location.path for f in report.findings] == ["/payload!/payload"]
    errors = [i for i in report.issues if i.kind is IssueKind.ANALYZER_ERROR]
    assert len(errors) == 2
    assert "analyzer broken 0 failed: RuntimeError: boom at /payload" in errors[0].message


def test_unreadable_image_is_unverifiable_never_clean() -> None:
    report = audit(noise(64 * 1024), declared=Declared(vendor="DVision", country="KR"))
    assert report.verdict.unverifiable
    assert "could be explained" in (report.verdict.unverifiable_reason or "")
    assert report.declared == Declared(vendor="DVision", country="KR")


def test_same_image_same_report() -> None:
    image = uimage(gz(b"abc" * 999), comp=1)
    assert audit(image).to_json() == audit(image).to_json()


def test_an_image_nothing_opens_is_still_analysed() -> None:
    report = audit(noise(2000) + b"..sofia.." + noise(2000, seed=2), analyzers=(_Marker(),))
    assert [f.location.path for f in report.findings] == [""]


def test_analysis_time_budget_is_an_issue() -> None:
    tree = unpack(uimage(gz(b"..sofia.." * 100), comp=1))
    report = audit(tree, analyzers=(_Marker(),), limits=Limits(time_budget=-1.0))
    assert report.findings == ()
    (issue,) = [i for i in report.issues if i.kind is IssueKind.LIMIT]
    assert "analysis time budget spent; 2 files not analysed" in issue.message


def test_huge_files_are_listed_not_analysed(monkeypatch) -> None:
    monkeypatch.setattr(importlib.import_module("firmware_audit.analyze.run"), "MAX_ANALYZED_FILE", 100)
    report = audit(uimage(gz(b"..sofia.." * 100), comp=1), analyzers=(_Marker(),))
    limits = [i for i in report.issues if i.kind is IssueKind.LIMIT]
    assert {i.location.path for i in limits} == {"/payload!/payload"}
    assert "not analysed: 900 bytes, more than 100" in limits[0].message


def test_audit_of_a_tree_takes_the_home_country_from_the_policy() -> None:
    from firmware_audit.policy import Policy  # noqa: PLC0415  (only this test needs it)

    tree = unpack(ROOT / "corpus" / "images" / "01-xm-hi3516ev300-general.bin")
    policy = Policy.load(ROOT / "corpus" / "policy-example.toml")
    with_policy = audit(tree, policy=policy)
    explicit = audit(tree, policy=policy, home_country=policy.home_country)
    assert with_policy.findings == explicit.findings
    assert any(f.severity.rank >= 3 for f in with_policy.findings if f.endpoint is not None)
