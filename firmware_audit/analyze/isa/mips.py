"""MIPS: `jal`/`bal` targets, and the values code computes, followed through registers in arrays.

Every MIPS instruction names its registers in fixed bit fields, so the register each one writes and
the ones it reads come out of the instruction words with numpy masks. For each instruction that reads
a register, the last instruction of the same function that wrote it (`_reaching`) is then found with
one `searchsorted` per register, and values are carried along those links round by round: `lui` +
`addiu`/`ori`/load pairs, `$gp`-relative loads from the GOT, copies. No instruction is disassembled,
and every function is followed, so every reference and call is known once the view is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.analyze.isa import Flow, Memory, Region, aligned, sext, words

if TYPE_CHECKING:
    from numpy.typing import NDArray

_GP, _LUI, _LW, _LD, _ORI, _JAL = 28, 0x0F, 0x23, 0x37, 0x0D, 0x03


class Mips:
    """MIPS32 and MIPS64 code."""

    def calls(self, region: Region) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Targets of `jal` and `bal`."""
        w32 = aligned(region)
        keep = np.flatnonzero(((w32 >> 26) == _JAL) | ((w32 & 0xFFFF0000) == 0x04110000))
        at, w = region.address + 4 * keep, w32[keep].astype(np.int64)  # decoded only where one is
        target = np.where(
            (w >> 26) == _JAL,
            ((at + 4) & 0xF0000000) | ((w & 0x3FFFFFF) << 2),
            at + 4 + sext(w & 0xFFFF, 16) * 4,
        )
        return at, target

    def flow(self, regions: list[Region], starts: NDArray[np.int64], memory: Memory, budget: int) -> Flow:
        """What the code computes and calls (`flow`)."""
        return flow(regions, starts, memory, budget)


# -- following values through registers, without disassembling --------------------------------------

_ZERO, _T9 = 0, 25
_FLOW_CHUNK = 1 << 18
"""Instructions followed at once (cut at a function start): bounds the arrays of one pass."""
_FLOW_ROUNDS = 16
"""Instructions a value is followed through (`lui` -> `addiu` -> `move` is two)."""
_IMM_OPS = np.array([0x08, 0x09, 0x19, 0x0D])
"""`addi`, `addiu`, `daddiu`, `ori`: a register plus an immediate."""
_COPY_FUNCTS = np.array([0x21, 0x2D, 0x25])
"""`addu`, `daddu`, `or` (and `move`, printed for them with `$zero`): the sum of the sources."""
_WRITES_RT = np.array(
    [*range(0x08, 0x10), 0x18, 0x19, 0x1A, 0x1B, *range(0x20, 0x28), 0x30, 0x34, 0x37, 0x38, 0x3C]
)
"""Opcodes that write `rt`: immediate arithmetic, `lui`, loads, `sc`."""
_NO_RD = np.array([0x08, 0x09, 0x0C, 0x0D, 0x0F, 0x11, 0x13, *range(0x18, 0x20), *range(0x30, 0x37)])
"""SPECIAL functions that write no `rd`: `jr`, `jalr` (its `$ra` is not followed), traps, `mult`, `div`..."""


def _table(members: NDArray[np.int64] | list[int]) -> NDArray[np.bool_]:
    """A table of 64 entries (for an opcode or a function field): `table[field]` is a sort-free `np.isin`."""
    table = np.zeros(64, dtype=bool)
    table[members] = True
    return table


_IS_IMM, _IS_COPY, _WRITES = _table(_IMM_OPS), _table(_COPY_FUNCTS), _table(_WRITES_RT)
_NO_RD_TABLE, _MUL_NO_RD = _table(_NO_RD), _table([0, 1, 4, 5])


def flow(regions: list[Region], starts: NDArray[np.int64], memory: Memory, budget: int) -> Flow:
    """Follow constant values through the registers of the regions' code, as a linear sweep would.

    Every function (from each of `starts`, and each region's start, to the next) is followed from a
    clean state in which `$t9` holds its start (the PIC ABI calls a function with its address in
    `$t9`), `$gp` the ABI's `_gp` and `$zero` 0. A register keeps the value of the instruction that
    last wrote it in the function: `lui`; `addiu`/`addi`/`daddiu`/`ori` of a known register; `lw`/`ld`
    through `$gp` (the word of a local GOT slot, a page; an import for a global slot); `move`/`addu`/
    `or` of known registers. Any other write makes it unknown. There is no control flow: an
    approximation good enough to name the user of a string. At most `budget` instructions are followed.
    """
    at, w = _stream(regions, budget)
    points = np.unique(np.concatenate([starts, np.array([r.address for r in regions], dtype=np.int64)]))
    parts: list[Flow] = []
    begin = 0
    while begin < len(w):
        end = min(len(w), begin + _FLOW_CHUNK)
        if end < len(w):
            # cut at the last function start in the chunk, so that no function is split
            inside = points[(points > at[begin]) & (points <= at[end - 1])]
            if len(inside):
                end = int(np.searchsorted(at, inside[-1]))
        parts.append(_flow(at[begin:end], w[begin:end], points, memory))
        begin = end
    return _joined(parts, len(w))


def _stream(regions: list[Region], budget: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Addresses and words of the regions in address order, at most `budget` of them."""
    pairs = [words(r) for r in sorted(regions, key=lambda r: r.address)]
    if not pairs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    at = np.concatenate([p[0] for p in pairs])[:budget]
    w = np.concatenate([p[1] for p in pairs])[:budget]
    return at, w


def _joined(parts: list[Flow], instructions: int) -> Flow:
    def cat(name: str) -> NDArray[np.int64]:
        arrays = [getattr(p, name) for p in parts]
        return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)

    return Flow(
        ref_sites=cat("ref_sites"),
        ref_values=cat("ref_values"),
        call_sites=cat("call_sites"),
        call_targets=cat("call_targets"),
        import_sites=cat("import_sites"),
        import_names=[n for p in parts for n in p.import_names],
        jump_sites=cat("jump_sites"),
        jump_origins=cat("jump_origins"),
        jump_names=[n for p in parts for n in p.jump_names],
        code_sites=cat("code_sites"),
        code_values=cat("code_values"),
        instructions=instructions,
    )


def _destinations(
    op: NDArray[np.uint8],
    *,
    rs: NDArray[np.int8],
    rt: NDArray[np.int8],
    rd: NDArray[np.int8],
    funct: NDArray[np.uint8],
    nop: NDArray[np.bool_],
) -> NDArray[np.int8]:
    """The register each instruction writes (-1 for none; `$zero` and `$gp` count as none).

    `jal`, `jalr` and `bal` write `$ra`, which is never followed; they count as none, as stores,
    branches and coprocessor loads do.
    """
    dest = np.where(_WRITES[op], rt, np.int8(-1))
    dest = np.where((op == 0) & ~_NO_RD_TABLE[funct] & ~nop, rd, dest)
    dest = np.where((op >= 0x10) & (op <= 0x13) & (rs <= 3), rt, dest)  # mfc0, mfc1, cfc1, mfhc1
    dest = np.where((op == 0x1C) & ~_MUL_NO_RD[funct], rd, dest)  # mul, clz (not madd, msub)
    special3 = op == 0x1F
    dest = np.where(special3 & ((funct <= 7) | (funct == 0x3B)), rt, dest)  # ext, ins, rdhwr
    dest = np.where(special3 & ((funct == 0x20) | (funct == 0x24)), rd, dest)  # seb, seh, wsbh
    return np.where((dest == _ZERO) | (dest == _GP), np.int8(-1), dest)


def _writers(dest: NDArray[np.int8]) -> list[NDArray[np.int64]]:
    """For each register, the instructions that write it, in order."""
    order = np.argsort(dest, kind="stable")  # a radix sort, for 8-bit keys
    bounds = np.searchsorted(dest[order], np.arange(-1, 33))  # bounds[r + 1]: where writers of r start
    return [order[bounds[r + 1] : bounds[r + 2]] for r in range(32)]


def _reaching(
    writers: list[NDArray[np.int64]], reg: NDArray[np.int8] | NDArray[np.int64], at: NDArray[np.int64]
) -> NDArray[np.int64]:
    """For each instruction `at` reading `reg` (-1: none): the last one before it that wrote `reg`, or -1."""
    found = np.full(len(at), -1, dtype=np.int64)
    for r in np.unique(reg[reg >= 0]).tolist():
        writes = writers[r]
        pick = np.flatnonzero(reg == r)
        k = np.searchsorted(writes, at[pick]) - 1
        if len(writes):
            found[pick] = np.where(k >= 0, writes[np.maximum(k, 0)], -1)
    return found


@dataclass(slots=True)
class _State:
    """What each instruction leaves in the register it writes: a value, an import, and where it began."""

    value: NDArray[np.int64]
    known: NDArray[np.bool_]
    imported: NDArray[np.int64]
    origin: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Code:
    """The decoded fields of the instructions followed at once, and their functions' starts."""

    at: NDArray[np.int64]
    op: NDArray[np.uint8]
    rs: NDArray[np.int8]
    rt: NDArray[np.int8]
    funct: NDArray[np.uint8]
    imm: NDArray[np.int64]
    uimm: NDArray[np.int64]
    dest: NDArray[np.int8]
    writers: list[NDArray[np.int64]]
    start: NDArray[np.int64]
    mask: int

    @classmethod
    def of(cls, at: NDArray[np.int64], w: NDArray[np.int64], points: NDArray[np.int64], word: int) -> _Code:
        # the register and operation fields in 8 bits: a pass over them costs an eighth of one in 64
        w32 = w.astype(np.uint32)
        op, funct = (w32 >> 26).astype(np.uint8), (w32 & 63).astype(np.uint8)
        rs, rt = ((w32 >> 21) & 31).astype(np.int8), ((w32 >> 16) & 31).astype(np.int8)
        dest = _destinations(
            op, rs=rs, rt=rt, rd=((w32 >> 11) & 31).astype(np.int8), funct=funct, nop=w32 == 0
        )
        return cls(
            at=at,
            op=op,
            rs=rs,
            rt=rt,
            funct=funct,
            imm=sext(w & 0xFFFF, 16),
            uimm=w & 0xFFFF,
            dest=dest,
            writers=_writers(dest),
            start=points[np.maximum(np.searchsorted(points, at, side="right") - 1, 0)],
            mask=(1 << (8 * word)) - 1 if word < 8 else -1,
        )


class _Sources:
    """Where the instructions `pick` read one source register from: its writer, or the clean state."""

    def __init__(
        self, code: _Code, pick: NDArray[np.int64], reg: NDArray[np.int8] | NDArray[np.int64], gp: int | None
    ) -> None:
        writer = _reaching(code.writers, reg, pick)
        # a writer before the function's start is another function's: the register starts clean
        writer = np.where((writer >= 0) & (code.at[np.maximum(writer, 0)] >= code.start[pick]), writer, -1)
        self.pick, self.safe, self.has = pick, np.maximum(writer, 0), writer >= 0
        self.default = np.select([reg == _GP, reg == _T9], [gp or 0, code.start[pick]], 0)
        self.default_ok = (reg == _ZERO) | (reg == _T9) | ((reg == _GP) & (gp is not None))

    def read(
        self, state: _State, sel: NDArray[np.int64] | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
        """(value, known, import, origin) of the source of each picked instruction (or of `pick[sel]`).

        A register no instruction of the function wrote has its origin in the reading instruction.
        """
        safe, has, default, ok, pick = self.safe, self.has, self.default, self.default_ok, self.pick
        if sel is not None:
            safe, has, default, ok, pick = safe[sel], has[sel], default[sel], ok[sel], pick[sel]
        return (
            np.where(has, state.value[safe], default),
            np.where(has, state.known[safe], ok),
            np.where(has, state.imported[safe], -1),
            np.where(has, state.origin[safe], pick),
        )

    def ready(self, state: _State) -> NDArray[np.bool_]:
        """Whether each picked instruction's source holds a value or an import."""
        return np.where(self.has, state.known[self.safe] | (state.imported[self.safe] >= 0), self.default_ok)

    def changed(self, done: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Whether each picked instruction's source was written by an instruction in `done`."""
        return self.has & done[self.safe]


class _Slots:
    """The GOT slots of imports, looked up in arrays."""

    def __init__(self, slots: dict[int, str]) -> None:
        self.names = sorted(set(slots.values()))
        number = {name: i for i, name in enumerate(self.names)}
        self.keys = np.array(sorted(slots), dtype=np.int64)
        self.values = np.array([number[slots[k]] for k in sorted(slots)], dtype=np.int64)

    def find(self, target: NDArray[np.int64]) -> NDArray[np.int64]:
        """The import whose GOT slot each address is (an index into `names`), or -1."""
        if not len(self.keys):
            return np.full(len(target), -1, dtype=np.int64)
        where = np.clip(np.searchsorted(self.keys, target), 0, len(self.keys) - 1)
        return np.where(self.keys[where] == target, self.values[where], -1)


def _flow(at: NDArray[np.int64], w: NDArray[np.int64], points: NDArray[np.int64], memory: Memory) -> Flow:
    code = _Code.of(at, w, points, memory.word)
    slots = _Slots(memory.slots)
    state = _roots(code, memory, slots)
    _follow(code, state, slots, memory.gp)
    return _found(code, state, memory, slots)


def _roots(code: _Code, memory: Memory, slots: _Slots) -> _State:
    """The values that need no other: `lui`, and loads through `$gp` (an import, or a GOT word)."""
    n, op, mask = len(code.at), code.op, code.mask
    state = _State(
        np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64), np.arange(n)
    )
    lui = np.flatnonzero((op == _LUI) & (code.dest >= 0))
    state.value[lui], state.known[lui] = (code.uimm[lui] << 16) & mask, True
    if memory.gp is not None:
        load = np.flatnonzero(((op == _LW) | (op == _LD)) & (code.dest >= 0) & (code.rs == _GP))
        target = (memory.gp + code.imm[load]) & mask
        found = slots.find(target)
        state.imported[load] = found
        local = load[found < 0]  # a local GOT entry: a page, or an address
        word, ok = memory.read(target[found < 0])
        state.value[local[ok]], state.known[local[ok]] = word[ok] & mask, True
    return state


def _follow(code: _Code, state: _State, slots: _Slots, gp: int | None) -> None:
    """Give each `addiu`/`ori`, load and copy the value or import its sources hold, round by round.

    Each round carries values one instruction further along a chain (`lui` -> `addiu` -> `move`).
    """
    op, rs, rt, mask = code.op, code.rs, code.rt, code.mask
    is_imm = _IS_IMM[op]
    is_load = ((op == _LW) | (op == _LD)) & (rs != _GP)
    is_copy = (op == 0) & _IS_COPY[code.funct] & ((rs != _ZERO) | (rt != _ZERO))
    pick = np.flatnonzero((code.dest >= 0) & (is_imm | is_load | is_copy))
    op, rs, rt, imm, uimm = op[pick], rs[pick], rt[pick], code.imm[pick], code.uimm[pick]
    is_imm, is_load, is_copy = is_imm[pick], is_load[pick], is_copy[pick]
    first = _Sources(code, pick, rs, gp)
    second = _Sources(code, pick, np.where(is_copy, rt, -1), gp)
    made_by_imm = op == _ORI
    # `move` is `addu`/`or` with `$zero`: the one other source's import and origin carry over
    lone = (rs == _ZERO) ^ (rt == _ZERO)
    # the first round needs only the instructions with a source that already holds something (a
    # root, or a clean register with a value); any other gets nothing until a source gains one
    active = np.flatnonzero(first.ready(state) | second.ready(state))
    for _ in range(_FLOW_ROUNDS):
        # an instruction is followed again only when a source gained a value or an import
        v0, k0, i0, o0 = first.read(state, active)
        v1, k1, i1, o1 = second.read(state, active)
        a_imm, a_load, a_copy, a_rs, a_rt = (
            is_imm[active],
            is_load[active],
            is_copy[active],
            rs[active],
            rt[active],
        )
        value = np.where(made_by_imm[active], v0 | uimm[active], v0 + imm[active])
        imported = np.full(len(active), -1, dtype=np.int64)
        loads = np.flatnonzero(a_load & k0)
        imported[loads] = slots.find((v0[loads] + imm[active[loads]]) & mask)
        imported = np.where(a_copy & lone[active], np.where(a_rt == _ZERO, i0, i1), imported)
        value = np.where(a_copy, v0 + v1, value)  # `$zero` reads as a known 0
        known = np.where(a_imm, k0, a_copy & k0 & k1 & (imported < 0))
        origin = np.where(a_copy & (a_rs == _ZERO), o1, o0)
        new = (known | (imported >= 0)) & ~state.known[pick[active]] & (state.imported[pick[active]] < 0)
        at = pick[active][new]
        state.value[at] = value[new] & mask
        state.known[at] = known[new]
        state.imported[at] = imported[new]
        state.origin[at] = origin[new]
        done = np.zeros(len(state.known), dtype=bool)
        done[at] = True
        active = np.flatnonzero(
            (first.changed(done) | second.changed(done)) & ~state.known[pick] & (state.imported[pick] < 0)
        )
        if not len(active):
            break


def _found(code: _Code, state: _State, memory: Memory, slots: _Slots) -> Flow:
    """What the followed values give: references, calls and jumps through a register, code pointers.

    A reference is an immediate added to a known register other than `$zero`, or an address loaded from.
    """
    op, mask = code.op, code.mask
    is_imm = _IS_IMM[op] & (code.rs != _ZERO)
    is_load = (op == _LW) | (op == _LD)
    is_jump = (op == 0) & ((code.funct == 8) | (code.funct == 9))
    pick = np.flatnonzero(((code.dest >= 0) & (is_imm | is_load)) | is_jump)
    sources = _Sources(code, pick, code.rs[pick], memory.gp)
    ready = np.flatnonzero(sources.ready(state))  # a source that holds nothing gives nothing
    v0, k0, i0, o0 = sources.read(state, ready)
    pick = pick[ready]
    at, imm, is_imm, is_load = code.at[pick], code.imm[pick], is_imm[pick], is_load[pick]
    made = np.where(op[pick] == _ORI, v0 | code.uimm[pick], v0 + imm) & mask
    address = np.where(is_imm, made, (v0 + imm) & mask)
    lo, hi = memory.loaded
    referenced = (is_imm | is_load) & k0 & (address >= lo) & (address < hi)
    pointer = is_imm & k0 & memory.code(made)
    funct = code.funct[pick]
    jalr, jr = is_jump[pick] & (funct == 9), is_jump[pick] & (funct == 8)
    call_import, call_value, jump_import = jalr & (i0 >= 0), jalr & (i0 < 0) & k0, jr & (i0 >= 0)
    return Flow(
        ref_sites=at[referenced],
        ref_values=address[referenced],
        call_sites=at[call_value],
        call_targets=v0[call_value],
        import_sites=at[call_import],
        import_names=[slots.names[i] for i in i0[call_import].tolist()],
        jump_sites=at[jump_import],
        jump_origins=code.at[o0[jump_import]],
        jump_names=[slots.names[i] for i in i0[jump_import].tolist()],
        code_sites=at[pointer],
        code_values=made[pointer],
        instructions=len(code.at),
    )
