"""Dahua DH-zip images: a zip whose local file headers start `DH` instead of `PK`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from firmware_audit.writers import _cli
from firmware_audit.writers._zip import Compression, build_zip

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.writers import Member


def build_dahua(
    members: Sequence[Member], *, every_header: bool = False, compression: Compression = "deflated"
) -> bytes:
    """Build a DH-zip holding `members` (e.g. `Install`, `kernel.img`, `romfs-x.squashfs.img`).

    Args:
        members: Member names and bytes, in archive order.
        every_header: Mark every local file header `DH` (a variant seen in public code), not only
            the first; the central directory keeps `PK` either way.
        compression: How members are stored.
    """
    archive, offsets = build_zip(members, compression=compression)
    image = bytearray(archive)
    for offset in offsets if every_header else offsets[:1]:
        image[offset : offset + 2] = b"DH"
    return bytes(image)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m firmware_audit.writers.dahua -o OUT [options] NAME=PATH...`."""
    p = _cli.parser("dahua", "Write a Dahua DH-zip image.")
    p.add_argument("--every-header", action="store_true", help="mark every local header DH")
    p.add_argument("--compression", default="deflated", choices=["stored", "deflated"])
    p.add_argument("members", nargs="+", type=_cli.member, metavar="NAME=PATH")
    args = p.parse_args(argv)
    image = build_dahua(args.members, every_header=args.every_header, compression=args.compression)
    _cli.write(args.output, image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
