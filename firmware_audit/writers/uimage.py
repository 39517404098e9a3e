"""U-Boot legacy uImage headers, byte for byte as `mkimage` writes them (without needing u-boot-tools).

The compression field is only a label, as with `mkimage -C`: the data is written as given, so a
header can claim gzip over a raw filesystem, which is what some vendor images do.
"""

from __future__ import annotations

import struct
import sys
import zlib
from typing import TYPE_CHECKING

from firmware_audit.writers import _cli

if TYPE_CHECKING:
    from collections.abc import Sequence

HEADER = struct.Struct(">IIIIIIIBBBB32s")
MAGIC = 0x27051956

# Codes from U-Boot's include/image.h (IH_ARCH_*, IH_OS_*, IH_TYPE_*, IH_COMP_*), named as mkimage names them.
ARCH = {"arm": 2, "x86": 3, "mips": 5, "powerpc": 7, "sh": 15, "arm64": 22, "riscv": 26}
OS = {"linux": 5, "u-boot": 17}
TYPE = {
    "standalone": 1,
    "kernel": 2,
    "ramdisk": 3,
    "multi": 4,
    "firmware": 5,
    "script": 6,
    "filesystem": 7,
}
COMPRESSION = {"none": 0, "gzip": 1, "bzip2": 2, "lzma": 3, "lzo": 4, "lz4": 5, "zstd": 6}


def build_uimage(
    data: bytes,
    *,
    name: str = "",
    arch: str = "arm",
    os: str = "linux",
    image_type: str = "filesystem",
    compression: str = "none",
    load: int = 0,
    entry: int = 0,
    timestamp: int = 0,
    stated_size: int | None = None,
) -> bytes:
    """Wrap `data` in a 64-byte legacy header, like `mkimage -A arch -O os -T type -C comp -n name`.

    Args:
        data: The image data, written unchanged.
        name: Image name (at most 32 bytes are kept, as mkimage does).
        arch: CPU architecture, a key of `ARCH`.
        os: Operating system, a key of `OS`.
        image_type: Image type, a key of `TYPE`.
        compression: What the header says the data is compressed with, a key of `COMPRESSION`.
        load: Load address.
        entry: Entry point.
        timestamp: Creation time (mkimage uses SOURCE_DATE_EPOCH; 0 keeps the output reproducible).
        stated_size: The data size the header states, when it must lie (hostile test inputs);
            by default the real size.
    """
    fields = [
        MAGIC,
        0,
        timestamp,
        len(data) if stated_size is None else stated_size,
        load,
        entry,
        zlib.crc32(data),
        OS[os],
        ARCH[arch],
        TYPE[image_type],
        COMPRESSION[compression],
        name.encode()[:32],
    ]
    fields[1] = zlib.crc32(HEADER.pack(*fields))
    return HEADER.pack(*fields) + data


def multi_data(images: Sequence[bytes]) -> bytes:
    """The data of a multi-file image (`-T multi`).

    A zero-terminated table of big-endian sizes, then the images, each but the last padded to 4 bytes.
    """
    table = b"".join(struct.pack(">I", len(image)) for image in images) + b"\0\0\0\0"
    body = b"".join(image + b"\0" * (-len(image) % 4) for image in images[:-1])
    return table + body + (images[-1] if images else b"")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m firmware_audit.writers.uimage -o OUT [mkimage-like options] DATA...`."""
    p = _cli.parser("uimage", "Write a U-Boot legacy uImage (several DATA files make a multi-file image).")
    p.add_argument("-A", dest="arch", default="arm", choices=sorted(ARCH))
    p.add_argument("-O", dest="os", default="linux", choices=sorted(OS))
    p.add_argument("-T", dest="image_type", default="filesystem", choices=sorted(TYPE))
    p.add_argument("-C", dest="compression", default="none", choices=sorted(COMPRESSION))
    p.add_argument("-a", dest="load", type=_cli.integer, default=0)
    p.add_argument("-e", dest="entry", type=_cli.integer, default=0)
    p.add_argument("-n", dest="name", default="")
    p.add_argument("--timestamp", type=_cli.integer, default=0)
    p.add_argument("data", nargs="+", type=_cli.member, help="data file(s)")
    args = p.parse_args(argv)
    images = [data for _, data in args.data]
    multi = len(images) > 1
    image = build_uimage(
        multi_data(images) if multi else images[0],
        name=args.name,
        arch=args.arch,
        os=args.os,
        image_type="multi" if multi else args.image_type,
        compression=args.compression,
        load=args.load,
        entry=args.entry,
        timestamp=args.timestamp,
    )
    _cli.write(args.output, image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
