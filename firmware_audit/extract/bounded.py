"""Streaming decompression that stops at the limits instead of exhausting memory.

The standard library's decompressors (and lz4's and zstd's, which share the interface) all accept a
`max_length`; feeding input in small pieces lets the ratio be judged against what was consumed so
far, so a bomb is stopped after a few MiB rather than after it has filled memory.
"""

from __future__ import annotations

import lzma
import zlib
from dataclasses import dataclass
from typing import Protocol

from firmware_audit.extract.limits import Budget, LimitExceeded, MiB

_FEED = 64 * 1024
_CHUNK = 1 * MiB
# What the stdlib and lz4 decompressors raise on bad data (lzma's error class derives from none of these).
DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    MemoryError,
    lzma.LZMAError,
    zlib.error,
)


class Decompressor(Protocol):
    """The interface shared by bz2, lzma, lz4.frame and zstd decompressor objects."""

    @property
    def eof(self) -> bool: ...  # noqa: D102

    @property
    def needs_input(self) -> bool: ...  # noqa: D102

    @property
    def unused_data(self) -> bytes: ...  # noqa: D102

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...  # noqa: D102


@dataclass(frozen=True, slots=True)
class Inflated:
    """The outcome of one bounded decompression.

    Attributes:
        data: What was produced (possibly partial).
        consumed: Input bytes that belong to the stream (its extent, when `complete`).
        complete: The stream ended properly.
        error: Why decoding stopped early, if it did.
        limit: The limit that stopped it, if one did.
    """

    data: bytes
    consumed: int
    complete: bool
    error: str | None = None
    limit: LimitExceeded | None = None


def inflate(
    decomp: Decompressor,
    source: memoryview,
    *,
    budget: Budget,
    what: str,
    max_output: int | None = None,
    errors: tuple[type[Exception], ...] = (),
) -> Inflated:
    """Decompress `source` with `decomp`, charging the budget and enforcing the ratio as it goes.

    Args:
        decomp: A fresh decompressor object (`bz2.BZ2Decompressor`, `lzma.LZMADecompressor`, ...).
        source: The compressed bytes; trailing data after the stream is allowed.
        budget: The unpack's budget; produced bytes are charged to it.
        what: A name for messages.
        max_output: Stop after this many bytes (for probing a stream's first bytes).
        errors: Further exception classes the decompressor raises on bad data (zstd's `ZstdError`).

    Returns:
        What was produced and how far the stream reached; errors and limits are returned, not raised.
    """
    out = bytearray()
    fed = 0
    try:
        while not decomp.eof:
            if decomp.needs_input:
                if fed >= len(source):
                    return Inflated(bytes(out), fed, complete=False, error="stream ends early")
                piece = bytes(source[fed : fed + _FEED])
                fed += len(piece)
            else:
                piece = b""
            want = _CHUNK if max_output is None else min(_CHUNK, max_output - len(out))
            chunk = decomp.decompress(piece, max_length=want)
            if chunk:
                budget.charge_bytes(len(chunk))
                out += chunk
                budget.check_ratio(len(out), fed, what)
                budget.check_time()
            if max_output is not None and len(out) >= max_output:
                return Inflated(bytes(out), fed, complete=False)
    except LimitExceeded as exc:
        return Inflated(bytes(out), fed, complete=False, limit=exc)
    except (*DECODE_ERRORS, *errors) as exc:
        return Inflated(bytes(out), fed, complete=False, error=f"{type(exc).__name__}: {exc}")
    consumed = fed - len(decomp.unused_data)
    return Inflated(bytes(out), consumed, complete=True)
