from traces_data import run

from firmware_audit.analyze.attribution import candidates, decide
from firmware_audit.analyze.traces import OrganisationAnalyzer
from firmware_audit.model import Severity

ANALYZER = OrganisationAnalyzer()


def _by_kind(findings) -> dict[str, list]:
    found: dict[str, list] = {}
    for f in findings:
        found.setdefault(f.trace.kind, []).append(f)
    return found


def test_a_maker_in_a_copyright_line_of_a_web_page() -> None:
    page = b"<html><title>Login</title><p>Copyright (c) 2016 TP-LINK Technologies Co., Ltd.</p></html>"
    (found,) = run(ANALYZER, {"web/login.htm": page})
    assert (found.trace.kind, found.trace.vendor, found.trace.vendor_country) == (
        "copyright",
        "TP-Link",
        "CN",
    )
    assert "TP-LINK Technologies" in found.evidence[0].value
    assert found.severity is Severity.LOW


def test_a_chip_maker_is_reported_as_no_maker_and_the_maker_beside_it_as_one() -> None:
    boot = b"\x00\x01Amboot(R) Ambarella(R) Foscam(R) Copyright (C) 2004-2014 2015-05-23\x00\xff"
    found = {f.trace.vendor: f for f in run(ANALYZER, {"mtd1.bin": boot})}
    assert set(found) == {"Ambarella", "Foscam"}
    assert "no maker" in found["Ambarella"].title
    assert found["Ambarella"].severity is Severity.INFO


def test_login_banners_titles_and_module_authors() -> None:
    kinds = _by_kind(run(ANALYZER, {"etc/profile": b'#echo "Welcome to DaHua Tech."\nexport PATH\n'}))
    assert kinds["banner"][0].trace.vendor == "Dahua"
    page = b"<html><head><title>Hikvision Web</title></head></html>"
    assert _by_kind(run(ANALYZER, {"index.html": page}))["web-title"][0].trace.vendor == "Hikvision"
    module = b"\x7fELF\x00\x00license=GPL\x00author=zhaoqiting <zhaoqiting@XiongMaitech.com>\x00"
    kinds = _by_kind(run(ANALYZER, {"at24c.ko": module}))
    assert kinds["maker-domain"][0].trace.vendor == "Xiongmai"


def test_a_brand_is_named_with_the_company_that_makes_it() -> None:
    js = b'var suffix = ".cpplusddns.com"; // CP Plus DDNS\n'
    kinds = _by_kind(run(ANALYZER, {"js/DDNSConfig.js": js}))
    assert kinds["maker-domain"][0].trace.vendor == "CP Plus"
    assert "brand of Dahua" in kinds["maker-domain"][0].title


def test_mentions_in_text_and_in_programs_are_kept_apart() -> None:
    text = run(ANALYZER, {"i18n.txt": b"Version=Dahua3.0-Web3.0\n"})
    assert [f.trace.kind for f in text] == ["mention-text"]
    program = run(ANALYZER, {"bin/app": b"\x7fELF\x01\x01\x00\x00protocol list: Hikvision\x00\x00"})
    assert [f.trace.kind for f in program] == ["mention"]
    assert program[0].severity is Severity.INFO


def test_an_unknown_organisation_in_a_copyright_line_is_still_reported() -> None:
    page = b"<p>Copyright 2021 Acme Vision Technology Co., Ltd. All rights reserved.</p>"
    (found,) = run(ANALYZER, {"about.htm": page})
    assert found.trace.kind == "organisation"
    assert found.title.startswith("unrecognised organisation Acme Vision Technology")


def test_software_projects_and_look_alikes_are_not_reported() -> None:
    text = b"Copyright (C) 1989 Free Software Foundation, Inc.\nACTIVE dahuatech ringbuffer\n"
    assert run(ANALYZER, {"COPYING.txt": text}) == []


def test_what_a_boot_script_prints_or_draws_is_a_banner() -> None:
    script = b'#!/bin/sh\necho "Starting Acme camera"\ncat <<EOF\n|_____2020_WYZE_CAM_V3_@HUALAI_____|\nEOF\n'
    found = {f.trace.vendor: f.trace.kind for f in run(ANALYZER, {"etc/init.d/rcS": script})}
    assert found == {"Wyze": "banner", "Hualai": "banner"}


def test_what_a_script_writes_to_a_file_or_a_pipe_is_no_banner() -> None:
    # A Yi camera's wifi.sh writes a test network's configuration: a router's default SSID names
    # TP-Link, and the camera is no TP-Link (kriskaminski/yi-1080-bfus-firmware, mtdblock3 /app/wifi.sh).
    script = (
        b'echo -e "ctrl_interface=/var/run/wpa_supplicant\\nnetwork={\\nssid=\\"TP-LINK_gzy\\"\\n}"'
        b" > /tmp/wpa.conf\n"
        b"echo Foscam | tee /tmp/brand\n"
        b'echo "a > b: Hualai camera starting" >/dev/console\n'
    )
    found = {f.trace.vendor: f.trace.kind for f in run(ANALYZER, {"app/wifi.sh": script})}
    assert found == {"TP-Link": "mention-text", "Foscam": "mention-text", "Hualai": "banner"}


def test_a_variable_named_like_a_maker_is_no_banner() -> None:
    script = b'#!/bin/sh\nprintf "%02x" 0x${dahua// / 0x}\n'
    assert [f.trace.kind for f in run(ANALYZER, {"lib/functions/system.sh": script})] == ["mention-text"]


def test_a_maker_s_xml_namespace_names_no_maker() -> None:
    # An Anyka camera's ONVIF server declares Hikvision's event topics for Hikvision's recorders
    # (HoffmannP/Camera, /bin/discovery): the maker's vocabulary, not its firmware.
    wsdl = (
        b'<wsnt:TopicSet xmlns:wsaw="http://www.w3.org/2006/05/addressing/wsdl" '
        b'xmlns:tnshik="http://www.hikvision.com/2011/event/topics">\x00'
        b'<xs:import namespace="http://www.dahuatech.com/schema" schemaLocation="http://www.dahuatech.com/x.xsd"/>\x00'
    )
    found = run(ANALYZER, {"bin/discovery": b"\x7fELF\x00" + wsdl})
    assert sorted((f.trace.kind, f.trace.vendor, f.severity) for f in found) == [
        ("namespace", "Dahua", Severity.INFO),
        ("namespace", "Hikvision", Severity.INFO),
    ]
    assert candidates(found) == ()
    assert decide(found)[1] == ()  # not even a candidate left undecided: the kind weighs nothing
    # the same domain as a server is the maker's domain
    server = run(ANALYZER, {"bin/app": b"\x7fELF\x00https://upgrade.hikvision.com/fw\x00"})
    assert ("maker-domain", "Hikvision") in {(f.trace.kind, f.trace.vendor) for f in server}
    assert [c.vendor for c in candidates(server)] == ["Hikvision"]
