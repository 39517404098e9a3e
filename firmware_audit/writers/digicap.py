"""Hikvision `digicap.dav` images: header and file table (obfuscated or in clear), then the files."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from firmware_audit.extract.formats.digicap import (
    CHECKSUM_START,
    ENTRY,
    FIXED,
    TABLE_OFFSET,
    Order,
    byte_sum,
    xor16,
)
from firmware_audit.writers import _cli

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.writers import Member


def build_digicap(
    members: Sequence[Member],
    *,
    magic: bytes = b"SWKH",
    obfuscate: bool = True,
    order: Order = "offset-size",
    language: int = 1,
    device_class: int = 0,
    oem_code: int = 1,
    version: int = 0,
    build_date: int = 0,
    text: bytes = b"",
) -> bytes:
    """Build a digicap image holding `members` one after another right after the header.

    Args:
        members: The files, in table order (names of at most 32 bytes).
        magic: `SWKH` (classic) or `02KH` (newer images).
        obfuscate: XOR the header with the digicap key, as Hikvision does; False writes it in clear.
        order: Which of the two u32 of a table entry comes first.
        language: Language field.
        device_class: Device class field.
        oem_code: OEM code field.
        version: Firmware version field.
        build_date: Build date field.
        text: The 24-byte version/model string at 0x28.
    """
    header_length = TABLE_OFFSET + ENTRY.size * len(members)
    table = bytearray()
    offset = header_length
    for name, data in members:
        if len(name.encode()) > 32:
            raise ValueError(f"member name {name!r} is longer than 32 bytes")
        pair = (offset, len(data)) if order == "offset-size" else (len(data), offset)
        table += ENTRY.pack(name.encode(), *pair, byte_sum(data))
        offset += len(data)
    fixed = FIXED.pack(
        magic,
        0,
        header_length,
        len(members),
        language,
        device_class,
        oem_code,
        version,
        offset,
        build_date,
        text[:24],
    )
    header = bytearray(fixed + table)
    header[4:8] = byte_sum(header[CHECKSUM_START:]).to_bytes(4, "little")
    head = xor16(header) if obfuscate else bytes(header)
    return head + b"".join(data for _, data in members)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m firmware_audit.writers.digicap -o OUT [options] NAME=PATH...`."""
    p = _cli.parser("digicap", "Write a Hikvision digicap.dav image.")
    p.add_argument("--magic", default="SWKH", choices=["SWKH", "02KH"])
    p.add_argument("--clear", action="store_true", help="leave the header in clear")
    p.add_argument("--order", default="offset-size", choices=["offset-size", "size-offset"])
    p.add_argument("--language", type=_cli.integer, default=1)
    p.add_argument("--device-class", type=_cli.integer, default=0)
    p.add_argument("--oem-code", type=_cli.integer, default=1)
    p.add_argument("--version", type=_cli.integer, default=0)
    p.add_argument("--build-date", type=_cli.integer, default=0)
    p.add_argument("--text", default="")
    p.add_argument("members", nargs="+", type=_cli.member, metavar="NAME=PATH")
    args = p.parse_args(argv)
    image = build_digicap(
        args.members,
        magic=args.magic.encode(),
        obfuscate=not args.clear,
        order=args.order,
        language=args.language,
        device_class=args.device_class,
        oem_code=args.oem_code,
        version=args.version,
        build_date=args.build_date,
        text=args.text.encode(),
    )
    _cli.write(args.output, image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
