import pytest
from traces_data import clean_tree, run, run_all

from firmware_audit.analyze.traces import BuildTraceAnalyzer

ANALYZER = BuildTraceAnalyzer()


def _kernel(user_host: bytes) -> dict[str, bytes]:
    return {"kernel": b"\x00Linux version 4.9.37 (" + user_host + b") (gcc version 6.3.0 ) #1 SMP\x00"}


def test_known_build_host() -> None:
    (finding,) = run(ANALYZER, _kernel(b"root@linux-compiler1"))
    assert (finding.trace.kind, finding.trace.vendor) == ("build-host", "Anyka")
    assert "c0decave/yoosee-ipc" in finding.evidence[0].context
    assert finding.evidence[1].value.startswith("Linux version 4.9.37 (root@linux-compiler1)")


def test_build_host_naming_a_maker() -> None:
    (finding,) = run(ANALYZER, _kernel(b"hikvision@build-server"))
    assert (finding.trace.vendor, finding.trace.vendor_country) == ("Hikvision", "CN")
    assert finding.evidence[0].value == "names the maker Hikvision"


def test_build_path_naming_a_maker() -> None:
    (finding,) = run(ANALYZER, {"bin/app": b"\x00/home/dahua/sdk/src/netsdk.c\x00"})
    assert (finding.trace.kind, finding.trace.vendor) == ("build-path", "Dahua")


@pytest.mark.parametrize(
    "files",
    [
        _kernel(b"root@ubuntu"),
        _kernel(b"root@linux-compiler12"),
        _kernel(b"builder@vstc"),
        {"bin/app": b"\x00/usr/local/dahua/lib\x00"},  # an install path, not a source path
        {"bin/app": b"\x00/home/share/jenkins/General/Sofia/Build/Sofia.cpp\x00"},  # names no maker
    ],
)
def test_anonymous_hosts_and_paths_are_not_traces(files) -> None:
    assert run(ANALYZER, files) == []


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []  # build@muster-ci names no maker
