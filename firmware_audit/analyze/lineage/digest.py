"""Fuzzy digests of one ELF file: TLSH of the whole file and masked digests of its functions.

A function digest hashes the function's instructions as capstone prints them, with every number
(immediates, addresses, branch targets, offsets) replaced by `#`: the same source built by the same
compiler at another address, or beside other code, gives the same digest, while the mnemonics and
registers still tell one function from another. Functions are cut where the code returns (`bx lr`,
`pop {..., pc}` and `pop.w`, Thumb-2's `ldr pc, [sp], #4`, `ret`, `jr $ra` and its delay slot),
which needs no symbols: a stripped file is cut the same way as its unstripped build. Pieces shorter
than `MIN_INSTRUCTIONS` are left out: prologue stubs and one-line accessors are the same in
everyone's code.

Fixed-width code (ARM, AArch64, MIPS) is read as an array of words: capstone decodes each distinct
word once (a camera application of 380,000 instructions has about 80,000; words that differ only in
a number their text shows, which the token masks, are decoded as one: `tokens.canonical`), each
becomes a token (the
hash of its masked text), and the pieces are hashed together with numpy as polynomials over their
tokens (prefix sums modulo 2^64). Words seen in an earlier file are looked up in sorted arrays; new
ones are decoded and tokenised in batches (`tokens.word_tokens`). Thumb code,
whose instructions are 2 or 4 bytes long, is swept in order. An ARM file is Thumb code when its entry
point is odd, or when its code (not packed) does not read as ARM words: in ARM code most words carry
the condition "always" (0xE) or the unconditional space (0xF) in their top four bits, 69-93 % in the
ARM builds of the real-firmware set and a Xiongmai Hi3516A build, where Thumb-2 code read as words
gives 12-40 % (Debian's armhf libraries, a Dahua glibc); a Thumb-2 shared library's entry point is
even or none. A word capstone cannot decode (data in code) is a token of its own; the sweep is
bounded by `MAX_INSTRUCTIONS`. Code whose bytes look packed or compressed (entropy above
`MAX_CODE_ENTROPY`) gives no function digest: what capstone would print there is noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import capstone
import numpy as np
import tlsh  # type: ignore[import-not-found]  # py-tlsh ships no type information

from firmware_audit.analyze.lineage.tokens import (
    UNDECODED,
    Decoded,
    blake,
    canonical,
    decode,
    returns,
    word_tokens,
)

if TYPE_CHECKING:
    from collections.abc import Container, Iterator

    import lief
    from numpy.typing import NDArray

MIN_INSTRUCTIONS = 8
"""Pieces of code shorter than this are too common to tell anyone's build apart."""
MAX_INSTRUCTIONS = 2_000_000
"""Instructions swept per file at most (about 8 MB of code); `truncated` says when it was reached."""
MAX_CODE_ENTROPY = 7.2
"""Bits a byte above which code is taken as packed (compiled code sits near 6)."""
ARM_WORD_SHARE = 0.55
"""Share of an ARM file's code words with a top nibble of 0xE or 0xF below which it is read as Thumb."""
MIN_ARM_WORDS = 64
"""Code words an ARM file needs for that share to decide (fewer: read as ARM, as its entry point says)."""
MIN_TLSH_BYTES = 50
"""TLSH needs at least this many bytes (and some variety) to give a digest."""
_BASE = 0x100000001B3
"""The polynomial's base (odd, so invertible modulo 2^64)."""
_CACHE_LIMIT = 1 << 18
"""Distinct words remembered per instruction set across files (the files of one image share half of
theirs); about 30 MB at most."""
_CACHE: dict[tuple[str, bool], _Known] = {}


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
        packed: True when some code looked packed and was not digested.
    """

    arch: str
    functions: NDArray[np.uint64]
    offsets: NDArray[np.int64]
    tlsh: str | None
    instructions: int
    truncated: bool
    packed: bool = False


@dataclass(frozen=True, slots=True)
class NotDigested:
    """Why a file was not digested.

    Attributes:
        arch: The instruction set its code reads as, one not asked for; None for an architecture
            this does not read.
    """

    arch: str | None


def tlsh_of(data: bytes) -> str | None:
    """TLSH of the bytes, or None when TLSH gives none (too short or too uniform)."""
    if len(data) < MIN_TLSH_BYTES:
        return None
    value = str(tlsh.hash(data))
    return value if value.startswith("T1") else None


def digest(
    data: bytes, binary: lief.ELF.Binary, arches: Container[str] | None = None
) -> FileDigest | NotDigested:
    """Digest an ELF file LIEF has parsed.

    `NotDigested` for an architecture this does not read, and for an instruction set not in `arches`
    when given (the audit gives the sets its references are of: a file is compared with those alone).
    """
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

    big = binary.header.identity_data == lief.ELF.Header.ELF_DATA.MSB
    pieces = [(at, vaddr, code, _entropy(code) > MAX_CODE_ENTROPY) for at, vaddr, code in _code(data, binary)]
    arch = _arch(binary, [code for _, _, code, packed in pieces if not packed], big)
    if arch is None or (arches is not None and arch not in arches):
        return NotDigested(arch)
    cs = _decoder(arch, big)
    found: dict[int, int] = {}
    count = 0
    truncated = False
    packed = False
    for offset, vaddr, code, looks_packed in pieces:
        if looks_packed:
            packed = True
            continue
        budget = MAX_INSTRUCTIONS - count
        if arch == "thumb":
            hashed, swept, truncated = _thumb_pieces(cs, code, vaddr, budget)
        else:
            words = len(code) // 4
            truncated = words > budget
            swept = min(words, budget)
            hashed = _word_pieces(cs, arch, code[: swept * 4], big)
        count += swept
        for value, start in hashed:
            found.setdefault(value, offset + start)
        if truncated:
            break
    keys = np.array(sorted(found), dtype=np.uint64)
    offsets = np.array([found[int(k)] for k in keys], dtype=np.int64)
    return FileDigest(arch, keys, offsets, tlsh_of(data), count, truncated, packed)


def _entropy(code: bytes) -> float:
    """Shannon entropy of the bytes, in bits a byte."""
    if not code:
        return 0.0
    counts = np.bincount(np.frombuffer(code, dtype=np.uint8), minlength=256)
    shares = counts[counts > 0] / len(code)
    return float(-(shares * np.log2(shares)).sum())


def _word_pieces(cs: capstone.Cs, arch: str, code: bytes, big: bool) -> list[tuple[int, int]]:
    """(digest, offset in code) of the pieces of fixed-width code, each piece once."""
    order = ">u4" if big else "<u4"
    words = np.frombuffer(code, dtype=order)
    if not len(words):
        return []
    distinct, inverse = _unique(canonical(arch, words))
    tokens, returns = _known_tokens(cs, arch, big, distinct)
    stops = np.flatnonzero(returns[inverse])
    if arch.startswith("mips"):
        stops = stops + 1  # the delay slot after `jr $ra` is the function's last instruction
    stops = stops[stops < len(words)]
    if not len(stops):
        return []
    starts = np.concatenate(([0], stops[:-1] + 1))
    lengths = stops - starts + 1
    keep = lengths >= MIN_INSTRUCTIONS
    starts, ends, lengths = starts[keep], stops[keep] + 1, lengths[keep]
    sequence = tokens[inverse]
    with np.errstate(over="ignore"):
        # A piece [s, e) hashes to sum(t_j * B^-(j - s)): prefix sums of t_j * B^-j, times B^s.
        inverse_base = np.uint64(pow(_BASE, -1, 1 << 64))
        ones = np.ones(1, dtype=np.uint64)
        down = np.concatenate((ones, np.cumprod(np.full(len(words) - 1, inverse_base, dtype=np.uint64))))
        up = np.concatenate((ones, np.cumprod(np.full(len(words) - 1, np.uint64(_BASE), dtype=np.uint64))))
        prefix = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(sequence * down, dtype=np.uint64)))
        values = (prefix[ends] - prefix[starts]) * up[starts]
        values ^= lengths.astype(np.uint64) * np.uint64(UNDECODED)  # mixed with the length
    return list(zip(values.tolist(), (starts * 4).tolist(), strict=True))


def _unique(words: NDArray[np.uint32]) -> tuple[NDArray[np.uint32], NDArray[np.intp]]:
    """`np.unique(words, return_inverse=True)`, twice as fast.

    The words are sorted with their positions packed in one 64-bit number: a plain sort, where
    `np.unique` makes an argsort.
    """
    count = len(words)
    packed = (words.astype(np.uint64) << np.uint64(32)) | np.arange(count, dtype=np.uint64)
    packed.sort()
    ordered = (packed >> np.uint64(32)).astype(np.uint32)
    first = np.ones(count, dtype=np.bool_)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(count, dtype=np.intp)
    inverse[(packed & np.uint64(0xFFFFFFFF)).astype(np.intp)] = np.cumsum(first) - 1
    return ordered[first], inverse


def _known_tokens(
    cs: capstone.Cs, arch: str, big: bool, distinct: NDArray[np.uint32]
) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """`word_tokens` of the distinct (sorted) words, decoding only the words not seen in an earlier file."""
    cache = _CACHE.setdefault((arch, big), _Known())
    tokens, returns, missing = cache.find(distinct)
    if len(missing):
        blob = distinct[missing].astype(">u4" if big else "<u4").tobytes()
        new_tokens, new_returns = word_tokens(cs, arch, blob)
        tokens[missing] = new_tokens
        returns[missing] = new_returns
        cache.add(distinct[missing], new_tokens, new_returns)
    return tokens, returns


class _Known:
    """Words decoded in earlier files, as sorted arrays: looked up and extended without a Python loop."""

    def __init__(self) -> None:
        self.words = np.zeros(0, dtype=np.uint32)
        self.tokens = np.zeros(0, dtype=np.uint64)
        self.returns = np.zeros(0, dtype=np.bool_)

    def find(
        self, distinct: NDArray[np.uint32]
    ) -> tuple[NDArray[np.uint64], NDArray[np.bool_], NDArray[np.intp]]:
        """(tokens, returns) of the sorted distinct words (0 and False where unknown), and where unknown."""
        if not len(self.words):
            count = len(distinct)
            return np.zeros(count, dtype=np.uint64), np.zeros(count, dtype=np.bool_), np.arange(count)
        where = np.minimum(np.searchsorted(self.words, distinct), len(self.words) - 1)
        known = self.words[where] == distinct
        tokens = np.where(known, self.tokens[where], np.uint64(0))
        return tokens, known & self.returns[where], np.flatnonzero(~known)

    def add(self, words: NDArray[np.uint32], tokens: NDArray[np.uint64], returns: NDArray[np.bool_]) -> None:
        """Remember new (sorted, unknown) words, the first ones while there is room."""
        room = max(_CACHE_LIMIT - len(self.words), 0)
        words, tokens, returns = words[:room], tokens[:room], returns[:room]
        if not len(words):
            return
        at = np.searchsorted(self.words, words)
        self.words = np.insert(self.words, at, words)
        self.tokens = np.insert(self.tokens, at, tokens)
        self.returns = np.insert(self.returns, at, returns)


def _arch(binary: lief.ELF.Binary, code: list[bytes], big: bool) -> str | None:
    """The instruction set the code is read as (see the module); None for one this does not read."""
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

    header = binary.header
    machine = header.machine_type
    if machine == lief.ELF.ARCH.ARM:
        # A Thumb entry point (odd address) means the file is built for Thumb-2 throughout.
        return "thumb" if binary.entrypoint & 1 or _thumb_words(code, big) else "arm"
    if machine == lief.ELF.ARCH.AARCH64:
        return "aarch64"
    if machine == lief.ELF.ARCH.MIPS:
        return "mips64" if header.identity_class == lief.ELF.Header.CLASS.ELF64 else "mips"
    return None


def _thumb_words(code: list[bytes], big: bool) -> bool:
    """Whether ARM code does not read as ARM words: too few of them are "always" or unconditional."""
    words = [np.frombuffer(piece, dtype=">u4" if big else "<u4", count=len(piece) // 4) for piece in code]
    total = sum(len(w) for w in words)
    if total < MIN_ARM_WORDS:
        return False
    arm_like = sum(int(np.count_nonzero(w >= np.uint32(0xE0000000))) for w in words)
    return arm_like < ARM_WORD_SHARE * total


def _decoder(arch: str, big: bool) -> capstone.Cs:
    """The capstone decoder of an instruction set and byte order, made once.

    Making one costs more than decoding a small file.
    """
    found = _DECODERS.get((arch, big))
    if found is None:
        family, mode = _MODES[arch]
        endian = capstone.CS_MODE_BIG_ENDIAN if big else capstone.CS_MODE_LITTLE_ENDIAN
        found = _DECODERS[(arch, big)] = capstone.Cs(family, mode | endian)
    return found


_MODES = {
    "arm": (capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM),
    "thumb": (capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB),
    "aarch64": (capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM),
    "mips": (capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS32),
    "mips64": (capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS64),
}
_DECODERS: dict[tuple[str, bool], capstone.Cs] = {}


def _code(data: bytes, binary: lief.ELF.Binary) -> Iterator[tuple[int, int, bytes]]:
    """(file offset, address, bytes) of the code: `.text`, or the executable segments without sections."""
    import lief  # noqa: PLC0415  (loaded with the first ELF file: `context.load_elf_parser`)

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


def _thumb_pieces(
    cs: capstone.Cs, code: bytes, vaddr: int, budget: int
) -> tuple[list[tuple[int, int]], int, bool]:
    """Cut Thumb code at its returns: ([(digest, offset in code)], instructions swept, truncated)."""
    pieces: list[tuple[int, int]] = []
    count = 0
    at = 0
    while at < len(code):
        # The budget's instructions fit in four bytes each: capstone is given no more, since it makes a
        # record of about 250 bytes for every instruction it decodes before the budget is applied.
        run = decode(cs, code[at : at + 4 * (budget - count + 1)], vaddr + at)
        truncated = count + len(run.addresses) > budget
        kept = budget - count if truncated else len(run.addresses)
        pieces += _cut(run, kept, vaddr)
        count += kept
        if truncated:
            return pieces, count, True
        # capstone stops at a word it cannot decode: step over it; a piece does not run across it.
        end = int(run.addresses[-1]) - vaddr + int(run.sizes[-1]) if len(run.addresses) else at
        at = max(end, at) + 2
    return pieces, count, False


def _cut(run: Decoded, kept: int, vaddr: int) -> list[tuple[int, int]]:
    """(digest, offset in code) of the pieces that end in a return among a run's first instructions.

    A piece's digest is the hash of its instructions' texts, numbers masked, one a line.
    """
    stops = np.flatnonzero(returns("thumb", run, kept)).tolist()
    if not stops:
        return []
    lines = run.masked(stops[-1] + 1)
    found = []
    start = 0
    for stop in stops:
        if stop + 1 - start >= MIN_INSTRUCTIONS:
            found.append((blake(b"\n".join(lines[start : stop + 1])), int(run.addresses[start]) - vaddr))
        start = stop + 1
    return found
