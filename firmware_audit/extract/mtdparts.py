"""Partition tables from `mtdparts=` strings that boot loaders and kernels carry in flash dumps."""

from __future__ import annotations

import re
from dataclasses import dataclass

# mtdparts=<controller>:<size>[@<offset>](<name>)[ro],...  (Linux drivers/mtd/parsers/cmdlinepart.c)
_TABLE = re.compile(
    rb"mtdparts=([A-Za-z0-9_.\-]+):((?:[0-9a-fA-Fx]+[kKmMgG]?|-)(?:@[0-9a-fA-Fx]+[kKmMgG]?)?"
    rb"\([^()\x00\s,;]{1,32}\)(?:ro|lk)*(?:,(?:[0-9a-fA-Fx]+[kKmMgG]?|-)"
    rb"(?:@[0-9a-fA-Fx]+[kKmMgG]?)?\([^()\x00\s,;]{1,32}\)(?:ro|lk)*)*)"
)
_PART = re.compile(rb"([0-9a-fA-Fx]+[kKmMgG]?|-)(?:@([0-9a-fA-Fx]+[kKmMgG]?))?\(([^()]+)\)")
_UNITS = {b"k": 1 << 10, b"m": 1 << 20, b"g": 1 << 30}
# The forms the kernel's memparse() reads (simple_strtoull with base 0): hex, octal, decimal.
_NUMBER = re.compile(rb"(0[xX][0-9a-fA-F]{1,16}|0[0-7]{0,22}|[1-9][0-9]{0,19})([kKmMgG]?)")
_MAX_NUMBER = 1 << 64


@dataclass(frozen=True, slots=True)
class Partition:
    """One flash partition."""

    name: str
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class Table:
    """A partition table found in the data, and where its string was."""

    controller: str
    partitions: tuple[Partition, ...]
    found_at: int
    text: str
    problem: str | None = None
    """Why the table cannot be used (a number the kernel would not read); its partitions are then empty."""


class _NumberError(ValueError):
    pass


def _number(token: bytes) -> int:
    """A size or offset as the kernel's memparse() reads it; anything else is refused, never guessed."""
    match = _NUMBER.fullmatch(token)
    if match is None:
        shown = token[:24].decode("ascii", "replace") + ("..." if len(token) > 24 else "")
        raise _NumberError(f"'{shown}' is not a number")
    digits, unit = match.groups()
    base = 16 if digits[:2].lower() == b"0x" else 8 if digits.startswith(b"0") and len(digits) > 1 else 10
    value = int(digits[2:] if base == 16 else digits, base) * _UNITS.get(unit.lower(), 1)
    if value >= _MAX_NUMBER:
        raise _NumberError(f"{value:#x} does not fit in 64 bits")
    return value


def find_tables(data: memoryview | bytes, flash_size: int) -> list[Table]:
    """Return every `mtdparts=` table in `data`, with `-` sized to `flash_size`.

    A table holding a number the kernel would not read comes back with no partitions and a `problem`.
    """
    tables: list[Table] = []
    for match in _TABLE.finditer(data):
        controller = match.group(1).decode("ascii")
        text = match.group(0).decode("ascii", "replace")
        try:
            parts = _partitions(match.group(2), flash_size)
        except _NumberError as exc:
            tables.append(Table(controller, (), match.start(), text, str(exc)))
            continue
        tables.append(Table(controller, parts, match.start(), text))
    return tables


def _partitions(spec: bytes, flash_size: int) -> tuple[Partition, ...]:
    parts: list[Partition] = []
    offset = 0
    for size_tok, at_tok, name in _PART.findall(spec):
        if at_tok:
            offset = _number(at_tok)
        size = flash_size - offset if size_tok == b"-" else _number(size_tok)
        parts.append(Partition(name.decode("ascii", "replace"), offset, max(size, 0)))
        offset += size
    return tuple(parts)
