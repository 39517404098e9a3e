"""ARM and Thumb scans: PC-relative literal loads, PC arithmetic, `movt` halves, `bl`/`blx` targets.

A literal is taken as an address and as a PIC offset from the `add rX, pc` that follows its load;
`adr` and `add/sub rX, pc, #imm` give an address directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.analyze.isa import Reach, Region, exact, sext, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

ANCHOR = 4096
"""How far from an address code may reach by adding an immediate to it (the usual ARM immediates)."""
PIC_WINDOW = 4096 + 8
"""How far the `add rX, pc` of a PIC load may be from the `ldr` of its literal, plus the PC offset: a
literal `w` loaded at `s` stands for `w + s` give or take this."""
_MASK32 = 0xFFFFFFFF


class Arm:
    """ARM (A32) and Thumb code."""

    def reach(self, region: Region, *, gp: int | None, got: dict[int, int]) -> Reach:  # noqa: ARG002
        """PC-relative literal loads (also as PIC offsets), PC arithmetic and `movt` halves."""
        sites, slots = self._literal_loads(region)
        offset = slots - region.address
        inside = (offset >= 0) & (offset + 4 <= len(region.code)) & (offset % 4 == 0)
        sites, offset = sites[inside], offset[inside]
        pool = np.frombuffer(region.code, dtype=f"{region.endian}u4", count=len(region.code) // 4)
        word = pool[(offset // 4).astype(np.intp)].astype(np.int64) if len(offset) else offset
        pic = (word + sites) & _MASK32
        parts = [Reach(sites, word - ANCHOR, word + ANCHOR), Reach(sites, pic - PIC_WINDOW, pic + PIC_WINDOW)]
        parts += self._thumb(region) if region.thumb else self._a32(region)
        # Code adds small offsets to an address it has (a section anchor and `add r3, r4, #0xd9`).
        joined = Reach.join(parts)
        return Reach(joined.sites, joined.lo - ANCHOR, joined.hi + ANCHOR)

    @staticmethod
    def _literal_loads(region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(site, literal address) of every `ldr rX, [pc, #imm]`."""
        if not region.thumb:
            at, w = words(region)
            load = (w & 0x0F7F0000) == 0x051F0000
            imm = np.where((w >> 23) & 1, w & 0xFFF, -(w & 0xFFF))
            return at[load], (at + 8 + imm)[load]
        at, w = words(region, step=2)
        hw1, hw2 = w >> 16, w & 0xFFFF
        base = (at + 4) & ~3
        narrow = (hw1 & 0xF800) == 0x4800
        wide = (hw1 & 0xFF7F) == 0xF85F
        slot = np.where(
            narrow, base + (hw1 & 0xFF) * 4, base + np.where((hw1 >> 7) & 1, hw2 & 0xFFF, -(hw2 & 0xFFF))
        )
        keep = narrow | wide
        return at[keep], slot[keep]

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Targets of `bl` and `blx <label>`."""
        if region.thumb:
            at, w = words(region, step=2)
            hw1, hw2 = w >> 16, w & 0xFFFF
            is_bl = ((hw1 & 0xF800) == 0xF000) & ((hw2 & 0xD000) == 0xD000)
            is_blx = ((hw1 & 0xF800) == 0xF000) & ((hw2 & 0xD001) == 0xC000)
            s = (hw1 >> 10) & 1
            i1 = 1 - (((hw2 >> 13) & 1) ^ s)
            i2 = 1 - (((hw2 >> 11) & 1) ^ s)
            imm = sext((s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3FF) << 12) | ((hw2 & 0x7FF) << 1), 25)
            target = np.where(is_blx, ((at + 4) & ~3) + imm, at + 4 + imm)
            keep = is_bl | is_blx
            return at[keep], target[keep] & ~1
        at, w = words(region)
        cond = w >> 28
        is_bl = ((w & 0x0F000000) == 0x0B000000) & (cond != 0xF)
        is_blx = (w & 0xFE000000) == 0xFA000000
        target = at + 8 + sext(w & 0xFFFFFF, 24) * 4 + np.where(is_blx, ((w >> 24) & 1) << 1, 0)
        keep = is_bl | is_blx
        return at[keep], target[keep] & ~1

    @staticmethod
    def _a32(region: Region) -> list[Reach]:
        at, w = words(region)
        rot = ((w >> 8) & 0xF) * 2
        imm8 = w & 0xFF
        imm = ((imm8 >> rot) | (imm8 << (32 - rot))) & _MASK32
        add_pc = (w & 0x0FFF0000) == 0x028F0000
        sub_pc = (w & 0x0FFF0000) == 0x024F0000
        pc_arith = exact(
            at[add_pc | sub_pc], (at + 8 + np.where(add_pc, imm, -imm))[add_pc | sub_pc] & _MASK32
        )
        movt = (w & 0x0FF00000) == 0x03400000
        high = (((w >> 4) & 0xF000) | (w & 0xFFF)) << 16
        halves = Reach(at[movt], high[movt], high[movt] | 0xFFFF)
        return [pc_arith, halves]

    @staticmethod
    def _thumb(region: Region) -> list[Reach]:
        at, w = words(region, step=2)
        hw1, hw2 = w >> 16, w & 0xFFFF
        base = (at + 4) & ~3
        adr = (hw1 & 0xF800) == 0xA000
        imm12 = (((hw1 >> 10) & 1) << 11) | (((hw2 >> 12) & 7) << 8) | (hw2 & 0xFF)
        addw = ((hw1 & 0xFBFF) == 0xF20F) & ((hw2 & 0x8000) == 0)
        subw = ((hw1 & 0xFBFF) == 0xF2AF) & ((hw2 & 0x8000) == 0)
        value = np.where(adr, base + (hw1 & 0xFF) * 4, np.where(addw, base + imm12, base - imm12))
        keep = adr | addw | subw
        movt = ((hw1 & 0xFBF0) == 0xF2C0) & ((hw2 & 0x8000) == 0)
        high = (((hw1 & 0xF) << 12) | imm12) << 16
        return [exact(at[keep], value[keep] & _MASK32), Reach(at[movt], high[movt], high[movt] | 0xFFFF)]
