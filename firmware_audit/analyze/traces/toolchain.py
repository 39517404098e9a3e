"""Compiler banners: the vendor toolchain an ELF file's `.comment` or a kernel's banner names.

The banners and the toolchain table are the SDK analyzer's (`analyze/sdk/chips.py`, `sdk/chips.toml`):
there a banner is a clue to the SoC, here it is a trace of the SDK the firmware was built with. Only
banners a table row recognises are reported; a plain `GCC: (GNU) 12.2.0` says nothing about a maker.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.sdk.chips import banner_texts, toolchain_sightings
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    has_members,
    source_evidence,
    trace_finding,
)
from firmware_audit.model import Evidence, Location, Severity
from firmware_audit.signatures.sdk import signatures as sdk_signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.analyze.sdk.chips import Sighting
    from firmware_audit.model import Finding

RULE = "trace/toolchain"
MAX_COMMENT_SECTION = 1 << 20


class ToolchainAnalyzer(ContentTrace):
    """Vendor toolchain banners in ELF `.comment` sections and kernel `Linux version` banners."""

    name: ClassVar[str] = "trace-toolchain"
    version: ClassVar[str] = "1.0"

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per toolchain vendor named in this file's banners."""
        if has_members(ctx):
            return
        texts = [(text, None) for text in _comments(ctx)] if ctx.is_elf else banner_texts(ctx.data(), None)
        grouped: dict[str, list[Sighting]] = defaultdict(list)
        for sighting in toolchain_sightings(sdk_signatures(), texts):
            grouped[sighting.vendor].append(sighting)
        for vendor, sightings in grouped.items():
            yield _finding(ctx, vendor, sightings)


def _comments(ctx: FileContext) -> list[str]:
    """The `.comment` entries of an ELF file (from the shared LIEF parse)."""
    binary = ctx.elf()
    if binary is None:
        return []
    try:
        section = binary.get_section(".comment")
        if section is None or section.size > MAX_COMMENT_SECTION:
            return []
        raw = bytes(section.content)
    except Exception:  # noqa: BLE001  (LIEF's errors are data here; the SDK analyzer reports them)
        return []
    entries = (part.decode("latin-1").strip() for part in raw.split(b"\0"))
    return list(dict.fromkeys(text for text in entries if text and text.isprintable()))


def _finding(ctx: FileContext, vendor: str, sightings: list[Sighting]) -> Finding:
    banners = list(dict.fromkeys(s.detail for s in sightings))
    rows = list(dict.fromkeys((s.rule, s.source) for s in sightings))
    evidence = [source_evidence(ctx, f"toolchain {rule}", [source]) for rule, source in rows]
    evidence += [
        Evidence(
            kind="toolchain",
            value=clip(banner, 400),
            location=Location(
                path=ctx.node.path, offset=next(s.offset for s in sightings if s.detail == banner)
            ),
        )
        for banner in banners
    ]
    models = list(dict.fromkeys(m for s in sightings for m in s.models))
    chips = f" (chips {', '.join(models)})" if models else ""
    return trace_finding(
        ctx,
        rule=RULE,
        key=vendor,
        kind="toolchain",
        title=clip(f"{vendor} toolchain{chips}: {banners[0]}", 120),
        detail=f"built with {vendor}'s toolchain{chips}: {' | '.join(banners)}",
        evidence=evidence,
        vendor=vendor,
        severity=Severity.INFO,
        confidence=0.7,
    )
