"""Decode the contents of an unpacked tree's files ahead of their reading, while start-up goes on.

Unpacking reads a filesystem's metadata and the first bytes of each file; the files' contents are
decoded when the analysis reads them. Between the two, the audit loads its analyzers, reference data
and matching engine: more than a second in which one core is idle. `ReadAhead` decodes contents in
that time, in the order the analysis reads them, and hands them over when it is stopped.

The decoding runs in a forked child process, which shares the tree with the audit copy-on-write and
writes each content into memory shared with it. A thread was tried first: the codecs release the
GIL, but every block takes it twice, and the start-up beside it holds the GIL nearly all along, so
the thread decoded less than half as much in the same time. The child runs only where a core is idle
(`_idle_priority`), so a busy machine's start-up never waits for it. It reads nothing but the tree; it
is killed when the analysis starts, ends by itself when the memory given to it is full, and dies
with the audit. A content the child fails to decode (or a child
that dies on hostile bytes) is left out: the analysis reads the content again and meets the
failure itself, as without reading ahead. Where no child can be forked (`lifeline.can_fork`), or
the tree holds little to decode (`MIN_BYTES`), nothing is read ahead.
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing
import os
import signal
import struct
import sys
from typing import TYPE_CHECKING

from firmware_audit.extract.formats.base import Lazy
from firmware_audit.lifeline import can_fork, die_with_parent

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.extract.tree import FileTree

BUDGET = 128 * 1024 * 1024
"""Bytes of content read ahead at most: what a camera root filesystem holds, about; the rest is
decoded when read, as without reading ahead."""
MIN_BYTES = 4 * 1024 * 1024
"""Bytes of lazy content below which nothing is read ahead: decoding them costs less than a process."""
MAX_CONTENT = 16 * 1024 * 1024
"""Contents larger than this are left to be decoded when read: a large one decodes on every core then
(its blocks side by side), and one the child is still on when the analysis starts is work lost."""
_COUNT = struct.Struct("<I")
"""The count of records the child has written, at the start of the shared memory."""
_RECORDS_AT = 8
_RECORD = struct.Struct("<IQQ")
"""One content read ahead: the file's place in `FileTree.files()`, where its bytes are, their length."""
_MAX_RECORDS = 65536
"""Contents read ahead at most (the records' room is reserved at the start of the shared memory)."""
_DATA = _RECORDS_AT + _MAX_RECORDS * _RECORD.size


class ReadAhead:
    """A child process decoding the lazy contents of a tree's files, in file order, until stopped."""

    def __init__(self, tree: FileTree, budget: int = BUDGET, least: int = MIN_BYTES) -> None:
        """Start decoding the contents of `tree`'s files, `budget` bytes at most, if it has `least`."""
        self._tree = tree
        self._shared: mmap.mmap | None = None
        self._child: multiprocessing.process.BaseProcess | None = None
        if budget <= 0 or not can_fork() or _lazy_bytes(tree, least) < least:
            return
        try:
            self._shared = mmap.mmap(-1, _DATA + budget)
            # What the audit has buffered for its output must not be written by the child too.
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
            child = multiprocessing.get_context("fork").Process(
                target=_decode, args=(tree, self._shared), daemon=True
            )
            child.start()
        except OSError:  # no memory or no process to spare (a limit): nothing is read ahead
            self._close()
            return
        self._child = child

    @property
    def running(self) -> bool:
        """True while the child is decoding (until it is stopped, or has decoded all it will)."""
        return self._child is not None and self._child.is_alive()

    def stop(self) -> dict[str, bytes]:
        """End the child and hand over the contents it finished decoding, by path.

        The child is killed, not asked: it runs only on an idle core, so on a busy machine the content
        it is on could take long to finish; a record is counted once its bytes are written, so what it
        counted is whole.
        """
        if self._child is None or self._shared is None:
            return {}
        self._child.kill()
        self._child.join()
        self._child = None
        try:
            return dict(_records(self._tree, self._shared))
        finally:
            self._close()

    def _close(self) -> None:
        if self._shared is not None:
            self._shared.close()
            self._shared = None


def _lazy_bytes(tree: FileTree, enough: int) -> int:
    """Bytes of lazy content in the tree's files, counted until `enough`."""
    total = 0
    for node in tree.files():
        if total >= enough:
            break
        if isinstance(node.content, Lazy) and node.withheld is None:
            total += node.size
    return total


def _idle_priority() -> None:
    """Run only on a core nothing else wants: the start-up beside the child must not wait for it.

    The child's decoding threads would otherwise take a share of the audit's own core (measured: the
    start-up took longer than the decoding saved). Linux has an idle class; elsewhere the lowest nice.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return
    with contextlib.suppress(OSError):
        os.nice(19)


def _records(tree: FileTree, shared: mmap.mmap) -> Iterator[tuple[str, bytes]]:
    """The contents the child wrote, by path (a record is counted once its bytes are written)."""
    files = list(tree.files())
    (count,) = _COUNT.unpack_from(shared, 0)
    for number in range(min(count, _MAX_RECORDS)):
        place, start, length = _RECORD.unpack_from(shared, _RECORDS_AT + number * _RECORD.size)
        if place < len(files) and start >= _DATA and start + length <= len(shared):
            yield files[place].path, shared[start : start + length]


def _decode(tree: FileTree, shared: mmap.mmap) -> None:
    """The child: decode the contents the analysis will read, in its order, into the shared memory."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is the audit's to handle
    _idle_priority()
    at, count = _DATA, 0
    seen: set[bytes] = set()
    for place, node in enumerate(tree.files()):
        if count >= _MAX_RECORDS:
            return
        content = node.content
        # The analysis reads the files that are not withheld; a content with an identity seen before
        # it decodes again only where the file's traits set it apart (rarely).
        if (
            node.withheld is not None
            or not isinstance(content, Lazy)
            or not 0 < content.size <= min(MAX_CONTENT, len(shared) - at)
            or content.identity in seen
        ):
            continue
        if content.identity is not None:
            seen.add(content.identity)
        with contextlib.suppress(Exception):  # the analysis reads it again and reports the failure
            data = tree.read(node)
            shared[at : at + len(data)] = data
            _RECORD.pack_into(shared, _RECORDS_AT + count * _RECORD.size, place, at, len(data))
            at += len(data)
            count += 1
            _COUNT.pack_into(shared, 0, count)
