"""Xiongmai `General_*.bin` images: a plain zip of uImage-wrapped `*.img` members and install scripts."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from firmware_audit.writers import _cli
from firmware_audit.writers._zip import Compression, build_zip

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.writers import Member


def install_desc(names: Sequence[str]) -> bytes:
    """A stand-in `InstallDesc` that lists the images to burn.

    The real file's syntax is not documented in the sources this project uses; this one only has to
    exist under that name and mention the images, which is what identifies a General bin.
    """
    commands = [{"Command": "Burn", "FileName": name} for name in names]
    return json.dumps({"UpgradeCommand": commands}, indent="\t").encode() + b"\n"


def build_xiongmai(
    members: Sequence[Member],
    *,
    install: bytes | None = None,
    compression: Compression = "deflated",
) -> bytes:
    """Build a General bin: `InstallDesc` (made up from the `.img` names unless given), then `members`.

    Args:
        members: Member names and bytes, e.g. `u-boot.bin.img`, `romfs-x.cramfs.img`,
            `user-x.squashfs.img`; usually uImage-wrapped filesystems (see `writers.uimage`). A
            member named `InstallDesc` replaces the generated one.
        install: Content of an `Install` member to add, when given.
        compression: How members are stored.
    """
    names = [name for name, _ in members]
    head: list[Member] = []
    if "InstallDesc" not in names:
        head.append(("InstallDesc", install_desc([n for n in names if n.endswith(".img")])))
    if install is not None:
        head.append(("Install", install))
    archive, _ = build_zip([*head, *members], compression=compression)
    return archive


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m firmware_audit.writers.xiongmai -o OUT [options] NAME=PATH...`."""
    p = _cli.parser("xiongmai", "Write a Xiongmai General bin.")
    p.add_argument("--install", type=_cli.member, help="an Install script to add (PATH)")
    p.add_argument("--compression", default="deflated", choices=["stored", "deflated"])
    p.add_argument("members", nargs="+", type=_cli.member, metavar="NAME=PATH")
    args = p.parse_args(argv)
    install = args.install[1] if args.install else None
    image = build_xiongmai(args.members, install=install, compression=args.compression)
    _cli.write(args.output, image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
