"""MIPS scans: `lui` halves, loads from the GOT through `$gp`, `addiu rX, $gp`, `jal`/`bal` targets.

The `addiu`/`ori`/load that follows a `lui` adds at most 16 bits; a GOT load is a candidate for its
slot and for the page or address the slot holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.analyze.isa import Base, Reach, Region, completed, exact, sext, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

_GP, _S0, _S7, _FP = 28, 16, 23, 30
_LUI, _LW, _LD, _ADDIU, _DADDIU, _ORI, _JAL = 0x0F, 0x23, 0x37, 0x09, 0x19, 0x0D, 0x03
_USES = np.array([0x09, 0x19, 0x0D, 0x20, 0x21, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2B, 0x31, 0x37, 0x39, 0x3F])
"""Instructions that add a 16-bit immediate to a base register: `addiu`, `daddiu`, `ori`, loads, stores."""
PAIR_REACH = (16, 256)
"""Instructions after a `lui` or GOT load in which those that complete the address are looked for:
close by for a temporary register, further for one that survives calls."""


class Mips:
    """MIPS32 and MIPS64 code."""

    def reach(self, region: Region, *, gp: int | None, got: dict[int, int]) -> Reach:
        """`lui` halves and GOT loads with the offsets added to them, `$gp`-relative sums."""
        at, w = words(region)
        op, rs = w >> 26, (w >> 21) & 31
        imm = sext(w & 0xFFFF, 16)
        lui = np.nonzero(op == _LUI)[0]
        parts = [_completed(at, w, lui, (w[lui] & 0xFFFF) << 16)]
        if gp is not None:
            load = ((op == _LW) | (op == _LD)) & (rs == _GP)
            slot = gp + imm
            parts.append(exact(at[load], slot[load]))  # the slot itself: a call through the GOT
            addiu = ((op == _ADDIU) | (op == _DADDIU)) & (rs == _GP)
            parts.append(exact(at[addiu], slot[addiu]))
            if got:
                keys = np.array(sorted(got), dtype=np.int64)
                values = np.array([got[k] for k in sorted(got)], dtype=np.int64)
                index = np.nonzero(load)[0]
                where = np.clip(np.searchsorted(keys, slot[index]), 0, len(keys) - 1)
                hit = keys[where] == slot[index]
                parts.append(_completed(at, w, index[hit], values[where[hit]]))
        return Reach.join(parts)

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Targets of `jal` and `bal`."""
        at, w = words(region)
        jal = (w >> 26) == _JAL
        bal = (w & 0xFFFF0000) == 0x04110000
        target = np.where(
            jal, ((at + 4) & 0xF0000000) | ((w & 0x3FFFFFF) << 2), at + 4 + sext(w & 0xFFFF, 16) * 4
        )
        keep = jal | bal
        return at[keep], target[keep]


def _uses(
    later: NDArray[np.int64], _at: NDArray[np.int64], reg: NDArray[np.int64], base: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """`addiu`, `ori`, loads and stores with the base register as `rs`."""
    op = later >> 26
    hit = (((later >> 21) & 31) == reg) & np.isin(op, _USES)
    return hit, np.where(op == _ORI, base | (later & 0xFFFF), base + sext(later & 0xFFFF, 16))


def _completed(
    at: NDArray[np.int64], w: NDArray[np.int64], index: NDArray[np.int64], value: NDArray[np.int64]
) -> Reach:
    reg = (w[index] >> 16) & 31
    saved = ((reg >= _S0) & (reg <= _S7)) | (reg == _FP)
    return completed(at, w, Base(index, value, reg, saved), _uses, PAIR_REACH)
