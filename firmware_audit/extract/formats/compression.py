"""Shared helpers for the single-stream compression formats (gzip, bzip2, xz, lzma, lz4, zstd)."""

from __future__ import annotations

import zlib

from firmware_audit.extract.bounded import Decompressor, inflate
from firmware_audit.extract.formats.base import Output, Slice
from firmware_audit.model import IssueKind

PROBE_OUTPUT = 256
"""Bytes a probe decodes to be sure a magic really starts a stream."""


class ZlibStream:
    """Gives `zlib.decompressobj` the `needs_input`/`max_length` interface of the other decompressors."""

    def __init__(self, wbits: int) -> None:
        """Start a stream with zlib's `wbits` (31 for gzip, -15 for raw deflate)."""
        self._d = zlib.decompressobj(wbits)

    @property
    def eof(self) -> bool:
        """True once the stream's end was decoded."""
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        """True when everything fed so far has been turned into output."""
        return not self._d.unconsumed_tail

    @property
    def unused_data(self) -> bytes:
        """Bytes fed after the end of the stream."""
        return self._d.unused_data

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        """Decode more input, producing at most `max_length` bytes."""
        return self._d.decompress(self._d.unconsumed_tail + data, max(max_length, 0))


def decodes(decomp: Decompressor, data: memoryview) -> bool:
    """Tell whether `data` starts a stream this decompressor accepts (decodes its first bytes)."""
    produced = bytearray()
    fed = 0
    try:
        while len(produced) < PROBE_OUTPUT and not decomp.eof:
            if decomp.needs_input:
                if fed >= len(data) or fed >= 64 * 1024:
                    break
                piece = bytes(data[fed : fed + 4096])
                fed += len(piece)
            else:
                piece = b""
            produced += decomp.decompress(piece, max_length=PROBE_OUTPUT - len(produced))
    except (OSError, EOFError, ValueError, RuntimeError):
        return False
    return bool(produced) or decomp.eof


def unpack_stream(name: str, decomp: Decompressor, data: memoryview, out: Output) -> int | None:
    """Decompress one stream into a single payload member; return the stream's extent."""
    result = inflate(decomp, data, budget=out.budget, what=name)
    if result.limit is not None:
        # Keep what was decoded before the limit (it is evidence too), then stop this branch.
        if result.data:
            out.file("payload", result.data, payload=True, span=Slice(0, result.consumed))
        raise result.limit
    if result.error is not None:
        out.issue(
            IssueKind.TRUNCATED if "ends early" in result.error else IssueKind.MALFORMED,
            f"stream broken after {len(result.data)} bytes: {result.error}; kept what was decoded",
        )
    if result.data:
        out.file("payload", result.data, payload=True, span=Slice(0, result.consumed))
    return result.consumed if result.complete else None
