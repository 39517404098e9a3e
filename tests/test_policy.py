"""The acceptance policy: reading TOML with precise errors, and the decision with reasons citing findings."""

from pathlib import Path

import pytest

from firmware_audit.audit import audit
from firmware_audit.model import (
    Category,
    Contradiction,
    Coverage,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Finding,
    ImageInfo,
    Location,
    OemCandidate,
    Outcome,
    Report,
    SdkKind,
    SdkPayload,
    Severity,
    Signatures,
    Tool,
    Verdict,
)
from firmware_audit.policy import Policy, PolicyError, decide

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "corpus" / "policy-example.toml"


@pytest.fixture(scope="module")
def policy():
    return Policy.load(EXAMPLE)


def _endpoint(host, country, *, role=EndpointRole.CLOUD, severity=Severity.HIGH, vendor=None):
    location = Location(path="/bin/app", offset=16)
    return Finding(
        id=Finding.fingerprint("endpoint/test", location, host),
        category=Category.ENDPOINT,
        rule="endpoint/test",
        title=f"endpoint {host}",
        severity=severity,
        confidence=0.9,
        location=location,
        endpoint=EndpointPayload(
            value=host, kind=EndpointKind.HOSTNAME, host=host, role=role, country=country, vendor=vendor
        ),
    )


def _report(*findings, **verdict):
    return Report(
        tool=Tool(name="firmware_audit", version="0"),
        signatures=Signatures(version="0", digest="0"),
        image=ImageInfo(path="fw.bin", name="fw.bin", size=10, sha256="0" * 64),
        files=1,
        coverage=Coverage(bytes_total=10, bytes_explained=10, explained_ratio=1.0),
        findings=findings,
        verdict=Verdict(**verdict),
    )


def test_the_example_policy(policy):
    assert policy.home_country == "DE"
    assert policy.allows("de")
    assert policy.allows("FR")
    assert policy.allows("CH")
    assert not policy.allows("CN")
    assert not policy.allows("US")
    assert "Hikvision" in policy.banned_vendors
    assert policy.on_foreign_endpoint is Outcome.REJECT
    assert policy.on_banned_vendor is Outcome.REJECT
    assert policy.on_unverifiable is Outcome.REVIEW
    assert policy.on_contradiction is Outcome.REJECT
    assert policy.on_foreign_maker is Outcome.REJECT
    assert policy.min_severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'home_country = "DE"\non_foreign_endpoint = "block"',
            "on_foreign_endpoint: 'block' is not one of accept, review, reject",
        ),
        (
            'home_country = "DE"\nmin_severity = "severe"',
            "min_severity: 'severe' is not one of info, low, medium, high, critical",
        ),
        (
            'home_country = "DE"\nallowed_country = ["FR"]',
            "unknown key 'allowed_country'; allowed keys: allowed_countries,",
        ),
        ('home_country = "Germany"', "home_country: 'Germany' is not an ISO 3166-1 alpha-2 country code"),
        (
            'home_country = "DE"\nallowed_countries = ["FR", 7]',
            "allowed_countries: 7 is not an ISO 3166-1 alpha-2",
        ),
        ('home_country = "DE"\nbanned_vendors = "Hikvision"', "'banned_vendors' must be a list"),
        ('allowed_countries = ["FR"]', "missing key 'home_country'"),
        ("home_country = ", "not valid TOML"),
    ],
)
def test_errors_name_the_file_the_key_and_the_allowed_values(tmp_path, text, message):
    path = tmp_path / "buyer.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        Policy.load(path)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)


def test_a_missing_file_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read the policy"):
        Policy.load(tmp_path / "none.toml")


def test_round_trip_through_toml(policy):
    again = Policy.from_toml(policy.to_toml(), source="copy")
    assert again.digest() == policy.digest()
    assert again.allowed_countries == policy.allowed_countries
    assert Policy.from_toml('home_country = "DE"').digest() != policy.digest()


def test_foreign_endpoint_is_rejected_citing_the_finding(policy):
    cn, fr = _endpoint("cloud.example.cn", "CN"), _endpoint("cdn.example.fr", "FR")
    decision = decide(_report(cn, fr), policy)
    assert decision.outcome is Outcome.REJECT
    assert decision.reasons == (
        f"endpoints in CN, not an allowed country: cloud.example.cn (cloud) [findings {cn.id}]",
    )


def test_findings_below_the_minimum_severity_and_references_do_not_count(policy):
    low = _endpoint("pool.ntp.example.cn", "CN", role=EndpointRole.NTP, severity=Severity.LOW)
    ref = _endpoint("www.w3.example.us", "US", role=EndpointRole.REFERENCE)
    decision = decide(_report(low, ref), policy)
    assert decision.outcome is Outcome.ACCEPT
    assert decision.reasons[0].startswith(
        "no rule of policy-example.toml fired on the 1 findings at or above medium"
    )


def test_banned_vendor_as_a_whole_word_anywhere(policy):
    ezviz = _endpoint("dev.example.com", "SG", vendor="EZVIZ (Hikvision)")
    lookalike = _endpoint("x.example.de", "DE", vendor="Zteknik GmbH")  # not ZTE
    decision = decide(_report(ezviz, lookalike), policy)
    assert decision.outcome is Outcome.REJECT
    assert f"banned vendor Hikvision [findings {ezviz.id}]" in decision.reasons
    assert not any("ZTE" in r for r in decision.reasons)
    chinese = Policy.from_toml('home_country = "DE"\nbanned_vendors = ["海康威视"]')
    assert chinese.banned_in("杭州海康威视数字技术股份有限公司") == "海康威视"
    sdk = Finding(
        id="a" * 16,
        category=Category.SDK,
        rule="sdk/x",
        title="sdk",
        severity=Severity.MEDIUM,
        confidence=1,
        location=Location(path="/lib/libdh.so"),
        sdk=SdkPayload(family="dahua-netsdk", vendor="Dahua", vendor_country="CN", kind=SdkKind.CAMERA_SDK),
    )
    assert decide(_report(sdk), policy).reasons == (f"banned vendor Dahua [findings {'a' * 16}]",)
    oem = OemCandidate(vendor="Hikvision", country="CN", confidence=0.9, basis=("b" * 16,))
    decision = decide(_report(oem=(oem,)), policy)
    assert f"banned vendor Hikvision [findings {'b' * 16}]" in decision.reasons
    assert f"OEM Hikvision (CN), not an allowed country [findings {'b' * 16}]" in decision.reasons


def test_verdict_rules_and_the_strictest_outcome_first(policy):
    contradiction = Contradiction(field="vendor", declared="Muster", observed="Xiongmai", basis=("c" * 16,))
    decision = decide(
        _report(unverifiable=True, unverifiable_reason="encrypted", contradictions=(contradiction,)), policy
    )
    assert decision.outcome is Outcome.REJECT
    assert decision.reasons == (
        f"declared vendor 'Muster' contradicts the observed 'Xiongmai' [findings {'c' * 16}]",
        "unverifiable: encrypted",
    )
    lenient = Policy.from_toml('home_country = "DE"\non_unverifiable = "accept"\non_foreign_maker = "review"')
    assert decide(_report(unverifiable=True), lenient).outcome is Outcome.ACCEPT
    oem = OemCandidate(vendor="Maker", country="CN", confidence=0.8)
    assert decide(_report(oem=(oem,)), lenient).outcome is Outcome.REVIEW


def test_audit_with_a_policy_fills_the_decision():
    clean = audit(ROOT / "corpus" / "images" / "10-clean-domestic.bin", policy=EXAMPLE)
    assert clean.decision is not None
    assert clean.decision.outcome is Outcome.ACCEPT
    encrypted = audit(ROOT / "corpus" / "images" / "11-encrypted.bin", policy=Policy.load(EXAMPLE))
    assert encrypted.decision.outcome is Outcome.REVIEW
    assert encrypted.decision.reasons[0].startswith("unverifiable: ")
    assert audit(ROOT / "corpus" / "images" / "11-encrypted.bin").decision is None
