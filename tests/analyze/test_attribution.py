from firmware_audit.analyze.attribution import (
    CONTRADICTION_CONFIDENCE,
    MIN_CONFIDENCE,
    WEIGHTS,
    attribute,
    candidates,
    contradictions,
    endpoints_by_country,
)
from firmware_audit.model import (
    Category,
    ChipClue,
    ChipPayload,
    Declared,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Finding,
    Location,
    OemCandidate,
    SdkKind,
    SdkPayload,
    Severity,
    TracePayload,
)


def _finding(key: str, **payload) -> Finding:
    location = Location(path=f"/{key}")
    return Finding(
        id=Finding.fingerprint("test", location, key),
        category=Category.REBRANDING,
        rule="test",
        title=key,
        severity=Severity.LOW,
        confidence=1.0,
        location=location,
        **payload,
    )


def _trace(key: str, kind: str, vendor: str | None) -> Finding:
    return _finding(key, trace=TracePayload(kind=kind, vendor=vendor, detail=key))


def _endpoint(
    host: str, vendor: str | None, country: str = "CN", role=EndpointRole.CLOUD, **extra
) -> Finding:
    payload = EndpointPayload(
        value=host, kind=EndpointKind.HOSTNAME, host=host, role=role, country=country, vendor=vendor, **extra
    )
    return _finding(host, endpoint=payload)


def test_a_published_hash_alone_makes_a_strong_candidate() -> None:
    (xm,) = candidates([_trace("passwd", "credential-hash", "Xiongmai")])
    assert (xm.vendor, xm.country) == ("Xiongmai", "CN")
    assert xm.confidence == WEIGHTS["trace:credential-hash"]


def test_repeated_evidence_of_one_kind_counts_less_and_less() -> None:
    ten = [_endpoint(f"p2p{i}.reolink.com", "Reolink", role=EndpointRole.P2P) for i in range(10)]
    (one,) = candidates(ten[:1])
    (many,) = candidates(ten)
    assert one.confidence == WEIGHTS["endpoint"]
    assert one.confidence < many.confidence < 0.65  # ten hosts of one configuration are not ten witnesses
    assert len(many.basis) == 10


def test_kinds_combine_and_rank_and_cite_strongest_first() -> None:
    findings = [
        _endpoint("dev.ezvizru.com", "EZVIZ (Hikvision)"),
        _trace("passwd", "credential-hash", "Hikvision"),
        _trace("sdk", "web-ui", "Xiongmai"),
    ]
    hik, xm = candidates(findings)
    assert hik.vendor == "Hikvision"
    assert hik.confidence > xm.confidence
    assert hik.basis == (findings[1].id, findings[0].id)  # the hash before the host


def test_chip_p2p_and_cloud_vendors_are_never_candidates() -> None:
    findings = [
        _finding("mpi", sdk=SdkPayload(family="hisilicon-mpp", vendor="HiSilicon", kind=SdkKind.SOC)),
        _finding("tutk", sdk=SdkPayload(family="throughtek-kalay", vendor="ThroughTek", kind=SdkKind.P2P)),
        _endpoint("m1.tuyaeu.com", "Tuya", role=EndpointRole.MQTT),
        _trace("did", "uid-prefix", "Shenzhen Yunni (YsxLite)"),
        _trace("tz", "time-zone", None),
        _finding("ko", chip=ChipPayload(clue=ChipClue.KERNEL_MODULE, vendor="Ingenic", detail="avpu.ko")),
    ]
    assert candidates(findings) == ()


def test_references_reserved_addresses_and_weak_evidence_are_not_enough() -> None:
    findings = [
        _endpoint("www.hikvision.com", "Hikvision", role=EndpointRole.REFERENCE),
        _endpoint("192.0.0.64", "Hikvision", reserved="protocol assignments"),
        _finding(
            "xm530", chip=ChipPayload(clue=ChipClue.KERNEL_MODULE, vendor="Xiongmai", detail="xm530_isp.ko")
        ),
    ]
    assert WEIGHTS["chip"] < MIN_CONFIDENCE
    assert candidates(findings) == ()


def test_a_finding_naming_two_makers_supports_each_by_half() -> None:
    findings = [_trace(f"uid{i}", "uid-prefix", "VStarcam or HiChip") for i in range(2)]
    findings.append(_trace("banner", "uid-prefix", "VStarcam"))
    ranked = candidates(findings)
    assert [c.vendor for c in ranked] == ["VStarcam", "HiChip"]


def test_contradictions_of_vendor_and_country_cite_the_top_candidate() -> None:
    xm = OemCandidate(vendor="Xiongmai", country="CN", confidence=0.99, basis=("a", "b"))
    found = contradictions([xm], Declared(vendor="Muster Sicherheit GmbH", model="MC-3100", country="de"))
    assert [(c.field, c.declared, c.observed, c.basis) for c in found] == [
        ("vendor", "Muster Sicherheit GmbH", "Xiongmai (CN)", ("a", "b")),
        ("country", "DE", "CN (OEM Xiongmai)", ("a", "b")),
    ]


def test_a_true_or_partial_declaration_is_no_contradiction() -> None:
    hik = OemCandidate(vendor="Hikvision", country="CN", confidence=0.9, basis=("a",))
    assert contradictions([hik], Declared(vendor="EZVIZ Inc.", country="CN")) == ()  # a brand of the maker
    assert contradictions([hik], Declared(model="DS-2CD2143G2-I")) == ()  # nothing to compare
    assert contradictions([hik], None) == ()


def test_weak_candidates_do_not_contradict() -> None:
    weak = OemCandidate(vendor="Reolink", country="CN", confidence=CONTRADICTION_CONFIDENCE - 0.01)
    assert contradictions([weak], Declared(vendor="Muster", country="DE")) == ()


def test_endpoints_by_country_and_role_count_distinct_servers() -> None:
    findings = [
        _endpoint("pub-cfg.secu100.net", "Xiongmai"),
        _endpoint("pub-cfg.secu100.net", "Xiongmai"),  # the same server in another file
        _endpoint("114.114.114.114", "114DNS", role=EndpointRole.DNS),
        _endpoint("8.8.8.8", "Google", country="US", role=EndpointRole.DNS),
        _endpoint("www.w3.org", None, country="US", role=EndpointRole.REFERENCE),
        _endpoint("192.168.1.107", None, country="", reserved="private"),
    ]
    assert endpoints_by_country(findings) == {"CN": {"cloud": 1, "dns": 1}, "US": {"dns": 1}}
    result = attribute(findings, Declared(vendor="Muster", country="DE"))
    assert result.oem[0].vendor == "Xiongmai"
    assert result.contradictions == ()  # endpoints alone are no strong maker evidence
