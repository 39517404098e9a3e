"""What the trace analyzers share: how a trace finding is built, and which files are worth reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.model import Category, Evidence, Finding, Location, Severity, TracePayload
from firmware_audit.signatures.sdk import signatures as sdk_signatures
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterable

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node

MAX_EVIDENCE = 16
"""Evidence items per finding; the detail names every distinct value."""
MAX_CONTEXT = 160
"""Characters of surrounding text kept with a piece of evidence."""


class ContentTrace:
    """Base of the trace analyzers that read a file's own bytes, whatever its name."""

    def applies_to(self, node: Node) -> bool:
        """Every non-empty file."""
        return node.size > 0


def has_members(ctx: FileContext) -> bool:
    """Whether this file was opened as a container with members (which are analysed on their own).

    A container's bytes hold its members', so reading both would report every trace twice. A code
    image (a kernel embedding its initramfs) is read: what it embeds is blanked in its bytes.
    """
    return (
        ctx.node.format is not None
        and not ctx.tree.is_code_image(ctx.node)
        and ctx.tree.has_members(ctx.node)
    )


def file_name(ctx: FileContext) -> str:
    """The last component of the file's virtual path."""
    return ctx.node.path.rsplit("/", 1)[-1]


def left_out(analysis: str, count: int, what: str, kept: int, done: str = "reported") -> str:
    """The message of a limit reached: `count` `what` (a plural) found, the first `kept` `done`."""
    return f"{analysis}: {count} {what}, the first {kept} {done}, {count - kept} left out"


def clip(text: str, limit: int = MAX_CONTEXT) -> str:
    """A text cut to `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def country_of(vendor: str) -> str | None:
    """The headquarters country of a maker of the maker base, else of a chip or SDK vendor."""
    maker = signatures().maker(vendor)
    if maker is not None:
        return maker.country
    return next((f.vendor_country for f in sdk_signatures().families if f.vendor == vendor), None)


def maker_severity(vendor: str | None) -> Severity:
    """LOW for a trace that names a camera maker (it tells who built the product), else INFO."""
    return Severity.LOW if signatures().maker(vendor) is not None else Severity.INFO


def trace_finding(
    place: FileContext | str,
    *,
    rule: str,
    key: str,
    kind: str,
    title: str,
    detail: str,
    evidence: Iterable[Evidence],
    vendor: str | None = None,
    vendor_country: str | None = None,
    category: Category = Category.REBRANDING,
    severity: Severity | None = None,
    confidence: float = 0.8,
    offset: int | None = None,
) -> Finding:
    """A trace finding for the file of a context, or for the entry at a path.

    `key` distinguishes findings of one rule in one file.
    """
    path = place if isinstance(place, str) else place.node.path
    location = Location(path=path)
    if vendor and vendor_country is None:
        vendor_country = country_of(vendor)
    return Finding(
        id=Finding.fingerprint(rule, location, key),
        category=category,
        rule=rule,
        title=title,
        severity=severity if severity is not None else maker_severity(vendor),
        confidence=confidence,
        location=Location(path=path, offset=offset),
        evidence=tuple(evidence)[:MAX_EVIDENCE],
        trace=TracePayload(kind=kind, vendor=vendor or None, vendor_country=vendor_country, detail=detail),
    )


def source_evidence(ctx: FileContext, what: str, sources: Iterable[str]) -> Evidence:
    """The signature row behind a finding and its public sources, as evidence."""
    return Evidence(
        kind="signature", value=what, location=Location(path=ctx.node.path), context="; ".join(sources)
    )


def string_evidence(ctx: FileContext, found: Iterable[tuple[str, int]], width: int = 300) -> list[Evidence]:
    """Each distinct (string, offset) of this file as string evidence, clipped to `width`, in order."""
    return [
        Evidence(kind="string", value=clip(text, width), location=Location(path=ctx.node.path, offset=at))
        for text, at in dict.fromkeys(found)
    ]
