"""Tokens of fixed-width instruction words (ARM, AArch64, MIPS), in arrays: no Python step per word.

A word's token is the hash of the text capstone prints for it, `mnemonic operands`, with every
number masked to `#` (`NUMBER`); a word capstone cannot decode is `UNDECODED`. Capstone decodes a
batch of words in one C call (skipping undecodable words as data, so one call covers the batch); its
instruction records are read as a numpy array and their texts joined into one byte string, which
`NUMBER` masks in one pass; each distinct masked text is hashed once. The result is the same as
printing, masking and hashing each word in turn (`tests/analyze/lineage/test_lineage_tokens.py`
holds them to it) at a third of the cost: a camera image has millions of distinct instruction words.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import capstone
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

NUMBER = re.compile(r"#?-?(?:0x[0-9a-f]+|\d+)\b")
_NUMBER_BYTES = re.compile(
    rb"[#\-\d](?:(?<=#)-?(?:0x[0-9a-f]+|\d+)|(?<=-)(?:0x[0-9a-f]+|\d+)|(?<=0)x[0-9a-f]+|(?<=\d)\d*)\b"
)
"""`NUMBER` written to begin with a set of characters, which lets the regular expression engine skip
to the next `#`, `-` or digit instead of trying a match at every position: a third faster. The two
match alike: after the first character, the lookbehinds take the branch `NUMBER` takes from it."""
"""What a token masks: immediates, addresses, offsets (and register numbers: `r4` reads `r#`)."""
UNDECODED = 0x9E3779B97F4A7C15
"""The token of a word capstone cannot decode."""
BATCH = 8192
"""Words decoded per capstone call (its records take about 250 bytes each)."""
MASKED_LIMIT = 1 << 18
"""Masked texts whose token is remembered across files."""
_MASKED: dict[bytes, int] = {}
_ARM_RETURN = re.compile(r"^(?:bx(?:al)?\s+lr|(?:pop|ldm\w*)(?:\.w)?\s.*\bpc\b|ldr(?:\.w)?\s+pc,\s*\[sp\],)")
"""ARM and Thumb returns as capstone prints them: `bx lr`; `pop`/`ldm` into `pc`, also Thumb-2's
wide `pop.w {r4-r11, pc}`; and Thumb-2's one-register pop `ldr pc, [sp], #4` (ARM prints it `pop {pc}`)."""
# Capstone's binding has no public way to read the records of a decoded batch at once: read the
# C structures where its ctypes declaration says they are (sizes and offsets come from it).
_RECORD = capstone._cs_insn  # noqa: SLF001
_RECORD_SIZE = ctypes.sizeof(_RECORD)
_FIELDS = {name: getattr(_RECORD, name) for name in ("address", "size", "mnemonic", "op_str")}
_SKIPPED = np.frombuffer(b".byte\0", dtype=np.uint8)
"""The mnemonic capstone gives a word it skips as data, with its NUL."""


def blake(masked: bytes) -> int:
    """The 64-bit hash of a masked text."""
    return int.from_bytes(hashlib.blake2b(masked, digest_size=8).digest(), "big")


def returns_text(arch: str, text: str) -> bool:
    """Whether an instruction's text (`mnemonic operands`) returns from a function."""
    if arch in {"arm", "thumb"}:
        return text[:1] in {"b", "p", "l"} and _ARM_RETURN.match(text) is not None
    if arch == "aarch64":
        return text == "ret " or text.startswith("ret ")
    return text == "jr $ra"


_MIPS_IMMEDIATE = np.zeros(64, dtype=np.bool_)
_MIPS_IMMEDIATE[
    [0x01, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x14, 0x15, 0x16, 0x17]
] = True
_MIPS_IMMEDIATE[[0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x28, 0x29, 0x2A, 0x2B, 0x2E]] = True
_MIPS_IMMEDIATE[[0x30, 0x31, 0x35, 0x38, 0x39, 0x3D]] = True
"""MIPS32 major opcodes whose low 16 bits are an immediate, offset or branch displacement: the
branches (`REGIMM`, `beq` ... `bgtzl`), the arithmetic and logic immediates, the loads and stores."""
_MIPS_JUMP = np.zeros(64, dtype=np.bool_)
_MIPS_JUMP[[0x02, 0x03]] = True
"""`j` and `jal`: the low 26 bits are the target."""


def canonical(arch: str, words: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """One word for each set of words whose tokens are the same because they differ only in a number.

    A field printed as a number only (an offset, an immediate, a branch or call target) is masked in
    the text, so the token does not depend on its value: such words are decoded once, as the word
    with the field set to one value. Values printed another way keep their own: 0 (`synci ($a0)`,
    `ldr r0, [r1]`) and, for ARM loads and stores, 4 (`pop {r0}` is `ldr r0, [sp], #4`). Which
    fields qualify was checked by decoding every value of the field in every kind of instruction
    (`tests/analyze/lineage/test_lineage_tokens.py` keeps a sample of that check). Other words and
    other instruction sets are their own.
    """
    words = words.astype(np.uint32)
    if arch == "mips":
        major = words >> np.uint32(26)
        low = words & np.uint32(0xFFFF)
        fixed = (words & np.uint32(0xFFFF0000)) | np.where(low == 0, np.uint32(0), np.uint32(8))
        words = np.where(_MIPS_IMMEDIATE[major], fixed, words)
        return np.where(_MIPS_JUMP[major], words & np.uint32(0xFC000000), words)
    if arch == "arm":
        kind = (words >> np.uint32(25)) & np.uint32(7)
        offset = words & np.uint32(0xFFF)
        kept = (offset == 0) | (offset == 4)
        load_store = (words & np.uint32(0xFFFFF000)) | np.where(kept, offset, np.uint32(8))
        # `ldr`/`str` with a 12-bit offset; under condition 0b1111 the same bits are NEON loads
        words = np.where((kind == 2) & (words >> np.uint32(28) != 0xF), load_store, words)
        return np.where(kind == 5, words & np.uint32(0xFF000000), words)  # `b`, `bl`, `blx`
    return words


def word_tokens(cs: capstone.Cs, arch: str, blob: bytes) -> tuple[NDArray[np.uint64], NDArray[np.bool_]]:
    """For each 4-byte word of `blob`: its token, and whether it returns.

    `cs` decodes `arch` (`arm`, `aarch64`, `mips` or `mips64`) in the blob's byte order; its
    skip-data option is switched on here, which changes nothing else it prints.
    """
    count = len(blob) // 4
    tokens = np.full(count, UNDECODED, dtype=np.uint64)
    flags = np.zeros(count, dtype=np.bool_)
    cs.skipdata = True
    for at in range(0, count, BATCH):
        end = min(count, at + BATCH)
        batch = decode(cs, blob[at * 4 : end * 4], at * 4)
        if len(batch):
            index = (batch.addresses // 4).astype(np.intp)
            tokens[index] = _tokens(batch.masked())
            flags[index] = returns(arch, batch)
    return tokens, flags


@dataclass(frozen=True, slots=True)
class Decoded:
    """Instructions capstone decoded in one call, in order (words it skipped as data left out).

    Attributes:
        addresses: Each instruction's address.
        sizes: Each instruction's size in bytes.
        text: Each instruction's text, `mnemonic operands`, followed by a NUL, one after the other.
        ends: Where each instruction's NUL is in `text`.
        heads: The first three bytes of each mnemonic (NUL-padded): which instructions may return.
    """

    addresses: NDArray[np.uint64]
    sizes: NDArray[np.uint16]
    text: bytes
    ends: NDArray[np.intp]
    heads: NDArray[np.uint8]

    def __len__(self) -> int:
        """The number of instructions."""
        return len(self.addresses)

    def line(self, at: int) -> bytes:
        """The text of instruction `at` (no NUL)."""
        return self.text[int(self.ends[at - 1]) + 1 if at else 0 : int(self.ends[at])]

    def masked(self, count: int | None = None) -> list[bytes]:
        """`NUMBER.sub("#", text)` of each of the first `count` instructions (all by default), in one pass."""
        # No text holds a NUL and no number runs across one, so masking the whole masks each text
        # as it would alone.
        count = len(self) if count is None else min(count, len(self))
        if not count:
            return []
        return _NUMBER_BYTES.sub(b"#", self.text[: int(self.ends[count - 1]) + 1]).split(b"\0")[:-1]


def decode(cs: capstone.Cs, code: bytes, address: int) -> Decoded:
    """What `cs.disasm_lite(code, address)` gives (up to the first word it cannot decode), as arrays.

    Words capstone skips as data (its skip-data option) are left out.
    """
    records = ctypes.POINTER(_RECORD)()
    decoded = capstone._cs.cs_disasm(cs.csh, code, len(code), address, 0, ctypes.byref(records))  # noqa: SLF001
    if not decoded:
        return _NOTHING
    try:
        raw = np.ctypeslib.as_array(
            ctypes.cast(records, ctypes.POINTER(ctypes.c_uint8)), shape=(decoded * _RECORD_SIZE,)
        ).reshape(decoded, _RECORD_SIZE)
        mnemonics, operands = _field(raw, "mnemonic"), _field(raw, "op_str")
        kept = (mnemonics[:, : len(_SKIPPED)] != _SKIPPED).any(axis=1)
        if not kept.all():
            raw, mnemonics, operands = raw[kept], mnemonics[kept], operands[kept]
        return _decoded(raw, mnemonics, operands)
    finally:
        capstone._cs.cs_free(records, decoded)  # noqa: SLF001


_NOTHING = Decoded(
    np.zeros(0, dtype=np.uint64),
    np.zeros(0, dtype=np.uint16),
    b"",
    np.zeros(0, dtype=np.intp),
    np.zeros((0, 3), dtype=np.uint8),
)


def _decoded(raw: NDArray[np.uint8], mnemonics: NDArray[np.uint8], operands: NDArray[np.uint8]) -> Decoded:
    """The instructions of capstone's records (rows of `raw`), their texts joined in one byte string."""
    rows = len(raw)
    if not rows:
        return _NOTHING
    # Every field is NUL-terminated within its size; capstone may leave bytes after the NUL: the
    # texts are cut at their first NUL.
    short = _length(mnemonics)
    long = _length(operands)
    width = int(short.max()) + 1
    line = np.empty((rows, width + int(long.max()) + 1), dtype=np.uint8)
    line[:, :width] = mnemonics[:, :width]
    line[np.arange(rows), short] = ord(" ")
    line[:, width:] = operands[:, : line.shape[1] - width]
    columns = np.arange(line.shape[1])
    used = (columns <= short[:, None]) | ((columns >= width) & (columns <= width + long[:, None]))
    return Decoded(
        _number(raw, "address", np.uint64),
        _number(raw, "size", np.uint16),
        line[used].tobytes(),
        np.cumsum(short + long + 2) - 1,
        mnemonics[:, :3].copy(),
    )


def _field(raw: NDArray[np.uint8], name: str) -> NDArray[np.uint8]:
    """A field of every record, as bytes (a view)."""
    field = _FIELDS[name]
    return raw[:, field.offset : field.offset + field.size]


def _length(column: NDArray[np.uint8]) -> NDArray[np.intp]:
    """The length of the C string of each row (its first NUL), reading no further than needed."""
    width = 48
    while True:
        zero = column[:, :width] == 0
        if width >= column.shape[1] or zero.any(axis=1).all():
            found: NDArray[np.intp] = np.argmax(zero, axis=1)
            return found
        width *= 2


def _number(raw: NDArray[np.uint8], name: str, kind: type[np.unsignedinteger[Any]]) -> NDArray[Any]:
    """A number field of every record (in the machine's byte order, as C wrote it)."""
    field = _FIELDS[name]
    return raw[:, field.offset : field.offset + field.size].copy().view(kind).ravel()


def _tokens(texts: list[bytes]) -> NDArray[np.uint64]:
    """The token of each masked text, each distinct one hashed once."""
    known = _MASKED
    values = list(map(known.get, texts))
    for at in [at for at, value in enumerate(values) if value is None]:
        text = texts[at]
        value = known.get(text)
        if value is None:
            value = blake(text)
            if len(known) < MASKED_LIMIT:
                known[text] = value
        values[at] = value
    return np.array(values, dtype=np.uint64)


def returns(arch: str, decoded: Decoded, count: int | None = None) -> NDArray[np.bool_]:
    """`returns_text` of each of the first `count` instructions (all by default).

    It is read only where the mnemonic and the text can return: `bx` with `lr`, `pop` or `ldm` with
    `pc`, `ret`, `jr`.
    """
    heads = decoded.heads[:count]
    first, second, third = heads[:, 0], heads[:, 1], heads[:, 2]
    needs = b""
    if arch in {"arm", "thumb"}:
        maybe = (first == ord("b")) & (second == ord("x"))
        pops = ((first == ord("p")) & (second == ord("o")) & (third == ord("p"))) | (
            (first == ord("l")) & (second == ord("d")) & (third == ord("m"))
        )
        candidates = [(at, b"lr") for at in np.flatnonzero(maybe).tolist()]
        candidates += [(at, b"pc") for at in np.flatnonzero(pops).tolist()]
    elif arch == "aarch64":
        maybe = (first == ord("r")) & (second == ord("e")) & (third == ord("t"))
        candidates = [(at, needs) for at in np.flatnonzero(maybe).tolist()]
    else:
        maybe = (first == ord("j")) & (second == ord("r"))
        candidates = [(at, needs) for at in np.flatnonzero(maybe).tolist()]
    found = np.zeros(len(heads), dtype=np.bool_)
    for at, word in candidates:
        line = decoded.line(at)
        if word in line:
            found[at] = returns_text(arch, line.decode())
    return found
