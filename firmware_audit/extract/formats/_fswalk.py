"""A guarded walk over a filesystem's directory tree, shared by the filesystem handlers.

Library parsers trust the image: a directory entry that points back at an ancestor loops forever,
one directory listed from two places doubles the work at every level below it, a corrupt listing
claims millions of entries. This walk is the one place that stops each of these and reports it as
an Issue, so every filesystem handler gets the same guards.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from firmware_audit.extract.formats._blockcodec import BlockError
from firmware_audit.extract.formats.base import Lazy, NodeKind, Output
from firmware_audit.extract.limits import LimitExceeded
from firmware_audit.model import IssueKind

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterator

MAX_DEPTH = 64
"""Directories nested deeper than this are recorded but not listed (real images stay under 20)."""
MAX_DIRECTORY_ENTRIES = 65_536
"""Entries read from one directory; a corrupt size or count would otherwise run on."""
MAX_LINK_TARGET = 4096
"""Longest symlink target read (PATH_MAX); a longer one is a corrupt or hostile inode."""

E = TypeVar("E")


class FsError(Exception):
    """A known failure while reading a filesystem, with the kind of Issue it becomes."""

    def __init__(self, kind: IssueKind, message: str) -> None:
        """Record the Issue kind and message."""
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Member:
    """What one directory entry is, as its inode says.

    Attributes:
        kind: File, directory, symlink, device, FIFO or socket.
        identity: The inode's identity within the filesystem: two entries with the same identity
            are hard links, and a directory whose identity is an ancestor's is a loop.
        mode: Unix mode bits, type included.
        content: A regular file's bytes, read on demand.
        target: A symlink's target, raw.
    """

    kind: NodeKind
    identity: Hashable
    mode: int | None = None
    content: Lazy | None = None
    target: bytes | None = None


class Source(ABC, Generic[E]):
    """A filesystem as the walk sees it: entries are opaque handles of type `E`."""

    @abstractmethod
    def root(self) -> E:
        """Return the root directory."""

    @abstractmethod
    def children(self, directory: E) -> Iterator[tuple[bytes, E]]:
        """Yield the raw name and handle of each entry of a directory ('.' and '..' left out)."""

    @abstractmethod
    def member(self, entry: E) -> Member:
        """Read an entry's inode."""


def walk(source: Source[E], out: Output) -> None:
    """List every entry reachable from the root of `source` into `out`, within the guards.

    Paths are raw bytes joined with '/'. A directory seen again (a loop, or one directory linked
    from two places), an invalid name, a directory too deep or too long, and any failure of the
    reader become Issues; the walk goes on with the rest.
    """
    _Walk(source, out).run()


def shown(path: bytes) -> str:
    """A raw member path as it appears in issue messages."""
    return "/" + path.decode("utf-8", "backslashreplace")


def failure(exc: Exception) -> tuple[IssueKind, str]:
    """The Issue kind and message for an exception a filesystem reader raised."""
    if isinstance(exc, FsError):
        return exc.kind, exc.message
    if isinstance(exc, BlockError):
        return IssueKind.MALFORMED, str(exc)
    return IssueKind.PARSER_ERROR, f"{type(exc).__name__}: {exc}"


class _Walk(Generic[E]):
    def __init__(self, source: Source[E], out: Output) -> None:
        self.source = source
        self.out = out
        self.listed: set[Hashable] = set()
        self.files: dict[Hashable, bytes] = {}
        # The engine charges entries against the file limit only after unpack returns; stopping
        # here keeps a hostile listing from filling memory first.
        self.room = out.budget.limits.max_files - out.budget.files
        self.full = False

    def run(self) -> None:
        try:
            root = self.source.root()
            member = self.source.member(root)
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
            self.fail(b"", "cannot read the root directory", exc)
            return
        if member.kind is not NodeKind.DIRECTORY:
            self.out.issue(IssueKind.MALFORMED, f"the root inode is a {member.kind}, not a directory")
            return
        self.listed.add(member.identity)
        self.directory(root, b"", (member.identity,))

    def directory(self, handle: E, path: bytes, ancestors: tuple[Hashable, ...]) -> None:
        self.out.budget.check_time()
        count = 0
        try:
            for name, child in self.source.children(handle):
                count += 1
                if count > MAX_DIRECTORY_ENTRIES:
                    self.out.issue(
                        IssueKind.LIMIT,
                        f"{shown(path)}: more than {MAX_DIRECTORY_ENTRIES} entries; the rest are not listed",
                    )
                    return
                if len(self.out.entries) >= self.room:
                    if not self.full:
                        self.full = True
                        self.out.issue(
                            IssueKind.LIMIT,
                            f"more entries than the file limit allows; stopped listing at {shown(path)}",
                        )
                    return
                self.entry(path, name, child, ancestors)
                if self.full:
                    return
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
            self.fail(path, f"directory listing broken after {count} entries", exc)

    def entry(self, parent: bytes, name: bytes, handle: E, ancestors: tuple[Hashable, ...]) -> None:
        path = parent + b"/" + name if parent else name
        if name in {b"", b".", b".."} or b"/" in name or b"\0" in name:
            self.out.issue(
                IssueKind.UNSAFE_PATH,
                f"{shown(parent)}: entry named {name!r} is not a valid file name; skipped",
            )
            return
        try:
            member = self.source.member(handle)
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001  (a library failing on hostile bytes is data)
            self.fail(path, "cannot read the entry", exc)
            return
        if member.kind is NodeKind.DIRECTORY:
            self.subdirectory(path, handle, member, ancestors)
        elif member.kind is NodeKind.FILE:
            first = self.files.get(member.identity)
            if first is not None:
                self.out.link(path, NodeKind.HARDLINK, first, mode=member.mode)
            else:
                self.files[member.identity] = path
                self.out.file(path, member.content if member.content is not None else b"", mode=member.mode)
        elif member.kind is NodeKind.SYMLINK:
            self.out.link(path, NodeKind.SYMLINK, member.target or b"", mode=member.mode)
        else:
            self.out.special(path, member.kind, mode=member.mode)

    def subdirectory(self, path: bytes, handle: E, member: Member, ancestors: tuple[Hashable, ...]) -> None:
        if member.identity in ancestors:
            self.out.issue(
                IssueKind.MALFORMED,
                f"{shown(path)}: directory entry points back at an enclosing directory (a loop); "
                "not followed",
            )
            return
        if member.identity in self.listed:
            self.out.issue(
                IssueKind.MALFORMED,
                f"{shown(path)}: directory is already listed elsewhere in the image; not listed again",
            )
            return
        self.listed.add(member.identity)
        self.out.directory(path, mode=member.mode)
        if len(ancestors) >= MAX_DEPTH:
            self.out.issue(
                IssueKind.LIMIT, f"{shown(path)}: nested deeper than {MAX_DEPTH} directories; not listed"
            )
            return
        self.directory(handle, path, (*ancestors, member.identity))

    def fail(self, path: bytes, what: str, exc: Exception) -> None:
        kind, message = failure(exc)
        self.out.issue(kind, f"{shown(path)}: {what}: {message}")
