"""Disassembly of one ELF file: which function references an address, which functions call a symbol.

Code is disassembled only where it is asked about. Building a view finds function starts and direct
calls by a vectorised scan of the instruction words (`firmware_audit.analyze.isa`, one module per
instruction set), then depends on the instruction set:

* ARM, Thumb and AArch64 (`isa.Scanned`): the view disassembles the PLT stubs (which name the imports)
  and the entry function. Asked who references an address, it finds the candidate instructions by
  another scan (literal words, `adrp` pages, literal loads and the offsets added to them ...) and
  disassembles only the functions that hold them; asked who calls an import, only the functions with
  a direct call of its stub or a load of its GOT slot. Within a function a linear sweep with capstone
  (`disasm_lite`, no operand detail: ten times faster) follows constant values through registers, so
  that it sees the addresses code computes: literal-pool loads (`ldr rX, [pc, #imm]`, also the PIC
  form followed by `add rX, pc`), `adr`, `add rX, pc, #imm`, `movw`/`movt` pairs; `adrp` + `add`.
* MIPS (`isa.Followed`): nothing is disassembled. The same following of values (`lui` + `addiu`/
  `ori` pairs, `lw` from the GOT relative to `$gp`, whose value is the ABI's `_gp`, the GOT start plus
  0x7ff0, for the whole file) is done for the whole file at once in numpy arrays when the view is
  built, which costs less than disassembling the functions one question needs.

Calls are direct branch-and-link targets, and indirect calls through a GOT slot or a PLT stub whose
slot holds an imported symbol. Functions are named from the symbol tables; in a stripped file a
function is known by its start (a call target) and printed as `sub_<address>`. A string reached only
through a table of pointers (`static const char *hosts[]`) is attributed to the code that references
the table. Following values is an approximation (no control flow), good enough to name the user of a
string; it is bounded by `MAX_INSTRUCTIONS` for the whole view. Function starts are fixed when the
view is built, so which functions an answer names does not depend on the order of the questions (the
order `calls_in` lists callees in can: see there).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from firmware_audit.analyze.isa import Flow, Followed, InstructionSet, Memory, Reach, Region, Scanned
from firmware_audit.analyze.isa.aarch64 import Aarch64
from firmware_audit.analyze.isa.arm import Arm
from firmware_audit.analyze.isa.mips import Mips
from firmware_audit.analyze.isa.sweep import Segment, Sweep

if TYPE_CHECKING:
    from collections.abc import Iterable

    import lief
    from numpy.typing import NDArray

MAX_INSTRUCTIONS = 4_000_000
"""Instructions swept per file at most (about 16 MB of code); the rest is left out with an Issue."""
_SCANNED: dict[str, Scanned] = {"arm": Arm(), "aarch64": Aarch64()}
"""Instruction sets whose candidates a sweep confirms, by architecture name."""
_FOLLOWED: dict[str, Followed] = {"mips": Mips()}
"""Instruction sets whose values are followed in arrays, nothing disassembled."""
_STUB_SECTIONS = frozenset({".plt", ".plt.sec", ".MIPS.stubs"})
"""Sections of import stubs: disassembled whole when a view is built, as they name the imports."""
_POINTER_TABLE_MAX = 4096
"""Entries walked back from a pointer to the start of its table."""
_NO_END = (1 << 63) - 1
"""The end of the last function: past any address."""


@dataclass(frozen=True, slots=True)
class Function:
    """A function of the file: where it starts and, when a symbol says so, its name."""

    start: int
    name: str | None = None

    @property
    def label(self) -> str:
        """The name, or `sub_<start>` in a stripped file."""
        return self.name or f"sub_{self.start:x}"


@dataclass(frozen=True, slots=True)
class CallSite:
    """One call of a function: the calling function (None outside any known one) and the address."""

    function: Function | None
    address: int


class CodeView:
    """What the code of one ELF file references and calls.

    Attributes:
        arch: `arm`, `aarch64` or `mips`.
        instructions: Instructions swept.
        truncated: True when the sweep stopped at `MAX_INSTRUCTIONS`.
    """

    def __init__(self, sweep: Sweep) -> None:
        """Prepare a view of the code a sweep starts on (use `CodeView.build`)."""
        self.arch = sweep.arch
        self._sweep = sweep
        self._isa: InstructionSet = _SCANNED.get(sweep.arch) or _FOLLOWED[sweep.arch]
        self._data = sweep.data
        self._segments = sweep.segments
        self._word = sweep.word
        self._endian = sweep.endian
        self._refs = sweep.refs
        self._calls = sweep.calls
        self._names = sweep.names
        self._relative = sweep.relative
        self._data_ranges = sweep.data_ranges()
        self._regions = _joined(sweep.chunks, sweep.endian)
        call_sites, call_targets = zip(*(self._isa.calls(r) for r in self._regions), strict=True)
        self._call_sites = np.concatenate(call_sites) if call_sites else np.zeros(0, dtype=np.int64)
        self._call_targets = np.concatenate(call_targets) if call_targets else np.zeros(0, dtype=np.int64)
        self._swept: set[int] = set()
        self._flow: Flow | None = None
        self._ref_values = self._ref_sites = np.zeros(0, dtype=np.int64)
        followed = _FOLLOWED.get(sweep.arch)
        if followed is not None:
            self._follow(followed)
        else:
            scanned = _SCANNED[sweep.arch]
            for name, address, code, _thumb in sweep.chunks:
                if name in _STUB_SECTIONS:
                    sweep.sweep(scanned, address, address + len(code))
            self._starts = self._function_starts()
            entry = self._entry()
            if entry is not None:
                sweep.sweep(
                    scanned, *self._bounds(entry)
                )  # `_start` names `main` by a pointer, in a stripped file
                self._starts = self._function_starts()
        self._reach: Reach | None = None
        self._calls_indexed: _CallIndex | None = None
        self._ref_keys: list[int] = []
        self._pointers: _Pointers | None = None
        self._slots: frozenset[int] | None = None

    @classmethod
    def build(cls, data: bytes, binary: lief.ELF.Binary) -> CodeView | None:
        """A view of the file's code; None for an architecture or ELF type this does not read."""
        sweep = Sweep.start(data, binary, MAX_INSTRUCTIONS)
        if sweep is None:
            return None
        return cls(sweep)

    @property
    def instructions(self) -> int:
        """Instructions disassembled so far."""
        return self._sweep.count

    @property
    def truncated(self) -> bool:
        """True when disassembly stopped at `MAX_INSTRUCTIONS`."""
        return self._sweep.truncated

    def _entry(self) -> int | None:
        entry = self._sweep.binary.entrypoint
        entry = entry & ~1 if self.arch == "arm" else entry
        return entry if entry and self._executable(entry) else None

    # -- MIPS: values followed in arrays, nothing disassembled -----------------------------------

    def _follow(self, isa: Followed) -> None:
        """Follow the values of the whole code at once (`Followed.flow`) and record what it finds.

        The stubs and the entry function add function starts (code pointers, called addresses, stubs
        named by their jump), as the sweep of them does for the other instruction sets; with new
        starts the code is followed again, each function from its own start.
        """
        sweep = self._sweep
        memory = Memory(
            gp=sweep.gp,
            slots=sweep.slots,
            read=self._read_words,
            loaded=(sweep.lo, sweep.hi),
            code=self._in_code,
            word=sweep.word,
        )
        self._starts = self._function_starts()
        spans = [(a, a + len(code)) for name, a, code, _ in sweep.chunks if name in _STUB_SECTIONS]
        entry = self._entry()
        if entry is not None:
            spans.append(self._bounds(entry))
        early = isa.flow(
            [r for lo, hi in spans for r in _cut(self._regions, lo, hi)],
            np.array(self._starts, dtype=np.int64),
            memory,
            MAX_INSTRUCTIONS,
        )
        for origin, name in zip(early.jump_origins.tolist(), early.jump_names, strict=True):
            self._names.setdefault(origin, name)
        sweep.starts.update(early.code_values.tolist())
        sweep.starts.update(early.call_targets.tolist())
        self._starts = self._function_starts()
        found = isa.flow(self._regions, np.array(self._starts, dtype=np.int64), memory, MAX_INSTRUCTIONS)
        for origin, name in zip(found.jump_origins.tolist(), found.jump_names, strict=True):
            self._names.setdefault(origin, name)
        for site, target in zip(self._call_sites.tolist(), self._call_targets.tolist(), strict=True):
            self._calls.setdefault(target, []).append(site)
        for site, target in zip(found.call_sites.tolist(), found.call_targets.tolist(), strict=True):
            self._calls.setdefault(target, []).append(site)
        for site, name in zip(found.import_sites.tolist(), found.import_names, strict=True):
            self._calls.setdefault(name, []).append(site)
        order = np.argsort(found.ref_values, kind="stable")
        self._ref_values, self._ref_sites = found.ref_values[order], found.ref_sites[order]
        sweep.count = found.instructions
        sweep.truncated = sum(len(r.code) // 4 for r in self._regions) > MAX_INSTRUCTIONS
        self._flow = found

    def _read_words(self, addresses: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """The words at these addresses, and whether each is loaded from the file."""
        size = self._word
        values = np.zeros(len(addresses), dtype=np.int64)
        ok = np.zeros(len(addresses), dtype=bool)
        raw = np.frombuffer(self._data, dtype=np.uint8)
        for seg in self._segments:
            inside = ~ok & (addresses >= seg.vaddr) & (addresses + size <= seg.vaddr + seg.size)
            offsets = seg.offset + addresses[inside] - seg.vaddr
            parts = [raw[offsets + i].astype(np.int64) for i in range(size)]
            if self._endian == ">":
                parts.reverse()
            values[inside] = sum(
                (part << (8 * i) for i, part in enumerate(parts)), np.zeros(len(offsets), np.int64)
            )
            ok |= inside
        return values, ok

    def _in_code(self, values: NDArray[np.int64]) -> NDArray[np.bool_]:
        inside = np.zeros(len(values), dtype=bool)
        for seg in self._segments:
            if seg.executable:
                inside |= (values >= seg.vaddr) & (values < seg.vaddr + seg.size)
        return inside

    # -- where to disassemble --------------------------------------------------------------------

    def _function_starts(self) -> list[int]:
        sweep = self._sweep
        starts = set(sweep.names) | set(self._call_targets.tolist()) | sweep.starts
        starts |= {t for t in sweep.calls if isinstance(t, int)}
        code = [s for s in self._segments if s.executable]
        lo = min((s.vaddr for s in code), default=0)
        hi = max((s.vaddr + s.size for s in code), default=0)
        inside = np.array(sorted(s for s in starts if lo <= s < hi), dtype=np.int64)
        return [int(s) for s in inside[self._in_code(inside)]]

    def _bounds(self, address: int) -> tuple[int, int]:
        """The function around `address`: from its start to the next one."""
        i = bisect.bisect_right(self._starts, address) - 1
        start = self._starts[i] if i >= 0 else address
        end = self._starts[i + 1] if i + 1 < len(self._starts) else 1 << 64
        return start, end

    def _disassemble(self, sites: Iterable[int] | NDArray[np.int64]) -> None:
        """Disassemble the functions that hold these addresses, each once (none for followed code).

        The functions are found in arrays: a pointer table can give a million candidate sites.
        """
        if self._flow is not None:
            return
        found = np.unique(np.asarray(sites if isinstance(sites, np.ndarray) else list(sites), dtype=np.int64))
        found = found[self._in_code(found)]
        starts = np.array(self._starts, dtype=np.int64)
        i = np.searchsorted(starts, found, side="right") - 1
        # before the first known start, a function starts at the site itself
        begin = np.where(i >= 0, starts[np.maximum(i, 0)] if len(starts) else found, found)
        for start in dict.fromkeys(begin.tolist()):
            if start not in self._swept:
                self._swept.add(start)
                self._sweep.sweep(_SCANNED[self.arch], *self._bounds(start))

    def _candidates(self, lo: int, hi: int) -> NDArray[np.int64]:
        """Instructions that can compute or load an address in `[lo, hi]` (none for followed code)."""
        if self._flow is not None:
            return np.zeros(0, dtype=np.int64)
        if self._reach is None:
            scanned = _SCANNED[self.arch]
            self._reach = Reach.join([scanned.reach(r) for r in self._regions])
        return self._reach.sites_for(lo, hi)

    # -- addresses -------------------------------------------------------------------------------

    def address_of(self, offset: int) -> int | None:
        """The virtual address at which a file offset is loaded, or None when it is not loaded."""
        for seg in self._segments:
            if seg.offset <= offset < seg.offset + seg.size:
                return seg.vaddr + offset - seg.offset
        return None

    def _executable(self, address: int) -> bool:
        return any(s.executable and s.vaddr <= address < s.vaddr + s.size for s in self._segments)

    # -- functions -------------------------------------------------------------------------------

    def function_at(self, address: int) -> Function | None:
        """The function an instruction address belongs to (the nearest known start before it)."""
        if not self._executable(address):
            return None
        i = bisect.bisect_right(self._starts, address) - 1
        if i < 0:
            return None
        start = self._starts[i]
        return Function(start, self._names.get(start))

    def referrers(self, address: int) -> tuple[Function, ...]:
        """Functions whose code computes or loads `address`, directly or through a table of pointers."""
        tables = [self._table_bounds(slot) for slot in self._pointer_index().slots_of(address)]
        for lo, hi in [(address, address), *tables]:
            self._disassemble(self._candidates(lo, hi))
        sites = self._referencing(address, address)
        for first, last in tables:
            # code often points at the table through a section anchor, not at entry 0: take it all
            sites.extend(self._referencing(first, last))
        found: dict[int, Function] = {}
        for site in sorted(sites):
            function = self.function_at(site)
            if function is not None:
                found.setdefault(function.start, function)
        return tuple(found.values())

    def _referencing(self, lo: int, hi: int) -> list[int]:
        """Sites seen computing or loading an address in `[lo, hi]`."""
        if self._flow is not None:
            first, last = np.searchsorted(self._ref_values, [lo, hi + 1])
            return [int(s) for s in self._ref_sites[first:last]]
        if len(self._ref_keys) != len(self._refs):  # a sweep found more: sort them again
            self._ref_keys = sorted(self._refs)
        keys = self._ref_keys
        return [
            s
            for key in keys[bisect.bisect_left(keys, lo) : bisect.bisect_right(keys, hi)]
            for s in self._refs[key]
        ]

    def callers(self, name: str) -> tuple[CallSite, ...]:
        """Every call of the function or imported symbol `name`, with the calling function."""
        stubs = [address for address, named in self._names.items() if named == name]
        self._disassemble(self._call_sites[np.isin(self._call_targets, stubs)])
        for slot in (address for address, named in self._sweep.slots.items() if named == name):
            self._disassemble(self._candidates(slot, slot))
        sites = sorted(
            site for target, found in self._calls.items() if self._named(target, name) for site in found
        )
        return tuple(CallSite(self.function_at(site), site) for site in sites)

    def calls_in(self, function: Function) -> tuple[str, ...]:
        """Names of the named functions and imports called from `function`.

        They are in the order of each callee's first call among the calls seen so far in the file
        (ties: the order calls were found), not of the calls inside `function`: for ARM, what was
        seen depends on the functions earlier questions had disassembled, so the order (never the
        names) can depend on the questions asked before. An audit asks them in the same order every
        time, so its reports are the same; ordering by the calls inside the function would be
        independent of that, but changes the order of 227 answers over the corpus and the
        real-firmware set, which the role clues read, and waits for that decision.
        """
        self._disassemble([function.start])
        i = bisect.bisect_right(self._starts, function.start)
        end = self._starts[i] if i < len(self._starts) else _NO_END
        index = self._call_index()
        first, last = np.searchsorted(index.sites, [function.start, end])
        # a target's place is its first call anywhere seen so far (ties: the order calls were found)
        called = sorted(set(index.targets[first:last].tolist()), key=lambda t: (index.first_site[t], t))
        names: dict[str, None] = {}
        for number in called:
            label = self._target_name(index.called[number])
            if label is not None:
                names.setdefault(label, None)
        return tuple(names)

    def _call_index(self) -> _CallIndex:
        """The calls seen so far in arrays by site (built again when a sweep has found more)."""
        size = sum(len(sites) for sites in self._calls.values())
        if self._calls_indexed is None or self._calls_indexed.size != size:
            self._calls_indexed = _CallIndex.of(self._calls, size)
        return self._calls_indexed

    def _named(self, target: int | str, name: str) -> bool:
        return self._target_name(target) == name

    def _target_name(self, target: int | str) -> str | None:
        return target if isinstance(target, str) else self._names.get(target)

    # -- pointer tables --------------------------------------------------------------------------

    def _pointer_index(self) -> _Pointers:
        """Where data holds a pointer into the file, by pointed-to address (built once)."""
        if self._pointers is None:
            self._pointers = _pointers(
                data=self._data,
                segments=self._segments,
                ranges=self._data_ranges,
                word=self._word,
                endian=self._endian,
                relative=self._relative,
            )
        return self._pointers

    def _table_bounds(self, slot: int) -> tuple[int, int]:
        """First and last entry of the run of consecutive pointer slots that holds `slot`."""
        slots = self._slot_set()
        first = last = slot
        for _ in range(_POINTER_TABLE_MAX):
            if first - self._word not in slots:
                break
            first -= self._word
        for _ in range(_POINTER_TABLE_MAX):
            if last + self._word not in slots:
                break
            last += self._word
        return first, last

    def _slot_set(self) -> frozenset[int]:
        if self._slots is None:
            self._slots = frozenset(self._pointer_index().slots.tolist())
        return self._slots


def _joined(chunks: list[tuple[str, int, bytes, bool]], endian: str) -> list[Region]:
    """The chunks as regions to scan, neighbours of the same mode joined.

    A Thumb library is cut at every function symbol, and each scan has a fixed cost.
    """
    runs: list[tuple[int, list[bytes], bool]] = []
    end = -1
    for _, address, code, thumb in chunks:
        if runs and runs[-1][2] == thumb and end == address:
            runs[-1][1].append(code)
        else:
            runs.append((address, [code], thumb))
        end = address + len(code)
    return [Region(address, b"".join(parts), endian, thumb) for address, parts, thumb in runs]


def _cut(regions: list[Region], lo: int, hi: int) -> list[Region]:
    """The parts of the regions inside `[lo, hi)`."""
    return [
        Region(
            max(r.address, lo),
            r.code[max(r.address, lo) - r.address : min(r.address + len(r.code), hi) - r.address],
            r.endian,
            r.thumb,
        )
        for r in regions
        if r.address < hi and lo < r.address + len(r.code)
    ]


@dataclass(frozen=True, slots=True)
class _CallIndex:
    """Every call site with the number of its target (in the order targets were found), by site.

    A large MIPS library has a hundred thousand calls: a question about one function's calls reads
    the ones inside it, not all of them.
    """

    size: int
    sites: NDArray[np.int64]
    targets: NDArray[np.int64]
    called: list[int | str]
    first_site: list[int]

    @classmethod
    def of(cls, calls: dict[int | str, list[int]], size: int) -> _CallIndex:
        called = list(calls)
        sites = np.fromiter((s for found in calls.values() for s in found), dtype=np.int64, count=size)
        numbers = np.repeat(np.arange(len(called), dtype=np.int64), [len(found) for found in calls.values()])
        order = np.argsort(sites, kind="stable")
        return cls(size, sites[order], numbers[order], called, [min(found) for found in calls.values()])


@dataclass(frozen=True, slots=True)
class _Pointers:
    """Every slot of the data holding a pointer into the file, ordered by the address it holds.

    Arrays, not a dictionary of lists: a large library holds a few hundred thousand pointers, and
    building a Python object for each cost more than the questions asked of them.
    """

    values: NDArray[np.int64]
    slots: NDArray[np.int64]

    def slots_of(self, address: int) -> list[int]:
        """The slots holding `address`, in the order of the data (then the relocated ones)."""
        first, last = np.searchsorted(self.values, [address, address + 1])
        return [int(slot) for slot in self.slots[first:last]]


def _pointers(
    *,
    data: bytes,
    segments: tuple[Segment, ...],
    ranges: tuple[Segment, ...],
    word: int,
    endian: str,
    relative: dict[int, int],
) -> _Pointers:
    lo = min(s.vaddr for s in segments)
    hi = max(s.vaddr + s.size for s in segments)
    dtype = np.dtype(f"{endian}u{word}")
    values: list[NDArray[np.int64]] = []
    slots: list[NDArray[np.int64]] = []
    for part in ranges:
        skip = -part.vaddr % word
        count = (min(part.size, len(data) - part.offset) - skip) // word
        if count <= 0:
            continue
        words = np.frombuffer(data, dtype=dtype, count=count, offset=part.offset + skip)
        index = np.nonzero((words >= lo) & (words < hi))[0]
        values.append(words[index].astype(np.int64))
        slots.append(part.vaddr + skip + index.astype(np.int64) * word)
    moved = [(slot, value) for slot, value in relative.items() if lo <= value < hi]
    values.append(np.array([value for _, value in moved], dtype=np.int64))
    slots.append(np.array([slot for slot, _ in moved], dtype=np.int64))
    joined = np.concatenate(values)
    order = np.argsort(joined, kind="stable")  # a stable sort keeps each address's slots in data order
    return _Pointers(joined[order], np.concatenate(slots)[order])
