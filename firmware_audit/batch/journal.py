"""The batch's results: one JSON line per audited image, appended durably as each image finishes.

Only the batch's own process writes, one whole line at a time, and flushes and fsyncs it before the
image counts as done; a re-run reads the file first and skips every key it holds. A process killed
while writing leaves at most one torn last line: it is cut off on the next open (that image is simply
audited again), so no row is ever lost once written and none is ever written twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError

from firmware_audit.model import Declared, Outcome
from firmware_audit.model._base import Frozen

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class JournalBusyError(Exception):
    """Another batch is writing to the same results folder."""


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold the results folder for one batch at a time (two writers could record an image twice).

    The lock is an `flock` on `folder/.lock`: the kernel drops it when the holder exits, even on kill -9.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JournalBusyError(f"{folder}: another batch is writing its results there") from None
        yield
    finally:
        os.close(fd)


class Row(Frozen):
    """The result of one image of one submission (or of a submission that could not be audited)."""

    key: str = Field(description="What makes the result reusable: image, signatures, policy, declaration.")
    submission: str
    image: str | None = Field(description="The firmware file's name; None when the submission is unusable.")
    sha256: str | None = None
    declared: Declared | None = None
    signatures: str = Field(description="Digest of the signature data the audit used.")
    policy: str | None = Field(
        default=None, description="Digest of the policy's rules, when one was applied."
    )
    status: str = Field(description="audited, or error (the worker crashed, hung or failed).")
    outcome: Outcome | None = None
    reasons: tuple[str, ...] = ()
    error: str | None = None
    findings: int = 0
    issues: int = 0
    seconds: float = 0.0
    outputs: dict[str, str] = Field(
        default_factory=dict, description="Report files by format, relative to --out."
    )


class Journal:
    """The JSON Lines file of a batch's results."""

    def __init__(self, path: Path) -> None:
        """Open (creating if needed) the journal at `path`, cutting off a torn last line."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.torn = _repair(path)
        self.rows: dict[str, Row] = {}
        self.unreadable = 0
        with path.open("rb") as fh:
            for line in fh:
                try:
                    row = Row.model_validate_json(line)
                except ValidationError:
                    self.unreadable += 1
                    continue
                self.rows[row.key] = row

    def __contains__(self, key: object) -> bool:
        """Tell whether a result with this key is already recorded."""
        return key in self.rows

    def append(self, row: Row) -> None:
        """Record a result: one line, flushed and fsynced before this returns."""
        if row.key in self.rows:
            return
        line = row.model_dump_json().encode("utf-8") + b"\n"
        with self.path.open("ab") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self.rows[row.key] = row


def _repair(path: Path) -> bool:
    """Create the file, or cut it after its last newline; True when a torn line was cut off."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            _sync_dir(path)
            return False
        end = size
        # Walk back to the last newline in small steps: the file may be large, the torn tail is short.
        while end > 0:
            start = max(0, end - 65536)
            chunk = os.pread(fd, end - start, start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                keep = start + cut + 1
                break
            end = start
        else:
            keep = 0
        if keep == size:
            return False
        os.ftruncate(fd, keep)
        os.fsync(fd)
        return True
    finally:
        os.close(fd)


def _sync_dir(path: Path) -> None:
    """Make a new file's directory entry durable too."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
