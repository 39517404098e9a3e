import pytest
from traces_data import clean_tree, run, run_all

from firmware_audit.analyze.traces import TimeZoneAnalyzer
from firmware_audit.model import Severity

ANALYZER = TimeZoneAnalyzer()


@pytest.mark.parametrize(
    ("files", "value"),
    [
        ({"etc/TZ": b"CST-8:00:00\n"}, "CST-8:00:00"),
        ({"etc/timezone": b"Asia/Shanghai\n"}, "Asia/Shanghai"),
        ({"etc/init.d/rcS": b"#!/bin/sh\nexport TZ=CST-8\n"}, "CST-8"),
        ({"etc/config.json": b'{"TimeZone": "Asia/Taipei"}'}, "Asia/Taipei"),
        ({"etc/isapi.xml": b"<Time><timeZone>CST-8:00:00</timeZone></Time>"}, "CST-8:00:00"),
        ({"etc/localtime": b"TZif2" + b"\x00" * 40 + b"\nCST-8\n"}, "CST-8"),
    ],
)
def test_default_zone_of_an_oem_region(files, value) -> None:
    (finding,) = run(ANALYZER, files)
    assert finding.trace.kind == "time-zone"
    assert finding.trace.vendor is None  # a zone names countries, never a maker
    assert finding.trace.vendor_country is None  # CST is China's and Taiwan's
    assert finding.severity is Severity.INFO
    assert f"default time zone {value}: UTC+08:00, the legal time of CN, TW" == finding.trace.detail
    assert "IANA tz database" in finding.evidence[0].context


@pytest.mark.parametrize(
    "files",
    [
        {"etc/TZ": b"CET-1CEST,M3.5.0,M10.5.0/3\n"},
        {"etc/TZ": b"CST6CDT,M3.2.0,M11.1.0\n"},  # the other CST: US Central
        {"etc/profile": b"export TZ=UTC\n"},
        {"share/zoneinfo/Asia/Shanghai": b"TZif2\x00\nCST-8\n"},  # the database, not a default
    ],
)
def test_benign_look_alikes(files) -> None:
    assert run(ANALYZER, files) == []


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []
