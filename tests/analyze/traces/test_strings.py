import pytest
from traces_data import clean_tree, corpus_tree, run, run_all

from firmware_audit.analyze.traces import VendorStringAnalyzer
from firmware_audit.model import Category, Severity

ANALYZER = VendorStringAnalyzer()


def test_one_finding_per_kind_and_vendor_with_every_match() -> None:
    app = b"\x00Server: uc-httpd 1.0.0\x00H264DVR rtspd 1.0\x00/proc/xm/xminfo\x00"
    findings = {f.trace.kind: f for f in run(ANALYZER, {"bin/Sofia": app})}
    assert set(findings) == {"service-banner", "board-path"}
    banner = findings["service-banner"]
    assert banner.category is Category.REBRANDING
    assert banner.trace.vendor == "Xiongmai"
    assert banner.trace.vendor_country == "CN"
    assert banner.severity is Severity.LOW  # it names a camera maker
    assert banner.trace.detail == "Xiongmai service banner: uc-httpd 1.0.0; H264DVR rtspd 1.0"
    strings = [e for e in banner.evidence if e.kind == "string"]
    assert [(e.value, e.location.offset) for e in strings] == [
        ("uc-httpd 1.0.0", app.index(b"uc-httpd")),
        ("H264DVR rtspd 1.0", app.index(b"H264DVR")),
    ]
    signatures = [e for e in banner.evidence if e.kind == "signature"]
    assert [e.value.split(" ")[0] for e in signatures] == ["xm-http-server", "xm-rtsp-server"]


def test_chip_level_traces_are_info() -> None:
    (finding,) = run(ANALYZER, {"etc/init.d/rcS": b"grep -q SStar /proc/cpuinfo && echo ok\n"})
    assert (finding.trace.kind, finding.trace.vendor) == ("soc-id", "SigmaStar")
    assert finding.severity is Severity.INFO


def test_utf16_strings_are_read_at_their_offsets() -> None:
    data = b"\x00\x00" + "NETSurveillance WEB".encode("utf-16-le") + b"\x00\x00"
    (finding,) = run(ANALYZER, {"web/app.dll": data})
    (string,) = [e for e in finding.evidence if e.kind == "string"]
    assert string.location.offset == 2


@pytest.mark.parametrize(
    "text",
    [
        b"Server: lighttpd/1.4.69",
        b"<title>Network Surveillance</title>",
        b"mtdparts=spi_nor.0:256k(uboot1)",
        b"serverip=192.168.254.254 ipaddr=192.168.1.108",
        b"192.0.0.1 192.0.0.640",
        b"crisvpn SuperStar",
        b'"oem_id": "General"',
    ],
)
def test_benign_look_alikes(text) -> None:
    assert run(ANALYZER, {"etc/config": text + b"\n"}) == []


def test_containers_are_left_to_their_members() -> None:
    tree = corpus_tree("04-spi-nor-16m.bin")
    paths = {f.location.path for f in run_all(ANALYZER, tree)}
    assert "/mtd1-env!/environment" in paths
    assert "/mtd1-env" not in paths  # the environment's container holds the same bytes


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []
