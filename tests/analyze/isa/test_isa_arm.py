import struct

from firmware_audit.analyze.isa import Region
from firmware_audit.analyze.isa.arm import Arm

BASE = 0x1000


def _a32(*words: int) -> Region:
    return Region(BASE, b"".join(struct.pack("<I", w) for w in words), "<")


def _thumb(*halfwords: int) -> Region:
    return Region(BASE, b"".join(struct.pack("<H", h) for h in halfwords), "<", thumb=True)


def test_a32_literal_completed_by_a_load_offset() -> None:
    region = _a32(
        0xE59F1000,  # ldr r1, [pc]          -> the literal at BASE + 8
        0xE5912004,  # ldr r2, [r1, #4]      -> the literal plus 4
        0x00003000,  # the literal
        0xE24F0008,  # sub r0, pc, #8        -> its own address, used by nothing: a window around it
    )
    reach = Arm().reach(region)
    assert BASE in reach.sites_for(0x3004, 0x3004).tolist()
    assert BASE in reach.sites_for(0x3000, 0x3000).tolist()  # the base itself is a candidate
    assert BASE not in reach.sites_for(0x3100, 0x3100).tolist()
    assert BASE + 12 in reach.sites_for(BASE + 12, BASE + 12).tolist()


def test_a32_sub_from_a_base_register_is_a_use() -> None:
    region = _a32(
        0xE59F1000,  # ldr r1, [pc]          -> the literal at BASE + 8
        0xE2412010,  # sub r2, r1, #16
        0x00003000,  # the literal
    )
    assert Arm().reach(region).sites_for(0x2FF0, 0x2FF0).tolist() == [BASE]


def test_thumb_pic_literal_added_to_pc() -> None:
    region = _thumb(
        0x4801,  # ldr r0, [pc, #4]   -> the literal at BASE + 8
        0x4478,  # add r0, pc         -> literal + BASE + 6
        0x4770,  # bx lr
        0xBF00,  # nop
        *struct.unpack("<HH", struct.pack("<I", 0x2000 - (BASE + 6))),
    )
    reach = Arm().reach(region)
    assert BASE in reach.sites_for(0x2000, 0x2000).tolist()
    assert BASE not in reach.sites_for(0x2100, 0x2100).tolist()


def test_thumb_movw_movt_high_half() -> None:
    region = _thumb(0xF2C0, 0x0012)  # movt r0, #0x12
    assert Arm().reach(region).sites_for(0x12ABCD, 0x12ABCD).tolist() == [BASE]
    assert Arm().reach(region).sites_for(0x13ABCD, 0x13ABCD).tolist() == []


def test_direct_calls_in_both_modes() -> None:
    sites, targets = Arm().calls(_a32(0xE1A00000, 0xEB000000))  # nop; bl BASE + 12
    assert (sites.tolist(), targets.tolist()) == ([BASE + 4], [BASE + 12])
    sites, targets = Arm().calls(_thumb(0xBF00, 0xF000, 0xF800))  # nop; bl BASE + 6
    assert (sites.tolist(), targets.tolist()) == ([BASE + 2], [BASE + 6])


def test_code_shorter_than_a_word_has_no_candidates() -> None:
    assert Arm().reach(_thumb(0x4801)).sites.tolist() == []
    assert Arm().calls(_thumb(0x4801))[0].tolist() == []
