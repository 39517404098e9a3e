"""The plain-text report: first what a buyer needs to know in a few sentences, then the proof.

The summary names the declaration, who made the firmware on which chip, where it connects, the
strongest trace of its maker, and whether that contradicts the declaration; an image that could not
be read says so before anything else, and never reads as clean. The verdict, the decision with its
reasons, the findings table, unexplained regions and issues follow.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from firmware_audit.model import Category
from firmware_audit.render.escape import escape_strings

if TYPE_CHECKING:
    from firmware_audit.model import Finding, Report, Verdict

_MAX_REGIONS = 10
MORE_PLACES = 6
"""Places named under a finding seen in many; the JSON, HTML and SARIF reports list them all."""
_MAX_COUNTRIES = 4
"""Countries named in the summary line; the verdict below lists them all."""
_KIND_PHRASES = {
    "credential-hash": "{user} password hash of {vendor} firmware",
    "default-account": "default account of {vendor}",
    "product-definition": "{vendor} product definition file",
    "board-path": "{vendor} board files",
    "web-ui": "{vendor} web UI",
    "service-banner": "{vendor} service banners",
    "cloud-oem-id": "{vendor} cloud OEM id",
    "uid-prefix": "P2P device ID of {vendor}",
    "certificate": "certificate of {vendor}",
    "build-host": "built on a {vendor} build host",
    "restricted-shell": "{vendor} restricted shell",
    "kernel-module": "{vendor} kernel modules",
    "firmware-layout": "{vendor} firmware layout",
    "recovery": "{vendor} recovery defaults",
    "onvif": "ONVIF identity of {vendor}",
    "mac-oui": "default MAC address in {vendor}'s block",
}
"""How the summary names a maker's strongest trace, by trace kind (strongest kinds first)."""


def render(report: Report) -> str:
    """Return the report as text, for a terminal or a file; control characters in it are escaped."""
    report = escape_strings(report)
    lines = [*summary(report), ""]
    lines += _image(report)
    lines += _verdict(report.verdict)
    lines += _decision(report)
    lines += _findings(report.findings)
    lines += _regions(report)
    lines += _set_aside(report)
    lines += _passed_over(report)
    lines += _issues(report)
    return "\n".join(lines) + "\n"


def summary(report: Report) -> list[str]:
    """The few sentences a procurement officer reads: declared, evidence, contradiction, decision."""
    report = escape_strings(report)
    verdict = report.verdict
    lines = [_declared_line(report)]
    if verdict.maker_statement:
        lines.append(f"Maker: {verdict.maker_statement}")
    if verdict.unverifiable:
        lines.append(
            f"UNVERIFIABLE: {verdict.unverifiable_reason}. What the image holds was not seen, "
            "so it cannot be cleared."
        )
    parts = [_maker_phrase(verdict), _endpoint_phrase(verdict)]
    parts += _trace_phrases(report)
    ending = _declaration_phrase(report)
    if ending:
        parts.append(ending)
    lines.append("Evidence: " + "; ".join(p for p in parts if p) + ".")
    if report.decision is not None:
        lines.append(f"Decision: {report.decision.outcome.value.upper()} (reasons below).")
    return lines


def _declared_line(report: Report) -> str:
    d = report.declared
    if d is None:
        return "Declared: nothing (no vendor, model or country was given)."
    model = f", model {d.model}" if d.model else ""
    return f"Declared: {d.vendor or 'vendor not given'} ({d.country or 'country not given'}){model}."


def _maker_phrase(verdict: Verdict) -> str:
    maker = f"{verdict.oem[0].vendor} firmware" if verdict.oem else "no maker named"
    others = [c.vendor for c in verdict.oem[1:] if c.confidence >= 0.5]
    if others:
        maker += f" (also pointing to {', '.join(others)})"
    return f"{maker} on {verdict.soc}" if verdict.soc else f"{maker}; SoC not identified"


def _endpoint_phrase(verdict: Verdict) -> str:
    if not verdict.endpoint_roles:
        return "no hardcoded server"
    ranked = sorted(verdict.endpoint_roles.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    parts = []
    for country, roles in ranked[:_MAX_COUNTRIES]:
        count = verdict.countries.get(country, sum(roles.values()))
        names = ", ".join(role for role, _ in sorted(roles.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append(f"{count} endpoint{'s' if count != 1 else ''} in {country} ({names})")
    if len(ranked) > _MAX_COUNTRIES:
        parts.append(f"more in {len(ranked) - _MAX_COUNTRIES} other countries")
    return ", ".join(parts)


def _trace_phrases(report: Report) -> list[str]:
    """The strongest trace of the top OEM candidate, by the order of `_KIND_PHRASES`."""
    if not report.verdict.oem:
        return []
    top = report.verdict.oem[0]
    basis = set(top.basis)
    traces = [f for f in report.findings if f.id in basis and f.trace is not None]
    for kind, phrase in _KIND_PHRASES.items():
        found = next((f for f in traces if f.trace is not None and f.trace.kind == kind), None)
        if found is not None:
            user = found.title.split(" ", 1)[0] if kind == "credential-hash" else ""
            return [phrase.format(vendor=top.vendor, user=user)]
    return []


def _declaration_phrase(report: Report) -> str:
    verdict, declared = report.verdict, report.declared
    if declared is None:
        return ""
    if verdict.contradictions:
        fields = ", ".join(c.field for c in verdict.contradictions)
        return f"contradicts the declared origin ({fields})"
    if verdict.unverifiable:
        return "the declaration could not be checked"
    if verdict.oem:
        return "consistent with the declaration"
    return "nothing contradicts the declaration"


def _image(report: Report) -> list[str]:
    image, cov = report.image, report.coverage
    return [
        f"Image: {image.name}  ({image.size:,} bytes, sha256 {image.sha256})",
        (
            f"Unpacked: {report.files:,} entries; {cov.explained_ratio:.1%} of the image explained "
            f"({cov.bytes_explained:,} of {cov.bytes_total:,} bytes)"
        ),
    ]


def _verdict(verdict: Verdict) -> list[str]:
    lines = ["", "Verdict:"]
    if verdict.unverifiable:
        lines.append(f"  UNVERIFIABLE: {verdict.unverifiable_reason}")
    lines += [
        f"  OEM candidate: {c.vendor} ({c.country or '?'}), confidence {c.confidence:.2f}, "
        f"{len(c.basis)} supporting findings"
        for c in verdict.oem
    ] or ["  OEM: not identified"]
    lines += [
        f"  Not named: {c.vendor} ({c.country or '?'}), confidence {c.confidence:.2f}, "
        f"{len(c.decisive)} specific of {len(c.basis)} supporting findings"
        for c in verdict.undecided
    ]
    if verdict.sdk_vendors:
        lines.append(f"  SDK vendors: {', '.join(verdict.sdk_vendors)}")
    lines.append(f"  SoC: {verdict.soc or 'not identified'}")
    for country, roles in verdict.endpoint_roles.items():
        shown = ", ".join(f"{role} {n}" for role, n in roles.items())
        lines.append(f"  Endpoints in {country}: {verdict.countries.get(country, 0)} ({shown})")
    lines += [
        f"  CONTRADICTION: declared {c.field} {c.declared!r}, observed {c.observed} "
        f"[findings {', '.join(c.basis)}]"
        for c in verdict.contradictions
    ]
    return lines


def _decision(report: Report) -> list[str]:
    if report.decision is None:
        return []
    return [
        "",
        f"Decision: {report.decision.outcome.value.upper()}",
        *(f"  - {reason}" for reason in report.decision.reasons),
    ]


def _findings(findings: tuple[Finding, ...]) -> list[str]:
    counts = Counter(f.category for f in findings)
    shown = ", ".join(f"{counts[c]} {c.value}" for c in Category if counts[c])
    lines = ["", f"Findings ({len(findings)}{': ' + shown if shown else ''}):"]
    if not findings:
        lines.append("  none")
        return lines
    lines.append(f"  {'severity':>8}  {'category':<11} title")
    for f in sorted(findings, key=lambda f: (-f.severity.rank, f.category, f.title)):
        lines.append(f"  {f.severity.value:>8}  {f.category.value:<11} {f.title}")
        lines.append(f"  {'':>8}  {'':<11} at {f.location.path or '(image)'}  rule {f.rule}  id {f.id}")
        lines.extend(_more_places(f))
    return lines


def _more_places(f: Finding) -> list[str]:
    """The other places a finding was seen: the first few, and how many in all."""
    if f.count == 1:
        return []
    shown = [f"  {'':>8}  {'':<11}   and {loc.path or '(image)'}" for loc in f.locations[1:MORE_PLACES]]
    rest = f.count - MORE_PLACES
    tail = [f"  {'':>8}  {'':<11}   and {rest} more places (the JSON report lists all)"] if rest > 0 else []
    return [f"  {'':>8}  {'':<11} seen in {f.count} places:", *shown, *tail]


def _regions(report: Report) -> list[str]:
    cov = report.coverage
    lines = []
    if cov.unexplained:
        biggest = sorted(cov.unexplained, key=lambda r: -r.image_bytes)[:_MAX_REGIONS]
        lines += ["", f"Unexplained regions ({len(cov.unexplained)}, largest first):"]
        for r in biggest:
            where = f"{r.location.path or '(image)'}@{r.location.offset or 0:#x}"
            lines.append(f"  {where}  {r.length:,} bytes  entropy {r.entropy:.2f} bits/byte")
    if cov.runs:
        biggest_runs = sorted(cov.runs, key=lambda r: -r.image_bytes)[:_MAX_REGIONS]
        lines += ["", f"Runs of unexplained regions of one kind ({len(cov.runs)}, largest first):"]
        for run in biggest_runs:
            span = f"{run.first.path or '(image)'} .. {run.last.path or '(image)'}"
            lines.append(
                f"  {run.pattern}  {run.count:,} regions  {run.length:,} bytes  "
                f"entropy {run.entropy:.2f} bits/byte  ({span})"
            )
    return lines


def _set_aside(report: Report) -> list[str]:
    """What the analyzers judged not to be what it looked like, counted by reason, most first."""
    rejected = report.coverage.rejected
    heading = f"Set aside ({sum(rejected.values()):,} candidates that were not what they looked like):"
    return _by_reason(heading, rejected)


def _passed_over(report: Report) -> list[str]:
    """The files an analyzer did not look into, counted by reason, most first."""
    return _by_reason(
        "Passed over (files an analyzer applies to but did not look into):", report.coverage.passed_over
    )


def _by_reason(heading: str, counts: dict[str, int]) -> list[str]:
    """Counts by reason under a heading, most first, at most `_MAX_REGIONS` of them; none: nothing."""
    if not counts:
        return []
    lines = ["", heading]
    for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:_MAX_REGIONS]:
        lines.append(f"  {count:>8,}  {reason}")
    if len(counts) > _MAX_REGIONS:
        lines.append(f"  and {len(counts) - _MAX_REGIONS} more reasons (the JSON report lists all)")
    return lines


def _issues(report: Report) -> list[str]:
    lines = ["", f"Issues ({len(report.issues)}):"]
    if not report.issues:
        lines.append("  none")
    for i in report.issues:
        where = i.location.path or "(image)"
        if i.location.offset is not None:
            where += f"@{i.location.offset:#x}"
        lines.append(f"  {i.kind.value:<14} {where}: {i.message}")
    return lines
