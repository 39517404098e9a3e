"""Vendor strings of `traces/strings.toml` in every file.

Service banners, web-UI titles and plug-ins, board paths, boot prompts, flash controllers, boot-loader
defaults, recovery and TFTP names, chip identification strings.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    has_members,
    source_evidence,
    trace_finding,
)
from firmware_audit.model import Evidence, Location
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding
    from firmware_audit.signatures.traces import StringRule

RULE = "trace/vendor-string"
KIND_TITLES = {
    "service-banner": "service banner",
    "web-ui": "web UI",
    "board-path": "board path",
    "cloud-oem-id": "cloud OEM id",
    "flash-controller": "flash controller",
    "boot-prompt": "boot prompt",
    "uboot-env": "U-Boot defaults",
    "kernel-banner": "kernel banner",
    "tftp-file": "TFTP file",
    "recovery": "recovery defaults",
    "soc-id": "chip identification string",
}
"""How a kind is named in titles (kinds not listed are shown as they are)."""


class VendorStringAnalyzer(ContentTrace):
    """The vendor strings of `traces/strings.toml` in every file's printable strings."""

    name: ClassVar[str] = "trace-strings"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (
        matching.Patterns("trace-strings", lambda: (rule.pattern for rule in signatures().strings)),
    )

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per trace kind and vendor in this file, every match as evidence."""
        if has_members(ctx):
            return
        hits: dict[tuple[str, str], list[tuple[StringRule, str, int, str]]] = defaultdict(list)
        rules = signatures().strings
        texts = ctx.strings()
        # String by string, then rule by rule, as the evidence is listed.
        places = sorted((i, r) for r, rule in enumerate(rules) for i in ctx.candidate_indices(rule.pattern))
        for index, number in places:
            text, rule = texts[index], rules[number]
            width = 2 if text.wide else 1
            for match in rule.pattern.finditer(text.value):
                offset = text.offset + match.start() * width
                hits[rule.kind, rule.vendor].append((rule, match.group(), offset, text.value))
        for (kind, vendor), found in hits.items():
            yield _finding(ctx, kind, vendor, found)


def _finding(
    ctx: FileContext, kind: str, vendor: str, found: list[tuple[StringRule, str, int, str]]
) -> Finding:
    values = list(dict.fromkeys(value.strip() for _, value, _, _ in found))
    rules = list(dict.fromkeys(rule for rule, _, _, _ in found))
    evidence = [source_evidence(ctx, f"{rule.id} ({rule.ref})", rule.sources) for rule in rules]
    seen: set[str] = set()
    for _, value, offset, context in found:
        if value in seen:
            continue
        seen.add(value)
        evidence.append(
            Evidence(
                kind="string",
                value=value,
                location=Location(path=ctx.node.path, offset=offset),
                context=clip(context),
            )
        )
    what = KIND_TITLES.get(kind, kind)
    shown = ", ".join(values)
    return trace_finding(
        ctx,
        rule=RULE,
        key=f"{kind}\x00{vendor}",
        kind=kind,
        title=clip(f"{vendor} {what}: {shown}", 120),
        detail=f"{vendor} {what}: {'; '.join(values)}",
        evidence=evidence,
        vendor=vendor,
        offset=found[0][2],
    )
