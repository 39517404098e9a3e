import pytest
from corpus_data import MANIFEST, accuracy, entry

from firmware_audit.model import (
    Category,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Evidence,
    Finding,
    Location,
    SdkKind,
    SdkPayload,
    Severity,
    TracePayload,
)

# The floor per category and metric that the corpus must keep. Each issue that adds an analyzer
# raises its category here (e.g. "endpoints": {"precision": 0.9, "recall": 0.9}); a category with a
# floor must be produced by the reports, so an analyzer that silently stops working fails here.
FLOORS: dict[str, dict[str, float]] = {
    "files": {"recall": 1.0},
    "endpoints": {"precision": 1.0, "recall": 1.0},
    "sdk": {"precision": 1.0, "recall": 1.0},
    "traces": {"precision": 1.0, "recall": 1.0},
    "oem": {"precision": 1.0, "recall": 1.0},
    "soc": {"precision": 1.0, "recall": 1.0},
    "contradictions": {"precision": 1.0, "recall": 1.0},
    "decision": {"precision": 1.0, "recall": 1.0},
}


@pytest.fixture(scope="module")
def result():
    return accuracy().evaluate(MANIFEST)


@pytest.mark.parametrize(
    ("category", "metric", "floor"), [(c, m, f) for c, fs in FLOORS.items() for m, f in fs.items()]
)
def test_floor(result, category, metric, floor):
    assert result.available(category), f"no report produced anything for {category}"
    value = getattr(result.total[category], metric)
    assert value is not None
    assert value >= floor, accuracy().table(result)


def test_every_image_was_audited(result):
    assert len(result.per_image) == len(MANIFEST["image"])
    assert result.total["files"].tp == sum(len(e["files"]) for e in MANIFEST["image"])


def test_categories_without_output_print_as_not_available(result):
    rows = {line.split("|")[1].strip(): line for line in accuracy().table(result).splitlines()[2:]}
    assert set(rows) == set(accuracy().CATEGORIES)
    for category, line in rows.items():
        cells = [cell.strip() for cell in line.split("|")[2:-1]]
        if result.available(category):
            assert cells[1] != "n/a"
        else:
            assert cells == ["n/a", "n/a", "", "", ""], line
    assert rows["files"].split("|")[2].strip() == "n/a"  # the manifest lists required paths only


def _finding(path, **payload):
    category = (
        Category.ENDPOINT
        if "endpoint" in payload
        else Category.SDK
        if "sdk" in payload
        else Category.REBRANDING
    )
    location = Location(path=path)
    evidence = payload.pop("evidence", ())
    return Finding(
        id=Finding.fingerprint("test", location, repr(payload)),
        category=category,
        rule="test",
        title="test",
        severity=Severity.MEDIUM,
        confidence=1.0,
        location=location,
        evidence=tuple(Evidence(kind="string", value=v, location=location) for v in evidence),
        **payload,
    )


def _endpoint(host, role=EndpointRole.CLOUD):
    return _finding(
        "/x", endpoint=EndpointPayload(value=host, kind=EndpointKind.HOSTNAME, host=host, role=role)
    )


def test_endpoints_are_scored_by_host():
    e = entry("01")
    findings = [
        _endpoint("PUB-CFG.secu100.net"),
        _endpoint("pub-cfg.secu100.net"),
        _endpoint("push.umeye.cn"),  # unscored: an unverified row
        _endpoint("www.w3.org", EndpointRole.REFERENCE),
        _endpoint("evil.example.net"),
    ]
    score = accuracy().score_endpoints(e, findings)
    assert (score.tp, score.fp, score.fn) == (1, 1, len(e["endpoints"]) - 1)


def test_reserved_endpoints_are_not_scored():
    e = entry("01")
    private = EndpointPayload(
        value="192.168.1.107",
        kind=EndpointKind.IP,
        host="192.168.1.107",
        role=EndpointRole.UPDATE,
        reserved="private",
    )
    score = accuracy().score_endpoints(e, [_finding("/u-boot", endpoint=private)])
    assert (score.tp, score.fp) == (0, 0)


def test_sdk_is_scored_by_family_kind_and_file():
    e = entry("05")
    tutk = SdkPayload(family="iotc", vendor="TUTK", kind=SdkKind.P2P)
    findings = [
        _finding("/0x00020000.jffs2!/bin/iotc_daemon", sdk=tutk),
        _finding("/0x00020000.jffs2!/etc/p2p.conf", sdk=tutk),  # a true family in an unlisted file: neutral
        _finding(
            "/0x00020000.jffs2!/bin/ipc_server", sdk=SdkPayload(family="x", vendor="TUTK", kind=SdkKind.SOC)
        ),
        _finding(
            "/0x00010000.squashfs!/lib/libimp.so",
            sdk=SdkPayload(family="hi", vendor="HiSilicon", kind=SdkKind.SOC),
        ),
    ]
    score = accuracy().score_sdk(e, findings)
    units = sum(len(s["files"]) for s in e["sdk"])
    assert (score.tp, score.fp, score.fn) == (1, 2, units - 1)


def test_traces_are_scored_by_value():
    e = entry("01")
    findings = [
        _finding("/a", trace=TracePayload(kind="web", detail="title NETSurveillance web")),
        _finding("/b", trace=TracePayload(kind="cloud", detail="OEM id"), evidence=("OemID=General",)),
        _finding(
            "/c", trace=TracePayload(kind="toolchain", detail="HC&C V100R002C00B027_20181107")
        ),  # unscored
        _finding("/d", trace=TracePayload(kind="locale", detail="something else")),
    ]
    score = accuracy().score_traces(e, findings)
    assert (score.tp, score.fp, score.fn) == (2, 1, len(e["traces"]) - 2)


@pytest.mark.parametrize(
    ("truth", "predicted", "expected"),
    [
        ("Xiongmai", "Hangzhou Xiongmai Technology", (1, 0, 0)),
        ("Xiongmai", "Hikvision", (0, 1, 1)),
        ("Xiongmai", None, (0, 0, 1)),
        ("", "Hikvision", (0, 1, 0)),
        ("", None, (0, 0, 0)),
    ],
)
def test_labels_are_scored_per_image(truth, predicted, expected):
    score = accuracy().score_label(truth, predicted)
    assert (score.tp, score.fp, score.fn) == expected
