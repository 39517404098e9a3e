"""The same claim made in many places is one finding with every location."""

import pytest
from builders import tar_of
from conftest import ROOT

from firmware_audit.analyze.endpoints import EndpointAnalyzer
from firmware_audit.analyze.merge import merge
from firmware_audit.audit import audit
from firmware_audit.model import Category, Evidence, Finding, Location, Severity, TracePayload

DAHUA_PRODUCT = ROOT.parent / "shared" / "real-firmware" / "camera" / "dahua_themis_V2.400.0000.34.R.20160801"


def _trace(path: str, detail: str = "x", offset: int = 0) -> Finding:
    loc = Location(path=path, offset=offset)
    return Finding(
        id=Finding.fingerprint("t", loc, detail),
        category=Category.REBRANDING,
        rule="t",
        title=detail,
        severity=Severity.LOW,
        confidence=1.0,
        location=loc,
        trace=TracePayload(kind="string", detail=detail),
    )


def test_merge_keeps_the_first_in_path_order_with_every_location() -> None:
    merged = merge([_trace("/b", offset=4), _trace("/a", offset=9), _trace("/c", "other"), _trace("/a")])
    assert len(merged) == 2
    same = next(f for f in merged if f.title == "x")
    assert same.id == _trace("/a").id
    assert [(loc.path, loc.offset) for loc in same.locations] == [("/a", 0), ("/a", 9), ("/b", 4)]


def test_merge_keeps_evidence_only_another_location_shows() -> None:
    plain = _trace("/a")
    used = _trace("/b")
    used = used.model_copy(
        update={"evidence": (Evidence(kind="code-reference", value="main", location=used.location),)}
    )
    (merged,) = merge([used, plain])
    assert [(e.kind, e.location.path) for e in merged.evidence] == [("code-reference", "/b")]


def test_configuration_files_that_differ_in_a_model_name_give_one_finding_per_server() -> None:
    config = '{{"Model": "{model}", "DDNS": {{"Server": "www.dahuaddns.com"}}, "DNS": "8.8.8.8"}}\n'
    files = {
        f"product/{m}/CustomConfig": config.format(model=m).encode() for m in ("HX4120", "HX4220", "HX4320")
    }
    report = audit(tar_of(files), analyzers=(EndpointAnalyzer(),))
    hosts = [f.endpoint.host for f in report.findings if f.endpoint is not None]
    assert sorted(hosts) == ["8.8.8.8", "www.dahuaddns.com"]
    for finding in report.findings:
        assert [loc.path for loc in finding.locations] == [f"/{p}" for p in sorted(files)]


@pytest.mark.skipif(not DAHUA_PRODUCT.is_dir(), reason="../shared/real-firmware (vendor firmware) is absent")
def test_the_dahua_product_partition_has_one_finding_per_server() -> None:
    report = audit(DAHUA_PRODUCT / "pd-x.squashfs.img", home_country="KR")
    endpoints = [f for f in report.findings if f.category is Category.ENDPOINT]
    by_host: dict[str, list[Finding]] = {}
    for finding in endpoints:
        by_host.setdefault(finding.endpoint.host, []).append(finding)
    assert "www.dahuaddns.com" in by_host
    for host, found in by_host.items():
        assert len(found) == 1, host
    # The 24 model folders' configuration files are each a location of every server they name.
    assert max(f.count for f in endpoints) >= 24
