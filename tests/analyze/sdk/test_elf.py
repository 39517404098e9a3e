import io
import tarfile

import lief
import pytest
from sdk_data import BENIGN, analyze, corpus_tree

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.sdk import elf as elf_module
from firmware_audit.analyze.sdk.elf import ElfReadError, elf_facts
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind, SdkUse

TUTK = "05-ingenic-tutk.bin"


def _facts(tree, path):
    binary = FileContext(tree, tree[path]).elf()
    assert binary is not None
    return elf_facts(binary)


def test_dynamic_executable_facts() -> None:
    facts = _facts(corpus_tree(TUTK), "/0x00020000.jffs2!/bin/ipc_server")
    assert facts.machine == "MIPS"
    assert not facts.big_endian
    assert facts.file_type == "EXEC"
    assert facts.interpreter == "/lib/ld.so.1"
    assert facts.needed == ("libimp.so", "libIOTCAPIs.so", "libAVAPIs.so", "libc.so.6")
    assert {"IOTC_Initialize2", "avServStart", "IMP_System_Init"} <= set(facts.imported)
    assert "main" in facts.exported
    assert facts.comments == ("GCC: (Ingenic r2.3.3 2016.12) 4.7.2",)
    assert facts.build_id is not None
    assert len(facts.build_id) == 40
    assert dict(facts.version_needs)["libc.so.6"]


def test_shared_library_exports_and_big_endian_mips() -> None:
    facts = _facts(corpus_tree("08-cs2-pppp.bin"), "/ramdisk-1!/payload!/lib/libPPPP_API.so")
    assert facts.big_endian
    assert facts.file_type == "DYN"
    assert {"PPPP_Initialize", "PPPP_Listen"} <= set(facts.exported)
    assert "PPPP_Initialize" not in facts.imported


def test_kernel_module_modinfo() -> None:
    facts = _facts(corpus_tree(TUTK), "/0x00010000.squashfs!/lib/modules/avpu.ko")
    assert facts.file_type == "REL"
    assert facts.modinfo_value("name") == "avpu"
    assert facts.modinfo_value("description") == "Ingenic AVPU"
    assert facts.modinfo_value("vermagic").startswith("3.10.14__isvp_swan_1.0__")
    assert facts.modinfo_value("author") is None


def test_stripped_static_binary_has_no_symbols() -> None:
    facts = _facts(corpus_tree(TUTK), "/0x00020000.jffs2!/bin/iotc_daemon")
    assert (facts.needed, facts.imported, facts.exported, facts.interpreter) == ((), (), (), None)


def test_benign_elf_files_read() -> None:
    tree = unpack((BENIGN / "benign-arm").read_bytes())
    facts = elf_facts(FileContext(tree, tree.root).elf())
    assert facts.machine == "ARM"
    assert facts.interpreter == "/lib/ld-linux-armhf.so.3"
    assert facts.build_id is None  # built with --build-id=none


class _Exploding:
    """Stands for a LIEF parse whose reading fails half-way, as native parsers do on odd input."""

    @property
    def header(self) -> object:
        raise RuntimeError("corrupted header")


def test_lief_errors_while_reading_become_elf_read_errors() -> None:
    with pytest.raises(ElfReadError, match="RuntimeError: corrupted header"):
        elf_facts(_Exploding())


def test_lief_read_failure_is_an_issue_and_the_rest_still_runs(monkeypatch) -> None:
    tree = corpus_tree(TUTK)
    path = "/0x00020000.jffs2!/lib/libIOTCAPIs.so"

    def fail(_binary):
        raise ElfReadError("RuntimeError: bad symbol table")

    monkeypatch.setattr("firmware_audit.analyze.sdk.analyzer.elf_facts", fail)
    findings, ctx = analyze(tree, path)
    assert [i.kind for i in ctx.issues] == [IssueKind.PARSER_ERROR]
    assert "bad symbol table" in ctx.issues[0].message
    # Without symbols the library is still known by its name and its strings (the scrambler key).
    (tutk,) = [f for f in findings if f.sdk is not None]
    assert tutk.sdk.family == "throughtek-kalay"
    assert set(tutk.sdk.use) == {SdkUse.EMBEDDED}


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_unparseable_elf_is_an_issue_not_a_crash() -> None:
    # An ELF identification with nothing valid behind it, under an SDK library's name.
    tree = unpack(_tar({"lib/libmpi.so": b"\x7fELF\x01\x01\x01" + b"\xff" * 200}))
    findings, ctx = analyze(tree, "/lib/libmpi.so")
    assert [i.kind for i in ctx.issues] == [IssueKind.PARSER_ERROR]
    assert "LIEF cannot parse" in ctx.issues[0].message
    (named,) = findings
    assert named.sdk.family == "hisilicon-mpp"
    assert named.sdk.use == (SdkUse.NAMED,)
    assert named.confidence == 0.6


def test_symbols_are_those_lief_lists_first_dynamic_then_static(monkeypatch) -> None:
    # An unstripped build (tests/data/code/make.sh): both symbol tables hold names.
    binary = lief.ELF.parse(str(BENIGN.parent / "code" / "cloud-aarch64"))
    assert binary is not None
    dynamic = [s for s in binary.dynamic_symbols if s.name]
    static = [s for s in binary.symtab_symbols if s.name]
    assert dynamic
    assert static
    facts = elf_facts(binary)
    assert facts.imported == tuple(dict.fromkeys(s.name for s in dynamic if s.imported))
    assert facts.exported == tuple(dict.fromkeys(s.name for s in (*dynamic, *static) if s.exported))
    assert facts.imported
    assert set(facts.exported) - {s.name for s in dynamic}  # names only the static table holds
    # Each table is read up to MAX_SYMBOLS entries.
    monkeypatch.setattr(elf_module, "MAX_SYMBOLS", 3)
    capped = elf_facts(binary)
    first = [*list(binary.dynamic_symbols)[:3], *list(binary.symtab_symbols)[:3]]
    assert capped.exported == tuple(dict.fromkeys(s.name for s in first if s.name and s.exported))
    assert set(capped.exported) < set(facts.exported)
