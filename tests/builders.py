"""Builders for small synthetic inputs shared by the tests (importable as `builders`)."""

from __future__ import annotations

import gzip
import random
import struct
import zlib


def uimage(
    payload: bytes, *, comp: int = 0, image_type: int = 2, name: bytes = b"test", declared: int | None = None
) -> bytes:
    """A U-Boot legacy header (as mkimage writes it) over `payload`."""
    size = len(payload) if declared is None else declared
    fields = [
        0x27051956,
        0,
        0,
        size,
        0x80008000,
        0x80008000,
        zlib.crc32(payload),
        5,
        2,
        image_type,
        comp,
        name.ljust(32, b"\0"),
    ]
    header = struct.pack(">IIIIIIIBBBB32s", *fields)
    fields[1] = zlib.crc32(header)
    return struct.pack(">IIIIIIIBBBB32s", *fields) + payload


def gz(data: bytes) -> bytes:
    """gzip with a fixed mtime, so the bytes are reproducible."""
    return gzip.compress(data, mtime=0)


def noise(n: int, seed: int = 1) -> bytes:
    """Seeded random bytes: incompressible, high entropy."""
    return random.Random(seed).randbytes(n)


TEXT_BLOB = b"".join(b"line %d of a kernel log\n" % i for i in range(400))
"""A compressible text, like a kernel log."""
