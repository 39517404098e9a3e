from traces_data import clean_tree, corpus_tree, run, run_all

from firmware_audit.analyze.traces import ToolchainAnalyzer
from firmware_audit.model import Severity

ANALYZER = ToolchainAnalyzer()
SONIA = "/user-x.squashfs.img!/payload!/bin/sonia"


def test_elf_comment_banner_from_the_chip_table() -> None:
    findings = {f.location.path: f for f in run_all(ANALYZER, corpus_tree("03-dahua-dhzip.bin"))}
    sonia = findings[SONIA]
    assert (sonia.trace.kind, sonia.trace.vendor) == ("toolchain", "HiSilicon")
    assert sonia.severity is Severity.INFO
    assert "Hisilicon_v500_20170922" in sonia.trace.detail
    assert "Hi3516AV200" in sonia.title
    kernel = findings["/kernel.img!/payload!/payload"]  # the kernel's `Linux version` banner
    assert "Hisilicon_v500_20170922" in kernel.trace.detail


def test_kernel_banner_in_a_plain_file() -> None:
    banner = b"\x00Linux version 3.4.35 (root@linux-compiler1) (gcc version 4.8.5 (anyka (gcc-4.8.5 + "
    banner += b"binutils-2.24 + ulcibc-0.9.33.2)(20170223)) ) #41 Thu Jun 3 21:28:02 CST 2021\x00"
    (finding,) = run(ANALYZER, {"uImage.payload": banner})
    assert finding.trace.vendor == "Anyka"


def test_unknown_and_generic_toolchains_are_not_traces() -> None:
    assert (
        run(ANALYZER, {"k": b"\x00Linux version 6.1.55 (build@ci) (arm-linux-gnueabihf-gcc 12.2.0) #1\x00"})
        == []
    )
    assert run_all(ANALYZER, clean_tree()) == []  # GCC: (Muster toolchain 2023.02) 12.2.0
