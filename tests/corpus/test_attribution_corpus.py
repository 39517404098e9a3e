"""Done-when of the attribution: the manifest's OEM first, contradictions exactly where it lists them,
the encrypted image unverifiable, the clean image without a foreign trace."""

import pytest
from corpus_data import ENTRIES, IMAGES, entry

from firmware_audit.analyze.observations import one_per_observation
from firmware_audit.audit import audit
from firmware_audit.declaration import read_declaration
from firmware_audit.model import Declared, Severity
from firmware_audit.signatures.catalogue import catalogue


def _declared(e):
    if "submission" in e:
        return read_declaration(IMAGES / e["submission"])[0]
    return Declared(**e["declared"]) if "declared" in e else None


@pytest.fixture(scope="module")
def reports():
    return {e["file"]: audit(IMAGES / e["file"], declared=_declared(e)) for e in ENTRIES}


@pytest.mark.parametrize("e", [pytest.param(e, id=e["file"]) for e in ENTRIES])
def test_oem_ranked_first_or_none_claimed(reports, e) -> None:
    oem = reports[e["file"]].verdict.oem
    if e["oem"]:
        assert oem, e["file"]
        assert (oem[0].vendor, oem[0].country) == (e["oem"], e["oem_country"])
        assert oem[0].confidence >= 0.5
    else:
        assert oem == ()


@pytest.mark.parametrize("e", [pytest.param(e, id=e["file"]) for e in ENTRIES])
def test_contradictions_exactly_where_the_manifest_lists_them(reports, e) -> None:
    found = [c.field for c in reports[e["file"]].verdict.contradictions]
    assert found == e.get("contradictions", [])


@pytest.mark.parametrize("e", [pytest.param(e, id=e["file"]) for e in ENTRIES if e["oem"]])
def test_a_truthful_declaration_is_not_contradicted(e) -> None:
    truthful = Declared(vendor=e["oem"], model="any", country=e["oem_country"])
    assert audit(IMAGES / e["file"], declared=truthful).verdict.contradictions == ()


def test_the_encrypted_image_is_unverifiable(reports) -> None:
    verdict = reports["11-encrypted.bin"].verdict
    assert verdict.unverifiable
    assert "encrypted" in verdict.unverifiable_reason


def test_the_clean_image_has_no_trace_and_no_contradiction(reports) -> None:
    report = reports[entry("10")["file"]]
    traces = [f for f in report.findings if f.trace is not None]
    # Its build environment is reported (banners, its own programs, its root hash) but names no maker.
    assert traces
    assert [f for f in traces if f.trace.vendor is not None or f.severity is not Severity.INFO] == []
    assert report.verdict.contradictions == ()
    assert report.verdict.oem == ()


def test_every_finding_has_its_rule_and_weight_in_the_catalogue(reports) -> None:
    rows = catalogue()
    for report in reports.values():
        for finding in report.findings:
            assert rows.rule(finding.rule) is not None, finding.rule
            if finding.trace is not None:
                assert rows.weight(f"trace:{finding.trace.kind}") is not None, finding.trace.kind


def test_one_observation_is_one_finding(reports) -> None:
    # A toolchain banner is one chip clue (chip/toolchain), never also a trace of its own.
    for report in reports.values():
        assert not [f for f in report.findings if f.rule == "trace/toolchain"]
        banners = [(f.location.path, f.chip.detail) for f in report.findings if f.rule == "chip/toolchain"]
        assert len(banners) == len(set(banners))
        # No trace is left that another rule's finding repeats on the same bytes.
        assert one_per_observation(report.findings) == list(report.findings)
