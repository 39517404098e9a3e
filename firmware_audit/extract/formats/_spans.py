"""Overlap checks for containers whose table places members in the container's bytes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def overlapping(spans: Sequence[tuple[int, int]]) -> set[int]:
    """Indices of (offset, length) spans that start inside a span placed before them in the bytes.

    Of two spans at the same offset, the one listed first in the table is kept.

    Vendor tables store members one after another; members that share bytes are the pattern of a
    decompression bomb (one payload unpacked many times), so only the first of them keeps its content.
    """
    flagged: set[int] = set()
    reach = -1
    for offset, index, length in sorted((o, i, n) for i, (o, n) in enumerate(spans) if n > 0):
        if offset < reach:
            flagged.add(index)
        else:
            reach = offset + length
    return flagged
