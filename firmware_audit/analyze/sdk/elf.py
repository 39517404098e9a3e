"""The ELF facts the SDK analyzer reads, taken once from LIEF's parse into plain Python values.

LIEF is a native parser fed attacker-controlled bytes: everything it gives back is copied into a frozen
record here, size-capped, and any exception it raises while being read becomes `ElfReadError`, which the
analyzer reports as an Issue for the file (the parse itself is `FileContext.elf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import lief

MAX_SYMBOLS = 200_000
"""Symbols read per table; more is not a real binary (and would only cost time)."""
MAX_NOTE_SECTION = 1 << 20
"""Largest `.comment` or `.modinfo` section read, in bytes."""


class ElfReadError(Exception):
    """LIEF failed while its parse was being read."""


@dataclass(frozen=True, slots=True)
class ElfFacts:
    """What one ELF file says about itself.

    Attributes:
        machine: The target architecture as LIEF names it (ARM, AARCH64, MIPS, I386, X86_64, ...).
        big_endian: True for big-endian files.
        file_type: EXEC, DYN or REL (kernel modules are REL).
        interpreter: The program interpreter (`/lib/ld-uClibc.so.0`), if any.
        needed: DT_NEEDED library names, in order.
        imported: Names of undefined dynamic symbols: what the file takes from its libraries.
        exported: Names of symbols the file defines and makes visible (dynamic exports, and global
            symbols of the static symbol table when it was not stripped).
        version_needs: (library, versions) the dynamic linker must provide.
        comments: `.comment` entries: compiler and toolchain banners.
        build_id: The GNU build id as hex, if any.
        modinfo: `.modinfo` key-value pairs of a kernel module, in order.
    """

    machine: str
    big_endian: bool
    file_type: str
    interpreter: str | None
    needed: tuple[str, ...]
    imported: tuple[str, ...]
    exported: tuple[str, ...]
    version_needs: tuple[tuple[str, tuple[str, ...]], ...]
    comments: tuple[str, ...]
    build_id: str | None
    modinfo: tuple[tuple[str, str], ...]

    def modinfo_value(self, key: str) -> str | None:
        """The first `.modinfo` value for `key`."""
        return next((value for k, value in self.modinfo if k == key), None)


def elf_facts(binary: lief.ELF.Binary) -> ElfFacts:
    """Copy what the SDK analyzer needs out of a LIEF parse.

    Raises:
        ElfReadError: LIEF raised while reading a part of the parse.
    """
    try:
        return _facts(binary)
    except Exception as exc:  # LIEF's errors are data at this boundary
        raise ElfReadError(f"{type(exc).__name__}: {exc}") from exc


def _facts(binary: lief.ELF.Binary) -> ElfFacts:
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

    header = binary.header
    imported: list[str] = []
    exported: list[str] = []
    for symbols, dynamic in ((binary.dynamic_symbols, True), (binary.symtab_symbols, False)):
        for symbol in islice(symbols, MAX_SYMBOLS):
            name = symbol.name  # each LIEF attribute read costs a call into LIEF: read once
            if not name:
                continue
            if dynamic and symbol.imported:
                imported.append(_text(name))
            if symbol.exported:
                exported.append(_text(name))
    return ElfFacts(
        machine=_enum_name(header.machine_type),
        big_endian=header.identity_data == lief.ELF.Header.ELF_DATA.MSB,
        file_type=_enum_name(header.file_type),
        interpreter=binary.interpreter if binary.has_interpreter else None,
        needed=tuple(_text(name) for name in binary.libraries),
        imported=tuple(dict.fromkeys(imported)),
        exported=tuple(dict.fromkeys(exported)),
        version_needs=tuple(
            (_text(req.name), tuple(_text(aux.name) for aux in req.get_auxiliary_symbols()))
            for req in binary.symbols_version_requirement
        ),
        comments=tuple(dict.fromkeys(_entries(binary, ".comment"))),
        build_id=next(
            (
                bytes(note.description).hex()
                for note in binary.notes
                if note.type == lief.ELF.Note.TYPE.GNU_BUILD_ID
            ),
            None,
        ),
        modinfo=tuple(
            (key, value)
            for key, sep, value in (entry.partition("=") for entry in _entries(binary, ".modinfo"))
            if sep
        ),
    )


def _entries(binary: lief.ELF.Binary, name: str) -> list[str]:
    """The NUL-separated printable entries of a small section."""
    section = binary.get_section(name)
    if section is None or section.size > MAX_NOTE_SECTION:
        return []
    raw = bytes(section.content)
    return [
        text for part in raw.split(b"\0") if (text := part.decode("latin-1").strip()) and text.isprintable()
    ]


def _text(value: str | bytes) -> str:
    """A name as text: LIEF gives bytes for names that are not UTF-8, kept here byte for byte."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _enum_name(value: object) -> str:
    return str(getattr(value, "name", value))
