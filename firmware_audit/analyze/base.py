"""The analyzer interfaces: per-file analyzers, and the image-level steps that finish a report."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.analyze.matching.registry import Patterns
    from firmware_audit.extract import FileTree, Node
    from firmware_audit.model import Finding, Issue, Report
    from firmware_audit.options import AuditOptions


class Analyzer(Protocol):
    """A per-file analyzer.

    An exception it raises becomes an Issue in the report and the audit goes on; problems it can
    name itself go through `FileContext.issue`.

    What it finds must follow from the file's bytes and the traits the audit keys contents by (its
    name, whether it is a container, the override kind of its path): a content seen again under the
    same traits is not analysed again, its findings are moved to the new place. An analyzer that
    reads more of the path than the file's name says so by being a `PathReader`.
    """

    name: ClassVar[str]
    version: ClassVar[str]

    def applies_to(self, node: Node) -> bool:
        """Tell whether this analyzer wants to look at this file (from its name, size, kind)."""
        ...

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        """Return the findings for one file."""
        ...


@runtime_checkable
class PathReader(Protocol):
    """An analyzer whose findings depend on the folders of a file's path, not only on its name.

    The audit adds `path_key` to the traits it keys contents by, so the same bytes in another folder
    are analysed again where the folders say something different (a kernel release in
    `/lib/modules/<release>/`, a `/.svn/` leftover, an `/init.d/` script), rather than given findings
    that name a path they do not hold.
    """

    def path_key(self, path: str) -> Hashable:
        """What this analyzer reads from `path` beyond the file's name (equal values, equal findings)."""
        ...


@runtime_checkable
class EntryReader(Protocol):
    """An analyzer that also reads the entries no file is: folders and symbolic links.

    Their paths and a link's target can say what no file's bytes do: a kernel's module folder
    `/lib/modules/<release>` is often a link into another partition, or empty. Called once an audit,
    in the audit's process, after the files; an exception it raises is an Issue, as from `analyze`.
    """

    def analyze_entries(self, tree: FileTree, issues: list[Issue]) -> Iterable[Finding]:
        """Return the findings the tree's folders and links give (its files are analysed apart).

        What it meets and does not report (a limit reached) it appends to `issues`.
        """
        ...


@runtime_checkable
class Searcher(Protocol):
    """An analyzer that asks the matching engine which strings its patterns may match in.

    It declares every pattern it passes to `FileContext.candidates` in `patterns`; an audit compiles
    the engine from the declarations of the analyzers it runs (`matching.declared`), so that asking
    for a pattern no analyzer declared is an error, not a silent miss.
    """

    patterns: ClassVar[tuple[Patterns, ...]]


class ImageStep(Protocol):
    """An image-level step: runs once, after every file was analysed, over the report so far.

    Endpoint overrides and grading, trace linking, attribution, the SoC and the policy are steps.
    """

    name: ClassVar[str]

    def finalize(self, report: Report, options: AuditOptions) -> Report:
        """Return the report with this step's part done (reports are immutable: a new one)."""
        ...
