import pytest
from benchmark_scripts import load
from conftest import ROOT

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.context import MAX_ELF_SYMBOLS
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind

XM = ROOT / "corpus" / "images" / "01-xm-hi3516ev300-general.bin"
SOFIA = "/user-x.cramfs.img!/payload!/bin/Sofia"


@pytest.fixture(scope="module")
def tree():
    return unpack(XM)


def _ctx(tree, path: str) -> FileContext:
    return FileContext(tree, tree[path])


def test_strings_ascii_and_utf16_with_offsets() -> None:
    data = b"\x00\x01ab\x00hello world\x00\x01\x01" + "cloud.example.cn".encode("utf-16-le") + b"\x00\x00xyz"
    tree = unpack(data)
    ctx = FileContext(tree, tree.root)
    texts = {(t.value, t.wide): t.offset for t in ctx.strings()}
    assert texts[("hello world", False)] == 5
    assert texts[("cloud.example.cn", True)] == 19
    assert ("ab", False) not in texts  # shorter than MIN_STRING
    assert ctx.strings() is ctx.strings()  # extracted once


def test_elf_is_parsed_once_by_lief(tree) -> None:
    ctx = _ctx(tree, SOFIA)
    assert ctx.is_elf
    binary = ctx.elf()
    assert binary is not None
    assert "libmpi.so" in binary.libraries
    assert ctx.elf() is binary
    assert ctx.issues == []


def test_not_elf_gives_none_without_issue(tree) -> None:
    ctx = _ctx(tree, "/romfs-x.cramfs.img!/payload!/etc/passwd")
    assert not ctx.is_elf
    assert ctx.elf() is None
    assert ctx.issues == []


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x7fELF" + b"\x00" * 60, "unknown class 0"),
        (b"\x7fELF\x01\x03\x01" + b"\x00" * 60, "unknown byte order 3"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 20, "shorter than the file header"),
        (b"\x7fELF\x01", "shorter than the identification"),
    ],
)
def test_broken_elf_header_is_an_issue_not_a_crash(data: bytes, why: str) -> None:
    tree = unpack(data)
    ctx = FileContext(tree, tree.root)
    assert ctx.elf() is None
    assert [(i.kind, i.message) for i in ctx.issues] == [
        (IssueKind.MALFORMED, f"not a valid ELF file: {why}")
    ]


def test_elf_lief_cannot_read_is_an_issue() -> None:
    header = bytearray(b"\x7fELF\x01\x01\x01".ljust(52, b"\x00"))
    header[0x2C:0x2E] = (0xFFFF).to_bytes(2, "little")  # e_phnum: more segments than the file holds
    tree = unpack(bytes(header))
    ctx = FileContext(tree, tree.root)
    assert ctx.elf() is None
    assert [i.kind for i in ctx.issues] == [IssueKind.PARSER_ERROR]


def test_a_symbol_table_larger_than_any_camera_binary_is_not_read_by_lief() -> None:
    elf_symbols = load("hostile").elf_symbols
    small = unpack(elf_symbols(1000))
    ctx = FileContext(small, small.root)
    binary = ctx.elf()
    assert binary is not None
    assert len(binary.symtab_symbols) == 1000
    assert ctx.issues == []
    big = unpack(elf_symbols(MAX_ELF_SYMBOLS + 1))
    ctx = FileContext(big, big.root)
    binary = ctx.elf()
    assert binary is not None
    assert len(binary.symtab_symbols) == 0
    limit = MAX_ELF_SYMBOLS
    message = f"symbol tables list {limit + 1} symbols, more than {limit}; symbols not read"
    assert [(i.kind, i.message) for i in ctx.issues] == [(IssueKind.LIMIT, message)]


def test_a_dynamic_symbol_table_too_large_is_not_read_by_lief_either() -> None:
    limit = MAX_ELF_SYMBOLS
    big = unpack(load("hostile").elf_symbols(limit + 1, dynamic=True))
    ctx = FileContext(big, big.root)
    assert ctx.elf() is not None  # the file is still read, without its symbols
    message = f"symbol tables list {limit + 1} symbols, more than {limit}; symbols not read"
    assert [(i.kind, i.message) for i in ctx.issues] == [(IssueKind.LIMIT, message)]
