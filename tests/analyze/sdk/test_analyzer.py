from collections import Counter

import pytest
from builders import tar_of
from sdk_data import BENIGN, IMAGES, analyze, benign_files, corpus_tree

from firmware_audit.analyze import ANALYZERS, FileContext
from firmware_audit.analyze.sdk import SdkAnalyzer
from firmware_audit.analyze.sdk.chips import MAX_CHIPS_NAMED
from firmware_audit.audit import audit
from firmware_audit.extract import unpack
from firmware_audit.model import ChipClue, Report, SdkKind, SdkUse, Severity

XM = "01-xm-hi3516ev300-general.bin"
SOFIA = "/user-x.cramfs.img!/payload!/bin/Sofia"
LIBMPI = "/user-x.cramfs.img!/payload!/lib/libmpi.so"
IMAGE_FILES = sorted(p.name for p in IMAGES.iterdir() if not p.name.endswith(".toml"))


def test_registered_in_the_analyzer_tuple() -> None:
    assert any(isinstance(a, SdkAnalyzer) for a in ANALYZERS)


def test_importer_finding_carries_symbols_library_and_use() -> None:
    findings, ctx = analyze(corpus_tree(XM), SOFIA)
    assert ctx.issues == []
    by_family = {f.sdk.family: f for f in findings if f.sdk is not None}
    hisi = by_family["hisilicon-mpp"]
    assert hisi.sdk.kind is SdkKind.SOC
    assert hisi.sdk.vendor_country == "CN"
    assert hisi.sdk.use == (SdkUse.IMPORTED,)
    assert hisi.sdk.library == "libmpi.so"
    assert hisi.sdk.symbol_count == 7
    assert {"HI_MPI_SYS_Init", "HI_MPI_SYS_GetChipId", "HI_MPI_VENC_CreateChn"} <= set(hisi.sdk.symbols)
    assert hisi.severity is Severity.INFO
    kinds = Counter(e.kind for e in hisi.evidence)
    assert kinds["source"] == 1
    assert "OpenIPC/divinus:src/hal/hisi/v4_sys.h" in hisi.evidence[0].value
    assert kinds["needed-library"] == 1
    assert hisi.sdk.call_sites == 7  # every imported MPP function is called once
    assert kinds["call-site"] == 4  # the first callers are named; the payload has the count
    assert kinds["symbol-import"] == 6  # capped; the payload has the count
    assert kinds["build-id"] == 1
    sofia = by_family["xiongmai-sofia"]
    assert sofia.sdk.use == (SdkUse.EMBEDDED,)
    (rule,) = [e for e in sofia.evidence if e.kind == "rule-match"]
    assert rule.value == "sdk/xiongmai-sofia/board-paths"
    assert rule.location.offset is not None
    assert rule.context.startswith("/mnt/mtd/Config/")


def test_library_finding_is_exported_with_its_own_path() -> None:
    findings, _ = analyze(corpus_tree(XM), LIBMPI)
    (hisi,) = [f for f in findings if f.sdk is not None]
    assert hisi.sdk.use == (SdkUse.EXPORTED,)
    assert hisi.sdk.library == LIBMPI
    assert hisi.sdk.symbol_count == 16
    assert len(hisi.sdk.symbols) <= 20


def test_stripped_static_binary_is_found_by_its_strings() -> None:
    findings, _ = analyze(corpus_tree("05-ingenic-tutk.bin"), "/0x00020000.jffs2!/bin/iotc_daemon")
    (tutk,) = findings
    assert (tutk.sdk.family, tutk.sdk.kind, tutk.sdk.use) == (
        "throughtek-kalay",
        SdkKind.P2P,
        (SdkUse.EMBEDDED,),
    )
    assert tutk.sdk.symbol_count == 0
    assert tutk.severity is Severity.MEDIUM
    (rule,) = [e for e in tutk.evidence if e.kind == "rule-match"]
    assert "Charlie is the designer of P2P!!" in rule.context or "IOTC_ER_" in rule.context


def test_kernel_module_clue_with_modinfo() -> None:
    findings, _ = analyze(corpus_tree(XM), "/romfs-x.cramfs.img!/payload!/lib/modules/hi3516ev200_sys.ko")
    (module,) = [f for f in findings if f.chip is not None and f.chip.clue is ChipClue.KERNEL_MODULE]
    assert module.chip.vendor == "HiSilicon"
    assert module.chip.detail == "hi3516ev200_sys.ko"
    evidence = {e.kind: e.value for e in module.evidence}
    assert evidence["source"].startswith("hi3516ev200_*.ko: OpenIPC/firmware")
    assert evidence["modinfo-vermagic"].startswith("4.9.37")
    assert evidence["modinfo-description"] == "HiSilicon MPP driver"


def test_chip_string_evidence_shows_where_it_stood() -> None:
    findings, _ = analyze(corpus_tree(XM), "/custom-x.cramfs.img!/payload!/ProductDefinition")
    (chip,) = findings
    assert (chip.chip.clue, chip.chip.models) == (ChipClue.CHIP_STRING, ("Hi3516EV300",))
    seen = [e for e in chip.evidence if e.kind == "chip-string"]
    assert len(seen) == 2  # the model and the hardware fields both name it
    assert {e.value for e in seen} == {"HI3516EV300"}
    assert all(e.location.offset is not None and "HI3516EV300" in e.context for e in seen)


def test_container_bytes_do_not_repeat_their_members_sdk_families() -> None:
    tree = corpus_tree("07-anyka-ilnk.bin")
    findings, _ = analyze(tree, "/uImage")  # a uImage holds the kernel: its header and banner are its own
    assert [f.sdk for f in findings if f.sdk is not None] == []
    assert {f.chip.clue for f in findings} == {ChipClue.CHIP_STRING, ChipClue.TOOLCHAIN}


@pytest.mark.parametrize("image", IMAGE_FILES)
def test_one_finding_per_file_and_family(image: str) -> None:
    tree = unpack(IMAGES / image)
    keys = Counter()
    for node in tree.files():
        if node.withheld is None and node.size:
            for finding in SdkAnalyzer().analyze(FileContext(tree, node)):
                payload = finding.sdk.family if finding.sdk else (finding.chip.clue, finding.chip.vendor)
                keys[node.path, payload] += 1
    assert [key for key, count in keys.items() if count > 1] == []


BENIGN_FILES = benign_files()


@pytest.mark.parametrize("data", [b[1] for b in BENIGN_FILES], ids=[b[0] for b in BENIGN_FILES])
def test_nothing_is_found_in_benign_files(data: bytes) -> None:
    tree = unpack(data)
    ctx = FileContext(tree, tree.root)
    assert list(SdkAnalyzer().analyze(ctx)) == []


def test_benign_kernel_module_by_its_own_name() -> None:
    tree = unpack((BENIGN / "example_wdt.ko").read_bytes())
    assert list(SdkAnalyzer().analyze(FileContext(tree, tree.root))) == []


EXPECTED_SOC = {
    "01": "HiSilicon Hi3516EV300",
    "02": "HiSilicon Hi3516CV500",
    "04": "HiSilicon Hi3516EV200",
    "05": "Ingenic T31",
    "06": "SigmaStar SSC335",
    "07": "Anyka AK3918EV200",
    "08": None,
    "09": "Novatek NT98566",
    "10": None,
    "11": None,
    "12": "Xiongmai XM530",
}


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    return {name[:2]: audit(IMAGES / name) for name in IMAGE_FILES}


@pytest.mark.parametrize(("number", "label"), EXPECTED_SOC.items())
def test_verdict_soc(reports, number: str, label: str | None) -> None:
    verdict = reports[number].verdict
    assert verdict.soc == label
    if label is not None:
        ids = {f.id for f in reports[number].findings}
        assert verdict.soc_detail.basis
        assert set(verdict.soc_detail.basis) <= ids


def test_toolchain_disagreement_is_said(reports) -> None:
    # Image 3's MPP library names the Hi3516EV200 line while its toolchain is the v500 one (Hi3516AV200):
    # the vendor is certain, the model disagreement is written into the verdict.
    detail = reports["03"].verdict.soc_detail
    assert detail.vendor == "HiSilicon"
    assert any("toolchain" in note for note in detail.disagreements)


def test_reports_with_chip_findings_round_trip(reports) -> None:
    report = reports["01"]
    assert any(f.chip is not None for f in report.findings)
    assert Report.from_json(report.to_json()) == report


DAHUA = "03-dahua-dhzip.bin"


def test_a_toolchain_banner_is_one_chip_clue_and_no_trace() -> None:
    tree = corpus_tree(DAHUA)
    for path in ("/user-x.squashfs.img!/payload!/bin/sonia", "/kernel.img!/payload!/payload"):
        findings, _ = analyze(tree, path)
        (clue,) = [f for f in findings if f.rule == "chip/toolchain"]
        assert (clue.chip.clue, clue.chip.vendor) == (ChipClue.TOOLCHAIN, "HiSilicon")
        assert "Hisilicon_v500_20170922" in clue.chip.detail
        assert "Hi3516AV200" in clue.chip.models
    report = audit(IMAGES / DAHUA)
    banners = [f for f in report.findings if "toolchain" in f.rule]
    assert {f.rule for f in banners} == {"chip/toolchain"}  # the banner is not reported twice


def test_generic_and_unknown_toolchains_are_no_chip_clue() -> None:
    findings = [f for name in IMAGE_FILES if name.startswith("10-") for f in audit(IMAGES / name).findings]
    assert not [f for f in findings if f.rule == "chip/toolchain"]  # GCC: (Muster toolchain 2023.02) 12.2.0


def _chip_of(data: bytes):
    tree = unpack(data)
    (chip,) = [f for f in SdkAnalyzer().analyze(FileContext(tree, tree.root)) if f.chip is not None]
    return chip


def test_a_file_naming_more_chips_than_a_device_has_is_a_table_of_them() -> None:
    # a kernel built for every platform of Allwinner's SDK lists their names (the held-out Yi 1080's does)
    names = [b"sun8iw%dp1" % n for n in (6, 7, 8, 19, 21)]
    table = _chip_of(b"\x00".join(b"allwinner," + name for name in names))
    assert table.chip.models == tuple(name.decode() for name in names)
    assert [e.value for e in table.evidence if e.kind == "chip-table"] == [b", ".join(names).decode()]
    assert "5 of its chips, a table of them" in table.title
    few = _chip_of(b"\x00".join(b"allwinner," + name for name in names[:MAX_CHIPS_NAMED]))
    assert few.chip.models == tuple(name.decode() for name in names[:MAX_CHIPS_NAMED])
    assert not [e for e in few.evidence if e.kind == "chip-table"]


def test_a_table_of_chips_picks_no_model_beside_a_file_that_names_one() -> None:
    names = [b"sun8iw%dp1" % n for n in (6, 7, 8, 19, 21)]
    kernel = b"\x00".join(b"allwinner," + name for name in names)
    # a model the table does not hold: counted with the table's names, it would be one of six
    device_tree = b"\x00allwinner,sun8iw20p1\x00"
    both = audit(tar_of({"kernel": kernel, "board.dtb": device_tree}), jobs=1)
    assert both.verdict.soc == "Allwinner sun8iw20p1"
    alone = audit(tar_of({"kernel": kernel}), jobs=1)
    assert alone.verdict.soc_detail is not None
    assert (alone.verdict.soc_detail.model, len(alone.verdict.soc_detail.models)) == (None, 5)


def test_modules_and_chip_firmware_name_the_sdk_line_not_the_device_chip() -> None:
    # A Goke GK7102 doorbell: its kernel modules and DSP firmware say gk7101 (the SDK line's name),
    # the device's own identity file says gk7102.
    files = {
        **{f"lib/modules/3.4.43-gk/extra/{m}.ko": b"\0gk7101\0" for m in ("audio", "dsp", "isp", "vi")},
        "lib/firmware/gk_fw.bin": b"\0GK7101 FW_MAIN\0",
        "root/sys_info": b"chip=gk7102\n",
    }
    assert audit(tar_of(files), jobs=1).verdict.soc == "Goke GK7102"
