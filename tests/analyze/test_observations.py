"""One observation, one finding: a trace another rule's finding repeats on the same bytes is left out."""

from firmware_audit.analyze.observations import one_per_observation
from firmware_audit.model import (
    Category,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Evidence,
    Finding,
    Location,
    Severity,
    TracePayload,
)

PROGRAM = "/payload!/bin/Sofia"


def _finding(rule: str, value: str, offset: int, **payload) -> Finding:
    location = Location(path=PROGRAM)
    return Finding(
        id=Finding.fingerprint(rule, location, f"{value}@{offset} {payload}"),
        category=Category.ENDPOINT if "endpoint" in payload else Category.REBRANDING,
        rule=rule,
        title=value,
        severity=Severity.LOW,
        confidence=1.0,
        location=location,
        evidence=(Evidence(kind="string", value=value, location=Location(path=PROGRAM, offset=offset)),),
        **payload,
    )


def _server(host: str, offset: int, vendor: str | None) -> Finding:
    payload = EndpointPayload(
        value=host,
        kind=EndpointKind.HOSTNAME,
        host=host,
        role=EndpointRole.CLOUD,
        country="CN",
        vendor=vendor,
    )
    return _finding("endpoint/hardcoded", host, offset, endpoint=payload)


def _trace(rule: str, kind: str, value: str, offset: int, vendor: str | None) -> Finding:
    return _finding(rule, value, offset, trace=TracePayload(kind=kind, vendor=vendor, detail=value))


def test_a_maker_domain_that_is_a_server_is_one_finding() -> None:
    server = _server("secu100.net", 4377236, "Xiongmai")
    domain = _trace("trace/organisation", "maker-domain", "secu100.net", 4377236, "Xiongmai")
    assert one_per_observation([server, domain]) == [server]
    unnamed = _server("tplinklogin.net", 10, None)  # the server names no vendor: the trace adds none
    assert one_per_observation(
        [unnamed, _trace("trace/organisation", "maker-domain", "tplinklogin.net", 10, "TP-Link")]
    ) == [unnamed]


def test_other_bytes_another_vendor_or_a_reference_keep_both() -> None:
    domain = _trace("trace/organisation", "maker-domain", "secu100.net", 4377236, "Xiongmai")
    elsewhere = _server("secu100.net", 99, "Xiongmai")
    other_vendor = _server("secu100.net", 4377236, "Dahua")
    assert one_per_observation([elsewhere, domain]) == [elsewhere, domain]
    assert one_per_observation([other_vendor, domain]) == [other_vendor, domain]
    reference = _finding(
        "endpoint/reference",
        "secu100.net",
        4377236,
        endpoint=EndpointPayload(
            value="secu100.net", kind=EndpointKind.HOSTNAME, host="secu100.net", role=EndpointRole.REFERENCE
        ),
    )
    assert one_per_observation([reference, domain]) == [reference, domain]  # a reference is no server


def test_a_build_host_is_reported_by_the_build_host_rule_once() -> None:
    banner = "Linux version 4.9.37 (hikvision@build-server) (gcc version 6.3.0) #1 SMP"
    host = _trace("trace/build-host", "build-host", banner, 321, "Hikvision")
    user = _trace("trace/build-environment", "build-host", banner, 321, "Hikvision")
    date = _trace("trace/build-environment", "build-banner", banner, 321, "Hikvision")  # another claim
    assert one_per_observation([user, host, date]) == [host, date]
    assert one_per_observation([host]) == [host]  # a rule never yields to itself


def test_a_kernel_node_a_vendor_string_names_is_one_finding() -> None:
    node = _trace("trace/vendor-node", "vendor-node", "/proc/xm/xminfo", 2446, None)
    board = _trace("trace/vendor-string", "board-path", "/proc/xm/xminfo", 2446, "Xiongmai")
    assert one_per_observation([node, board]) == [board]


def test_a_trace_seen_where_no_other_finding_is_is_kept() -> None:
    board = _trace("trace/vendor-string", "board-path", "/proc/xm/xminfo", 2446, "Xiongmai")
    location = Location(path=PROGRAM)
    node = Finding(
        id=Finding.fingerprint("trace/vendor-node", location, "/proc/xm"),
        category=Category.REBRANDING,
        rule="trace/vendor-node",
        title="kernel node /proc/xm",
        severity=Severity.INFO,
        confidence=1.0,
        location=location,
        evidence=(
            Evidence(kind="string", value="/proc/xm/xminfo", location=Location(path=PROGRAM, offset=2446)),
            Evidence(kind="string", value="/proc/xm/hwid", location=Location(path=PROGRAM, offset=3000)),
        ),
        trace=TracePayload(kind="vendor-node", detail="/proc/xm"),
    )
    assert one_per_observation([node, board]) == [node, board]
