"""The per-file analyzer interface."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding


class Analyzer(Protocol):
    """A per-file analyzer.

    An exception it raises becomes an Issue in the report and the audit goes on; problems it can
    name itself go through `FileContext.issue`.
    """

    name: ClassVar[str]
    version: ClassVar[str]

    def applies_to(self, node: Node) -> bool:
        """Tell whether this analyzer wants to look at this file (from its name, size, kind)."""
        ...

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        """Return the findings for one file."""
        ...
