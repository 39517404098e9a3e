"""Distribution identity files: who the system says it is (`/etc/openwrt_release`, `/etc/os-release`).

The `KEY=value` lines of a release file name the distribution, its version and revision. When the
distribution is one of the maker base (OpenWrt, OpenIPC), the trace names it; the identity is reported
either way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import clip, file_name, trace_finding
from firmware_audit.model import Evidence, Location, Severity
from firmware_audit.signatures.makers import Maker
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE = "trace/distribution"
NAMES = re.compile(r"(?:os|lsb|[\w-]+)[-_]release|[\w-]+_version|os-release")
_LINE = re.compile(r"^([A-Z][A-Z0-9_]{1,40})=(.{0,200})$", re.MULTILINE)
IDENTITY = ("DISTRIB_ID", "NAME", "ID", "DISTRIB_DESCRIPTION", "PRETTY_NAME")
"""Keys naming the distribution, strongest first."""
MAX_SIZE = 16 * 1024


class DistributionAnalyzer:
    """Release files: the distribution, its version and revision."""

    name: ClassVar[str] = "trace-release"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Small files named like a release file under /etc or /usr/lib."""
        name = node.path.rsplit("/", 1)[-1]
        return 0 < node.size <= MAX_SIZE and "/etc/" in node.path and bool(NAMES.fullmatch(name))

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding with the identity lines of the file."""
        text = ctx.data().decode("utf-8", "replace")
        lines = {m.group(1): m.group(2).strip().strip("'\"") for m in _LINE.finditer(text)}
        raw = [m.group() for m in _LINE.finditer(text)]
        if not lines:
            return
        who = next((lines[k] for k in IDENTITY if lines.get(k)), file_name(ctx))
        named = [m.who for m in maker_base().find(who) if isinstance(m.who, Maker)]
        vendor = named[0].name if named and named[0].kind == "distribution" else None
        version = lines.get("DISTRIB_RELEASE") or lines.get("VERSION_ID") or lines.get("VERSION") or ""
        revision = lines.get("DISTRIB_REVISION") or lines.get("BUILD_ID") or ""
        title = clip(" ".join(p for p in (who, version, revision) if p), 120)
        yield trace_finding(
            ctx,
            rule=RULE,
            key=title,
            kind="distribution",
            title=f"distribution {title}",
            detail=f"distribution {title} ({file_name(ctx)}: {'; '.join(raw[:8])})",
            evidence=[
                Evidence(kind="line", value=clip(line, 200), location=Location(path=ctx.node.path))
                for line in raw[:16]
            ],
            vendor=vendor,
            severity=Severity.INFO,
            confidence=0.9,
        )
