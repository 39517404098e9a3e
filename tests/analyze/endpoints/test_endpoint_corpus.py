"""The endpoint analyzer on the synthetic corpus: ground truth roles and countries, the clean image."""

import tomllib

import pytest
from conftest import ROOT

from firmware_audit.audit import audit
from firmware_audit.model import EndpointRole, Severity

IMAGES = ROOT / "corpus" / "images"
ENTRIES = tomllib.loads((ROOT / "corpus" / "manifest.toml").read_text(encoding="utf-8"))["image"]


def entry(number: str) -> dict:
    return next(e for e in ENTRIES if e["file"].startswith(number))


@pytest.fixture(scope="module")
def reports():
    cache = {}

    def report(e):
        if e["file"] not in cache:
            cache[e["file"]] = audit(IMAGES / e["file"])
        return cache[e["file"]]

    return report


@pytest.mark.parametrize("e", [pytest.param(e, id=e["file"]) for e in ENTRIES if e.get("endpoints")])
def test_every_ground_truth_endpoint_has_its_role_and_country(e, reports) -> None:
    found: dict[str, set[tuple[str, str | None]]] = {}
    for f in reports(e).findings:
        if f.endpoint is not None and f.endpoint.role is not EndpointRole.REFERENCE:
            found.setdefault(f.endpoint.host, set()).add((f.endpoint.role.value, f.endpoint.country))
    for truth in e["endpoints"]:
        assert found.get(truth["host"].lower()) == {(truth["role"], truth["country"])}, truth["host"]


def test_the_clean_image_has_no_endpoint_finding_above_info(reports) -> None:
    report = reports(entry("10"))
    endpoints = [f for f in report.findings if f.endpoint is not None]
    assert endpoints
    assert all(f.severity is Severity.INFO for f in endpoints)
    assert all(f.endpoint.role is EndpointRole.REFERENCE or f.endpoint.reserved for f in endpoints)
    assert report.verdict.countries == {}


def test_the_clean_images_references_are_never_servers(reports) -> None:
    e = entry("10")
    servers = {
        f.endpoint.value
        for f in reports(e).findings
        if f.endpoint is not None
        and f.endpoint.role is not EndpointRole.REFERENCE
        and not f.endpoint.reserved
    }
    assert not servers & set(e["references"])


def test_decoded_servers_show_the_init_string(reports) -> None:
    report = reports(entry("08"))
    finding = next(f for f in report.findings if f.endpoint and f.endpoint.host == "s2.eye4.cn")
    [init] = [ev for ev in finding.evidence if ev.kind == "p2p-init-string"]
    assert init.value.startswith("ADCBBFAOPPJAHGJ")
    assert "s2.eye4.cn" in (init.context or "")
    assert finding.rule == "endpoint/p2p-init-string"


def test_code_references_name_the_using_function(reports) -> None:
    report = reports(entry("05"))
    finding = next(
        f
        for f in report.findings
        if f.endpoint
        and f.endpoint.host == "m4.iotcplatform.com"
        and any(loc.path.endswith("libIOTCAPIs.so") for loc in f.locations)
    )
    [code] = [
        ev
        for ev in finding.evidence
        if ev.kind == "code-reference" and ev.location.path.endswith("libIOTCAPIs.so")
    ]
    assert code.value == "IOTC_Initialize2"
