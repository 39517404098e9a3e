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
view is built, so answers do not depend on the order of the questions.
"""

from __future__ import annotations

import bisect
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import capstone
import lief
import numpy as np

from firmware_audit.analyze.isa import Flow, Followed, InstructionSet, Memory, Reach, Region, Scanned
from firmware_audit.analyze.isa.aarch64 import Aarch64
from firmware_audit.analyze.isa.arm import Arm
from firmware_audit.analyze.isa.mips import Mips

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

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
_MIPS_GP_OFFSET = 0x7FF0
_ARM_COND = (
    "eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al",
)  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class _Segment:
    vaddr: int
    offset: int
    size: int
    executable: bool


class CodeView:
    """What the code of one ELF file references and calls.

    Attributes:
        arch: `arm`, `aarch64` or `mips`.
        instructions: Instructions swept.
        truncated: True when the sweep stopped at `MAX_INSTRUCTIONS`.
    """

    def __init__(self, sweep: _Sweep) -> None:
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
            for name, address, code, _thumb in sweep.chunks:
                if name in _STUB_SECTIONS:
                    sweep.sweep(address, address + len(code))
            self._starts = self._function_starts()
            entry = self._entry()
            if entry is not None:
                sweep.sweep(*self._bounds(entry))  # `_start` names `main` by a pointer, in a stripped file
                self._starts = self._function_starts()
        self._reach: Reach | None = None
        self._pointers: dict[int, list[int]] | None = None
        self._slots: frozenset[int] | None = None

    @classmethod
    def build(cls, data: bytes, binary: lief.ELF.Binary) -> CodeView | None:
        """A view of the file's code; None for an architecture or ELF type this does not read."""
        sweep = _Sweep.start(data, binary)
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
        return sorted(s for s in starts if self._executable(s))

    def _bounds(self, address: int) -> tuple[int, int]:
        """The function around `address`: from its start to the next one."""
        i = bisect.bisect_right(self._starts, address) - 1
        start = self._starts[i] if i >= 0 else address
        end = self._starts[i + 1] if i + 1 < len(self._starts) else 1 << 64
        return start, end

    def _disassemble(self, sites: Iterable[int]) -> None:
        """Disassemble the functions that hold these addresses, each once (none for followed code)."""
        if self._flow is not None:
            return
        for site in sorted(set(sites)):
            if not self._executable(site):
                continue
            start, end = self._bounds(site)
            if start not in self._swept:
                self._swept.add(start)
                self._sweep.sweep(start, end)

    def _candidates(self, lo: int, hi: int) -> list[int]:
        """Instructions that can compute or load an address in `[lo, hi]` (none for followed code)."""
        if self._flow is not None:
            return []
        if self._reach is None:
            scanned = _SCANNED[self.arch]
            self._reach = Reach.join([scanned.reach(r) for r in self._regions])
        return [int(s) for s in self._reach.sites_for(lo, hi)]

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
        tables = [self._table_bounds(slot) for slot in self._pointer_index().get(address, ())]
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
        keys = sorted(self._refs)
        return [
            s
            for key in keys[bisect.bisect_left(keys, lo) : bisect.bisect_right(keys, hi)]
            for s in self._refs[key]
        ]

    def callers(self, name: str) -> tuple[CallSite, ...]:
        """Every call of the function or imported symbol `name`, with the calling function."""
        stubs = [address for address, named in self._names.items() if named == name]
        self._disassemble(self._call_sites[np.isin(self._call_targets, stubs)].tolist())
        for slot in (address for address, named in self._sweep.slots.items() if named == name):
            self._disassemble(self._candidates(slot, slot))
        sites = sorted(
            site for target, found in self._calls.items() if self._named(target, name) for site in found
        )
        return tuple(CallSite(self.function_at(site), site) for site in sites)

    def calls_in(self, function: Function) -> tuple[str, ...]:
        """Names of the named functions and imports called from `function`, in address order."""
        self._disassemble([function.start])
        i = bisect.bisect_right(self._starts, function.start)
        end = self._starts[i] if i < len(self._starts) else 1 << 64
        names: dict[str, None] = {}
        for target, sites in sorted(self._calls.items(), key=lambda item: min(item[1])):
            label = self._target_name(target)
            if label is not None and any(function.start <= s < end for s in sites):
                names.setdefault(label, None)
        return tuple(names)

    def _named(self, target: int | str, name: str) -> bool:
        return self._target_name(target) == name

    def _target_name(self, target: int | str) -> str | None:
        return target if isinstance(target, str) else self._names.get(target)

    # -- pointer tables --------------------------------------------------------------------------

    def _pointer_index(self) -> dict[int, list[int]]:
        """Where data holds a pointer into the file: pointed-to address -> slots (built once)."""
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
            self._slots = frozenset(s for slots in self._pointer_index().values() for s in slots)
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


def _pointers(
    *,
    data: bytes,
    segments: tuple[_Segment, ...],
    ranges: tuple[_Segment, ...],
    word: int,
    endian: str,
    relative: dict[int, int],
) -> dict[int, list[int]]:
    lo = min(s.vaddr for s in segments)
    hi = max(s.vaddr + s.size for s in segments)
    dtype = np.dtype(f"{endian}u{word}")
    found: dict[int, list[int]] = {}
    for part in ranges:
        skip = -part.vaddr % word
        count = (min(part.size, len(data) - part.offset) - skip) // word
        if count <= 0:
            continue
        words = np.frombuffer(data, dtype=dtype, count=count, offset=part.offset + skip)
        for index in np.nonzero((words >= lo) & (words < hi))[0].tolist():
            found.setdefault(int(words[index]), []).append(part.vaddr + skip + index * word)
    for slot, value in relative.items():
        if lo <= value < hi:
            found.setdefault(value, []).append(slot)
    return found


# -- the sweep -----------------------------------------------------------------------------------


@dataclass
class _Sweep:
    """State of one linear sweep: register values, and what was seen."""

    arch: str
    data: bytes
    binary: lief.ELF.Binary
    segments: tuple[_Segment, ...]
    word: int
    endian: str
    cs_arch: int
    cs_mode: int
    names: dict[int, str]
    slots: dict[int, str]
    relative: dict[int, int]
    gp: int | None = None
    starts: set[int] = field(default_factory=set)
    refs: dict[int, list[int]] = field(default_factory=dict)
    calls: dict[int | str, list[int]] = field(default_factory=dict)
    count: int = 0
    truncated: bool = False
    values: dict[str, int] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    origins: dict[str, int] = field(default_factory=dict)
    thumb: bool = False
    lo: int = 0
    hi: int = 0
    chunks: list[tuple[str, int, bytes, bool]] = field(default_factory=list)

    @classmethod
    def start(cls, data: bytes, binary: lief.ELF.Binary) -> _Sweep | None:
        header = binary.header
        if header.file_type not in {lief.ELF.Header.FILE_TYPE.EXEC, lief.ELF.Header.FILE_TYPE.DYN}:
            return None  # relocatable objects (kernel modules) reference strings through relocations
        big = header.identity_data == lief.ELF.Header.ELF_DATA.MSB
        endian = ">" if big else "<"
        cs_endian = capstone.CS_MODE_BIG_ENDIAN if big else capstone.CS_MODE_LITTLE_ENDIAN
        is64 = header.identity_class == lief.ELF.Header.CLASS.ELF64
        machine = header.machine_type
        arch_of = {
            lief.ELF.ARCH.ARM: ("arm", capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM),
            lief.ELF.ARCH.AARCH64: ("aarch64", capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM),
            lief.ELF.ARCH.MIPS: (
                "mips",
                capstone.CS_ARCH_MIPS,
                capstone.CS_MODE_MIPS64 if is64 else capstone.CS_MODE_MIPS32,
            ),
        }
        if machine not in arch_of:
            return None
        arch, cs_arch, cs_mode = arch_of[machine]
        segments = tuple(
            _Segment(
                seg.virtual_address,
                seg.file_offset,
                min(seg.physical_size, max(0, len(data) - seg.file_offset)),
                seg.has(lief.ELF.Segment.FLAGS.X),
            )
            for seg in binary.segments
            if seg.type == lief.ELF.Segment.TYPE.LOAD and seg.physical_size
        )
        if not segments:
            return None
        sweep = cls(
            arch=arch,
            data=data,
            binary=binary,
            segments=segments,
            word=8 if is64 else 4,
            endian=endian,
            cs_arch=cs_arch,
            cs_mode=cs_mode | cs_endian,
            names=_function_names(binary, arch),
            slots=_import_slots(binary),
            relative=_relative_pointers(binary),
        )
        sweep.lo = min(s.vaddr for s in segments)
        sweep.hi = max(s.vaddr + s.size for s in segments)
        if arch == "mips":
            sweep.gp = _mips_gp(binary)
            sweep.slots.update(_mips_got_slots(binary, sweep))
        entry = binary.entrypoint
        if entry:
            sweep.starts.add(entry & ~1 if arch == "arm" else entry)
        sweep.chunks = list(sweep._regions())
        return sweep

    # -- memory ----------------------------------------------------------------------------------

    def read(self, address: int, size: int | None = None) -> int | None:
        size = size or self.word
        for seg in self.segments:
            if seg.vaddr <= address and address + size <= seg.vaddr + seg.size:
                at = seg.offset + address - seg.vaddr
                fmt = {4: "I", 8: "Q"}[size]
                return int(struct.unpack_from(f"{self.endian}{fmt}", self.data, at)[0])
        return None

    def data_ranges(self) -> tuple[_Segment, ...]:
        """Where pointer tables can be: allocated data sections, else every loaded segment.

        Read-only data often shares the executable segment, so sections decide when there are any.
        """
        sections = [
            _Segment(s.virtual_address, s.file_offset, s.size, executable=False)
            for s in self.binary.sections
            if s.has(lief.ELF.Section.FLAGS.ALLOC)
            and not s.has(lief.ELF.Section.FLAGS.EXECINSTR)
            and s.type == lief.ELF.Section.TYPE.PROGBITS
            and s.size
            and s.virtual_address
        ]
        return tuple(sections) if sections else self.segments

    def mapped(self, value: int) -> bool:
        return self.lo <= value < self.hi

    # -- driving ---------------------------------------------------------------------------------

    def sweep(self, lo: int, hi: int) -> None:
        """Disassemble the code in `[lo, hi)`, following register values from `lo` on."""
        if self.truncated:
            return
        self._run(
            [
                (max(a, lo), code[max(a, lo) - a : min(a + len(code), hi) - a], thumb)
                for _, a, code, thumb in self.chunks
                if a < hi and lo < a + len(code)
            ]
        )

    def _run(self, pieces: list[tuple[int, bytes, bool]]) -> None:
        step = {"arm": self._arm, "aarch64": self._aarch64}[self.arch]
        classify = _arm_base if self.arch == "arm" else str
        interesting, no_dest = _INTERESTING[self.arch], _NO_DEST[self.arch]
        kinds: dict[str, str] = {}
        decoders: dict[bool, capstone.Cs] = {}
        values, imports = self.values, self.imports
        for address, code, thumb in pieces:
            self.thumb = thumb
            md = decoders.get(thumb)
            if md is None:
                md = decoders[thumb] = capstone.Cs(
                    self.cs_arch, self.cs_mode | (capstone.CS_MODE_THUMB if thumb else 0)
                )
                md.skipdata = True
            self.reset()
            for insn_addr, _size, mnemonic, op_str in md.disasm_lite(code, address):
                if self.count >= MAX_INSTRUCTIONS:
                    self.truncated = True
                    return
                self.count += 1
                if insn_addr in self.names:
                    self.reset()
                base = kinds.get(mnemonic)
                if base is None:
                    base = kinds[mnemonic] = classify(mnemonic)
                if base in interesting:
                    step(insn_addr, base, op_str)
                elif (values or imports) and base not in no_dest:
                    # any other instruction that writes a register makes its value unknown
                    rd = _x(op_str.partition(",")[0])
                    if rd in values or rd in imports:
                        self.assign(rd, None, insn_addr)

    def reset(self) -> None:
        """Forget every register's value: a new function starts."""
        self.values.clear()
        self.imports.clear()
        self.origins.clear()
        if self.arch == "aarch64":
            self.values["xzr"] = 0

    def _regions(self) -> Iterator[tuple[str, int, bytes, bool]]:
        """(section, address, code, thumb) for every executable section, split where ARM/Thumb changes."""
        sections = [
            s
            for s in self.binary.sections
            if s.has(lief.ELF.Section.FLAGS.EXECINSTR) and s.type != lief.ELF.Section.TYPE.NOBITS and s.size
        ]
        if not sections:
            spans = [
                (f"segment@{s.vaddr:#x}", s.vaddr, s.offset, s.size) for s in self.segments if s.executable
            ]
        else:
            spans = [(_text(s.name), s.virtual_address, s.file_offset, s.size) for s in sections]
        for name, address, offset, size in spans:
            self.starts.add(address)
            code = self.data[offset : offset + size]
            if self.arch != "arm":
                yield name, address, code, False
                continue
            yield from self._arm_chunks(name, address, code)

    def _arm_chunks(self, name: str, address: int, code: bytes) -> Iterator[tuple[str, int, bytes, bool]]:
        if name == ".plt":  # PLT stubs are ARM code even in a Thumb file
            yield name, address, code, False
            return
        end = address + len(code)
        marks = sorted((v & ~1, bool(v & 1)) for v in self._arm_symbol_values() if address <= (v & ~1) < end)
        default = self._arm_default_mode(address, code, marks)
        cuts = [(address, default), *[m for m in marks if m[0] > address]]
        if marks and marks[0][0] == address:
            cuts[0] = marks[0]
        for i, (start, thumb) in enumerate(cuts):
            stop = cuts[i + 1][0] if i + 1 < len(cuts) else end
            if stop > start:
                yield name, start, code[start - address : stop - address], thumb

    def _arm_symbol_values(self) -> list[int]:
        return [
            s.value
            for s in self.binary.symbols
            if s.type == lief.ELF.Symbol.TYPE.FUNC and s.value and s.shndx != 0
        ]

    def _arm_default_mode(self, address: int, code: bytes, marks: list[tuple[int, bool]]) -> bool:
        entry = self.binary.entrypoint
        if address <= (entry & ~1) < address + len(code):
            return bool(entry & 1)
        if marks:
            return sum(t for _, t in marks) * 2 >= len(marks)
        return _fewer_invalid(self.cs_mode, code[:4096], address)

    # -- recording -------------------------------------------------------------------------------

    def ref(self, value: int, site: int) -> None:
        if self.mapped(value):
            self.refs.setdefault(value, []).append(site)

    def code_pointer(self, value: int) -> None:
        """A constant that points into code is a function whose address is taken (`main` for `_start`)."""
        target = value & ~1 if self.arch == "arm" else value
        if self._in_code(target):
            self.starts.add(target)

    def _in_code(self, address: int) -> bool:
        return any(s.executable and s.vaddr <= address < s.vaddr + s.size for s in self.segments)

    def call(self, target: int | str, site: int) -> None:
        self.calls.setdefault(target, []).append(site)

    def assign(self, reg: str, value: int | None, site: int, origin: int | None = None) -> None:
        self.imports.pop(reg, None)
        if value is None:
            self.values.pop(reg, None)
            self.origins.pop(reg, None)
            return
        self.values[reg] = value & ((1 << (8 * self.word)) - 1)
        self.origins[reg] = site if origin is None else origin

    def set_import(self, reg: str, name: str, origin: int) -> None:
        self.values.pop(reg, None)
        self.imports[reg] = name
        self.origins[reg] = origin

    def load(self, reg: str, address: int, site: int, origin: int) -> None:
        """`reg` = the word at `address`: an import when it is a GOT slot, else the word itself."""
        self.ref(address, site)
        if address in self.slots:
            self.set_import(reg, self.slots[address], origin)
            return
        self.assign(reg, None, site)

    def jump_via(self, reg: str, site: int, *, link: bool) -> None:
        """An indirect branch: a call of an import, or a PLT stub's jump (its start becomes a name)."""
        if reg in self.imports:
            if link:
                self.call(self.imports[reg], site)
            else:
                self.names.setdefault(self.origins.get(reg, site), self.imports[reg])
        elif link and reg in self.values:
            self.call(self.values[reg], site)

    # -- ARM -------------------------------------------------------------------------------------

    def _pc(self, address: int, *, aligned: bool = False) -> int:
        if not self.thumb:
            return address + 8
        return (address + 4) & ~3 if aligned else address + 4

    def _arm(self, address: int, base: str, op_str: str) -> None:
        ops = _operands(op_str)
        if not ops:
            return
        if base in {"bl", "blx", "bx"}:
            self._arm_branch(address, base, ops)
        elif base == "ldr" and len(ops) >= 2 and ops[1].startswith("["):
            self._arm_load(address, ops[0], ops[1:])
        elif base == "adr" and len(ops) == 2:
            offset = _imm(ops[1])
            value = None if offset is None else self._pc(address, aligned=True) + offset
            self._arm_const(ops[0], value, address)
        elif base in {"add", "addw"}:
            self._arm_add(address, ops[0], ops)
        elif base in {"sub", "subw"}:
            self._arm_sub(address, ops)
        elif base in {"mov", "movw"} and len(ops) == 2:
            self._arm_mov(address, ops[0], ops[1])
        elif base == "movt":
            self._arm_movt(address, ops)
        else:
            self.assign(ops[0], None, address)

    def _arm_branch(self, address: int, base: str, ops: list[str]) -> None:
        if len(ops) != 1:
            return
        target = _imm(ops[0])
        if base == "bx":
            self.jump_via(ops[0], address, link=False)
        elif target is not None:
            self.call(target, address)
        else:
            self.jump_via(ops[0], address, link=True)

    def _arm_sub(self, address: int, ops: list[str]) -> None:
        imm = _imm(ops[2]) if len(ops) == 3 else None
        base = self.values.get(ops[1]) if len(ops) == 3 else None
        value = None if imm is None or base is None else base - imm
        self._arm_const(ops[0], value, address, ops[1] if value is not None else None)

    def _arm_movt(self, address: int, ops: list[str]) -> None:
        rd = ops[0]
        imm = _imm(ops[1]) if len(ops) == 2 else None
        low = self.values.get(rd)
        value = None if imm is None or low is None else (imm << 16) | (low & 0xFFFF)
        self._arm_const(rd, value, address, rd if value is not None else None)

    def _arm_const(self, rd: str, value: int | None, site: int, source: str | None = None) -> None:
        origin = self.origins.get(source, site) if source else site
        self.assign(rd, value, site, origin)
        if value is not None:
            self.ref(value, site)

    def _arm_mov(self, address: int, rd: str, src: str) -> None:
        imm = _imm(src)
        if imm is not None:
            self.assign(rd, imm, address)
        else:
            self._copy(address, rd, src)

    def _arm_add(self, address: int, rd: str, ops: list[str]) -> None:
        if len(ops) == 2:  # Thumb `add rd, rm`: rd += rm
            ops = [rd, rd, ops[1]]
        if len(ops) not in {3, 4}:
            self.assign(rd, None, address)
            return
        left, right = ops[1], ops[2]
        imm = _arm_rotated(ops[2:]) if ops[2].startswith("#") else None
        lval = self._pc(address) if left == "pc" else self.values.get(left)
        rval = self._pc(address) if right == "pc" else imm if imm is not None else self.values.get(right)
        if len(ops) == 4 and imm is None:  # a shifted register operand
            rval = None
        if lval is None or rval is None:
            self.assign(rd, None, address)
            return
        source = left if left != "pc" else right if right in self.values else None
        self._arm_const(rd, lval + rval, address, source)

    def _arm_load(self, address: int, rd: str, mem: list[str]) -> None:
        inner = _operands(mem[0].strip("[]!"))
        basereg = inner[0]
        offset = _imm(inner[1]) if len(inner) > 1 and inner[1].startswith("#") else 0
        if len(inner) > 1 and not inner[1].startswith("#"):
            offset = self.values.get(inner[1])
        if len(mem) > 1:  # post-indexed: the address is the base register alone
            offset = 0
        if basereg == "pc" and offset is not None:
            slot = self._pc(address, aligned=True) + offset
            word = self.read(slot, 4)
            self.ref(slot, address)
            self.assign(rd, word, address)
            if word is not None:
                self.ref(word, address)
                self.code_pointer(word)
            return
        base = self.values.get(basereg)
        if base is None or offset is None:
            self.assign(rd, None, address)
            return
        target = base + offset
        if rd == "pc":
            if target in self.slots:
                self.names.setdefault(self.origins.get(basereg, address), self.slots[target])
            return
        self.load(rd, target, address, self.origins.get(basereg, address))

    # -- AArch64 ---------------------------------------------------------------------------------

    def _aarch64(self, address: int, mnemonic: str, op_str: str) -> None:
        ops = [_x(op) for op in _operands(op_str)]
        if not ops:
            return
        if mnemonic == "bl":
            target = _imm(ops[0])
            if target is not None:
                self.call(target, address)
        elif mnemonic in {"blr", "br"}:
            self.jump_via(ops[0], address, link=mnemonic == "blr")
        elif mnemonic in {"adrp", "adr"} and len(ops) == 2:
            value = _imm(ops[1])
            self.assign(ops[0], value, address)
            if value is not None and mnemonic == "adr":
                self.ref(value, address)
        elif mnemonic == "add":
            self._aarch64_add(address, ops)
        elif mnemonic in {"ldr", "ldrsw"} and len(ops) >= 2:
            self._aarch64_load(address, ops[0], ops[1:])
        elif mnemonic == "mov" and len(ops) == 2:
            self._copy(address, ops[0], ops[1])
        else:
            self.assign(ops[0], None, address)

    def _aarch64_add(self, address: int, ops: list[str]) -> None:
        base = self.values.get(ops[1]) if len(ops) >= 3 else None
        imm = _imm(ops[2]) if base is not None and ops[2].startswith("#") else None
        if imm is not None and len(ops) == 4 and "lsl #12" in ops[3]:
            imm <<= 12
        value = None if base is None or imm is None else base + imm
        self.assign(ops[0], value, address, self.origins.get(ops[1]))
        if value is not None:
            self.ref(value, address)

    def _copy(self, address: int, rd: str, src: str) -> None:
        """`rd` = `src`, an import or a value."""
        if src in self.imports:
            self.set_import(rd, self.imports[src], self.origins.get(src, address))
        else:
            self.assign(rd, self.values.get(src), address, self.origins.get(src))

    def _aarch64_load(self, address: int, rd: str, mem: list[str]) -> None:
        if not mem[0].startswith("["):  # literal: ldr xd, #address
            slot = _imm(mem[0])
            if slot is not None:
                self.ref(slot, address)
                word = self.read(slot, 8 if rd.startswith("x") else 4)
                self.assign(rd, word, address)
                if word is not None:
                    self.ref(word, address)
                    self.code_pointer(word)
            return
        inner = _operands(mem[0].strip("[]!"))
        base = self.values.get(inner[0])
        offset = _imm(inner[1]) if len(inner) > 1 else 0
        if len(mem) > 1:
            offset = 0
        if base is None or offset is None:
            self.assign(rd, None, address)
            return
        self.load(rd, base + offset, address, self.origins.get(inner[0], address))


_INTERESTING = {
    "arm": frozenset({"bl", "blx", "bx", "ldr", "adr", "add", "addw", "sub", "subw", "mov", "movw", "movt"}),
    "aarch64": frozenset({"bl", "blr", "br", "adrp", "adr", "add", "ldr", "ldrsw", "mov"}),
}
"""The instructions each sweep follows; every other one only makes the register it writes unknown."""
_NO_DEST = {
    "arm": frozenset(
        [
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
            "cbz",
            "cbnz",
            "it",
            "ite",
            "itt",
            "itte",
            "nop",
            "svc",
            "bkpt",
            "vpush",
            "vpop",
            "ldm",
            ".byte",
        ]
    ),
    "aarch64": frozenset(
        ["str", "strb", "strh", "stp", "cmp", "cmn", "tst", "b", "ret", "cbz", "cbnz", "nop", ".byte"]
    ),
}
"""Instructions whose first operand is not a register they write."""


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


def _operands(op_str: str) -> list[str]:
    """Split operands at top-level commas (a memory operand `[r1, #4]` stays whole)."""
    if "[" not in op_str:
        return op_str.split(", ") if op_str else []
    out: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in op_str:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if current and "".join(current).strip():
        out.append("".join(current).strip())
    return out


def _imm(text: str) -> int | None:
    """`#0x1c`, `-0x7fe0`, `12` -> the number; None for a register or anything else."""
    text = text.strip().removeprefix("#")
    if not text or not (text[0].isdigit() or (text[0] == "-" and text[1:2].isdigit())):
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def _arm_rotated(ops: list[str]) -> int | None:
    """`#imm` or capstone's `#imm, #rot` (ARM modified immediate): the value."""
    value = _imm(ops[0])
    if value is None:
        return None
    if len(ops) == 2:
        rot = _imm(ops[1])
        if rot is None:
            return None
        value = ((value >> rot) | (value << (32 - rot))) & 0xFFFFFFFF
    return value


def _x(reg: str) -> str:
    """AArch64 `w3` -> `x3`: one name per register."""
    return "x" + reg[1:] if re.fullmatch(r"w\d+", reg) else reg


def _fewer_invalid(mode: int, code: bytes, address: int) -> bool:
    """Thumb when Thumb decodes more of `code` than ARM does (no symbol says which it is)."""

    def bad(extra: int) -> int:
        md = capstone.Cs(capstone.CS_ARCH_ARM, mode | extra)
        md.skipdata = True
        return sum(size for _, size, m, _ in md.disasm_lite(code, address) if m == ".byte")

    return bad(capstone.CS_MODE_THUMB) < bad(0)


# -- symbols, imports, GOT -----------------------------------------------------------------------


def _text(name: str | bytes) -> str:
    """A symbol or section name as text (LIEF gives bytes for names that are not UTF-8)."""
    return name if isinstance(name, str) else name.decode("utf-8", "backslashreplace")


def _function_names(binary: lief.ELF.Binary, arch: str) -> dict[int, str]:
    """Address -> name of every function symbol with an address (MIPS import stubs included)."""
    names: dict[int, str] = {}
    for symbol in binary.symbols:
        if symbol.type != lief.ELF.Symbol.TYPE.FUNC or not symbol.value or not symbol.name:
            continue
        address = symbol.value & ~1 if arch == "arm" else symbol.value
        names.setdefault(address, _text(symbol.name))
    return names


def _import_slots(binary: lief.ELF.Binary) -> dict[int, str]:
    """GOT slot address -> imported symbol, from the PLT and GOT relocations."""
    slots: dict[int, str] = {}
    for relocations in (binary.pltgot_relocations, binary.dynamic_relocations):
        for rel in relocations:
            symbol = rel.symbol if rel.has_symbol else None
            if symbol is not None and symbol.name and not symbol.value:
                slots.setdefault(rel.address, _text(symbol.name))
    return slots


def _relative_pointers(binary: lief.ELF.Binary) -> dict[int, int]:
    """Slots that a RELA relative relocation fills with a pointer (the word in the file holds 0)."""
    found: dict[int, int] = {}
    for rel in binary.dynamic_relocations:
        if rel.addend and "RELATIVE" in str(rel.type):
            found[rel.address] = rel.addend
    return found


def _dynamic(binary: lief.ELF.Binary, tag: lief.ELF.DynamicEntry.TAG) -> int | None:
    for entry in binary.dynamic_entries:
        if entry.tag == tag:
            return int(entry.value)
    return None


def _mips_gp(binary: lief.ELF.Binary) -> int | None:
    got = _dynamic(binary, lief.ELF.DynamicEntry.TAG.PLTGOT)
    if got is None:
        section = binary.get_section(".got")
        got = section.virtual_address if section is not None else None
    return None if got is None else got + _MIPS_GP_OFFSET


def _mips_got_slots(binary: lief.ELF.Binary, sweep: _Sweep) -> dict[int, str]:
    """MIPS GOT: entries past `DT_MIPS_LOCAL_GOTNO` belong to the dynamic symbols from `DT_MIPS_GOTSYM`."""
    got = _dynamic(binary, lief.ELF.DynamicEntry.TAG.PLTGOT)
    local = _dynamic(binary, lief.ELF.DynamicEntry.TAG.MIPS_LOCAL_GOTNO)
    first = _dynamic(binary, lief.ELF.DynamicEntry.TAG.MIPS_GOTSYM)
    if got is None or local is None or first is None:
        return {}
    symbols = list(binary.dynamic_symbols)
    slots: dict[int, str] = {}
    for index, symbol in enumerate(symbols[first:]):
        function = symbol.type in {lief.ELF.Symbol.TYPE.FUNC, lief.ELF.Symbol.TYPE.NOTYPE}
        if symbol.name and function and (symbol.shndx == 0 or not symbol.value):
            slots[got + (local + index) * sweep.word] = _text(symbol.name)
    return slots
