import pytest

from firmware_audit.analyze.sdk.chips import (
    banner_texts,
    chip_string_sightings,
    module_sightings,
    toolchain_sightings,
)
from firmware_audit.analyze.sdk.elf import ElfFacts
from firmware_audit.model import ChipClue
from firmware_audit.signatures.sdk import signatures
from firmware_audit.signatures.yara import scan


def _module_facts(name: str) -> ElfFacts:
    return ElfFacts(
        machine="ARM",
        big_endian=False,
        file_type="REL",
        interpreter=None,
        needed=(),
        imported=(),
        exported=(),
        version_needs=(),
        comments=(),
        build_id=None,
        modinfo=(("name", name), ("vermagic", "4.9.37 mod_unload ARMv7 p2v8 ")),
    )


def _chips(data: bytes) -> list[tuple[str, tuple[str, ...], str]]:
    return [(s.vendor, s.models, s.detail) for s in chip_string_sightings(data, scan(data))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"Model=IPC_HI3516EV300_50H20AI_S38\n", [("HiSilicon", ("Hi3516EV300",), "HI3516EV300")]),
        (b"Linux-4.9.37-hi3516cv500\x00", [("HiSilicon", ("Hi3516CV500",), "hi3516cv500")]),
        (b"hostname SSC335\n", [("SigmaStar", ("SSC335",), "SSC335")]),
        (b"Machine: AK3918EV200\n", [("Anyka", ("AK3918EV200",), "AK3918EV200")]),
        (b"CLOUD39EV3_AK3918EV300_MNBD", [("Anyka", ("AK3918EV300",), "AK3918EV300")]),
        (b"(NT98566)", [("Novatek", ("NT98566",), "NT98566")]),
        (b"libisp_XM530.so", [("Xiongmai", ("XM530",), "XM530")]),
        (
            b"gk7205v200 fh8852v100 GM8136",
            [
                ("Goke", ("GK7205V200",), "gk7205v200"),
                ("Fullhan", ("FH8852V100",), "fh8852v100"),
                ("Grain Media", ("GM8136",), "GM8136"),
            ],
        ),
        # device-tree compatibles, as OpenIPC's ipctool reads them; Allwinner writes its names lower case
        (b"allwinner,sun8iw19p1\x00", [("Allwinner", ("sun8iw19p1",), "sun8iw19p1")]),
        (b"ARCH_SUN8IW8P1", [("Allwinner", ("sun8iw8p1",), "SUN8IW8P1")]),
        (b"rockchip,rv1126\x00", [("Rockchip", ("RV1126",), "rv1126")]),
        # Goke's first generation has no V number (a Goke GK7102 doorbell's /root/sys_info)
        (b"chip: gk7102\n", [("Goke", ("GK7102",), "gk7102")]),
        (b"CONFIG_MACH_GK7102S_OV9732", [("Goke", ("GK7102S",), "GK7102S")]),
    ],
)
def test_chip_names_are_read_as_whole_tokens(text: bytes, expected) -> None:
    assert sorted(_chips(text)) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    [
        b"chi3516ev300",  # continues a longer token
        b"Hi3516EV3000",  # runs on
        b"AK3918E80PIN",  # a board name, not a model
        b"XM5300 ssc3350 nt985661",
        b"version 3516 hi35 gk72",
        b"allwinner,sun8i-h3 sun50i-a64 rv112 rv11260",  # mainline names, no model of the maker's SDK
        b"gk71021 gk710 gk7102sx",  # a Goke name runs on, or stops short
    ],
)
def test_look_alikes_are_not_chip_names(text: bytes) -> None:
    assert _chips(text) == []


def test_kernel_module_by_file_name_or_modinfo_name() -> None:
    data = signatures()
    (by_name,) = module_sightings(data, "hi3516ev200_sys.ko", None)
    assert by_name.clue is ChipClue.KERNEL_MODULE
    assert by_name.vendor == "HiSilicon"
    assert by_name.family_name == "Hi3516EV200"
    assert "Hi3516EV300" in by_name.models
    (by_modinfo,) = module_sightings(data, "driver.ko", _module_facts("sensor_imx335_t31"))
    assert (by_modinfo.vendor, by_modinfo.models) == ("Ingenic", ("T31",))
    assert by_modinfo.detail == "sensor_imx335_t31.ko"
    assert module_sightings(data, "example_wdt.ko", _module_facts("example_wdt")) == []
    assert module_sightings(data, "hi3516ev200_sys.txt", None) == []  # not a module


def test_toolchains_in_comments_and_kernel_banners() -> None:
    data = signatures()
    banner = (
        b"\x00Linux version 3.18.20 (root@ubuntu) (gcc version 4.9.4 20150629 (prerelease) "
        b"(Hisilicon_v500_20170922) ) #1 SMP\x00"
    )
    texts = banner_texts(banner, None)
    assert texts == [(banner[1:-1].decode(), 1)]
    (sighting,) = toolchain_sightings(data, texts)
    assert (sighting.vendor, sighting.models) == ("HiSilicon", ("Hi3516AV200", "Hi3519V101"))
    assert sighting.offset == 1
    assert toolchain_sightings(data, [("GCC: (Buildroot 2014.08) 4.8.3", None)]) == []
    assert (
        toolchain_sightings(data, [("GCC: (HC&C V100R002C00B032_20190114) 6.3.0", None)]) == []
    )  # unverified
    anyka = "GCC: (anyka (gcc-4.8.5 + binutils-2.24 + ulcibc-0.9.33.2)(20170223)) 4.8.5"
    (found,) = toolchain_sightings(data, [(anyka, None)])
    assert (found.vendor, found.models) == ("Anyka", ("AK3918EV200",))


def test_banner_texts_of_an_elf_file_are_its_comments() -> None:
    facts = _module_facts("x")
    assert banner_texts(b"Linux version 1.2.3 (someone@somewhere)", facts) == []
