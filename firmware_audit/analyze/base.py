"""The per-file analyzer interface and the context the analyzers of one file share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.extract import FileTree, Node
    from firmware_audit.model import Finding


@dataclass(slots=True)
class FileContext:
    """What the analyzers of one file share, so each expensive view of it is computed once.

    Attributes:
        tree: The unpacked image.
        node: The file being analysed.
        cache: Per-file results that analyzers share (strings, ELF parse, YARA matches), by key.
    """

    tree: FileTree
    node: Node
    cache: dict[str, object] = field(default_factory=dict)

    def data(self) -> bytes:
        """The file's bytes (read once, then shared)."""
        cached = self.cache.get("data")
        if not isinstance(cached, bytes):
            cached = self.tree.read(self.node)
            self.cache["data"] = cached
        return cached


class Analyzer(Protocol):
    """A per-file analyzer. An exception it raises becomes an Issue in the report; the audit goes on."""

    name: ClassVar[str]
    version: ClassVar[str]

    def applies_to(self, node: Node) -> bool:
        """Tell whether this analyzer wants to look at this file."""
        ...

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        """Return the findings for one file."""
        ...
