"""Per instruction set, what can be found in code without disassembling it: vectorised scans.

Each module reads the instruction words of a code region with numpy and gives the targets of direct
calls (`InstructionSet`), and either of:

* `Scanned` (ARM, Thumb, AArch64): for every instruction that can put an address in a register (or a
  literal word that can be loaded as one), the interval of addresses it can stand for (`Reach`).
  `CodeView` then disassembles only the functions that hold a candidate for the address it is asked
  about. The scans are deliberately generous (an interval, not a value, where the value also depends
  on code around): a false candidate costs one function's disassembly, a missed one a reference.
* `Followed` (MIPS, whose fixed fields make every instruction's registers a matter of bit masks): the
  values themselves, followed through registers in arrays (`Flow`); nothing is disassembled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from firmware_audit.analyze.isa.sweep import Sweep


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

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """(sites, targets) of the region's direct calls."""
        ...


class Scanned(InstructionSet, Protocol):
    """An instruction set whose candidates a sweep of their functions confirms (`sweep.Sweep`).

    Attributes:
        interesting: The kinds of instruction `step` follows; any other that writes a register makes
            its value unknown.
        no_dest: Kinds whose first operand is not a register they write.
        clean: Registers with a value when a function starts.
    """

    interesting: frozenset[str]
    no_dest: frozenset[str]
    clean: dict[str, int]

    def reach(self, region: Region) -> Reach:
        """Every candidate of the region: sites that can compute or load an address, and its interval."""
        ...

    def kind(self, mnemonic: str) -> str:
        """The operation a capstone mnemonic names (`ldrle` and `ldr.w` are `ldr` in ARM)."""
        ...

    def step(self, sweep: Sweep, address: int, kind: str, op_str: str) -> None:
        """Follow one instruction of a kind in `interesting` (its operands as capstone prints them)."""
        ...


class Followed(InstructionSet, Protocol):
    """An instruction set whose values are followed through registers without disassembling."""

    def flow(self, regions: list[Region], starts: NDArray[np.int64], memory: Memory, budget: int) -> Flow:
        """What the code computes and calls, each function followed from its start (one of `starts`).

        At most `budget` instructions are followed.
        """
        ...


@dataclass(frozen=True, slots=True)
class Memory:
    """What following values reads besides the code.

    Attributes:
        gp: MIPS: the ABI's `_gp` (the GOT start plus 0x7ff0), constant for the whole file; or None.
        slots: GOT slot address -> imported symbol.
        read: Words at these addresses, and whether each is loaded from the file.
        loaded: `[lo, hi)` of the file's segments: a value outside is not an address.
        code: Whether each value points into executable segments.
        word: Bytes in a word (4, or 8 for 64-bit code).
    """

    gp: int | None
    slots: dict[int, str]
    read: Callable[[NDArray[np.int64]], tuple[NDArray[np.int64], NDArray[np.bool_]]]
    loaded: tuple[int, int]
    code: Callable[[NDArray[np.int64]], NDArray[np.bool_]]
    word: int


@dataclass(frozen=True, slots=True)
class Flow:
    """What code computes, found by following values through registers.

    Attributes:
        ref_sites, ref_values: An instruction and the address it computes or loads from (inside the
            file's segments only).
        call_sites, call_targets: Indirect calls of a known address.
        import_sites, import_names: Indirect calls of an imported symbol loaded from its GOT slot.
        jump_sites, jump_origins, jump_names: Indirect jumps to an import: where, where the import
            was loaded (a stub's start) and its name.
        code_sites, code_values: Values computed that point into code (a function whose address is taken).
        instructions: Instructions followed.
    """

    ref_sites: NDArray[np.int64]
    ref_values: NDArray[np.int64]
    call_sites: NDArray[np.int64]
    call_targets: NDArray[np.int64]
    import_sites: NDArray[np.int64]
    import_names: list[str]
    jump_sites: NDArray[np.int64]
    jump_origins: NDArray[np.int64]
    jump_names: list[str]
    code_sites: NDArray[np.int64]
    code_values: NDArray[np.int64]
    instructions: int


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


def aligned(region: Region) -> NDArray[np.uint32]:
    """The region's aligned 32-bit words as they are (no copy): masks on them cost less than on int64."""
    return np.frombuffer(region.code, dtype=f"{region.endian}u4", count=len(region.code) // 4)


def halves(region: Region) -> tuple[NDArray[np.uint16], NDArray[np.uint16]]:
    """(first, second) halfword of the 32 bits at every halfword of a region (`words` with step 2, unjoined).

    Views of the code, not copies: Thumb's scans test the first halfword before they join the two.
    """
    if len(region.code) < 4:
        empty = np.zeros(0, dtype=np.uint16)
        return empty, empty
    half = np.frombuffer(region.code, dtype=f"{region.endian}u2", count=len(region.code) // 2)
    return half[:-1], half[1:]


def word_at(region: Region, offsets: NDArray[np.int64]) -> NDArray[np.int64]:
    """The 32-bit words at these byte offsets of the region (each inside it), in its byte order."""
    raw = np.frombuffer(region.code, dtype=np.uint8)
    parts = [raw[offsets + i].astype(np.int64) for i in range(4)]
    if region.endian == ">":
        parts.reverse()
    return parts[0] | (parts[1] << 8) | (parts[2] << 16) | (parts[3] << 24)


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


@dataclass(frozen=True, slots=True)
class Uses:
    """Instructions that use a register as a base.

    Attributes:
        index: Where they are (indexes into the scanned words, ascending).
        reg: The register each uses.
        offset: The offset each adds to it.
    """

    index: NDArray[np.int64]
    reg: NDArray[np.int64]
    offset: NDArray[np.int64]


def completed(
    at: Callable[[NDArray[np.int64]], NDArray[np.int64]], base: Base, uses: Uses, reach: tuple[int, int]
) -> Reach:
    """The 32-bit addresses a base in a register becomes with the offsets of the instructions that use it.

    `base` gives the instructions (indexes into the scanned words; `at` gives their addresses) that put
    a base address in a register, that address, the register and whether the register survives calls
    (compilers reuse such a base far apart). `uses` gives the instructions that use a register as a
    base and the offset each adds. Uses are looked for in the next `reach[0]` instructions, or
    `reach[1]` for a register that survives calls. The base itself is a candidate too; a base with no
    use found stands for the `WINDOW` around it (an offset this scan does not decode).
    """
    near, far = reach
    # a stable sort by register keeps each register's uses in order (a radix sort for small keys)
    order = np.argsort(uses.reg.astype(np.uint8), kind="stable")
    index, reg, offset = uses.index[order], uses.reg[order], uses.offset[order]
    bounds = np.searchsorted(reg, np.arange(-1, 34))  # bounds[r + 1]: where uses of r start
    sites, values = [at(base.index)], [base.value]
    used = np.zeros(len(base.index), dtype=bool)
    for r in np.unique(base.reg).tolist():
        lo, hi = bounds[r + 1], bounds[r + 2]
        users = index[lo:hi]
        pick = np.flatnonzero(base.reg == r)
        where = base.index[pick]
        first = np.searchsorted(users, where, side="right")
        count = np.searchsorted(users, where + np.where(base.saved[pick], far, near), side="right") - first
        used[pick] = count > 0
        which = np.repeat(np.arange(len(pick)), count)
        # the k-th use of a base is users[first + k]
        step = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
        j = lo + first[which] + step
        sites.append(at(where[which]))
        values.append((base.value[pick][which] + offset[j]) & 0xFFFFFFFF)
    lone = ~used
    return Reach.join(
        [
            exact(np.concatenate(sites), np.concatenate(values)),
            Reach(at(base.index[lone]), base.value[lone] - WINDOW, base.value[lone] + WINDOW),
        ]
    )


WINDOW = 0x10000
"""What a base stands for when no instruction that uses it was decoded: the 64 KiB either side."""


@dataclass(frozen=True, slots=True)
class Base:
    """Instructions that put a base address in a register.

    Attributes:
        index: Where they are (indexes into the scanned words).
        value: The address.
        reg: The register.
        saved: Whether the register survives calls.
    """

    index: NDArray[np.int64]
    value: NDArray[np.int64]
    reg: NDArray[np.int64]
    saved: NDArray[np.bool_]
