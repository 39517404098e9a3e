"""AArch64 scans: `adrp` pages, `adr`, literal loads, and `bl` targets.

The `add` or load that follows an `adrp` stays within its page, so the page is the interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.analyze.isa import Reach, Region, exact, literal_words, sext, words

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


class Aarch64:
    """AArch64 code."""

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
