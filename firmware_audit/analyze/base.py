"""The analyzer interfaces: per-file analyzers, and the image-level steps that finish a report."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding, Report
    from firmware_audit.options import AuditOptions


class Analyzer(Protocol):
    """A per-file analyzer.

    An exception it raises becomes an Issue in the report and the audit goes on; problems it can
    name itself go through `FileContext.issue`.

    What it finds must follow from the file's bytes and the traits the audit keys contents by (its
    name, whether it is a container, the override kind of its path): a content seen again under the
    same traits is not analysed again, its findings are moved to the new place.
    """

    name: ClassVar[str]
    version: ClassVar[str]

    def applies_to(self, node: Node) -> bool:
        """Tell whether this analyzer wants to look at this file (from its name, size, kind)."""
        ...

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        """Return the findings for one file."""
        ...


class ImageStep(Protocol):
    """An image-level step: runs once, after every file was analysed, over the report so far.

    Endpoint overrides and grading, trace linking, attribution, the SoC and the policy are steps.
    """

    name: ClassVar[str]

    def finalize(self, report: Report, options: AuditOptions) -> Report:
        """Return the report with this step's part done (reports are immutable: a new one)."""
        ...
