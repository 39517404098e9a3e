"""U-Boot environment blocks: a CRC32, an optional redundancy flag, then NUL-ended `key=value` pairs.

The environment has no magic, so it is a fallback handler: tried at the start of a payload (an
`env` partition, say) in which nothing else was found. The CRC over the whole block makes the
recognition certain. Its variables (`bootargs`, `serverip`, `ethaddr` ...) are emitted as one text
file, `environment`, one `key=value` per line, for the analyzers.
"""

from __future__ import annotations

import struct
import zlib

from firmware_audit.extract.formats.base import Detection, Handler, Output

# CONFIG_ENV_SIZE values seen in camera boot loaders, smallest first.
_SIZES = tuple(1 << n for n in range(12, 19))
_MAX_VARIABLES = 4096


def _find(data: memoryview) -> tuple[int, int] | None:
    """The block's size and where its variables start (4, or 5 with the redundancy flag)."""
    for size in _SIZES:
        if size > len(data):
            break
        (crc,) = struct.unpack_from("<I", data)
        for start in (4, 5):
            if zlib.crc32(data[start:size]) == crc and data[start] not in {0, 0xFF}:
                return size, start
    return None


class UBootEnvHandler(Handler):
    """A U-Boot environment block, recognised by its CRC32."""

    name = "uboot-env"
    magics = ()

    def probe(self, data: memoryview) -> Detection | None:
        """Check the CRC over each usual environment size."""
        found = _find(data)
        if found is None:
            return None
        size, start = found
        count = bytes(data[start:size]).split(b"\0\0", 1)[0].count(b"\0") + 1
        return Detection(f"U-Boot environment, {size} bytes, {count} variables", size)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Emit the variables as text, one per line."""
        found = _find(data)
        if found is None:
            return None
        size, start = found
        variables = bytes(data[start:size]).split(b"\0\0", 1)[0].split(b"\0")[:_MAX_VARIABLES]
        out.file("environment", b"\n".join(variables) + b"\n")
        return size


HANDLER = UBootEnvHandler()
