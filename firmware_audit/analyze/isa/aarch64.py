"""AArch64 scans: `adrp` pages, `adr`, literal loads, and `bl` targets.

The `add` or load that follows an `adrp` stays within its page, so the page is the interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.analyze.isa import Reach, Region, exact, literal_words, sext, words
from firmware_audit.analyze.isa.sweep import immediate, operands, register

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from firmware_audit.analyze.isa.sweep import Sweep


class Aarch64:
    """AArch64 code."""

    interesting = frozenset({"bl", "blr", "br", "adrp", "adr", "add", "ldr", "ldrsw", "mov"})
    """The instructions the sweep follows; every other one only makes the register it writes unknown."""
    no_dest = frozenset(
        {"str", "strb", "strh", "stp", "cmp", "cmn", "tst", "b", "ret", "cbz", "cbnz", "nop", ".byte"}
    )
    """Instructions whose first operand is not a register they write."""
    clean: dict[str, int] = {"xzr": 0}  # noqa: RUF012  (read only)
    """Registers with a value when a function starts: the zero register."""

    def kind(self, mnemonic: str) -> str:
        """The operation of a mnemonic: the mnemonic itself."""
        return mnemonic

    def step(self, sweep: Sweep, address: int, kind: str, op_str: str) -> None:
        """Follow one instruction of a kind in `interesting`."""
        _step(sweep, address, kind, op_str)

    def reach(self, region: Region) -> Reach:
        """`adrp` pages, `adr` values, literal loads (the slot and the word in it) and literal words."""
        at, w = words(region)
        imm21 = sext((((w >> 5) & 0x7FFFF) << 2) | ((w >> 29) & 3), 21)
        adrp = (w & 0x9F000000) == 0x90000000
        page = (at & ~0xFFF) + (imm21 << 12)
        adr = (w & 0x9F000000) == 0x10000000
        literal = (w & 0x3B000000) == 0x18000000
        slot = at + sext((w >> 5) & 0x7FFFF, 19) * 4
        parts = [
            Reach(at[adrp], page[adrp], page[adrp] + 0xFFF),
            exact(at[adr], (at + imm21)[adr]),
            exact(at[literal], slot[literal]),
        ]
        inside = literal & (slot >= region.address) & (slot + 8 <= region.address + len(region.code))
        if inside.any():
            pool = literal_words(region, 8)
            index = (slot[inside] - region.address) // 4
            index = index[index < len(pool.lo)]
            parts.append(exact(at[inside][: len(index)], pool.lo[index]))
        return Reach.join(parts)

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Targets of `bl`."""
        at, w = words(region)
        bl = (w & 0xFC000000) == 0x94000000
        return at[bl], (at + sext(w & 0x3FFFFFF, 26) * 4)[bl]


# -- the sweep's steps ----------------------------------------------------------------------------


def _step(sweep: Sweep, address: int, mnemonic: str, op_str: str) -> None:
    ops = [register(op) for op in operands(op_str)]
    if not ops:
        return
    if mnemonic == "bl":
        target = immediate(ops[0])
        if target is not None:
            sweep.call(target, address)
    elif mnemonic in {"blr", "br"}:
        sweep.jump_via(ops[0], address, link=mnemonic == "blr")
    elif mnemonic in {"adrp", "adr"} and len(ops) == 2:
        value = immediate(ops[1])
        sweep.assign(ops[0], value, address)
        if value is not None and mnemonic == "adr":
            sweep.ref(value, address)
    elif mnemonic == "add":
        _add(sweep, address, ops)
    elif mnemonic in {"ldr", "ldrsw"} and len(ops) >= 2:
        _load(sweep, address, ops[0], ops[1:])
    elif mnemonic == "mov" and len(ops) == 2:
        sweep.copy(address, ops[0], ops[1])
    else:
        sweep.assign(ops[0], None, address)


def _add(sweep: Sweep, address: int, ops: list[str]) -> None:
    base = sweep.values.get(ops[1]) if len(ops) >= 3 else None
    imm = immediate(ops[2]) if base is not None and ops[2].startswith("#") else None
    if imm is not None and len(ops) == 4 and "lsl #12" in ops[3]:
        imm <<= 12
    value = None if base is None or imm is None else base + imm
    sweep.assign(ops[0], value, address, sweep.origins.get(ops[1]))
    if value is not None:
        sweep.ref(value, address)


def _load(sweep: Sweep, address: int, rd: str, mem: list[str]) -> None:
    if not mem[0].startswith("["):  # literal: ldr xd, #address
        slot = immediate(mem[0])
        if slot is not None:
            sweep.ref(slot, address)
            word = sweep.read(slot, 8 if rd.startswith("x") else 4)
            sweep.assign(rd, word, address)
            if word is not None:
                sweep.ref(word, address)
                sweep.code_pointer(word)
        return
    inner = operands(mem[0].strip("[]!"))
    base = sweep.values.get(inner[0])
    offset = immediate(inner[1]) if len(inner) > 1 else 0
    if len(mem) > 1:
        offset = 0
    if base is None or offset is None:
        sweep.assign(rd, None, address)
        return
    sweep.load(rd, base + offset, address, sweep.origins.get(inner[0], address))
