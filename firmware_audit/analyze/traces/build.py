"""Build hosts and build paths that point to a maker.

Who compiled the kernel (`Linux version ... (user@host)`), and the source paths compilers leave in
binaries (`/home/user/project/src/main.c`).

Reported when a row of `traces/build.toml` knows the host or path, or when the user, host or path
names a camera maker (`hikvision@build-server`). Anonymous ones (`root@ubuntu`) say nothing about a
maker and are not reported.
"""

from __future__ import annotations

import re
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
    from firmware_audit.signatures.traces import BuildRule

RULE_HOST = "trace/build-host"
RULE_PATH = "trace/build-path"
_BANNER = re.compile(
    rb"Linux version [^\s\x00]{1,64} \(([^()\s\x00@]{1,64}@[^()\s\x00]{1,128})\)[\x20-\x7e]{0,400}"
)
_SOURCE_PATH = re.compile(
    r"(?<![\w/])/(?:home|opt|work|build|data)/[\w./+-]{3,240}\.(?:c|cc|cpp|cxx|h|hpp|o|a)\b"
)
MAX_BANNERS = 8
MAX_PATHS = 64
"""Source paths examined per file (a debug build can hold thousands; the first show the tree)."""


class BuildTraceAnalyzer(ContentTrace):
    """Kernel build hosts and compiled-in source paths that point to a maker."""

    name: ClassVar[str] = "trace-build"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (
        matching.Patterns("trace-build", lambda: (_SOURCE_PATH,)),
    )

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """Build-host and build-path findings of one file."""
        if has_members(ctx):
            return
        data = ctx.data()
        if b"Linux version " in data:
            for _, hit in zip(range(MAX_BANNERS), _BANNER.finditer(data), strict=False):
                banner = hit.group().decode("ascii", "replace")
                user_host = hit.group(1).decode("ascii", "replace")
                found = _attribute(user_host, signatures().build_hosts)
                if found is not None:
                    yield _finding(
                        ctx, RULE_HOST, value=user_host, context=banner, offset=hit.start(), found=found
                    )
        paths = 0
        for text in ctx.candidates(_SOURCE_PATH):
            for match in _SOURCE_PATH.finditer(text.value):
                paths += 1
                if paths > MAX_PATHS:
                    return
                path = match.group()
                found = _attribute(path, signatures().build_paths)
                if found is not None:
                    offset = text.offset + match.start() * (2 if text.wide else 1)
                    yield _finding(ctx, RULE_PATH, value=path, context=text.value, offset=offset, found=found)


def _attribute(value: str, rules: tuple[BuildRule, ...]) -> tuple[str, str, tuple[str, ...]] | None:
    """(vendor, why, sources) when a row knows the whole value or it names a maker, else None."""
    rule = next((r for r in rules if r.pattern.fullmatch(value)), None)
    if rule is not None:
        return rule.vendor, f"{rule.id} ({rule.ref})", rule.sources
    maker = signatures().maker(value)
    if maker is not None:
        return maker.name, f"names the maker {maker.name}", maker.sources
    return None


def _finding(
    ctx: FileContext,
    rule: str,
    *,
    value: str,
    context: str,
    offset: int,
    found: tuple[str, str, tuple[str, ...]],
) -> Finding:
    vendor, why, sources = found
    kind = "build-host" if rule == RULE_HOST else "build-path"
    what = "kernel built on" if kind == "build-host" else "built from"
    return trace_finding(
        ctx,
        rule=rule,
        key=value,
        kind=kind,
        title=clip(f"{what} {value} ({vendor})", 120),
        detail=f"{what} {value}: {clip(context, 400)}",
        evidence=(
            source_evidence(ctx, why, sources),
            Evidence(
                kind="string",
                value=clip(context, 400),
                location=Location(path=ctx.node.path, offset=offset),
            ),
        ),
        vendor=vendor,
        offset=offset,
    )
