"""The per-file context the analyzers share, so each expensive view of a file is computed once.

One `FileContext` is made per file and handed to every analyzer in turn: the bytes are read once,
printable strings are extracted once and scanned once with every pattern the analyzers look for, an
ELF file is parsed by LIEF once and disassembled once, the YARA rules run once. Analyzers report
problems through `issue`, which the audit turns into report Issues for that file.
"""

from __future__ import annotations

import io
import struct
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from firmware_audit.analyze.matching import Candidates, Lines
from firmware_audit.analyze.texts import MIN_STRING, Strings, Text
from firmware_audit.model import Issue, IssueKind, Location
from firmware_audit.signatures import yara as yara_rules

if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

    import lief

    from firmware_audit.analyze.code import CodeView
    from firmware_audit.analyze.matching import Patterns
    from firmware_audit.extract import FileTree, Node

__all__ = ["MIN_STRING", "FileContext", "Text", "load_elf_parser"]

_ELF_MAGIC = b"\x7fELF"
_ELF_HEADER_SIZE = {1: 52, 2: 64}
_SYMBOL_TABLES = frozenset({2, 11})  # SHT_SYMTAB, SHT_DYNSYM
MAX_ELF_SYMBOLS = 200_000
"""Symbols LIEF is asked to read from one file; a larger table is reported and its symbols skipped
(the biggest camera binaries hold a few tens of thousands)."""
"""Size of the ELF file header by class (EI_CLASS 1: 32-bit, 2: 64-bit)."""


@cache
def load_elf_parser() -> None:
    """Import LIEF, with the first ELF file parsed, and silence its log (it reports through Issues).

    Importing LIEF takes 0.4 s, more than auditing most of a firmware package's partitions: a kernel, a
    boot loader, a web or configuration partition holds no ELF file (24 of the 34 pieces of the
    real-firmware set), and its audit never pays it. The modules that read a parsed file import LIEF
    where they use it, which costs nothing once it is loaded. capstone (0.09 s) is imported the same
    way, with the first file disassembled or digested (`FileContext.code`, the lineage digests); it
    is small enough for each worker to import its own.
    """
    import lief  # noqa: PLC0415  (the reason above)

    lief.logging.disable()


@dataclass(slots=True)
class FileContext:
    """What the analyzers of one file share.

    Attributes:
        tree: The unpacked image.
        node: The file being analysed.
        issues: Problems the analyzers met with this file.
        rejected: Candidates the analyzers judged not to be what they looked like, counted by
            reason (`endpoint: a version number`); the report sums them in its coverage.
        passed_over: Files the analyzers did not look into although they apply to them, counted by
            reason (`lineage: thumb code, and no reference index holds thumb builds`): 1 for this
            file under each reason; the report sums them in its coverage.
        patterns: The pattern sources the matching engine is compiled from: those the audit's
            analyzers declare (`matching.declared`); None for the shipped analyzers'.
    """

    tree: FileTree
    node: Node
    issues: list[Issue] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    passed_over: Counter[str] = field(default_factory=Counter)
    patterns: tuple[Patterns, ...] | None = None
    _data: bytes | None = None
    _strings: Strings | None = None
    _candidates: Candidates | None = None
    _elf: lief.ELF.Binary | None = None
    _elf_tried: bool = False
    _yara: tuple[yara_rules.RuleMatch, ...] | None = None
    _code: CodeView | None = None
    _code_tried: bool = False

    def data(self) -> bytes:
        """The file's bytes (read once)."""
        if self._data is None:
            self._data = self.tree.read(self.node)
        return self._data

    def strings(self) -> Strings:
        """Printable ASCII and UTF-16LE strings of at least `MIN_STRING` characters, in file order.

        Found once; a string is made a `Text` when it is read (`texts.Strings`).
        """
        if self._strings is None:
            self._strings = Strings(self.data())
        return self._strings

    def candidate_indices(self, pattern: re.Pattern[str], *, squeezed: bool = False) -> Sequence[int]:
        """Indices into `strings()`, in order, of the strings a declared pattern may match in.

        Every declared pattern is searched in one compiled scan of the strings, made on the first
        call (`firmware_audit.analyze.matching`); the list may hold strings the pattern does not match
        (the caller's own search decides), never leaves out one it does. A `squeezed` pattern is
        searched in the strings without separators, and names the string its match ends in.
        """
        scanned = self._candidates  # analyzers ask a hundred times a file: the common case first
        if scanned is None:
            # A file without strings (most of a flood of tiny members) has nothing to scan or look up.
            if not self.strings():
                return ()
            scanned = self._scanned()
        return scanned.indices(pattern, squeezed=squeezed)

    def candidates(self, pattern: re.Pattern[str]) -> list[Text]:
        """The strings, in order, a declared pattern may match in (see `candidate_indices`)."""
        texts = self.strings()
        return [texts[index] for index in self.candidate_indices(pattern)]

    def lines(self) -> Lines:
        """The strings joined one a line, as the matching engine scans them (joined once)."""
        return self._scanned().lines

    def _scanned(self) -> Candidates:
        if self._candidates is None:
            self._candidates = Candidates(Lines(*self.strings().joined()), self.patterns)
        return self._candidates

    @property
    def is_elf(self) -> bool:
        """True when the file starts with the ELF magic."""
        return self.data()[:4] == _ELF_MAGIC

    def elf(self) -> lief.ELF.Binary | None:
        """The file parsed by LIEF, or None when it is not ELF or LIEF cannot parse it (an Issue)."""
        if not self._elf_tried:
            self._elf_tried = True
            if self.is_elf:
                self._elf = self._parse_elf()
        return self._elf

    def _parse_elf(self) -> lief.ELF.Binary | None:
        load_elf_parser()
        import lief  # noqa: PLC0415  (loaded with the first ELF file: `load_elf_parser`)

        data = self.data()
        # LIEF builds a header from whatever it is given, reading uninitialised memory for a short or
        # invalid identification; check the identification and size first, as the kernel would.
        problem = _ident_problem(data)
        if problem is not None:
            self.issue(IssueKind.MALFORMED, f"not a valid ELF file: {problem}")
            return None
        config = lief.ELF.ParserConfig()
        symbols = _symbol_count(data)
        if symbols > MAX_ELF_SYMBOLS:
            # LIEF keeps an object per symbol: two million cost 1.5 GB and half a minute.
            config.parse_dyn_symbols = config.parse_symtab_symbols = False
            self.issue(
                IssueKind.LIMIT,
                f"symbol tables list {symbols} symbols, more than {MAX_ELF_SYMBOLS}; symbols not read",
            )
        try:
            parsed = lief.ELF.parse(io.BytesIO(data), config)
        except Exception as exc:  # noqa: BLE001  (LIEF's errors are data at this boundary)
            self.issue(
                IssueKind.PARSER_ERROR, f"LIEF cannot parse this ELF file: {type(exc).__name__}: {exc}"
            )
            return None
        if parsed is None or not (len(parsed.segments) or len(parsed.sections)):
            self.issue(IssueKind.PARSER_ERROR, "LIEF cannot parse this ELF file: no segments and no sections")
            return None
        return parsed

    def yara(self) -> tuple[yara_rules.RuleMatch, ...]:
        """The shipped YARA rules that match this file (one scan, shared by every analyzer).

        A scan YARA gives up on (timeout, too many matches) is an Issue and counts as no match.
        """
        if self._yara is None:
            try:
                self._yara = yara_rules.scan(self.data())
            except yara_rules.YaraScanError as exc:
                self.issue(IssueKind.ANALYZER_ERROR, f"YARA scan failed: {exc}")
                self._yara = ()
        return self._yara

    def code(self) -> CodeView | None:
        """The disassembly of an ARM, AArch64 or MIPS ELF file (one sweep, shared by every analyzer).

        None for other files; a failing or truncated sweep is an Issue (a truncated view is kept).
        """
        if not self._code_tried:
            self._code_tried = True
            binary = self.elf()
            if binary is not None:
                # capstone loads with the first file disassembled: most of a firmware package's
                # partitions hold no ELF file (as for LIEF, `load_elf_parser`)
                from firmware_audit.analyze.code import CodeView  # noqa: PLC0415

                try:
                    self._code = CodeView.build(self.data(), binary)
                except Exception as exc:  # noqa: BLE001  (capstone and LIEF meet hostile bytes here)
                    self.issue(IssueKind.ANALYZER_ERROR, f"disassembly failed: {type(exc).__name__}: {exc}")
                if self._code is not None and self._code.truncated:
                    self.issue(
                        IssueKind.LIMIT,
                        f"disassembly stopped after {self._code.instructions:,} instructions; "
                        "code references beyond are not attributed",
                    )
        return self._code

    def issue(self, kind: IssueKind, message: str, offset: int | None = None) -> None:
        """Record a problem with this file."""
        self.issues.append(
            Issue(kind=kind, location=Location(path=self.node.path, offset=offset), message=message)
        )


def _symbol_count(data: bytes) -> int:
    """Entries the section headers give the symbol tables (SHT_SYMTAB, SHT_DYNSYM), read before LIEF."""
    is64, big = data[4] == 2, data[5] == 2
    order = ">" if big else "<"
    shoff, shentsize, shnum = struct.unpack_from(
        order + ("Q10xHH" if is64 else "I10xHH"), data, 0x28 if is64 else 0x20
    )
    count = 0
    for index in range(shnum):
        at = shoff + index * shentsize
        if shentsize < (64 if is64 else 40) or at + shentsize > len(data):
            break
        if is64:
            kind, size, entsize = struct.unpack_from(order + "4xI24xQ16xQ", data, at)
        else:
            kind, size, entsize = struct.unpack_from(order + "4xI12xI12xI", data, at)
        if kind in _SYMBOL_TABLES:
            count += size // max(entsize, 24 if is64 else 16)
    return count


def _ident_problem(data: bytes) -> str | None:
    """Why the ELF identification or file header is unusable, or None when it is fine."""
    if len(data) < 16:
        return "shorter than the identification"
    ei_class, ei_data, ei_version = data[4], data[5], data[6]
    if ei_class not in _ELF_HEADER_SIZE:
        return f"unknown class {ei_class}"
    if ei_data not in {1, 2}:
        return f"unknown byte order {ei_data}"
    if ei_version != 1:
        return f"unknown version {ei_version}"
    if len(data) < _ELF_HEADER_SIZE[ei_class]:
        return "shorter than the file header"
    return None
