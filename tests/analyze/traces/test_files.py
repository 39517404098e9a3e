import pytest
from traces_data import clean_tree, corpus_tree, run, run_all

from firmware_audit.analyze.traces import VendorFileAnalyzer

ANALYZER = VendorFileAnalyzer()


@pytest.mark.parametrize(
    ("path", "kind", "vendor"),
    [
        ("www/js/SimpChinese.js", "web-ui", "Xiongmai"),
        ("www/NewActive.exe", "web-ui", "Xiongmai"),
        ("dhboot.bin.img", "firmware-layout", "Dahua"),
        ("modules/digicapkeyArm.ko", "kernel-module", "Hikvision"),
        ("lib/modules/xm530_isp.ko", "kernel-module", "Xiongmai"),  # read from sdk/chips.toml
    ],
)
def test_vendor_file_names(path, kind, vendor) -> None:
    (finding,) = run(ANALYZER, {path: b""})  # the name is the trace, even of an empty file
    assert (finding.trace.kind, finding.trace.vendor, finding.trace.vendor_country) == (kind, vendor, "CN")
    assert finding.evidence[1].value == path.rsplit("/", 1)[-1]
    assert finding.evidence[0].context  # its public source


@pytest.mark.parametrize(
    "path",
    [
        "www/js/English.js",
        "www/js/SimpChinese.jsx",
        "u-boot.bin.img",
        "lib/modules/hi3516ev200_sys.ko",  # a chip maker's module: a clue to the SoC, not a maker's trace
        "lib/modules/digicap.ko",
    ],
)
def test_benign_look_alikes(path) -> None:
    assert run(ANALYZER, {path: b"x"}) == []


def test_the_dahua_boot_image_is_found_by_its_member_name() -> None:
    findings = run_all(ANALYZER, corpus_tree("03-dahua-dhzip.bin"))
    assert [(f.location.path, f.trace.kind) for f in findings] == [("/dhboot.bin.img", "firmware-layout")]


def test_nothing_in_the_clean_image() -> None:
    assert run_all(ANALYZER, clean_tree()) == []
