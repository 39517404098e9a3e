"""Limits that are always on, and the budget that enforces them during one unpack."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one unpack. Hitting one stops that branch and becomes an Issue.

    Attributes:
        max_depth: Containers nested deeper than this are recorded but not opened.
        max_bytes: Total bytes that unpacking may produce (decompressed or declared by filesystems).
        max_files: Total entries in the tree.
        max_ratio: Largest expansion (output / input) allowed for one member above `ratio_min_size`.
        ratio_min_size: Members smaller than this are never judged by ratio.
        time_budget: Wall-clock seconds for the whole unpack.
        max_carved: Regions carved out of one payload; past it the rest of the payload is one
            unexplained gap (a header repeated every 64 bytes would otherwise fill the file limit
            with entries that explain nothing but themselves).
    """

    max_depth: int = 16
    max_bytes: int = 4 * GiB
    max_files: int = 200_000
    max_ratio: int = 200
    ratio_min_size: int = 1 * MiB
    time_budget: float = 600.0
    max_carved: int = 10_000


class LimitExceeded(Exception):  # noqa: N818  (it is a signal to stop a branch, not an error)
    """Raised inside a branch when a limit is reached; the engine turns it into an Issue."""

    def __init__(self, limit: str, message: str) -> None:
        """Record which limit (`depth`, `bytes`, `files`, `ratio`, `time`) stopped the branch."""
        super().__init__(message)
        self.limit = limit
        self.message = message


@dataclass(slots=True)
class Budget:
    """What one unpack has spent so far against its `Limits`."""

    limits: Limits
    clock: Callable[[], float] = time.monotonic
    bytes_produced: int = 0
    files: int = 0
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        """Start the wall clock."""
        self.started = self.clock()

    def charge_bytes(self, count: int) -> None:
        """Account for `count` produced bytes, or raise when the total would pass the limit."""
        if self.bytes_produced + count > self.limits.max_bytes:
            raise LimitExceeded(
                "bytes",
                f"unpacking would produce more than {self.limits.max_bytes} bytes in all",
            )
        self.bytes_produced += count

    def charge_file(self) -> None:
        """Account for one more tree entry, or raise at the file limit."""
        if self.files >= self.limits.max_files:
            raise LimitExceeded("files", f"more than {self.limits.max_files} entries")
        self.files += 1

    def check_time(self) -> None:
        """Raise when the wall-clock budget is spent."""
        if self.clock() - self.started > self.limits.time_budget:
            raise LimitExceeded("time", f"wall-clock budget of {self.limits.time_budget:g} s spent")

    def check_ratio(self, produced: int, consumed: int, what: str) -> None:
        """Raise when `produced` bytes from `consumed` input bytes exceed the compression ratio."""
        limits = self.limits
        if produced > limits.ratio_min_size and produced > limits.max_ratio * max(consumed, 1):
            raise LimitExceeded(
                "ratio",
                f"{what} expands {produced} bytes from {consumed}: more than 1:{limits.max_ratio}",
            )
