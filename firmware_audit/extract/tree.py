"""The unpacked image: a read-only virtual tree in which every entry knows where it came from."""

from __future__ import annotations

import fnmatch
import hashlib
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from firmware_audit.extract.formats.base import Lazy, NodeKind
from firmware_audit.extract.names import CONTAINER_SEP

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.model import Coverage, ImageInfo, Issue, UnexplainedRegion

_MAX_LINK_HOPS = 40


class _Printer(Protocol):
    """The part of IPython's pretty printer that `_repr_pretty_` uses."""

    def text(self, obj: str) -> None: ...


class ContentUnavailableError(Exception):
    """The entry's bytes cannot be read: a limit withheld them, or the container could not give them."""


CODE_IMAGES = frozenset({"linux-kernel"})
"""Formats of entries that are code embedding other contents (a kernel and its initramfs): such an entry
is analysed for its own bytes, what it embeds blanked (`FileTree.own_bytes`), and what it embeds as
files of their own."""


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


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """What `FileTree.info` tells about one entry: its facts, where it came from, and its hash.

    Attributes:
        path: Virtual path.
        kind: File, directory, symlink, ...
        size: Size of the content in bytes.
        mode: Unix mode bits, when the container records them.
        link: Raw target of a symlink or hard link (never followed on the host).
        format: The format the entry was unpacked as, when it is a container.
        label: What the format's header said.
        payload: True for firmware payloads (carved, counted in coverage).
        withheld: Why the content is not available, if it is not.
        members: Entries directly inside it (a directory's or a container's).
        provenance: The container chain as text (`FileTree.describe`).
        hops: The container chain, outermost first.
        sha256: Hex SHA-256 of the content; None when there is no readable content.
    """

    path: str
    kind: NodeKind
    size: int
    mode: int | None
    link: bytes | None
    format: str | None
    label: str | None
    payload: bool
    withheld: str | None
    members: int
    provenance: str
    hops: tuple[Hop, ...]
    sha256: str | None

    def __str__(self) -> str:
        """One `key: value` line per known fact, for a terminal or a notebook."""
        facts: dict[str, object] = {
            "path": self.path,
            "kind": self.kind.value,
            "size": f"{self.size:,} bytes",
            "mode": _mode(self.mode),
            "link": self.link.decode("utf-8", "backslashreplace") if self.link is not None else None,
            "format": self.format,
            "label": self.label,
            "payload": "yes" if self.payload else None,
            "withheld": self.withheld,
            "members": self.members or None,
            "provenance": self.provenance,
            "sha256": self.sha256,
        }
        return "\n".join(f"{key:>10}: {value}" for key, value in facts.items() if value is not None)

    def _repr_pretty_(self, printer: _Printer, _cycle: bool) -> None:
        """Show `str(self)` in IPython and Jupyter rather than the one-line dataclass repr."""
        printer.text(str(self))


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
    _digests: dict[str, str | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    _opened: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _gaps: dict[str, tuple[UnexplainedRegion, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _embedded: dict[str, list[tuple[int, int]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

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

    def has_members(self, entry: str | Node) -> bool:
        """True when the entry was opened as a container and members of it are in the tree.

        The set of such containers is built once, on first use, in one pass over the tree.
        """
        path = entry if isinstance(entry, str) else entry.path
        if self._opened is None:
            self._opened = frozenset(
                "" if node.layer == "/" else node.layer[: -len(CONTAINER_SEP)] for node in self.nodes.values()
            )
        return path in self._opened

    @staticmethod
    def is_code_image(entry: Node) -> bool:
        """Whether the entry is code that embeds other contents (`CODE_IMAGES`): read for its own bytes."""
        return entry.format in CODE_IMAGES

    def own_bytes(self, entry: Node, data: bytes) -> bytes:
        """An entry's bytes as the analyzers read it: a code image's with what it embeds blanked.

        A kernel's initramfs is a file of the tree of its own; blanked (zeros, offsets kept) in the
        kernel, it is neither read twice nor scanned there as chance text in compressed bytes. Any
        other entry's bytes are returned as they are.
        """
        if not self.is_code_image(entry):
            return data
        if self._embedded is None:
            embedded: dict[str, list[tuple[int, int]]] = {}
            for node in self.nodes.values():
                hop = node.provenance[-1] if node.provenance else None
                if hop is not None and hop.format == "carve" and hop.offset is not None:
                    embedded.setdefault(hop.container, []).append((hop.offset, node.size))
            self._embedded = embedded
        spans = self._embedded.get(entry.path)
        if not spans:
            return data
        own = bytearray(data)
        for offset, size in spans:
            end = min(len(own), offset + size)
            if offset < end:
                own[offset:end] = bytes(end - offset)
        return bytes(own)

    def unexplained_in(self, entry: str | Node) -> tuple[UnexplainedRegion, ...]:
        """The unexplained regions that lie in this entry, in offset order.

        The index by path is built once, on first use, so a lookup per container costs nothing
        however many containers and regions the tree holds.
        """
        path = entry if isinstance(entry, str) else entry.path
        if self._gaps is None:
            gaps: dict[str, list[UnexplainedRegion]] = {}
            for region in self.coverage.unexplained:
                gaps.setdefault(region.location.path, []).append(region)
            self._gaps = {key: tuple(value) for key, value in gaps.items()}
        return self._gaps.get(path, ())

    def files(self) -> Iterator[Node]:
        """Regular files, with content or withheld."""
        return (n for n in self.nodes.values() if n.is_file)

    def find(self, pattern: str) -> list[Node]:
        """Entries whose virtual path matches a shell-style pattern (`*` also crosses `/`)."""
        return [n for n in self.nodes.values() if fnmatch.fnmatchcase(n.path, pattern)]

    def ls(self, path: str = "/") -> list[Node]:
        """The entries directly inside a directory or a container, sorted by path.

        `"/"` (or `""`) lists the image's own members; a container file `X` (or `X!/`) its members.
        A file that is neither lists itself, as `ls` does.

        Raises:
            KeyError: there is no entry at `path`.
        """
        key = path.rstrip("/").removesuffix(CONTAINER_SEP.rstrip("/"))
        node = self[key]
        children = sorted((n for n in self.nodes.values() if _parent(n.path) == key), key=lambda n: n.path)
        return children if children or node.kind is not NodeKind.FILE or node is self.root else [node]

    def info(self, entry: str | Node) -> EntryInfo:
        """Everything known about one entry, with its provenance and content hash."""
        node = self[entry] if isinstance(entry, str) else entry
        return EntryInfo(
            path=node.path,
            kind=node.kind,
            size=node.size,
            mode=node.mode,
            link=node.link,
            format=node.format,
            label=node.label,
            payload=node.payload,
            withheld=node.withheld,
            members=sum(1 for n in self.nodes.values() if _parent(n.path) == node.path),
            provenance=self.describe(node),
            hops=node.provenance,
            sha256=self.sha256(node),
        )

    def sha256(self, entry: str | Node) -> str | None:
        """Hex SHA-256 of an entry's content (a hard link's target's); None when it has none to read.

        Computed when first asked for and remembered: unpacking never hashes.
        """
        node = self[entry] if isinstance(entry, str) else entry
        if node.path not in self._digests:
            try:
                digest: str | None = hashlib.sha256(self.view(node)).hexdigest()
            except ContentUnavailableError:
                digest = None
            self._digests[node.path] = digest
        return self._digests[node.path]

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


def _parent(path: str) -> str:
    """The path of the directory or container that holds an entry (`""` for the image's own members)."""
    head = path[: path.rfind("/")]
    return head.removesuffix(CONTAINER_SEP.rstrip("/"))


def _mode(mode: int | None) -> str | None:
    """`-rwxr-xr-x` when the mode has its file-type bits (zip members' often lack them), else octal."""
    if mode is None:
        return None
    return stat.filemode(mode) if stat.S_IFMT(mode) else f"{mode:#o}"
