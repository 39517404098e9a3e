"""bzip2: streams that follow one another are one file, as bunzip2 gives it.

bunzip2 decompresses a file of concatenated streams (as `cat a.bz2 b.bz2` makes) into their
concatenation. The series ends at the first stream that does not follow on directly, and what
follows is carved on its own.
"""

from __future__ import annotations

import bz2

from firmware_audit.extract.formats.base import Detection, Handler, Output
from firmware_audit.extract.formats.compression import unpack_series

# After "BZh" and the block-size digit comes either the first block's magic (pi) or, for an empty
# stream, the end-of-stream magic (sqrt(pi)); both are 48-bit constants of the format.
_BLOCK_MAGIC = b"1AY&SY"
_END_MAGIC = b"\x17\x72\x45\x38\x50\x90"


class Bzip2Handler(Handler):
    """bzip2 stream (the `bzip2` tool, U-Boot `IH_COMP_BZIP2`)."""

    name = "bzip2"
    magics = (b"BZh",)
    wrapper = True

    def probe(self, data: memoryview) -> Detection | None:
        """Check the level digit and the magic of the first block.

        The probe does not decode: bzip2 produces nothing until a whole block (up to 900 kB of
        input) has arrived, and the ten fixed bytes are already a strong signature.
        """
        head = bytes(data[:10])
        if len(head) < 10 or not 0x31 <= head[3] <= 0x39 or head[4:10] not in {_BLOCK_MAGIC, _END_MAGIC}:
            return None
        return Detection(f"bzip2 compressed data, block size {head[3] - 0x30}00k")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """Decompress the streams that follow one another into one payload."""
        return unpack_series(
            self,
            bz2.BZ2Decompressor,
            data,
            out,
            parts="{n} bzip2 streams",
            tool="bunzip2",
        )


HANDLER = Bzip2Handler()
