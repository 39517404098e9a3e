import random

import pytest
from builders import tar_of
from conftest import ROOT

from firmware_audit import unpack
from firmware_audit.analyze import FileContext
from firmware_audit.analyze.code import CodeView
from firmware_audit.analyze.endpoints import EndpointAnalyzer, analyzer, gate
from firmware_audit.analyze.endpoints.analyzer import _File
from firmware_audit.audit import audit
from firmware_audit.model import EndpointRole, IssueKind, Severity

APP = (
    b"\x00\x01\x02p2p1.cloudlinks.cn\x00\x17\x18init\x00p2p1.cloudlinks.cn\x00\x00\x00"
    + "push.vendor-cloud.cn".encode("utf-16-le")
    + b"\x00\x00http://www.w3.org/2001/XMLSchema\x00192.168.1.10\x00IOTCAPIs 3.1.10.7\x00libc.so.6\x00"
)
FILES = {
    "etc/hosts": b"127.0.0.1 localhost\n0.0.0.0 p2p1.cloudlinks.cn\n",
    "etc/dnsmasq.conf": b"address=/vendor-cloud.cn/127.0.0.1\n",
    "etc/ntp.conf": b"# time\nserver 0.pool.ntp.org iburst\n",
    "bin/app": APP,
    "www/app.js": b"var w = window.open(x); var api = 'api.vendor-cloud.cn'; // see cfg.top\n",
    "etc/NetWork.json": (
        b'{\n\t"NetWork.NetDNS": {\n\t\t"Address": "114.114.114.114",\n'
        b'\t\t"SpareAddress": "8.8.8.8"\n\t}\n}\n'
    ),
}


@pytest.fixture(scope="module")
def report():
    return audit(unpack(tar_of(FILES)), analyzers=(EndpointAnalyzer(),), home_country="DE")


def _by(report, path: str) -> dict[str, object]:
    return {f.endpoint.host: f for f in report.findings if f.endpoint and f.location.path == path}


def test_one_finding_per_endpoint_per_file_with_every_occurrence(report) -> None:
    app = _by(report, "/bin/app")
    finding = app["p2p1.cloudlinks.cn"]
    strings = [e for e in finding.evidence if e.kind == "string"]
    assert [e.location.offset for e in strings] == [3, APP.index(b"p2p1", 10)]
    assert finding.location.offset == 3
    assert finding.endpoint.role is EndpointRole.P2P
    assert (finding.endpoint.country, finding.endpoint.country_basis) == ("CN", "vendor-data")
    assert any(
        e.kind == "vendor-data" and "c0decave/yoosee-ipc" in (e.context or "") for e in finding.evidence
    )


def test_a_hosts_pin_is_recorded_against_the_hardcoded_server(report) -> None:
    finding = _by(report, "/bin/app")["p2p1.cloudlinks.cn"]
    [pin] = [e for e in finding.evidence if e.kind == "override"]
    assert pin.location.path == "/etc/hosts"
    assert "0.0.0.0 (blackholed)" in pin.value
    assert "blackholed" in finding.title
    pinned = _by(report, "/etc/hosts")
    assert set(pinned) == {"p2p1.cloudlinks.cn"}  # `localhost` is not a public name
    assert pinned["p2p1.cloudlinks.cn"].rule == analyzer.RULE_OVERRIDE


def test_utf16_strings_keep_their_offsets_and_dnsmasq_pins_subdomains(report) -> None:
    finding = _by(report, "/bin/app")["push.vendor-cloud.cn"]
    assert finding.location.offset == APP.index("push".encode("utf-16-le"))
    assert finding.endpoint.role is EndpointRole.PUSH
    assert any(e.kind == "override" and e.location.path == "/etc/dnsmasq.conf" for e in finding.evidence)


def test_references_reserved_and_noise(report) -> None:
    app = _by(report, "/bin/app")
    assert app["www.w3.org"].endpoint.role is EndpointRole.REFERENCE
    assert app["www.w3.org"].severity is Severity.INFO
    private = app["192.168.1.10"]
    assert (private.endpoint.reserved, private.severity, private.endpoint.country) == (
        "private",
        Severity.INFO,
        None,
    )
    assert "3.1.10.7" not in app
    assert not any(h.startswith("libc") for h in app)


def test_config_keys_and_sections_give_roles(report) -> None:
    config = _by(report, "/etc/NetWork.json")
    assert {h: f.endpoint.role for h, f in config.items()} == {
        "114.114.114.114": EndpointRole.DNS,
        "8.8.8.8": EndpointRole.DNS,
    }
    ntp = _by(report, "/etc/ntp.conf")["0.pool.ntp.org"]
    assert ntp.endpoint.role is EndpointRole.NTP


def test_source_code_needs_quotes(report) -> None:
    assert set(_by(report, "/www/app.js")) == {"api.vendor-cloud.cn"}


def test_severity_against_the_home_country(report) -> None:
    app = _by(report, "/bin/app")
    assert app["p2p1.cloudlinks.cn"].severity is Severity.HIGH
    assert _by(report, "/etc/NetWork.json")["8.8.8.8"].severity is Severity.MEDIUM
    assert (
        _by(report, "/etc/ntp.conf")["0.pool.ntp.org"].severity is Severity.LOW
    )  # the global zone: no country


def test_countries_count_distinct_servers(report) -> None:
    # CN: p2p1.cloudlinks.cn, push.vendor-cloud.cn, api.vendor-cloud.cn, vendor-cloud.cn (pinned), 114DNS
    assert report.verdict.countries == {"CN": 5, "US": 1}


def test_refdata_names_the_offline_data_sets(report) -> None:
    names = [r.name for r in report.refdata]
    assert any("Public Suffix List" in n for n in names)
    assert any("GeoLite2" in n for n in names)
    assert all(r.date[:2] == "20" for r in report.refdata)


def test_a_container_is_read_through_its_members() -> None:
    inner = tar_of({"bin/app": APP})
    tree = unpack(tar_of({"rootfs.tar": inner}))
    report = audit(tree, analyzers=(EndpointAnalyzer(),))
    paths = {f.location.path for f in report.findings if f.endpoint}
    assert paths == {"/rootfs.tar!/bin/app"}


def test_absurd_numbers_are_capped_with_an_issue(monkeypatch) -> None:
    monkeypatch.setattr(analyzer, "MAX_ENDPOINTS", 10)
    hosts = b"\x00".join(b"h%d.vendor-cloud.cn" % i for i in range(40))
    report = audit(unpack(tar_of({"list": b"\x00" + hosts + b"\x00"})), analyzers=(EndpointAnalyzer(),))
    assert len([f for f in report.findings if f.endpoint]) == 10
    [issue] = [i for i in report.issues if i.kind is IssueKind.LIMIT]
    assert "40 distinct endpoints" in issue.message


def test_device_ids_become_traces() -> None:
    report = audit(
        unpack(tar_of({"etc/p2p.conf": b"did=VSTC-418276-KHMXW\n"})), analyzers=(EndpointAnalyzer(),)
    )
    [finding] = report.findings
    assert finding.trace is not None
    assert (finding.trace.kind, finding.trace.vendor, finding.trace.vendor_country) == (
        "uid-prefix",
        "VStarcam",
        "CN",
    )
    assert "CS2" in finding.trace.detail


def test_an_unrecognised_image_is_read_by_its_low_entropy_gaps() -> None:
    text = b"\x00" * 64 + b"server=p2p1.cloudlinks.cn\n" + b"\x00" * 64
    noise = bytes((i * 7919 + 13) % 251 for i in range(8192))  # high entropy, no structure
    noise = noise[:4096] + b"\x00mac.secu100.net\x00" + noise[4096:]  # chance text in encrypted bytes
    tree = unpack(text + noise)
    assert len(tree) == 0  # nothing recognised: only the image itself
    ctx = FileContext(tree, tree.root)
    found = {f.endpoint.host for f in EndpointAnalyzer().analyze(ctx) if f.endpoint}
    assert found == {"p2p1.cloudlinks.cn"}


def test_a_failing_code_lookup_keeps_the_files_endpoints(monkeypatch) -> None:
    def broken(*_args: object) -> None:
        raise ValueError("hostile table")

    monkeypatch.setattr(CodeView, "referrers", broken)
    tree = unpack(ROOT / "corpus" / "images" / "01-xm-hi3516ev300-general.bin")
    ctx = FileContext(tree, tree["/user-x.cramfs.img!/payload!/bin/Sofia"])
    hosts = {f.endpoint.host for f in EndpointAnalyzer().analyze(ctx) if f.endpoint}
    assert "pub-cfg.secu100.net" in hosts
    assert [i.kind for i in ctx.issues] == [IssueKind.ANALYZER_ERROR]


def _around_by_characters(text: str, start: int, end: int) -> tuple[str, str, int, int]:
    """What `_File._around` gives, a character at a time: the printable run back at most 400
    characters, the line of it before `start`, and the printable characters of the line after `end`."""
    printable = set("\t\n\r" + "".join(chr(c) for c in range(0x20, 0x7F)))
    run_start = start
    while run_start > max(0, start - 400) and text[run_start - 1] in printable:
        run_start -= 1
    line_start = start
    while line_start > run_start and text[line_start - 1] not in "\n\r":
        line_start -= 1
    after_end = end
    while after_end < min(len(text), end + 400) and text[after_end] in printable - {"\n", "\r"}:
        after_end += 1
    return text[line_start:start], text[end:after_end], run_start, line_start


def test_around_a_candidate_is_read_from_the_map_of_printable_characters() -> None:
    rng = random.Random(2)
    for _ in range(3000):
        size = rng.choice([5, 50, 500, 1200])
        text = "".join(
            rng.choice("ab.\n\r\t \x00\x01\xe9\x7f") if rng.random() < 0.3 else "x" for _ in range(size)
        )
        start = rng.randint(0, size)
        end = rng.randint(start, size)
        printable = gate.printable(text.encode("latin-1"))
        assert _File._around(text, printable, start, end) == _around_by_characters(text, start, end)


def test_an_image_that_is_one_boot_loader_is_read_whole() -> None:
    # A boot loader dumped alone is recognised whole, with nothing inside: its text is read as that
    # of such a file in an image is (the default addresses of a TP-Link router's U-Boot 1.1.3).
    rng = random.Random(5)
    noise = bytes(rng.randrange(256) for _ in range(6000))
    env = b"\0bootcmd=tftp\0ipaddr=192.168.0.2\0serverip=192.168.0.225\0"
    env += b"U-Boot 1.1.3 (Nov 19 2023 - 18:30:02)\0"
    report = audit(noise + env + noise + b"\xff" * 10000, jobs=1)
    assert report.coverage.explained_ratio == 1.0
    hosts = {f.endpoint.host for f in report.findings if f.endpoint is not None}
    assert {"192.168.0.2", "192.168.0.225"} <= hosts
