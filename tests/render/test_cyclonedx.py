"""CycloneDX 1.6, valid by the library's own validator: SDKs, SoC and servers with supplier and country."""

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from hostile import hostile_report

from firmware_audit.audit import audit
from firmware_audit.model import (
    Category,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Finding,
    Location,
    Severity,
)
from firmware_audit.render import cyclonedx

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _valid(text):
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    return json.loads(text)


@pytest.fixture(scope="module")
def xm():
    report = audit(CORPUS / "images" / "01-xm-hi3516ev300-general.bin", policy=CORPUS / "policy-example.toml")
    return report, _valid(cyclonedx.render(report))


def test_sdks_are_components_with_supplier_country_and_where_found(xm):
    report, bom = xm
    assert bom["specVersion"] == "1.6"
    families = {f.sdk.family: f for f in report.findings if f.sdk is not None}
    components = {c["bom-ref"]: c for c in bom["components"]}
    for family, finding in families.items():
        component = components[f"sdk:{family}"]
        assert component["supplier"]["name"] == finding.sdk.vendor
        assert component["supplier"]["address"]["country"] == finding.sdk.vendor_country
        found_in = {o["location"] for o in component["evidence"]["occurrences"]}
        assert finding.location.path in found_in
    soc = components["soc"]
    assert soc["type"] == "device"
    assert soc["name"] == "Hi3516EV300"
    assert soc["supplier"]["address"]["country"] == "CN"


def test_servers_are_services_with_provider_country(xm):
    report, bom = xm
    services = {s["name"]: s for s in bom["services"]}
    hosts = {
        f.endpoint.host.lower(): f.endpoint
        for f in report.findings
        if f.endpoint and f.endpoint.role != "reference"
    }
    assert set(services) == set(hosts)
    cfg = services["pub-cfg.secu100.net"]
    assert cfg["provider"]["address"]["country"] == "CN"
    assert {"name": "firmware-audit:role", "value": "cloud"} in cfg["properties"]


def test_the_firmware_is_the_subject_with_hash_and_decision(xm):
    report, bom = xm
    subject = bom["metadata"]["component"]
    assert subject["type"] == "firmware"
    assert subject["hashes"] == [{"alg": "SHA-256", "content": report.image.sha256}]
    assert {"name": "firmware-audit:decision", "value": "reject"} in bom["metadata"]["properties"]
    firmware = next(d for d in bom["dependencies"] if d["ref"] == "firmware")
    assert set(firmware["dependsOn"]) == {c["bom-ref"] for c in bom["components"]}


def test_deterministic_and_declared_supplier(tmp_path):
    report = hostile_report(tmp_path)
    first, second = cyclonedx.render(report), cyclonedx.render(report)
    assert first == second
    bom = _valid(first)
    assert bom["metadata"]["component"]["supplier"]["name"] == report.declared.vendor


def test_open_source_components_with_version(xm):
    report, bom = xm
    found = {
        (f.lineage.component, f.lineage.component_version)
        for f in report.findings
        if f.lineage and f.lineage.component
    }
    assert found
    components = {c["bom-ref"]: c for c in bom["components"]}
    for name, version in found:
        component = components[f"component:{name}:{version or ''}"]
        assert component["name"] == name
        assert component.get("version") == version


def test_url_templates_of_the_firmware_make_a_valid_bom(xm):
    # A Yi camera's cloud library holds `http://%s.blob.core.windows.net/...` (a printf template):
    # the library refuses such a URI, and before, one cost the whole SBOM (and a batch's run).
    report, _ = xm
    template = "http://%s.blob.core.windows.net/%s/%s?api-version=%s&%s#a#b"
    location = Location(path="/lib/libcloud.so")
    finding = Finding(
        id=Finding.fingerprint("endpoint/hardcoded", location, template),
        category=Category.ENDPOINT,
        rule="endpoint/hardcoded",
        title="cloud endpoint blob.core.windows.net",
        severity=Severity.MEDIUM,
        confidence=0.8,
        location=location,
        endpoint=EndpointPayload(
            value=template, kind=EndpointKind.URL, host="blob.core.windows.net", role=EndpointRole.CLOUD
        ),
    )
    bom = _valid(cyclonedx.render(report.model_copy(update={"findings": (*report.findings, finding)})))
    (service,) = [s for s in bom["services"] if s["name"] == "blob.core.windows.net"]
    assert service["endpoints"] == ["http://%25s.blob.core.windows.net/%25s/%25s?api-version=%25s&%25s#a%23b"]
