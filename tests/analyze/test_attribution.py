from firmware_audit.analyze.attribution import (
    CONTRADICTION_CONFIDENCE,
    MIN_CONFIDENCE,
    attribute,
    candidates,
    contradictions,
    decide,
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
from firmware_audit.signatures.catalogue import catalogue


def _weight(kind: str) -> float:
    row = catalogue().weight(kind)
    assert row is not None, kind
    return row.weight


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
    assert xm.confidence == _weight("trace:credential-hash")


def test_repeated_evidence_of_one_kind_counts_less_and_less() -> None:
    ten = [_endpoint(f"p2p{i}.reolink.com", "Reolink", role=EndpointRole.P2P) for i in range(10)]
    (one,) = candidates(ten[:1])
    (many,) = candidates(ten)
    assert one.confidence == _weight("endpoint")
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
    assert _weight("chip") < MIN_CONFIDENCE
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


def _file_trace(key: str, kind: str, vendor: str) -> Finding:
    return _finding(key, trace=TracePayload(kind=kind, vendor=vendor, detail=key)).model_copy(
        update={"rule": "trace/vendor-file"}
    )


def test_shared_lineage_alone_never_names_a_maker() -> None:
    # What Dahua's own root partition holds: a path and file names Xiongmai's firmware uses too.
    lineage = [
        _trace("/mnt/mtd/Config/Account1", "board-path", "Xiongmai"),
        _file_trace("ProductDefinition", "product-definition", "Xiongmai"),
        _file_trace("SimpChinese.js", "web-ui", "Xiongmai"),
        _finding("sdk", sdk=SdkPayload(family="xm-netsdk", vendor="Xiongmai", kind=SdkKind.CAMERA_SDK)),
    ]
    named, undecided, statement = decide(lineage)
    assert named == ()
    assert [c.vendor for c in undecided] == ["Xiongmai"]
    assert undecided[0].decisive == ()
    assert statement.startswith("No maker can be named: only shared lineage")
    # With the maker's own evidence beside it, that maker is named and the lineage stays supporting.
    own = _trace("/etc/profile", "banner", "Dahua")
    named, undecided, statement = decide([*lineage, own])
    assert [c.vendor for c in named] == ["Dahua"]
    assert [c.vendor for c in undecided] == ["Xiongmai"]
    assert statement == "Made by Dahua (CN), on proof specific to it: /etc/profile."


def test_a_brand_counts_for_the_company_that_makes_it() -> None:
    findings = [_trace("rcS", "banner", "Wyze"), _trace("wpa", "mention-text", "Hualai")]
    (hualai,) = candidates(findings)
    assert (hualai.vendor, hualai.brands, hualai.role) == ("Hualai", ("Wyze",), "maker")
    assert "sold as Wyze" in decide(findings)[2]


def test_a_brand_named_in_a_servers_description_is_not_what_the_firmware_is_sold_as() -> None:
    # The vendor data describes the operator of Dahua's servers with its brands (and Hualai's as the
    # ODM of Wyze): the company behind the server, not the brand of the device that reaches it.
    dahua = _endpoint("www.dahuatech.com", "Dahua (Dahua, Easy4IP, Lechange, Imou)")
    (maker,) = candidates([dahua])
    assert (maker.vendor, maker.brands) == ("Dahua", ())
    hualai = _endpoint("apicn.hualaikeji.com", "Hualai (Shanghai Hualai Technology)")
    (maker,) = candidates([hualai])
    assert (maker.vendor, maker.brands) == ("Hualai", ())
    # A server of the brand's own domain is the brand's.
    imou = _endpoint("app.lechange.com", "Dahua (Dahua, Easy4IP, Lechange, Imou)")
    (maker,) = candidates([imou])
    assert (maker.vendor, maker.brands) == ("Dahua", ("Imou",))


def test_split_evidence_names_no_maker() -> None:
    findings = [_trace("a", "copyright", "Hikvision"), _trace("b", "copyright", "Dahua")]
    named, undecided, statement = decide(findings)
    assert named == ()
    assert {c.vendor for c in undecided} == {"Hikvision", "Dahua"}
    assert "split" in statement


def test_a_split_statement_names_the_rival_makers_not_a_distribution() -> None:
    findings = [
        _trace("a", "copyright", "Hikvision"),
        _trace("b", "copyright", "Dahua"),
        _trace("release", "distribution", "OpenWrt"),
    ]
    named, undecided, statement = decide(findings)
    assert named == ()
    assert "OpenWrt" in {c.vendor for c in undecided}
    assert statement == "No maker can be named: the specific evidence is split between Dahua and Hikvision."


def test_a_vendor_build_on_a_distribution_is_the_vendors() -> None:
    findings = [_trace("release", "distribution", "OpenWrt"), _trace("login", "copyright", "TP-Link")]
    assert [c.vendor for c in candidates(findings)] == ["TP-Link", "OpenWrt"]
    (openwrt,) = candidates(findings[:1])
    assert openwrt.role == "distribution"


def test_an_unrecognised_organisation_is_a_candidate_only_when_no_known_maker_is() -> None:
    acme = _trace("about", "organisation", "Acme Vision Technology Co., Ltd.")
    (only,) = candidates([acme])
    assert (only.vendor, only.role) == (
        "unrecognised organisation Acme Vision Technology Co., Ltd.",
        "unrecognised",
    )
    assert [c.vendor for c in candidates([acme, _trace("profile", "banner", "Dahua")])] == ["Dahua"]


def test_a_host_under_a_maker_domain_is_its_evidence() -> None:
    (dahua,) = candidates([_endpoint("www.dahuap2pcloud.com", None)])
    assert dahua.vendor == "Dahua"
