"""The unpacked image: a read-only virtual tree in which every entry knows where it came from."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware_audit.extract.formats.base import Lazy, NodeKind
from firmware_audit.extract.names import CONTAINER_SEP

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.model import Coverage, ImageInfo, Issue

_MAX_LINK_HOPS = 40


class ContentUnavailableError(Exception):
    """The entry's bytes cannot be read: a limit withheld them, or the container could not give them."""


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of provenance: a container and the format it was read as."""

    container: str
    format: str
    offset: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One entry of the tree.

    Attributes:
        path: Virtual path. Members of the image are `/a/b`; members of a container file `X`
            are `X!/...` (so `/fw.zip!/romfs.img!/payload!/usr/bin/Sofia`).
        name: The raw name as the container recorded it.
        kind: File, directory, symlink, ...
        size: Size of the content in bytes (0 for non-files).
        mode: Unix mode bits when the container records them.
        link: Target of a symlink or hard link, raw and never followed on the host.
        provenance: The containers this entry came through, outermost first.
        format: The format this entry was unpacked as, when it is a container.
        label: What the format's header said (e.g. "squashfs 4.0, xz").
        payload: A firmware payload (partition, uImage data, vendor-container member) rather than an
            ordinary file; payloads are carved and count towards coverage.
        withheld: Why the content is not available, if it is not.
    """

    path: str
    name: bytes
    kind: NodeKind
    size: int
    mode: int | None
    link: bytes | None
    provenance: tuple[Hop, ...]
    format: str | None = None
    label: str | None = None
    payload: bool = False
    withheld: str | None = None
    content: memoryview | bytes | Lazy | None = field(default=None, repr=False)

    @property
    def is_file(self) -> bool:
        """True for regular files (the only entries with content)."""
        return self.kind is NodeKind.FILE

    @property
    def layer(self) -> str:
        """The path prefix of the container that holds this entry (`/` for the image's own members)."""
        cut = self.path.rfind(CONTAINER_SEP)
        return "/" if cut < 0 else self.path[: cut + len(CONTAINER_SEP)]


@dataclass(slots=True)
class FileTree:
    """The unpacked image: entries by virtual path, the problems met, and the coverage of the image.

    A `FileTree` is read-only: nothing in it was written to disk, and reading an entry decodes it
    again from its container when it was not kept in memory.
    """

    image: ImageInfo
    root: Node
    nodes: dict[str, Node]
    issues: tuple[Issue, ...]
    coverage: Coverage

    def __len__(self) -> int:
        """Number of entries, the image itself not counted."""
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        """Entries in unpacking order (depth first, container by container)."""
        return iter(self.nodes.values())

    def __contains__(self, path: object) -> bool:
        """Tell whether a virtual path is in the tree."""
        return path in self.nodes

    def __getitem__(self, path: str) -> Node:
        """Return the entry at `path` (`''` is the image itself); KeyError when there is none."""
        if path == "":
            return self.root
        return self.nodes[path]

    def files(self) -> Iterator[Node]:
        """Regular files, with content or withheld."""
        return (n for n in self.nodes.values() if n.is_file)

    def find(self, pattern: str) -> list[Node]:
        """Entries whose virtual path matches a shell-style pattern (`*` also crosses `/`)."""
        return [n for n in self.nodes.values() if fnmatch.fnmatchcase(n.path, pattern)]

    def read(self, entry: str | Node, limit: int | None = None) -> bytes:
        """Return the bytes of a file (at most `limit` first bytes).

        Raises:
            ContentUnavailableError: the entry is not a file, was withheld by a limit, or its
                container failed to give it.
        """
        data = self.view(entry, limit)
        return data if isinstance(data, bytes) else bytes(data)

    def view(self, entry: str | Node, limit: int | None = None) -> memoryview | bytes:
        """Like `read`, but returns a zero-copy view when the content is already in memory."""
        node = self[entry] if isinstance(entry, str) else entry
        if node.kind is NodeKind.HARDLINK:
            target = self.resolve(node.path)
            if target is None or target is node:
                raise ContentUnavailableError(f"{node.path}: hard link target is not in the same container")
            node = target
        if node.withheld is not None:
            raise ContentUnavailableError(f"{node.path}: {node.withheld}")
        content = node.content
        if content is None:
            raise ContentUnavailableError(f"{node.path}: a {node.kind} has no content")
        if isinstance(content, Lazy):
            try:
                return content.read(limit)
            except Exception as exc:  # a library failing on hostile bytes is data, not a crash
                raise ContentUnavailableError(f"{node.path}: {type(exc).__name__}: {exc}") from exc
        return content if limit is None else content[:limit]

    def resolve(self, path: str) -> Node | None:
        """Follow symlinks and hard links inside the entry's own container; None if they leave it or loop."""
        node = self.nodes.get(path)
        for _ in range(_MAX_LINK_HOPS):
            if node is None or node.link is None:
                return node
            target = node.link.decode("utf-8", "surrogateescape")
            layer = node.layer
            if target.startswith("/") or node.kind is NodeKind.HARDLINK:
                base: list[str] = []
            else:
                base = node.path[len(layer) :].split("/")[:-1]
            for part in target.split("/"):
                if part in {"", "."}:
                    continue
                if part == "..":
                    if not base:
                        return None
                    base.pop()
                else:
                    base.append(part)
            node = self.nodes.get(layer + "/".join(base))
        return None

    def describe(self, entry: str | Node) -> str:
        """Provenance as text, e.g. `fw.bin » zip » /romfs.img » uimage » /romfs.img!/payload » squashfs`."""
        node = self[entry] if isinstance(entry, str) else entry
        parts = [self.image.name]
        for hop in node.provenance:
            if hop.container:
                parts.append(hop.container)
            parts.append(hop.format if not hop.offset else f"{hop.format}@{hop.offset:#x}")
        parts.append(node.path[len(node.layer) - 1 :] if node.layer != "/" else node.path)
        return " » ".join(parts)
