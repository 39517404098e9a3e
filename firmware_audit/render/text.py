"""The plain-text report: a summary a reader takes in at a glance, then the findings and issues."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmware_audit.model import Report

_MAX_REGIONS = 10


def render(report: Report) -> str:
    """Return the report as text, for a terminal or a file."""
    image, cov = report.image, report.coverage
    lines = [
        f"Image: {image.name}  ({image.size:,} bytes, sha256 {image.sha256})",
        (
            f"Unpacked: {report.files:,} entries; {cov.explained_ratio:.1%} of the image explained "
            f"({cov.bytes_explained:,} of {cov.bytes_total:,} bytes)"
        ),
    ]
    if report.declared is not None:
        d = report.declared
        lines.append(f"Declared: {d.vendor or '?'} ({d.country or '?'}), model {d.model or '?'}")
    if report.verdict.unverifiable:
        lines.append(f"UNVERIFIABLE: {report.verdict.unverifiable_reason}")
    lines.extend(_decision(report))
    lines.append("")
    lines.append(f"Findings ({len(report.findings)}):")
    if not report.findings:
        lines.append("  none")
    for f in sorted(report.findings, key=lambda f: (-f.severity.rank, f.category, f.title)):
        lines.append(f"  [{f.severity.value:>8}] {f.category.value:<11} {f.title}")
        lines.append(f"             at {f.location.path or '(image)'}  rule {f.rule}  id {f.id}")
    if cov.unexplained:
        biggest = sorted(cov.unexplained, key=lambda r: -r.image_bytes)[:_MAX_REGIONS]
        lines.append("")
        lines.append(f"Unexplained regions ({len(cov.unexplained)}, largest first):")
        for r in biggest:
            where = f"{r.location.path or '(image)'}@{r.location.offset or 0:#x}"
            lines.append(f"  {where}  {r.length:,} bytes  entropy {r.entropy:.2f} bits/byte")
    lines.append("")
    lines.append(f"Issues ({len(report.issues)}):")
    if not report.issues:
        lines.append("  none")
    for i in report.issues:
        where = i.location.path or "(image)"
        if i.location.offset is not None:
            where += f"@{i.location.offset:#x}"
        lines.append(f"  {i.kind.value:<14} {where}: {i.message}")
    return "\n".join(lines) + "\n"


def _decision(report: Report) -> list[str]:
    if report.decision is None:
        return []
    return [
        f"Decision: {report.decision.outcome.value.upper()}",
        *(f"  - {reason}" for reason in report.decision.reasons),
    ]
