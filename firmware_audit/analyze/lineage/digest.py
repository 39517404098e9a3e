"""Fuzzy digests of one ELF file: TLSH of the whole file and masked digests of its functions.

A function digest is a hash of the function's instructions as capstone prints them, with every
number (immediates, addresses, branch targets, offsets) replaced by `#`: the same source built by the
same compiler at another address, or beside other code, gives the same digest, while the mnemonics
and registers still tell one function from another. Functions are cut where the code returns
(`bx lr`, `pop {..., pc}`, `ret`, `jr $ra` and its delay slot), which needs no symbols: a stripped file
is cut the same way as its unstripped build. Pieces shorter than `MIN_INSTRUCTIONS` are left out: prologue
stubs and one-line accessors are the same in everyone's code.

Words capstone cannot decode (literal pools, data in code) are stepped over; the sweep is bounded by
`MAX_INSTRUCTIONS`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import capstone
import lief
import numpy as np
import tlsh  # type: ignore[import-not-found]  # py-tlsh ships no type information

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

MIN_INSTRUCTIONS = 8
"""Pieces of code shorter than this are too common to tell anyone's build apart."""
MAX_INSTRUCTIONS = 2_000_000
"""Instructions swept per file at most (about 8 MB of code); `truncated` says when it was reached."""
MIN_TLSH_BYTES = 50
"""TLSH needs at least this many bytes (and some variety) to give a digest."""
_NUMBER = re.compile(r"#?-?(?:0x[0-9a-f]+|\d+)\b")
_ARM_RETURN = re.compile(r"^(?:bx(?:al)?\s+lr|(?:pop|ldm\w*)\s.*\bpc\b)")


@dataclass(frozen=True, slots=True)
class FileDigest:
    """The digests of one ELF file.

    Attributes:
        arch: `arm`, `thumb`, `aarch64`, `mips` or `mips64`.
        functions: The distinct function digests, sorted (unsigned 64-bit).
        offsets: For each digest, the file offset of its first function.
        tlsh: TLSH of the whole file, or None when the file is too small or uniform for one.
        instructions: Instructions swept.
        truncated: True when the sweep stopped at `MAX_INSTRUCTIONS`.
    """

    arch: str
    functions: NDArray[np.uint64]
    offsets: NDArray[np.int64]
    tlsh: str | None
    instructions: int
    truncated: bool


def tlsh_of(data: bytes) -> str | None:
    """TLSH of the bytes, or None when TLSH gives none (too short or too uniform)."""
    if len(data) < MIN_TLSH_BYTES:
        return None
    value = str(tlsh.hash(data))
    return value if value.startswith("T1") else None


def digest(data: bytes, binary: lief.ELF.Binary) -> FileDigest | None:
    """Digest an ELF file LIEF has parsed; None for an architecture this does not read."""
    machine = _machine(binary)
    if machine is None:
        return None
    arch, cs = machine
    found: dict[int, int] = {}
    count = 0
    truncated = False
    for offset, vaddr, code in _code(data, binary):
        pieces, swept, truncated = _pieces(cs, arch, code, vaddr, MAX_INSTRUCTIONS - count)
        count += swept
        for start, text in pieces:
            found.setdefault(_hash(text), offset + start)
        if truncated:
            break
    keys = np.array(sorted(found), dtype=np.uint64)
    offsets = np.array([found[int(k)] for k in keys], dtype=np.int64)
    return FileDigest(arch, keys, offsets, tlsh_of(data), count, truncated)


def _hash(text: str) -> int:
    masked = _NUMBER.sub("#", text)
    return int.from_bytes(hashlib.blake2b(masked.encode(), digest_size=8).digest(), "big")


def _machine(binary: lief.ELF.Binary) -> tuple[str, capstone.Cs] | None:
    header = binary.header
    big = header.identity_data == lief.ELF.Header.ELF_DATA.MSB
    endian = capstone.CS_MODE_BIG_ENDIAN if big else capstone.CS_MODE_LITTLE_ENDIAN
    machine = header.machine_type
    if machine == lief.ELF.ARCH.ARM:
        # A Thumb entry point (odd address) means the file is built for Thumb-2 throughout.
        if binary.entrypoint & 1:
            return "thumb", capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | endian)
        return "arm", capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM | endian)
    if machine == lief.ELF.ARCH.AARCH64:
        return "aarch64", capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM | endian)
    if machine == lief.ELF.ARCH.MIPS:
        wide = header.identity_class == lief.ELF.Header.CLASS.ELF64
        mode = capstone.CS_MODE_MIPS64 if wide else capstone.CS_MODE_MIPS32
        return ("mips64" if wide else "mips"), capstone.Cs(capstone.CS_ARCH_MIPS, mode | endian)
    return None


def _code(data: bytes, binary: lief.ELF.Binary) -> Iterator[tuple[int, int, bytes]]:
    """(file offset, address, bytes) of the code: `.text`, or the executable segments without sections."""
    text = [s for s in binary.sections if s.name == ".text" and s.type != lief.ELF.Section.TYPE.NOBITS]
    if text:
        for section in text:
            start = min(section.offset, len(data))
            yield start, section.virtual_address, data[start : start + section.size]
        return
    for segment in binary.segments:
        if segment.type == lief.ELF.Segment.TYPE.LOAD and segment.has(lief.ELF.Segment.FLAGS.X):
            start = min(segment.file_offset, len(data))
            yield start, segment.virtual_address, data[start : start + segment.physical_size]


def _pieces(
    cs: capstone.Cs, arch: str, code: bytes, vaddr: int, budget: int
) -> tuple[list[tuple[int, str]], int, bool]:
    """Cut the code at its returns: ([(offset in code, text)], instructions swept, truncated)."""
    step = 2 if arch == "thumb" else 4
    pieces: list[tuple[int, str]] = []
    lines: list[str] = []
    start = 0
    count = 0
    delay = False  # MIPS: the instruction after `jr $ra` (its delay slot) still belongs to the function
    at = 0
    while at < len(code):
        end = at
        for address, size, mnemonic, operands in cs.disasm_lite(code[at:], vaddr + at):
            count += 1
            if count > budget:
                return pieces, count - 1, True
            end = address - vaddr + size
            if not lines:
                start = address - vaddr
            lines.append(f"{mnemonic} {operands}")
            if delay or _returns(arch, mnemonic, operands):
                if arch.startswith("mips") and not delay:
                    delay = True
                    continue
                delay = False
                if len(lines) >= MIN_INSTRUCTIONS:
                    pieces.append((start, "\n".join(lines)))
                lines = []
        # capstone stops at a word it cannot decode: step over it; a piece does not run across it.
        at = max(end, at) + step
        lines = []
        delay = False
    return pieces, count, False


def _returns(arch: str, mnemonic: str, operands: str) -> bool:
    if arch in {"arm", "thumb"}:
        return _ARM_RETURN.match(f"{mnemonic} {operands}") is not None
    if arch == "aarch64":
        return mnemonic == "ret"
    return mnemonic == "jr" and operands == "$ra"
