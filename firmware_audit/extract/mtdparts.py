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


def _number(token: bytes) -> int:
    unit = _UNITS.get(token[-1:].lower(), 1)
    digits = token[:-1] if unit != 1 else token
    return int(digits, 0) * unit


def find_tables(data: memoryview | bytes, flash_size: int) -> list[Table]:
    """Return every well-formed `mtdparts=` table in `data`, with `-` sized to `flash_size`."""
    tables: list[Table] = []
    for match in _TABLE.finditer(data):
        parts: list[Partition] = []
        offset = 0
        for size_tok, at_tok, name in _PART.findall(match.group(2)):
            if at_tok:
                offset = _number(at_tok)
            size = flash_size - offset if size_tok == b"-" else _number(size_tok)
            parts.append(Partition(name.decode("ascii", "replace"), offset, max(size, 0)))
            offset += size
        tables.append(
            Table(
                match.group(1).decode("ascii"),
                tuple(parts),
                match.start(),
                match.group(0).decode("ascii", "replace"),
            ),
        )
    return tables
