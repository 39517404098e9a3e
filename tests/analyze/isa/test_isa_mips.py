import struct

import numpy as np

from firmware_audit.analyze.isa import Memory, Region
from firmware_audit.analyze.isa.mips import Mips

V0, A0, A1, T9, GP, SP = 2, 4, 5, 25, 28, 29
BASE = 0x10000
GP_VALUE = 0x50000
SLOT_PRINTF = GP_VALUE - 0x7FF0 + 8
SLOT_PAGE = GP_VALUE - 0x7FF0 + 4


def lui(rt: int, imm: int) -> int:
    return (0x0F << 26) | (rt << 16) | imm


def addiu(rt: int, rs: int, imm: int) -> int:
    return (0x09 << 26) | (rs << 21) | (rt << 16) | (imm & 0xFFFF)


def lw(rt: int, offset: int, base: int) -> int:
    return (0x23 << 26) | (base << 21) | (rt << 16) | (offset & 0xFFFF)


def lb(rt: int, offset: int, base: int) -> int:
    return (0x20 << 26) | (base << 21) | (rt << 16) | (offset & 0xFFFF)


def move(rd: int, rs: int) -> int:
    return (rs << 21) | (rd << 11) | 0x21


def jalr(rs: int) -> int:
    return (rs << 21) | (31 << 11) | 9


def _memory(words: dict[int, int]) -> Memory:
    def read(addresses):
        values = np.array([words.get(int(a), 0) for a in addresses], dtype=np.int64)
        return values, np.array([int(a) in words for a in addresses], dtype=bool)

    return Memory(
        gp=GP_VALUE,
        slots={SLOT_PRINTF: "printf"},
        read=read,
        loaded=(0x10000, 0x60000),
        code=lambda values: (values >= BASE) & (values < BASE + 0x1000),
        word=4,
    )


def _flow(code: list[int], starts: list[int], endian: str = "<"):
    region = Region(BASE, b"".join(struct.pack(f"{endian}I", w) for w in code), endian)
    return Mips().flow([region], np.array(starts, dtype=np.int64), _memory({SLOT_PAGE: 0x40000}), 1000)


def _refs(found) -> list[tuple[int, int]]:
    return sorted(zip(found.ref_sites.tolist(), found.ref_values.tolist(), strict=True))


def test_lui_addiu_pair_through_a_copy() -> None:
    found = _flow([lui(V0, 0x4), move(A0, V0), addiu(A1, A0, 0x1234)], [BASE])
    assert _refs(found) == [(BASE + 8, 0x41234)]


def test_big_endian_words_give_the_same_reference() -> None:
    found = _flow([lui(V0, 0x4), addiu(A0, V0, 0x10)], [BASE], endian=">")
    assert _refs(found) == [(BASE + 4, 0x40010)]


def test_a_register_written_in_between_is_unknown() -> None:
    found = _flow([lui(A0, 0x4), lb(A0, 0, SP), addiu(A1, A0, 4)], [BASE])
    assert _refs(found) == []


def test_a_function_start_forgets_the_registers() -> None:
    found = _flow([lui(A0, 0x4), addiu(A1, A0, 4)], [BASE, BASE + 4])
    assert _refs(found) == []


def test_got_page_and_import_through_gp() -> None:
    code = [
        lw(A0, SLOT_PAGE - GP_VALUE, GP),
        addiu(A0, A0, 0x20),
        lw(T9, SLOT_PRINTF - GP_VALUE, GP),
        jalr(T9),
    ]
    found = _flow(code, [BASE])
    # the GOT slots themselves are loaded from; the page plus the offset is the string
    assert _refs(found) == [(BASE, SLOT_PAGE), (BASE + 4, 0x40020), (BASE + 8, SLOT_PRINTF)]
    assert found.import_sites.tolist() == [BASE + 12]
    assert found.import_names == ["printf"]


def test_t9_holds_the_function_start() -> None:
    found = _flow([0, addiu(A0, T9, 0x100)], [BASE])
    assert _refs(found) == [(BASE + 4, BASE + 0x100)]
    assert found.code_values.tolist() == [BASE + 0x100]  # an address taken in code: a function start


def test_direct_calls_jal_and_bal() -> None:
    code = [
        0,  # nop
        (0x03 << 26) | ((BASE + 0x100) >> 2),  # jal BASE + 0x100
        0x04110000 | 0xFFFE,  # bal: back two instructions from the next one
        lw(A0, 0, SP),
    ]
    for endian in "<>":
        region = Region(BASE, b"".join(struct.pack(f"{endian}I", w) for w in code), endian)
        sites, targets = Mips().calls(region)
        assert sites.tolist() == [BASE + 4, BASE + 8]
        assert targets.tolist() == [BASE + 0x100, BASE + 12 - 8]


def test_values_carried_several_instructions_from_their_root() -> None:
    code = [
        lw(T9, SLOT_PRINTF - GP_VALUE, GP),
        move(V0, T9),  # an import through a copy
        lui(A0, 0x4),
        addiu(A0, A0, 0x10),  # the second step of a chain: lui -> addiu -> move -> addiu
        move(A1, A0),
        addiu(A1, A1, 0x20),
        jalr(V0),
    ]
    found = _flow(code, [BASE])
    assert (BASE + 12, 0x40010) in _refs(found)
    assert (BASE + 20, 0x40030) in _refs(found)
    assert found.import_sites.tolist() == [BASE + 24]
    assert found.import_names == ["printf"]
