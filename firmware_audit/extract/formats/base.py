"""What a format handler is, and the output it fills while unpacking.

A handler recognises one format by content (`probe`) and lists what the format holds (`unpack`)
into an `Output`. It never recurses, never writes to disk and never raises for bad input: problems
are `Output.issue` calls, and anything a library raises is caught by the engine and becomes an Issue
for that container.
"""

from __future__ import annotations

import stat
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from firmware_audit.extract.limits import LimitExceeded

if TYPE_CHECKING:
    from collections.abc import Callable

    from firmware_audit.extract.limits import Budget
    from firmware_audit.model import IssueKind


class NodeKind(StrEnum):
    """What an entry of the tree is."""

    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR_DEVICE = "char-device"
    BLOCK_DEVICE = "block-device"
    FIFO = "fifo"
    SOCKET = "socket"


KIND_BY_MODE = {
    stat.S_IFDIR: NodeKind.DIRECTORY,
    stat.S_IFREG: NodeKind.FILE,
    stat.S_IFLNK: NodeKind.SYMLINK,
    stat.S_IFBLK: NodeKind.BLOCK_DEVICE,
    stat.S_IFCHR: NodeKind.CHAR_DEVICE,
    stat.S_IFIFO: NodeKind.FIFO,
    stat.S_IFSOCK: NodeKind.SOCKET,
}
"""Entry kinds by the file-type bits of a Unix mode (`stat.S_IFMT`), as the filesystems store them."""
SPECIAL_BY_MODE = {
    fmt: kind
    for fmt, kind in KIND_BY_MODE.items()
    if kind not in {NodeKind.DIRECTORY, NodeKind.FILE, NodeKind.SYMLINK}
}
"""Device nodes, FIFOs and sockets by the file-type bits of a Unix mode."""


@dataclass(frozen=True, slots=True)
class Slice:
    """Content that is a byte range of the handler's own input (zero-copy, maps back to the image)."""

    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Lazy:
    """Content produced on demand, e.g. a file inside a filesystem.

    Attributes:
        size: The size the container declares.
        read: Returns at most `n` first bytes, or everything for None; never more than `size`.
        compressed_size: Bytes the content occupies in the container, when known (for the ratio limit).
        identity: A digest of what determines the content (the stored bytes and how they decode),
            when the container can give one without decoding: equal identities mean equal content,
            so the audit analyses such contents once without decoding each.
    """

    size: int
    read: Callable[[int | None], bytes]
    compressed_size: int | None = None
    identity: bytes | None = None


Content = Slice | bytes | Lazy


@dataclass(frozen=True, slots=True)
class Claim:
    """What a label (a header field, a member name) says the content is; checked against the content.

    Attributes:
        source: Who says it, for the Issue ("uImage header", "member name").
        format: The handler name it implies ("gzip", "cramfs", ...).
        immediate: The label describes the bytes right under it (a header's compression field), so a
            wrapper there must match it. Otherwise (a member name that says "cramfs") the claim is
            about what is inside any wrappers, and passes through them.
    """

    source: str
    format: str
    immediate: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing a container holds."""

    name: bytes
    kind: NodeKind
    content: Content | None = None
    mode: int | None = None
    link: bytes | None = None
    payload: bool = False
    span: Slice | None = None
    claims: tuple[Claim, ...] = ()
    backslash_separates: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """An issue a handler met, at an offset of its input when it has one."""

    kind: IssueKind
    message: str
    offset: int | None = None


@dataclass(slots=True)
class Output:
    """Collects what a handler finds in one container."""

    budget: Budget
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def file(
        self,
        name: bytes | str,
        content: Content,
        *,
        mode: int | None = None,
        payload: bool = False,
        span: Slice | None = None,
        claims: tuple[Claim, ...] = (),
        backslash_separates: bool = False,
    ) -> None:
        """Add a regular file.

        Args:
            name: Member path inside the container, raw.
            content: Its bytes: a `Slice` of the input, decompressed `bytes`, or `Lazy`.
            mode: Unix mode bits, when the container records them.
            payload: True for firmware payloads (partitions, uImage data, vendor-container members):
                these are carved and count towards coverage; False for ordinary files in a
                filesystem or archive, which are only identified at offset 0.
            span: The input range the content was decoded from, when it is not a `Slice`.
            claims: What labels say the content is.
            backslash_separates: The name uses backslashes as separators (zip from Windows tools).
        """
        self._room()
        self.entries.append(
            Entry(
                _raw(name),
                NodeKind.FILE,
                content,
                mode,
                payload=payload,
                span=span,
                claims=claims,
                backslash_separates=backslash_separates,
            ),
        )

    def directory(self, name: bytes | str, *, mode: int | None = None) -> None:
        """Add a directory."""
        self._room()
        self.entries.append(Entry(_raw(name), NodeKind.DIRECTORY, mode=mode))

    def link(
        self, name: bytes | str, kind: NodeKind, target: bytes | str, *, mode: int | None = None
    ) -> None:
        """Add a symlink or hard link; the target is recorded, never followed."""
        self._room()
        self.entries.append(Entry(_raw(name), kind, mode=mode, link=_raw(target)))

    def special(self, name: bytes | str, kind: NodeKind, *, mode: int | None = None) -> None:
        """Add a device node, FIFO or socket (recorded only)."""
        self._room()
        self.entries.append(Entry(_raw(name), kind, mode=mode))

    def room(self) -> int:
        """How many more entries the file limit allows this container to add."""
        return self.budget.limits.max_files - self.budget.files - len(self.entries)

    def _room(self) -> None:
        # Stop a listing at the file limit as it is read, not after a million entries are held.
        if self.room() <= 0:
            raise LimitExceeded("files", f"more than {self.budget.limits.max_files} entries")

    def issue(self, kind: IssueKind, message: str, offset: int | None = None) -> None:
        """Report a problem with this container."""
        self.problems.append(Problem(kind, message, offset))


def _raw(name: bytes | str) -> bytes:
    return name if isinstance(name, bytes) else name.encode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class Detection:
    """A format recognised at the start of some bytes.

    Attributes:
        label: A human description, e.g. "squashfs 4.0, xz".
        length: How many bytes the structure spans, when the header tells; None when only
            unpacking can tell (compressed streams) or when it runs to the end.
    """

    label: str
    length: int | None = None


class Handler(ABC):
    """One format: how to recognise it by content, and how to list what it holds."""

    # Class attributes of each format's handler; a `Deferred` one sets them on the instance.
    name: str
    """Short id used in provenance and reports, e.g. `squashfs`."""
    magics: tuple[bytes, ...]
    """Byte strings that anchor a search for this format anywhere in a blob."""
    magic_offset: int = 0
    """Where the magic sits inside the structure (e.g. 0x438 for ext, 257 for tar)."""
    wrapper: bool = False
    """The format wraps one payload (uImage, gzip): claims about it pass on to that payload."""

    @abstractmethod
    def probe(self, data: memoryview) -> Detection | None:
        """Recognise the format at the start of `data`, cheaply; None when it is not this format."""

    @abstractmethod
    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the members of the structure at the start of `data` into `out`.

        Returns:
            The number of bytes the structure spans, when unpacking learned it (else None).
        """


class Deferred(Handler):
    """A format whose module is imported when it is first asked to probe or unpack.

    A filesystem reader's library costs tens of milliseconds to import (dissect's structure
    definitions are parsed when its module loads), and an image holds one or two of the formats
    the registry knows: the registry lists such a handler by what finds it (name, magics, where they
    sit), which is what the unpacker reads of every handler up front, and by a function that
    imports its module and returns its handler. `tests/extract/formats/test_registry.py` holds the
    two to the same values.
    """

    def __init__(
        self,
        load: Callable[[], Handler],
        *,
        name: str,
        magics: tuple[bytes, ...],
        magic_offset: int = 0,
        wrapper: bool = False,
    ) -> None:
        """A handler that `load` gives, found by these magics at `magic_offset`."""
        self.name = name
        self.magics = magics
        self.magic_offset = magic_offset
        self.wrapper = wrapper
        self._load = load
        self._handler: Handler | None = None

    def handler(self) -> Handler:
        """The format's own handler (its module imported on the first call)."""
        if self._handler is None:
            self._handler = self._load()
        return self._handler

    def probe(self, data: memoryview) -> Detection | None:
        """The format's own `probe`."""
        return self.handler().probe(data)

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """The format's own `unpack`."""
        return self.handler().unpack(data, out)
