import fnmatch
import re

from firmware_audit.analyze.sdk.elf import ElfFacts
from firmware_audit.analyze.sdk.match import LOW_CONFIDENCE, match_families
from firmware_audit.model import SdkKind, SdkUse
from firmware_audit.signatures.sdk import Family, SdkSignatures, signatures
from firmware_audit.signatures.yara import RuleMatch, StringHit


def _facts(*, needed=(), imported=(), exported=()) -> ElfFacts:
    return ElfFacts(
        machine="ARM",
        big_endian=False,
        file_type="EXEC",
        interpreter=None,
        needed=tuple(needed),
        imported=tuple(imported),
        exported=tuple(exported),
        version_needs=(),
        comments=(),
        build_id=None,
        modinfo=(),
    )


def _ids(matches) -> list[str]:
    return [m.family.id for m in matches]


SOURCES = ("example/repo:README.md",)


def test_exact_names_win_over_prefixes_and_the_longest_prefix_wins() -> None:
    data = SdkSignatures.build(
        [
            Family(
                id="wide",
                name="w",
                vendor="W",
                vendor_country="CN",
                kind=SdkKind.SOC,
                prefixes=("XXXX_",),
                sources=SOURCES,
            ),
            Family(
                id="narrow",
                name="n",
                vendor="N",
                vendor_country="CN",
                kind=SdkKind.P2P,
                prefixes=("XXXX_P2P_",),
                sources=SOURCES,
            ),
            Family(
                id="exact",
                name="e",
                vendor="E",
                vendor_country="CN",
                kind=SdkKind.P2P,
                symbols=frozenset({"XXXX_Init"}),
                sources=SOURCES,
            ),
        ],
        (),
        (),
    )
    assert [f.id for f in data.families_of_symbol("XXXX_P2P_Connect")] == ["narrow"]
    assert [f.id for f in data.families_of_symbol("XXXX_Open")] == ["wide"]
    assert [f.id for f in data.families_of_symbol("XXXX_Init")] == ["exact"]
    assert data.families_of_symbol("XXXX_") == ()  # a bare prefix is not a symbol of the family
    assert data.families_of_symbol("printf") == ()


def test_library_names_ignore_so_versions_and_use_globs() -> None:
    data = signatures()
    assert [f.id for f in data.families_of_library("libIOTCAPIs.so.1.2")] == ["throughtek-kalay"]
    assert [f.id for f in data.families_of_library("libhive_RES.so")] == ["hisilicon-mpp"]
    assert [f.id for f in data.families_of_library("libtuya_iot_ipc.so")] == ["tuya-ipc"]
    assert data.families_of_library("libisp.so") == ()  # HiSilicon and Fullhan share it: symbols decide
    assert data.families_of_library("libc.so.6") == ()


def test_importer_is_matched_by_symbols_and_needed_libraries() -> None:
    facts = _facts(
        needed=["libmpi.so", "libIOTCAPIs.so", "libc.so.6"],
        imported=["HI_MPI_SYS_Init", "HI_MPI_VENC_GetStream", "IOTC_Listen", "printf"],
    )
    matches = match_families(signatures(), file_name="app", elf=True, facts=facts)
    assert _ids(matches) == ["throughtek-kalay", "hisilicon-mpp"]  # in the order of the tables (p2p, soc)
    hisi = next(m for m in matches if m.family.id == "hisilicon-mpp")
    assert hisi.imported == ["HI_MPI_SYS_Init", "HI_MPI_VENC_GetStream"]
    assert hisi.needed == ["libmpi.so"]
    assert hisi.use == (SdkUse.IMPORTED,)
    assert hisi.confidence == 0.95  # an exact name of the family
    tutk = next(m for m in matches if m.family.id == "throughtek-kalay")
    assert tutk.symbols == ("IOTC_Listen",)
    assert tutk.confidence == 0.95  # prefix symbols and the linked library agree


def test_library_is_matched_by_exports_and_name() -> None:
    facts = _facts(exported=["MI_SYS_Init", "MI_SYS_Exit", "helper"])
    (match,) = match_families(signatures(), file_name="libmi_sys.so", elf=True, facts=facts)
    assert match.family.id == "sigmastar-mi"
    assert match.named
    assert match.use == (SdkUse.EXPORTED,)
    assert match.exported == ["MI_SYS_Init", "MI_SYS_Exit"]


def test_prefix_only_match_is_less_certain() -> None:
    (match,) = match_families(
        signatures(), file_name="x", elf=True, facts=_facts(imported=["NETDEV_Login_V30"])
    )
    assert match.family.id == "uniview-netdev"
    assert match.confidence == 0.85


def test_a_name_alone_counts_only_for_elf_files() -> None:
    assert match_families(signatures(), file_name="libhdal.so", elf=False, facts=None) == []
    (named,) = match_families(signatures(), file_name="libhdal.so", elf=True, facts=None)
    assert named.use == (SdkUse.NAMED,)
    assert named.confidence == 0.6


def test_yara_rules_count_for_their_family() -> None:
    rule = RuleMatch(
        rule="throughtek_kalay_strings",
        namespace="sdk",
        meta={"id": "sdk/throughtek-kalay/strings", "family": "throughtek-kalay"},
        hits=(StringHit("$key", 64, b"Charlie is the designer of P2P!!"),),
    )
    other = RuleMatch(rule="chip_novatek", namespace="chips", meta={"clue": "chip-string"}, hits=())
    (match,) = match_families(
        signatures(), file_name="daemon", elf=True, facts=_facts(), rule_matches=[rule, other]
    )
    assert match.family.id == "throughtek-kalay"
    assert match.use == (SdkUse.EMBEDDED,)
    assert match.confidence == 0.8


def test_generic_symbols_match_nothing() -> None:
    facts = _facts(imported=["printf", "malloc", "pthread_create", "SSL_connect", "tal_main", "hd_init"])
    assert match_families(signatures(), file_name="busybox", elf=True, facts=facts) == []


def test_a_low_confidence_family_is_never_more_than_low_confidence() -> None:
    weak = Family(
        id="weak",
        name="w",
        vendor="W",
        vendor_country="CN",
        kind=SdkKind.CAMERA_SDK,
        libraries=("libweak.so",),
        symbols=frozenset({"Weak_Init"}),
        sources=("a firmware image",),
        confidence="low",
        reason="one image only",
    )
    data = SdkSignatures.build([weak], (), ())
    (match,) = match_families(data, file_name="app", elf=True, facts=_facts(imported=["Weak_Init"]))
    assert match.confidence == LOW_CONFIDENCE


def test_every_library_glob_is_found_as_each_glob_alone_finds_it() -> None:
    data = signatures()
    globs = [glob for family in data.families for glob in family.libraries]
    names = [glob.replace("*", "x").replace("?", "y") for glob in globs]
    names += [f"{name}.1.2" for name in names] + ["libc.so.6", "busybox", "", "x" * 300]
    for name in names:
        plain = re.sub(r"(\.so)(?:\.[0-9]+)+$", r"\1", name)
        alone = tuple(
            dict.fromkeys(f for f in data.families for g in f.libraries if fnmatch.fnmatchcase(plain, g))
        )
        assert data.families_of_library(name) == alone, name
