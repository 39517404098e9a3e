import json

import pytest
from pydantic import ValidationError

from firmware_audit.model import (
    Category,
    Coverage,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Evidence,
    Finding,
    ImageInfo,
    Issue,
    IssueKind,
    Location,
    Report,
    SdkKind,
    SdkPayload,
    Severity,
    Signatures,
    Tool,
    UnexplainedRegion,
    Verdict,
)
from firmware_audit.model.schema import SCHEMA_PATH, schema_text


def _finding(path: str, rule: str, host: str) -> Finding:
    loc = Location(path=path, offset=16)
    return Finding(
        id=Finding.fingerprint(rule, loc, host),
        category=Category.ENDPOINT,
        rule=rule,
        title=f"hardcoded server {host}",
        severity=Severity.HIGH,
        confidence=0.9,
        location=loc,
        evidence=(Evidence(kind="string", value=host, location=loc, context=f"..{host}.."),),
        endpoint=EndpointPayload(value=host, kind=EndpointKind.HOSTNAME, host=host, role=EndpointRole.CLOUD),
    )


def _report(findings: tuple[Finding, ...] = (), issues: tuple[Issue, ...] = ()) -> Report:
    return Report(
        tool=Tool(name="firmware_audit", version="0.1.0"),
        signatures=Signatures(version="0.1.0", digest="0" * 64),
        image=ImageInfo(path="/x/fw.bin", name="fw.bin", size=100, sha256="a" * 64),
        files=3,
        coverage=Coverage(
            bytes_total=100,
            bytes_explained=60,
            explained_ratio=0.6,
            unexplained=(
                UnexplainedRegion(
                    location=Location(path="/b", offset=8), length=40, image_bytes=40, entropy=7.9
                ),
                UnexplainedRegion(
                    location=Location(path="/a", offset=0), length=1, image_bytes=0, entropy=0.0
                ),
            ),
        ),
        findings=findings,
        issues=issues,
        verdict=Verdict(countries={"US": 1, "CN": 2}),
    )


def test_json_round_trip_is_exact() -> None:
    report = _report((_finding("/b", "r1", "x.example.cn"),))
    again = Report.from_json(report.to_json())
    assert again == report
    assert again.to_json() == report.to_json()


def test_output_is_sorted_whatever_the_input_order() -> None:
    f1, f2 = _finding("/b/sofia", "r1", "a.example.cn"), _finding("/a/init", "r1", "b.example.cn")
    i1 = Issue(kind=IssueKind.TRUNCATED, location=Location(path="/z"), message="cut")
    i2 = Issue(kind=IssueKind.LIMIT, location=Location(path="/a"), message="depth")
    one = _report((f1, f2), (i1, i2))
    two = _report((f2, f1), (i2, i1))
    assert one.to_json() == two.to_json()
    assert [f.location.path for f in one.findings] == ["/a/init", "/b/sofia"]
    assert [i.location.path for i in one.issues] == ["/a", "/z"]
    assert list(one.verdict.countries) == ["CN", "US"]
    assert [r.location.path for r in one.coverage.unexplained] == ["/a", "/b"]


def test_findings_carry_no_timestamps_and_stable_ids() -> None:
    finding = _finding("/bin/sofia", "endpoint.cloud", "cloud.example.cn")
    assert finding.id == _finding("/bin/sofia", "endpoint.cloud", "cloud.example.cn").id
    assert finding.id != _finding("/bin/other", "endpoint.cloud", "cloud.example.cn").id
    dumped = json.loads(finding.model_dump_json())
    assert not {k for k in dumped if "time" in k or "date" in k}


def test_a_finding_has_exactly_one_payload() -> None:
    loc = Location(path="/lib/libhi.so")
    sdk = SdkPayload(family="hisilicon-mpp", vendor="HiSilicon", kind=SdkKind.SOC)
    endpoint = EndpointPayload(value="h", kind=EndpointKind.HOSTNAME, host="h", role=EndpointRole.UNKNOWN)
    common = {
        "id": "x",
        "rule": "r",
        "title": "t",
        "severity": Severity.INFO,
        "confidence": 1.0,
        "location": loc,
    }
    with pytest.raises(ValidationError, match="exactly one payload"):
        Finding(category=Category.SDK, **common)
    with pytest.raises(ValidationError, match="exactly one payload"):
        Finding(category=Category.SDK, sdk=sdk, endpoint=endpoint, **common)
    assert Finding(category=Category.SDK, sdk=sdk, **common).sdk == sdk


def test_models_are_frozen_and_strict() -> None:
    report = _report()
    with pytest.raises(ValidationError):
        report.files = 5  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Location(path="/a", offset=-1)
    with pytest.raises(ValidationError):
        Location.model_validate({"path": "/a", "surprise": 1})


def test_severity_order() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4]
    assert Severity.CRITICAL.rank > Severity.INFO.rank


def test_committed_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "schemas/report.schema.json is stale: run `python -m firmware_audit.model.schema --write`"
    )
