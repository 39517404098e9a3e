"""Per instruction set, what can be found in code without disassembling it: vectorised scans.

Each module reads the instruction words of a code region with numpy and gives, for every instruction
that can put an address in a register (or a literal word that can be loaded as one), the interval of
addresses it can stand for (`Reach`), and the targets of direct calls. `CodeView` then disassembles
only the functions that hold a candidate for the address it is asked about.

The scans are deliberately generous (an interval, not a value, where the value also depends on code
around): a false candidate costs one function's disassembly, a missed one a reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Region:
    """Code to scan: its address, bytes, byte order (`<` or `>`) and, for ARM, whether it is Thumb."""

    address: int
    code: bytes
    endian: str
    thumb: bool = False


@dataclass(frozen=True, slots=True)
class Reach:
    """Candidate sites and the address interval each can stand for (`lo <= address <= hi`)."""

    sites: NDArray[np.int64]
    lo: NDArray[np.int64]
    hi: NDArray[np.int64]

    @classmethod
    def join(cls, parts: list[Reach]) -> Reach:
        """One Reach of many."""
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty)
        return cls(
            np.concatenate([p.sites for p in parts]),
            np.concatenate([p.lo for p in parts]),
            np.concatenate([p.hi for p in parts]),
        )

    def sites_for(self, lo: int, hi: int) -> NDArray[np.int64]:
        """Sites whose interval meets `[lo, hi]`."""
        return self.sites[(self.lo <= hi) & (self.hi >= lo)]


class InstructionSet(Protocol):
    """The scans of one instruction set."""

    def reach(self, region: Region, *, gp: int | None, got: dict[int, int]) -> Reach:
        """Every candidate of the region: sites that can compute or load an address, and its interval.

        `gp` and `got` (slot address -> word) serve MIPS, whose code reaches data through `$gp`.
        """
        ...

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(sites, targets) of the region's direct calls."""
        ...


def words(region: Region, step: int = 4, offset: int = 0) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(addresses, values) of the 32-bit words of a region, `offset` bytes in, every `step` bytes."""
    code = region.code[offset:]
    count = len(code) // 4
    if count == 0 or step not in {2, 4}:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if step == 4:
        values = np.frombuffer(code, dtype=f"{region.endian}u4", count=count).astype(np.int64)
        return region.address + offset + 4 * np.arange(count, dtype=np.int64), values
    half = np.frombuffer(code, dtype=f"{region.endian}u2", count=len(code) // 2).astype(np.int64)
    first, second = half[:-1], half[1:]
    # A 32-bit word at every halfword: the first halfword is the high one in Thumb's instruction order.
    values = (first << 16) | second
    return region.address + offset + 2 * np.arange(len(values), dtype=np.int64), values


def sext(value: NDArray[np.int64], bits: int) -> NDArray[np.int64]:
    """Sign-extend the low `bits` bits."""
    sign = 1 << (bits - 1)
    value = value & ((1 << bits) - 1)
    return (value ^ sign) - sign


def exact(sites: NDArray[np.int64], values: NDArray[np.int64]) -> Reach:
    """Candidates that stand for one address each."""
    return Reach(sites, values, values)


def literal_words(region: Region, width: int) -> Reach:
    """Aligned words of code that hold an address (literal pools): loaded as they are."""
    at, value = words(region)
    if width == 8:
        other = np.roll(value, -1)
        value = (other << 32) | value if region.endian == "<" else (value << 32) | other
        value = value[:-1] if len(value) else value
        at = at[:-1] if len(at) else at
    return exact(at, value & ((1 << (8 * width)) - 1) if width == 4 else value)
