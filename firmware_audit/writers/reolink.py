"""Reolink / Swann `.pak` images: header, section table, flash partition table, then the sections."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from firmware_audit.extract.formats.reolink import (
    CRC_MARKER,
    LAYOUT32,
    LAYOUT64,
    MAGICS,
    PARTITION,
    vendor_crc,
)
from firmware_audit.writers import _cli

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from firmware_audit.writers import Member

ERASE_BLOCK = 0x10000
"""Flash partitions are laid out in multiples of this when no size is given."""


def build_reolink(
    sections: Sequence[Member],
    *,
    is64: bool = False,
    magic: int = MAGICS[0],
    pak_type: int = 2,
    versions: Mapping[str, str] | None = None,
    flash_sizes: Mapping[str, int] | None = None,
    spare_slots: int = 0,
) -> bytes:
    """Build a PAK holding `sections` in order, each with a flash partition of the same name.

    Args:
        sections: Section names (at most 32 bytes; e.g. `uboot1`, `kernel`, `fs`, `app`) and data.
        is64: Write the 64-bit variant (header fields and section offsets widened to 64 bits).
        magic: `0x32725913` or `0x32725923`.
        pak_type: The header's type field.
        versions: Version string per section name (at most 24 bytes).
        flash_sizes: Flash partition size per section name; by default the section size rounded
            up to `ERASE_BLOCK`. Partitions are placed one after another from flash offset 0.
        spare_slots: Empty (all-zero) entries to add to both tables, as some vendor images have.
    """
    layout = LAYOUT64 if is64 else LAYOUT32
    versions = versions or {}
    flash_sizes = flash_sizes or {}
    slots = len(sections) + spare_slots
    data_start = layout.header.size + slots * (layout.section.size + PARTITION.size)
    if is64:
        # A stock 64-bit image is reported to start its data at an 8-byte boundary after the tables
        # (unattributed notes on Reolink Duo 3 firmware); pakler's repacker writes no padding.
        data_start += -data_start % 8
    table = bytearray()
    partitions = bytearray()
    offset, flash = data_start, 0
    for index, (name, data) in enumerate(sections):
        raw = name.encode()
        if len(raw) > 32:
            raise ValueError(f"section name {name!r} is longer than 32 bytes")
        table += layout.section.pack(raw, versions.get(name, "").encode()[:24], offset, len(data))
        size = flash_sizes.get(name, -(-len(data) // ERASE_BLOCK) * ERASE_BLOCK)
        partitions += PARTITION.pack(raw, 0, f"/dev/mtd{index}".encode(), flash, size)
        offset += len(data)
        flash += size
    table += bytes(layout.section.size * spare_slots)
    partitions += bytes(PARTITION.size * spare_slots)
    body = b"".join(data for _, data in sections)
    marker = CRC_MARKER.to_bytes(8 if is64 else 4, "little")
    crc = vendor_crc([body, marker, table])
    head = layout.header.pack(magic, crc, pak_type) + table + partitions
    return head.ljust(data_start, b"\0") + body


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m firmware_audit.writers.reolink -o OUT [options] NAME=PATH...`."""
    p = _cli.parser("reolink", "Write a Reolink / Swann PAK image.")
    p.add_argument("--64", dest="is64", action="store_true", help="the 64-bit variant")
    p.add_argument(
        "--magic", type=_cli.integer, default=MAGICS[0], choices=MAGICS, metavar="0x32725913|0x32725923"
    )
    p.add_argument("--type", dest="pak_type", type=_cli.integer, default=2)
    p.add_argument("--version", action="append", type=_cli.pair, default=[], metavar="NAME=VERSION")
    p.add_argument("--flash-size", action="append", type=_cli.pair, default=[], metavar="NAME=SIZE")
    p.add_argument("--spare-slots", type=int, default=0)
    p.add_argument("sections", nargs="+", type=_cli.member, metavar="NAME=PATH")
    args = p.parse_args(argv)
    image = build_reolink(
        args.sections,
        is64=args.is64,
        magic=args.magic,
        pak_type=args.pak_type,
        versions=dict(args.version),
        flash_sizes={k: int(v, 0) for k, v in args.flash_size},
        spare_slots=args.spare_slots,
    )
    _cli.write(args.output, image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
