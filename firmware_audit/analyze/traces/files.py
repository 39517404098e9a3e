"""Vendor file names: web-UI language packs and plug-ins, firmware layout members, kernel modules.

The names are `traces/files.toml`; a kernel module of `sdk/chips.toml` whose vendor is a camera maker
(Xiongmai's `xm530_isp.ko`) is that maker's trace as well as a clue to its chip, so the chip table is
read here rather than repeated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import file_name, source_evidence, trace_finding
from firmware_audit.analyze.traces.strings import KIND_TITLES
from firmware_audit.model import Evidence, Location
from firmware_audit.signatures.sdk import signatures as sdk_signatures
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE = "trace/vendor-file"


class VendorFileAnalyzer:
    """Files whose name is a vendor's: one finding per matching row."""

    name: ClassVar[str] = "trace-files"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Every file, empty or not: the name is the trace."""
        return node.is_file

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """The file-name findings of one file."""
        name = file_name(ctx)
        data = signatures()
        for rule in data.files:
            if rule.matches(name):
                yield _finding(
                    ctx, rule.id, rule.kind, vendor=rule.vendor, name=name, sources=rule.sources, ref=rule.ref
                )
        if not name.endswith(".ko"):
            return
        for module in sdk_signatures().kernel_modules:
            maker = data.maker(module.vendor)
            if maker is not None and module.matches_module(name):
                what = f"kernel module of {', '.join(module.models) or module.vendor}"
                yield _finding(
                    ctx,
                    module.pattern,
                    "kernel-module",
                    vendor=maker.name,
                    name=name,
                    sources=module.sources,
                    ref=what,
                )


def _finding(
    ctx: FileContext, row: str, kind: str, *, vendor: str, name: str, sources: tuple[str, ...], ref: str
) -> Finding:
    what = KIND_TITLES.get(kind, kind.replace("-", " "))
    return trace_finding(
        ctx,
        rule=RULE,
        key=row,
        kind=kind,
        title=f"{vendor} {what}: {name}",
        detail=f"{vendor} {what}: {name}",
        evidence=(
            source_evidence(ctx, f"{row} ({ref})", sources),
            Evidence(kind="file-name", value=name, location=Location(path=ctx.node.path)),
        ),
        vendor=vendor,
    )
