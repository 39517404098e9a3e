from sdk_data import chip_finding, sdk_finding

from firmware_audit.analyze.sdk import identify_soc, soc_label
from firmware_audit.model import ChipClue, SdkUse

EV200_LINE = ("Hi3516EV200", "Hi3516EV300", "Hi3518EV300", "Hi3516DV200")


def test_no_clue_no_soc() -> None:
    assert identify_soc([]) is None
    assert soc_label(None) is None


def test_sdk_libraries_decide_when_the_toolchain_disagrees() -> None:
    # A vendor builds with Anyka's toolchain for a HiSilicon chip: the SDK libraries decide, and say so.
    sofia = sdk_finding("/bin/Sofia", "hisilicon-mpp", "HiSilicon")
    libmpi = sdk_finding("/lib/libmpi.so", "hisilicon-mpp", "HiSilicon", use=(SdkUse.EXPORTED,))
    toolchains = [
        chip_finding(f"/bin/{name}", ChipClue.TOOLCHAIN, "Anyka", detail="arm-anykav200-linux")
        for name in ("a", "b", "c")
    ]
    soc = identify_soc([*toolchains, sofia, libmpi])
    assert soc.vendor == "HiSilicon"
    assert soc.confidence == 0.95
    assert soc.basis == (sofia.id, libmpi.id)
    (note,) = soc.disagreements
    assert "toolchains point to Anyka (/bin/a, /bin/b, /bin/c)" in note
    assert "the SDK libraries decide" in note


def test_kernel_modules_decide_without_sdk_libraries() -> None:
    module = chip_finding("/lib/modules/avpu.ko", ChipClue.KERNEL_MODULE, "Ingenic", detail="avpu.ko")
    chips = [chip_finding(f"/etc/f{i}", ChipClue.CHIP_STRING, "SigmaStar", ("SSC335",)) for i in range(3)]
    soc = identify_soc([*chips, module])
    assert (soc.vendor, soc.model, soc.confidence) == ("Ingenic", None, 0.8)
    assert "the kernel modules decide" in soc.disagreements[0]
    assert soc_label(soc) == "Ingenic"


def test_goke_supersedes_the_hisilicon_api_it_clones() -> None:
    # Goke's SDK exports HiSilicon's HI_MPI_* API: HiSilicon findings appear in more files, Goke decides.
    hisi = [sdk_finding(f"/bin/app{i}", "hisilicon-mpp", "HiSilicon") for i in range(4)]
    goke = sdk_finding("/lib/libgk_api.so", "goke-mpp", "Goke", use=(SdkUse.NAMED,))
    soc = identify_soc([*hisi, goke])
    assert soc.vendor == "Goke"
    assert soc.basis == (goke.id,)
    assert soc.disagreements == ()


def test_chip_strings_pick_the_model_within_the_kernel_modules_line() -> None:
    # hi3516ev200_* modules serve the whole EV200 line; the module files and the MPP library repeat the
    # line's name; the application and product definition name the board's chip.
    findings = [
        sdk_finding("/lib/libmpi.so", "hisilicon-mpp", "HiSilicon", use=(SdkUse.EXPORTED,)),
        chip_finding("/lib/libmpi.so", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516EV200",)),
        *(
            chip_finding(
                f"/lib/modules/hi3516ev200_{m}.ko",
                ChipClue.KERNEL_MODULE,
                "HiSilicon",
                EV200_LINE,
                detail=f"hi3516ev200_{m}.ko",
            )
            for m in ("sys", "isp", "venc")
        ),
        *(
            chip_finding(
                f"/lib/modules/hi3516ev200_{m}.ko", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516EV200",)
            )
            for m in ("sys", "isp", "venc")
        ),
        chip_finding("/etc/init.d/rcS", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516EV200",)),
        chip_finding("/bin/Sofia", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516EV300",)),
        chip_finding("/custom/ProductDefinition", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516EV300",)),
    ]
    soc = identify_soc(findings)
    assert soc.model == "Hi3516EV300"
    assert soc_label(soc) == "HiSilicon Hi3516EV300"
    assert soc.disagreements == ()


def test_the_line_name_alone_is_the_model() -> None:
    findings = [
        chip_finding(
            "/lib/modules/hi3516ev200_sys.ko",
            ChipClue.KERNEL_MODULE,
            "HiSilicon",
            EV200_LINE,
            detail="hi3516ev200_sys.ko",
        ),
        chip_finding("/etc/hostname", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516EV200",)),
    ]
    assert identify_soc(findings).model == "Hi3516EV200"


def test_modules_rule_out_chip_strings_of_another_line() -> None:
    findings = [
        chip_finding(
            "/lib/modules/hi3516ev200_sys.ko",
            ChipClue.KERNEL_MODULE,
            "HiSilicon",
            EV200_LINE,
            detail="hi3516ev200_sys.ko",
        ),
        chip_finding("/etc/banner", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516CV500",)),
    ]
    soc = identify_soc(findings)
    assert soc.model is None
    assert soc.models == tuple(sorted(EV200_LINE))
    assert "Hi3516CV500, which the kernel modules or toolchain rule out" in soc.disagreements[0]
    assert soc_label(soc) == "HiSilicon (Hi3516DV200 / Hi3516EV200 / Hi3516EV300 / Hi3518EV300)"


def test_chip_strings_outrank_the_toolchain_for_the_model() -> None:
    findings = [
        sdk_finding("/bin/sonia", "hisilicon-mpp", "HiSilicon"),
        chip_finding("/bin/sonia", ChipClue.TOOLCHAIN, "HiSilicon", ("Hi3516AV200", "Hi3519V101")),
        chip_finding("/etc/model", ChipClue.CHIP_STRING, "HiSilicon", ("Hi3516CV300",)),
    ]
    soc = identify_soc(findings)
    assert soc.model == "Hi3516CV300"
    assert "outside what the toolchain allows" in soc.disagreements[0]


def test_toolchain_alone_gives_the_chips_it_serves() -> None:
    soc = identify_soc(
        [chip_finding("/bin/sonia", ChipClue.TOOLCHAIN, "HiSilicon", ("Hi3516AV200", "Hi3519V101"))]
    )
    assert (soc.vendor, soc.model, soc.models, soc.confidence) == (
        "HiSilicon",
        None,
        ("Hi3516AV200", "Hi3519V101"),
        0.4,
    )


def test_equal_support_is_said() -> None:
    soc = identify_soc(
        [
            sdk_finding("/lib/a.so", "hisilicon-mpp", "HiSilicon"),
            sdk_finding("/lib/b.so", "ingenic-imp", "Ingenic"),
        ]
    )
    assert soc.vendor == "Ingenic"  # the name order breaks the tie, and the verdict says so
    assert soc.disagreements[0].startswith("Ingenic and HiSilicon are equally supported")


def test_a_program_built_for_many_chips_does_not_decide() -> None:
    # A hardware abstraction layer writes the API names of every chip SDK it can load: not this chip's.
    embedded = (SdkUse.EMBEDDED,)
    hal = [
        sdk_finding("/usr/bin/streamer", family, vendor, use=embedded)
        for family, vendor in (
            ("hisilicon-mpp", "HiSilicon"),
            ("sigmastar-mi", "SigmaStar"),
            ("ingenic-imp", "Ingenic"),
        )
    ]
    module = chip_finding("/lib/modules/sensor_gc2053_t31.ko", ChipClue.KERNEL_MODULE, "Ingenic", ("T31",))
    soc = identify_soc([*hal, module])
    assert (soc.vendor, soc.confidence) == ("Ingenic", 0.8)
    assert soc.basis == (module.id,)
    assert any(
        "/usr/bin/streamer writes the API names of several chip makers' SDKs" in n for n in soc.disagreements
    )
    # One chip maker's API names written in a stripped binary still count as its SDK.
    (alone,) = [f for f in hal if f.sdk.vendor == "HiSilicon"]
    assert identify_soc([alone]).vendor == "HiSilicon"
