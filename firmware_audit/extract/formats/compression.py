"""Shared helpers for the stream compression formats (gzip, bzip2, xz, lzma, lz4, zstd)."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from firmware_audit.extract.bounded import DECODE_ERRORS, Decompressor, Inflated, inflate
from firmware_audit.extract.formats.base import Output, Slice
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from firmware_audit.extract.formats.base import Handler

PROBE_OUTPUT = 256
"""Bytes a probe decodes to be sure a magic really starts a stream."""
PROBE_INPUT = 64 * 1024
"""Input a probe feeds by default before giving up on seeing output."""
DECODER_MEMORY = 256 * 1024 * 1024
"""Most memory an lzma/xz decoder may ask for (xz -9 needs 65 MiB); more is reported as a limit."""


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


def decodes(
    decomp: Decompressor,
    data: memoryview,
    *,
    max_input: int = PROBE_INPUT,
    errors: tuple[type[Exception], ...] = (),
) -> bool:
    """Tell whether `data` starts a stream this decompressor accepts (decodes its first bytes).

    Args:
        decomp: A fresh decompressor.
        data: The candidate stream.
        max_input: Input to feed before giving up; formats whose first block must arrive whole
            before any output (zstd: up to 128 KiB) need more than the default.
        errors: Further exception classes the decompressor raises on bad data.
    """
    produced = bytearray()
    fed = 0
    try:
        while len(produced) < PROBE_OUTPUT and not decomp.eof:
            if decomp.needs_input:
                if fed >= len(data) or fed >= max_input:
                    break
                piece = bytes(data[fed : fed + 4096])
                fed += len(piece)
            else:
                piece = b""
            produced += decomp.decompress(piece, max_length=PROBE_OUTPUT - len(produced))
    except (*DECODE_ERRORS, *errors):
        return False
    return bool(produced) or decomp.eof


def unpack_stream(
    name: str,
    decomp: Decompressor,
    data: memoryview,
    out: Output,
    *,
    errors: tuple[type[Exception], ...] = (),
) -> int | None:
    """Decompress one stream into a single payload member; return the stream's extent.

    `errors` are further exception classes the decompressor raises on bad data.
    """
    return keep_stream(inflate(decomp, data, budget=out.budget, what=name, errors=errors), out)


def unpack_series(
    handler: Handler,
    fresh: Callable[[], Decompressor],
    data: memoryview,
    out: Output,
    *,
    parts: str,
    tool: str,
    errors: tuple[type[Exception], ...] = (),
) -> int | None:
    """Decompress the streams that follow one another into one payload, as the format's tool does.

    gunzip, `xz -d`, bunzip2 and `zstd -d` all write the concatenation of a file's streams (members,
    frames) as one file. The series ends at the first stream that does not follow on directly (other
    bytes, or one the handler's probe refuses or that breaks): what follows is carved on its own, so a
    broken stream is reported as the single stream it is. A series of more than one is said in a
    `summarised` Issue (`parts` names them: "a stream of N members", "N xz streams").

    Args:
        handler: The format's handler: its probe tells where another stream starts.
        fresh: Makes a decompressor for one stream.
        data: From the first stream's start.
        out: Where the payload goes.
        parts: How the Issue names N streams, with `{n}` for the number.
        tool: The tool whose output the payload is.
        errors: Further exception classes the decompressor raises on bad data.
    """
    name = handler.name

    def starts(rest: memoryview) -> bool:
        return handler.probe(rest) is not None

    first = inflate(fresh(), data, budget=out.budget, what=name, errors=errors)
    end = first.consumed
    if not first.complete or not starts(data[end:]):
        return keep_stream(first, out)  # one stream, whole or broken
    pieces, count = [first.data], 1
    while starts(data[end:]):
        stream = inflate(fresh(), data[end:], budget=out.budget, what=name, errors=errors)
        if stream.limit is not None:
            pieces.append(stream.data)
            out.file("payload", b"".join(pieces), payload=True, span=Slice(0, end + stream.consumed))
            raise stream.limit
        if not stream.complete:
            break  # a broken stream ends the series; it is carved (and reported) on its own
        pieces.append(stream.data)
        count += 1
        end += stream.consumed
    out.file("payload", b"".join(pieces), payload=True, span=Slice(0, end))
    out.issue(
        IssueKind.SUMMARISED,
        f"{parts.format(n=f'{count:,}')}, shown as one file: their concatenation, as {tool} gives it",
    )
    return end


def keep_stream(result: Inflated, out: Output) -> int | None:
    """Add what one decompression produced as the payload member; return the stream's extent.

    A limit is raised after the output decoded before it is kept; a broken stream keeps its output
    with an issue that says why.
    """
    if result.limit is not None:
        # Keep what was decoded before the limit (it is evidence too), then stop this branch.
        if result.data:
            out.file("payload", result.data, payload=True, span=Slice(0, result.consumed))
        raise result.limit
    if result.error is not None:
        out.issue(
            _error_kind(result.error),
            f"stream broken after {len(result.data)} bytes: {result.error}; kept what was decoded",
        )
    if result.data:
        out.file("payload", result.data, payload=True, span=Slice(0, result.consumed))
    # A stream that ran out of input spans everything it was given.
    truncated = result.error is not None and _error_kind(result.error) is IssueKind.TRUNCATED
    return result.consumed if result.complete or truncated else None


def _error_kind(error: str) -> IssueKind:
    if "ends early" in error:
        return IssueKind.TRUNCATED
    # liblzma refuses a dictionary larger than DECODER_MEMORY with this message.
    if "Memory usage limit" in error:
        return IssueKind.LIMIT
    return IssueKind.MALFORMED
