"""ARM and Thumb scans: PC-relative literal loads, PC arithmetic, `movt` halves, `bl`/`blx` targets.

A loaded literal or an `adr` value is a base; the instructions that use its register soon after
complete it: `add rX, pc` (the literal was a PIC offset), an added immediate (a section anchor), a
load or store offset.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.analyze.isa import Base, Reach, Region, Uses, aligned, completed, halves, sext, word_at
from firmware_audit.analyze.isa.sweep import immediate, operands

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from firmware_audit.analyze.isa.sweep import Sweep

PAIR_REACH = (16, 256)
"""Instructions after a literal load or `adr` in which those that use the register as a base are
looked for: close by for a temporary register, further for one that survives calls (`r4`-`r11`, a
section anchor kept for the whole function)."""
_MASK32 = 0xFFFFFFFF
_R4, _R11, _PC = 4, 11, 15


class Arm:
    """ARM (A32) and Thumb code."""

    interesting = frozenset(
        {"bl", "blx", "bx", "ldr", "adr", "add", "addw", "sub", "subw", "mov", "movw", "movt"}
    )
    """The instructions the sweep follows; every other one only makes the register it writes unknown."""
    no_dest = frozenset(
        {
            "str",
            "strb",
            "strh",
            "strd",
            "stm",
            "stmia",
            "stmdb",
            "push",
            "pop",
            "cmp",
            "cmn",
            "tst",
            "teq",
            "b",
        }
        | {"cbz", "cbnz", "it", "ite", "itt", "itte", "nop", "svc", "bkpt", "vpush", "vpop", "ldm", ".byte"}
    )
    """Instructions whose first operand is not a register they write."""
    clean: dict[str, int] = {}  # noqa: RUF012  (read only)
    """Registers with a value when a function starts: none."""

    def kind(self, mnemonic: str) -> str:
        """The operation of a mnemonic, without condition and width."""
        return _arm_base(mnemonic)

    def step(self, sweep: Sweep, address: int, kind: str, op_str: str) -> None:
        """Follow one instruction of a kind in `interesting`."""
        _step(sweep, address, kind, op_str)

    def reach(self, region: Region) -> Reach:
        """Literal loads and PC arithmetic with the offsets added to them, and `movt` halves.

        Every scan tests the instruction words' fixed bits first (on the words as they are, 16 or 32
        bits) and decodes fields only for the few that match.
        """
        if region.thumb:
            hw1, hw2 = halves(region)
            step = 2
            bases, uses, high = (
                _thumb_bases(region.address, hw1, hw2),
                _thumb_uses(region.address, hw1, hw2),
                _thumb_movt(region.address, hw1, hw2),
            )
        else:
            w = aligned(region)
            step = 4
            bases, uses, high = (
                _a32_bases(region.address, w),
                _a32_uses(region.address, w),
                _a32_movt(region.address, w),
            )
        index, value, reg = [], [], []
        for where, slot_or_value, register, is_literal in bases:
            if is_literal:
                offset = slot_or_value - region.address
                inside = (offset >= 0) & (offset + 4 <= len(region.code))
                index.append(where[inside])
                value.append(word_at(region, offset[inside]))
                reg.append(register[inside])
            else:
                index.append(where)
                value.append(slot_or_value)
                reg.append(register)
        regs = np.concatenate(reg)
        saved = (regs >= _R4) & (regs <= _R11)
        base = Base(np.concatenate(index), np.concatenate(value), regs, saved)

        def at(i: NDArray[np.int64]) -> NDArray[np.int64]:
            return region.address + step * i

        return Reach.join([high, completed(at, base, uses, PAIR_REACH)])

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Targets of `bl` and `blx <label>`."""
        if region.thumb:
            hw1, hw2 = halves(region)
            keep = np.flatnonzero(
                ((hw1 & 0xF800) == 0xF000) & (((hw2 & 0xD000) == 0xD000) | ((hw2 & 0xD001) == 0xC000))
            )
            h1, h2 = hw1[keep].astype(np.int64), hw2[keep].astype(np.int64)
            at = region.address + 2 * keep
            s = (h1 >> 10) & 1
            i1 = 1 - (((h2 >> 13) & 1) ^ s)
            i2 = 1 - (((h2 >> 11) & 1) ^ s)
            imm = sext((s << 24) | (i1 << 23) | (i2 << 22) | ((h1 & 0x3FF) << 12) | ((h2 & 0x7FF) << 1), 25)
            is_blx = (h2 & 0xD001) == 0xC000
            target = np.where(is_blx, ((at + 4) & ~3) + imm, at + 4 + imm)
            return at, target & ~1
        w32 = aligned(region)
        keep = np.flatnonzero(
            (((w32 & 0x0F000000) == 0x0B000000) & ((w32 >> 28) != 0xF)) | ((w32 & 0xFE000000) == 0xFA000000)
        )
        w = w32[keep].astype(np.int64)
        at = region.address + 4 * keep
        is_blx = (w & 0xFE000000) == 0xFA000000
        target = at + 8 + sext(w & 0xFFFFFF, 24) * 4 + np.where(is_blx, ((w >> 24) & 1) << 1, 0)
        return at, target & ~1


_Bases = list[tuple["NDArray[np.int64]", "NDArray[np.int64]", "NDArray[np.int64]", bool]]
"""(indexes, literal addresses or values, registers, whether the second is a literal address)."""


def _rotated(w: NDArray[np.int64]) -> NDArray[np.int64]:
    """An A32 modified immediate: 8 bits rotated right by twice 4 bits."""
    rot = ((w >> 8) & 0xF) * 2
    imm8 = w & 0xFF
    return ((imm8 >> rot) | (imm8 << (32 - rot))) & _MASK32


def _a32_bases(address: int, w32: NDArray[np.uint32]) -> _Bases:
    """`ldr rX, [pc, #imm]` (a literal) and `add/sub rX, pc, #imm` (an address)."""
    load = np.flatnonzero((w32 & 0x0F7F0000) == 0x051F0000)
    pc = np.flatnonzero(((w32 & 0x0FFF0000) == 0x028F0000) | ((w32 & 0x0FFF0000) == 0x024F0000))
    wl, wp = w32[load].astype(np.int64), w32[pc].astype(np.int64)
    imm = np.where((wl >> 23) & 1, wl & 0xFFF, -(wl & 0xFFF))
    sign = np.where((wp & 0x0FFF0000) == 0x028F0000, 1, -1).astype(np.int64)
    return [
        (load, address + 4 * load + 8 + imm, (wl >> 12) & 15, True),
        (pc, (address + 4 * pc + 8 + sign * _rotated(wp)) & _MASK32, (wp >> 12) & 15, False),
    ]


def _a32_uses(address: int, w32: NDArray[np.uint32]) -> Uses:
    """`add rX, pc` (PIC: the base is an offset), `add/sub rX, base, #imm`, loads and stores."""
    index = np.flatnonzero(
        ((w32 & 0x0FE00FF0) == 0x00800000)
        | ((w32 & 0x0FE00000) == 0x02800000)
        | ((w32 & 0x0FE00000) == 0x02400000)
        | ((w32 & 0x0E000000) == 0x04000000)
    )
    w = w32[index].astype(np.int64)
    rn, rm = (w >> 16) & 15, w & 15
    pic = ((w & 0x0FE00FF0) == 0x00800000) & ((rn == _PC) | (rm == _PC))
    add = (w & 0x0FE00000) == 0x02800000
    sub = (w & 0x0FE00000) == 0x02400000
    memory = (w & 0x0E000000) == 0x04000000
    reg = np.select([pic, add | sub | memory], [np.where(rn == _PC, rm, rn), rn], -1)
    offset = np.select(
        [pic, add, sub],
        [address + 4 * index + 8, _rotated(w), -_rotated(w)],
        np.where((w >> 23) & 1, w & 0xFFF, -(w & 0xFFF)),
    )
    used = reg >= 0
    return Uses(index[used], reg[used], offset[used])


def _a32_movt(address: int, w32: NDArray[np.uint32]) -> Reach:
    movt = np.flatnonzero((w32 & 0x0FF00000) == 0x03400000)
    w = w32[movt].astype(np.int64)
    high = (((w >> 4) & 0xF000) | (w & 0xFFF)) << 16
    return Reach(address + 4 * movt, high, high | 0xFFFF)


def _thumb_bases(address: int, hw1: NDArray[np.uint16], hw2: NDArray[np.uint16]) -> _Bases:
    """Literal loads (`ldr rX, [pc, #imm]`, narrow and wide) and `adr` (narrow, `addw/subw rX, pc`)."""
    narrow = np.flatnonzero((hw1 & 0xF800) == 0x4800)
    wide = np.flatnonzero((hw1 & 0xFF7F) == 0xF85F)
    adr = np.flatnonzero((hw1 & 0xF800) == 0xA000)
    addw = np.flatnonzero(((hw1 & 0xFBFF) == 0xF20F) & ((hw2 & 0x8000) == 0))
    subw = np.flatnonzero(((hw1 & 0xFBFF) == 0xF2AF) & ((hw2 & 0x8000) == 0))

    def base(i: NDArray[np.int64]) -> NDArray[np.int64]:
        return (address + 2 * i + 4) & ~3

    def imm12(i: NDArray[np.int64]) -> NDArray[np.int64]:
        h1, h2 = hw1[i].astype(np.int64), hw2[i].astype(np.int64)
        return (((h1 >> 10) & 1) << 11) | (((h2 >> 12) & 7) << 8) | (h2 & 0xFF)

    n1, a1 = hw1[narrow].astype(np.int64), hw1[adr].astype(np.int64)
    w1, w2 = hw1[wide].astype(np.int64), hw2[wide].astype(np.int64)
    wide_imm = np.where((w1 >> 7) & 1, w2 & 0xFFF, -(w2 & 0xFFF))
    return [
        (narrow, base(narrow) + (n1 & 0xFF) * 4, (n1 >> 8) & 7, True),
        (wide, base(wide) + wide_imm, (w2 >> 12) & 15, True),
        (adr, base(adr) + (a1 & 0xFF) * 4, (a1 >> 8) & 7, False),
        (addw, base(addw) + imm12(addw), (hw2[addw].astype(np.int64) >> 8) & 15, False),
        (subw, base(subw) - imm12(subw), (hw2[subw].astype(np.int64) >> 8) & 15, False),
    ]


def _thumb_expand(hw1: NDArray[np.int64], hw2: NDArray[np.int64]) -> NDArray[np.int64]:
    """A Thumb-2 modified immediate (`ThumbExpandImm`)."""
    code = (((hw1 >> 10) & 1) << 3) | ((hw2 >> 12) & 7)
    imm8 = hw2 & 0xFF
    rot = (code << 1) | (imm8 >> 7)
    unrotated = 0x80 | (imm8 & 0x7F)
    rotated = ((unrotated >> rot) | (unrotated << (32 - rot))) & _MASK32
    return np.select(
        [code == 0, code == 1, code == 2, code == 3],
        [imm8, imm8 | (imm8 << 16), (imm8 << 8) | (imm8 << 24), imm8 * 0x01010101],
        rotated,
    )


def _thumb_uses(address: int, hw1: NDArray[np.uint16], hw2: NDArray[np.uint16]) -> Uses:
    """`add rX, pc` (PIC), `adds`/`add.w`/`addw`/`sub.w` with an immediate, `ldr` with an offset."""
    # the first halfword's fixed bits, of every kind decoded below (the second's are tested there)
    index = np.flatnonzero(
        ((hw1 & 0xFF78) == 0x4478)
        | ((hw1 & 0xFE00) == 0x1C00)
        | ((hw1 & 0xF000) == 0x3000)
        | ((hw1 & 0xF800) == 0x6800)
        | ((hw1 & 0xFB40) == 0xF100)
        | ((hw1 & 0xFBF0) == 0xF200)
        | ((hw1 & 0xFFF0) == 0xF8D0)
    )
    h1, h2 = hw1[index].astype(np.int64), hw2[index].astype(np.int64)
    low3, wide_reg = (h1 >> 3) & 7, h1 & 0xF
    pic = (h1 & 0xFF78) == 0x4478
    adds3 = (h1 & 0xFE00) == 0x1C00
    adds8 = (h1 & 0xF800) == 0x3000
    load = (h1 & 0xF800) == 0x6800
    wide = (h2 & 0x8000) == 0
    add_w = ((h1 & 0xFBE0) == 0xF100) & wide
    sub_w = ((h1 & 0xFBE0) == 0xF1A0) & wide
    addw = ((h1 & 0xFBF0) == 0xF200) & wide
    load_w = (h1 & 0xFFF0) == 0xF8D0
    imm12 = (((h1 >> 10) & 1) << 11) | (((h2 >> 12) & 7) << 8) | (h2 & 0xFF)
    reg = np.select(
        [pic, adds3 | load, adds8, add_w | sub_w | addw | load_w],
        [((h1 >> 4) & 8) | (h1 & 7), low3, (h1 >> 8) & 7, wide_reg],
        -1,
    )
    expanded = _thumb_expand(h1, h2)
    offset = np.select(
        [pic, adds3, adds8, load, add_w, sub_w, addw],
        [address + 2 * index + 4, (h1 >> 6) & 7, h1 & 0xFF, ((h1 >> 6) & 31) * 4, expanded, -expanded, imm12],
        h2 & 0xFFF,
    )
    used = reg >= 0
    return Uses(index[used], reg[used], offset[used])


def _thumb_movt(address: int, hw1: NDArray[np.uint16], hw2: NDArray[np.uint16]) -> Reach:
    movt = np.flatnonzero(((hw1 & 0xFBF0) == 0xF2C0) & ((hw2 & 0x8000) == 0))
    h1, h2 = hw1[movt].astype(np.int64), hw2[movt].astype(np.int64)
    imm12 = (((h1 >> 10) & 1) << 11) | (((h2 >> 12) & 7) << 8) | (h2 & 0xFF)
    high = (((h1 & 0xF) << 12) | imm12) << 16
    return Reach(address + 2 * movt, high, high | 0xFFFF)


# -- the sweep's steps ----------------------------------------------------------------------------

_ARM_COND = (
    "eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al",
)  # fmt: skip


def _pc(sweep: Sweep, address: int, *, aligned: bool = False) -> int:
    if not sweep.thumb:
        return address + 8
    return (address + 4) & ~3 if aligned else address + 4


def _step(sweep: Sweep, address: int, base: str, op_str: str) -> None:
    ops = operands(op_str)
    if not ops:
        return
    if base in {"bl", "blx", "bx"}:
        _branch(sweep, address, base, ops)
    elif base == "ldr" and len(ops) >= 2 and ops[1].startswith("["):
        _load(sweep, address, ops[0], ops[1:])
    elif base == "adr" and len(ops) == 2:
        offset = immediate(ops[1])
        value = None if offset is None else _pc(sweep, address, aligned=True) + offset
        _const(sweep, ops[0], value, address)
    elif base in {"add", "addw"}:
        _add(sweep, address, ops[0], ops)
    elif base in {"sub", "subw"}:
        _sub(sweep, address, ops)
    elif base in {"mov", "movw"} and len(ops) == 2:
        _mov(sweep, address, ops[0], ops[1])
    elif base == "movt":
        _movt(sweep, address, ops)
    else:
        sweep.assign(ops[0], None, address)


def _branch(sweep: Sweep, address: int, base: str, ops: list[str]) -> None:
    if len(ops) != 1:
        return
    target = immediate(ops[0])
    if base == "bx":
        sweep.jump_via(ops[0], address, link=False)
    elif target is not None:
        sweep.call(target, address)
    else:
        sweep.jump_via(ops[0], address, link=True)


def _sub(sweep: Sweep, address: int, ops: list[str]) -> None:
    imm = immediate(ops[2]) if len(ops) == 3 else None
    base = sweep.values.get(ops[1]) if len(ops) == 3 else None
    value = None if imm is None or base is None else base - imm
    _const(sweep, ops[0], value, address, ops[1] if value is not None else None)


def _movt(sweep: Sweep, address: int, ops: list[str]) -> None:
    rd = ops[0]
    imm = immediate(ops[1]) if len(ops) == 2 else None
    low = sweep.values.get(rd)
    value = None if imm is None or low is None else (imm << 16) | (low & 0xFFFF)
    _const(sweep, rd, value, address, rd if value is not None else None)


def _const(sweep: Sweep, rd: str, value: int | None, site: int, source: str | None = None) -> None:
    origin = sweep.origins.get(source, site) if source else site
    sweep.assign(rd, value, site, origin)
    if value is not None:
        sweep.ref(value, site)


def _mov(sweep: Sweep, address: int, rd: str, src: str) -> None:
    imm = immediate(src)
    if imm is not None:
        sweep.assign(rd, imm, address)
    else:
        sweep.copy(address, rd, src)


def _add(sweep: Sweep, address: int, rd: str, ops: list[str]) -> None:
    if len(ops) == 2:  # Thumb `add rd, rm`: rd += rm
        ops = [rd, rd, ops[1]]
    if len(ops) not in {3, 4}:
        sweep.assign(rd, None, address)
        return
    left, right = ops[1], ops[2]
    imm = _rotated_operand(ops[2:]) if ops[2].startswith("#") else None
    lval = _pc(sweep, address) if left == "pc" else sweep.values.get(left)
    rval = _pc(sweep, address) if right == "pc" else imm if imm is not None else sweep.values.get(right)
    if len(ops) == 4 and imm is None:  # a shifted register operand
        rval = None
    if lval is None or rval is None:
        sweep.assign(rd, None, address)
        return
    source = left if left != "pc" else right if right in sweep.values else None
    _const(sweep, rd, lval + rval, address, source)


def _load(sweep: Sweep, address: int, rd: str, mem: list[str]) -> None:
    inner = operands(mem[0].strip("[]!"))
    basereg = inner[0]
    offset = immediate(inner[1]) if len(inner) > 1 and inner[1].startswith("#") else 0
    if len(inner) > 1 and not inner[1].startswith("#"):
        offset = sweep.values.get(inner[1])
    if len(mem) > 1:  # post-indexed: the address is the base register alone
        offset = 0
    if basereg == "pc" and offset is not None:
        slot = _pc(sweep, address, aligned=True) + offset
        word = sweep.read(slot, 4)
        sweep.ref(slot, address)
        sweep.assign(rd, word, address)
        if word is not None:
            sweep.ref(word, address)
            sweep.code_pointer(word)
        return
    base = sweep.values.get(basereg)
    if base is None or offset is None:
        sweep.assign(rd, None, address)
        return
    target = base + offset
    if rd == "pc":
        if target in sweep.slots:
            sweep.names.setdefault(sweep.origins.get(basereg, address), sweep.slots[target])
        return
    sweep.load(rd, target, address, sweep.origins.get(basereg, address))


@lru_cache(maxsize=4096)
def _arm_base(mnemonic: str) -> str:
    """`ldrle` -> `ldr`, `ldr.w` -> `ldr`, `adds` -> `add`: the operation without condition and width."""
    name = mnemonic.split(".", 1)[0]
    for base in ("ldr", "add", "sub", "mov", "adr", "addw", "subw", "movw", "movt", "blx", "bl", "bx"):
        rest = name[len(base) :]
        if name.startswith(base) and (rest in {"", "s"} or rest in _ARM_COND or rest[1:] in _ARM_COND):
            if base == "ldr" and rest and rest[0] in "bhdsex" and rest not in _ARM_COND:
                continue
            return base
    return name


def _rotated_operand(ops: list[str]) -> int | None:
    """`#imm` or capstone's `#imm, #rot` (ARM modified immediate): the value."""
    value = immediate(ops[0])
    if value is None:
        return None
    if len(ops) == 2:
        rot = immediate(ops[1])
        if rot is None:
            return None
        value = ((value >> rot) | (value << (32 - rot))) & 0xFFFFFFFF
    return value
