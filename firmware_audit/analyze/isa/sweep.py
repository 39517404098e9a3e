"""The linear sweep of ARM, Thumb and AArch64 functions with capstone, and the ELF code it reads.

`Sweep.start` reads what the sweep needs of an ELF file (loaded segments, executable sections cut where
ARM and Thumb change, function symbols, import slots, the MIPS `$gp`). `Sweep.sweep` disassembles a
range with capstone (`disasm_lite`, no operand detail: ten times faster) and follows constant values
through registers from its start, a `Scanned` instruction set deciding what each instruction it
follows does (`step`); any other instruction that writes a register makes its value unknown. What is
seen is recorded: addresses computed or loaded (`refs`), calls (`calls`), and functions whose address
is taken (`starts`).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import capstone

if TYPE_CHECKING:
    from collections.abc import Iterator

    import lief

    from firmware_audit.analyze.isa import Scanned

_MIPS_GP_OFFSET = 0x7FF0


@dataclass(frozen=True, slots=True)
class Segment:
    """A loaded part of the file: its address, file offset, size and whether it is code."""

    vaddr: int
    offset: int
    size: int
    executable: bool


@dataclass
class Sweep:
    """The code of one ELF file, and the state of the sweep over it: register values, what was seen."""

    arch: str
    data: bytes
    binary: lief.ELF.Binary
    segments: tuple[Segment, ...]
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
    budget: int = 0
    defined: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, data: bytes, binary: lief.ELF.Binary, budget: int) -> Sweep | None:
        """The code of an ELF file, ready to sweep `budget` instructions; None when it is not read."""
        import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

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
        functions = _function_symbols(binary)
        segments = tuple(
            Segment(
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
            names=_function_names(functions, arch),
            defined=[value for value, _, defined in functions if defined],
            slots=_import_slots(binary),
            relative=_relative_pointers(binary),
            budget=budget,
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
        """The word (`size` bytes, a word by default) at an address, None where nothing is loaded."""
        size = size or self.word
        for seg in self.segments:
            if seg.vaddr <= address and address + size <= seg.vaddr + seg.size:
                at = seg.offset + address - seg.vaddr
                fmt = {4: "I", 8: "Q"}[size]
                return int(struct.unpack_from(f"{self.endian}{fmt}", self.data, at)[0])
        return None

    def data_ranges(self) -> tuple[Segment, ...]:
        """Where pointer tables can be: allocated data sections, else every loaded segment.

        Read-only data often shares the executable segment, so sections decide when there are any.
        """
        import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

        sections = [
            Segment(s.virtual_address, s.file_offset, s.size, executable=False)
            for s in self.binary.sections
            if s.has(lief.ELF.Section.FLAGS.ALLOC)
            and not s.has(lief.ELF.Section.FLAGS.EXECINSTR)
            and s.type == lief.ELF.Section.TYPE.PROGBITS
            and s.size
            and s.virtual_address
        ]
        return tuple(sections) if sections else self.segments

    def mapped(self, value: int) -> bool:
        """Whether a value is an address inside the file's segments."""
        return self.lo <= value < self.hi

    # -- driving ---------------------------------------------------------------------------------

    def sweep(self, isa: Scanned, lo: int, hi: int) -> None:
        """Disassemble the code in `[lo, hi)`, following register values from `lo` on."""
        if self.truncated:
            return
        self._run(
            isa,
            [
                (max(a, lo), code[max(a, lo) - a : min(a + len(code), hi) - a], thumb)
                for _, a, code, thumb in self.chunks
                if a < hi and lo < a + len(code)
            ],
        )

    def _run(self, isa: Scanned, pieces: list[tuple[int, bytes, bool]]) -> None:
        interesting, no_dest = isa.interesting, isa.no_dest
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
            self.reset(isa)
            for insn_addr, _size, mnemonic, op_str in md.disasm_lite(code, address):
                if self.count >= self.budget:
                    self.truncated = True
                    return
                self.count += 1
                if insn_addr in self.names:
                    self.reset(isa)
                base = kinds.get(mnemonic)
                if base is None:
                    base = kinds[mnemonic] = isa.kind(mnemonic)
                if base in interesting:
                    isa.step(self, insn_addr, base, op_str)
                elif (values or imports) and base not in no_dest:
                    # any other instruction that writes a register makes its value unknown
                    rd = register(op_str.partition(",")[0])
                    if rd in values or rd in imports:
                        self.assign(rd, None, insn_addr)

    def reset(self, isa: Scanned) -> None:
        """Forget every register's value: a new function starts."""
        self.values.clear()
        self.imports.clear()
        self.origins.clear()
        self.values.update(isa.clean)

    def _regions(self) -> Iterator[tuple[str, int, bytes, bool]]:
        """(section, address, code, thumb) for every executable section, split where ARM/Thumb changes."""
        import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

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
        marks = sorted((v & ~1, bool(v & 1)) for v in self.defined if address <= (v & ~1) < end)
        default = self._arm_default_mode(address, code, marks)
        cuts = [(address, default), *[m for m in marks if m[0] > address]]
        if marks and marks[0][0] == address:
            cuts[0] = marks[0]
        for i, (start, thumb) in enumerate(cuts):
            stop = cuts[i + 1][0] if i + 1 < len(cuts) else end
            if stop > start:
                yield name, start, code[start - address : stop - address], thumb

    def _arm_default_mode(self, address: int, code: bytes, marks: list[tuple[int, bool]]) -> bool:
        entry = self.binary.entrypoint
        if address <= (entry & ~1) < address + len(code):
            return bool(entry & 1)
        if marks:
            return sum(t for _, t in marks) * 2 >= len(marks)
        return _fewer_invalid(self.cs_mode, code[:4096], address)

    # -- recording -------------------------------------------------------------------------------

    def ref(self, value: int, site: int) -> None:
        """The instruction at `site` computes or loads `value` (kept when it is an address)."""
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
        """The instruction at `site` calls `target` (an address, or an import by name)."""
        self.calls.setdefault(target, []).append(site)

    def assign(self, reg: str, value: int | None, site: int, origin: int | None = None) -> None:
        """`reg` = `value` (None: unknown), first computed at `origin` (by default `site`)."""
        self.imports.pop(reg, None)
        if value is None:
            self.values.pop(reg, None)
            self.origins.pop(reg, None)
            return
        self.values[reg] = value & ((1 << (8 * self.word)) - 1)
        self.origins[reg] = site if origin is None else origin

    def set_import(self, reg: str, name: str, origin: int) -> None:
        """`reg` holds the imported symbol `name`, loaded at `origin`."""
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

    def copy(self, address: int, rd: str, src: str) -> None:
        """`rd` = `src`, an import or a value."""
        if src in self.imports:
            self.set_import(rd, self.imports[src], self.origins.get(src, address))
        else:
            self.assign(rd, self.values.get(src), address, self.origins.get(src))

    def jump_via(self, reg: str, site: int, *, link: bool) -> None:
        """An indirect branch: a call of an import, or a PLT stub's jump (its start becomes a name)."""
        if reg in self.imports:
            if link:
                self.call(self.imports[reg], site)
            else:
                self.names.setdefault(self.origins.get(reg, site), self.imports[reg])
        elif link and reg in self.values:
            self.call(self.values[reg], site)


def operands(op_str: str) -> list[str]:
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


def immediate(text: str) -> int | None:
    """`#0x1c`, `-0x7fe0`, `12` -> the number; None for a register or anything else."""
    text = text.strip().removeprefix("#")
    if not text or not (text[0].isdigit() or (text[0] == "-" and text[1:2].isdigit())):
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def register(reg: str) -> str:
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


def _function_symbols(binary: lief.ELF.Binary) -> list[tuple[int, str | bytes, bool]]:
    """(value, name, whether it is defined in the file) of every function symbol with a value: one pass."""
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

    function = lief.ELF.Symbol.TYPE.FUNC
    return [
        (symbol.value, symbol.name, symbol.shndx != 0)
        for symbol in binary.symbols
        if symbol.type == function and symbol.value
    ]


def _function_names(functions: list[tuple[int, str | bytes, bool]], arch: str) -> dict[int, str]:
    """Address -> name of every function symbol with an address (MIPS import stubs included)."""
    names: dict[int, str] = {}
    for value, name, _ in functions:
        if name:
            names.setdefault(value & ~1 if arch == "arm" else value, _text(name))
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
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

    got = _dynamic(binary, lief.ELF.DynamicEntry.TAG.PLTGOT)
    if got is None:
        section = binary.get_section(".got")
        got = section.virtual_address if section is not None else None
    return None if got is None else got + _MIPS_GP_OFFSET


def _mips_got_slots(binary: lief.ELF.Binary, sweep: Sweep) -> dict[int, str]:
    """MIPS GOT: entries past `DT_MIPS_LOCAL_GOTNO` belong to the dynamic symbols from `DT_MIPS_GOTSYM`."""
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

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
