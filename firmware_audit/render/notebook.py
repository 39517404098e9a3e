"""Compact HTML for Jupyter: what `Report._repr_html_` and `Comparison._repr_html_` show.

A notebook cell is a fragment of a larger page, not a document: the style is scoped to one class so it
cannot restyle the notebook, and it is derived from the full report's own style so both look alike.
Everything from the firmware goes through `esc`, as in the HTML report. Notebook front ends sanitize
untrusted output anyway; escaping here does not rely on it.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from firmware_audit.model import Category, Severity
from firmware_audit.render._html import STYLE, esc, outcome_badge, share_bar, size

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.model import Finding, Report
    from firmware_audit.notebook.compare import Comparison, Match

SCOPE = "fa-nb"
TOP_FINDINGS = 8
"""Findings a report shows in a cell, most severe first; `Report.to_dataframe()` has them all."""
TOP_REASONS = 3
REASON_CHARS = 240
"""A reason longer than this (one citing many findings) is cut in a cell; the report holds it whole."""
TOP_ROWS = 12
"""Rows per section a comparison shows in a cell; its `frame()` has them all."""
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def scoped_style() -> str:
    """The report's class rules (badges, bars, severities, key-value lists), each limited to the scope."""
    rules = []
    for selectors, body in _RULE.findall(STYLE):
        kept = [s.strip() for s in selectors.split(",") if s.strip().startswith((".", "dl.", "ul."))]
        if kept:
            rules.append(",".join(f".{SCOPE} {s}" for s in kept) + "{" + body + "}")
    table = (
        f".{SCOPE} table{{border-collapse:collapse;margin:.3em 0}}"
        f".{SCOPE} th,.{SCOPE} td{{text-align:left;vertical-align:top;padding:.15em .5em}}"
    )
    return "<style>" + "".join(rules) + table + "</style>"


def report_html(report: Report) -> str:
    """The report in a few lines: image, decision, verdict, counts and the most severe findings."""
    image, coverage, verdict = report.image, report.coverage, report.verdict
    head = (
        f"<strong>{esc(image.name)}</strong> "
        f'<span class="muted">{esc(size(image.size))}, sha256 '
        f'<span class="mono">{esc(image.sha256[:16])}</span>…, {report.files:,} entries</span>'
    )
    explained = (
        f"{share_bar(coverage.explained_ratio)} {coverage.explained_ratio:.1%} "
        f"({len(coverage.unexplained)} unexplained regions)"
    )
    facts = [("explained", explained)]
    if report.decision is not None:
        reasons = report.decision.reasons
        more = f" (+{len(reasons) - TOP_REASONS} more)" if len(reasons) > TOP_REASONS else ""
        listed = "".join(f"<li>{esc(_clip(r))}</li>" for r in reasons[:TOP_REASONS])
        facts.append(("decision", f"{outcome_badge(report.decision.outcome)}{more}<ul>{listed}</ul>"))
    if report.declared is not None:
        d = report.declared
        facts.append(("declared", esc(f"{d.vendor or '?'} ({d.country or '?'}), model {d.model or '?'}")))
    if verdict.unverifiable:
        facts.append(("unverifiable", f"<strong>{esc(verdict.unverifiable_reason or 'yes')}</strong>"))
    facts.append(("SoC", esc(verdict.soc or "not identified")))
    oem = "; ".join(f"{o.vendor} ({o.country or '?'}, {o.confidence:.0%})" for o in verdict.oem)
    facts.append(("OEM", esc(oem or "none identified")))
    facts.extend(
        ("contradiction", esc(f"declared {c.field} {c.declared}, observed {c.observed}"))
        for c in verdict.contradictions
    )
    countries = ", ".join(f"{cc} {n}" for cc, n in verdict.countries.items())
    facts.append(("servers by country", esc(countries or "none")))
    facts.append(("findings", _counts(report.findings)))
    issues = Counter(i.kind.value for i in report.issues)
    facts.append(("issues", esc(", ".join(f"{k} {n}" for k, n in sorted(issues.items())) or "none")))
    kv = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    return (
        f'<div class="{SCOPE}">{scoped_style()}{head}<dl class="kv">{kv}</dl>'
        f"{_top_findings(report.findings)}</div>"
    )


def _clip(text: str) -> str:
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"


def _counts(findings: Sequence[Finding]) -> str:
    """Findings per category, split by severity, most severe first."""
    if not findings:
        return "none"
    parts = []
    for category in Category:
        mine = [f for f in findings if f.category is category]
        if not mine:
            continue
        by_severity = Counter(f.severity for f in mine)
        split = ", ".join(
            f'<span class="sev sev-{esc(s.value)}">{esc(s.value)} {by_severity[s]}</span>'
            for s in sorted(by_severity, key=lambda s: -s.rank)
        )
        parts.append(f"{esc(category.value)} {len(mine)}: {split}")
    return "<br>".join(parts)


def _top_findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, -f.confidence, f.category, f.title, f.id))
    rows = "".join(
        f'<tr><td><span class="sev sev-{esc(f.severity.value)}">{esc(f.severity.value)}</span></td>'
        f"<td>{esc(f.category.value)}</td><td>{esc(f.title)}</td>"
        f'<td class="mono">{esc(f.location.path or "(image)")}'
        f"{f' (+{f.count - 1} more)' if f.count > 1 else ''}</td></tr>"
        for f in ordered[:TOP_FINDINGS]
    )
    rest = len(findings) - TOP_FINDINGS
    more = (
        f'<p class="muted">… and {rest} more: <code>report.to_dataframe()</code> lists them all.</p>'
        if rest > 0
        else ""
    )
    header = "<tr><th>severity</th><th>category</th><th>finding</th><th>where</th></tr>"
    return f"<table>{header}{rows}</table>{more}"


def comparison_html(comparison: Comparison) -> str:
    """Two images side by side: the verdicts, then files, endpoints, SDK families and traces."""
    a, b = comparison.a, comparison.b
    verdict_rows = "".join(
        f"<tr><th>{esc(field)}</th><td>{esc(va)}</td><td>{esc(vb)}</td></tr>"
        for field, va, vb in comparison.verdicts()
    )
    sections = [
        f"<table><tr><th></th><th>A: {esc(a.name)}</th><th>B: {esc(b.name)}</th></tr>{verdict_rows}</table>",
        _files(comparison),
        _matches("Endpoints (by host)", comparison.endpoints),
        _matches("SDK families", comparison.sdks),
        _matches("Traces and chip clues", comparison.traces),
    ]
    return f'<div class="{SCOPE}">{scoped_style()}{"".join(sections)}</div>'


def _files(comparison: Comparison) -> str:
    if comparison.files is None:
        return '<p class="muted">Files: not compared (a side was given as a report, without its tree).</p>'
    both, only_a, only_b = (
        comparison.count("files", "both"),
        comparison.count("files", "a"),
        comparison.count("files", "b"),
    )
    similarity = comparison.file_similarity or 0.0
    shared = sorted(
        (f for f in comparison.files if f.presence == "both"), key=lambda f: (-f.size, f.a[0] if f.a else "")
    )
    rows = "".join(
        f'<tr><td class="mono">{esc(f.sha256[:12])}</td><td>{f.size:,}</td>'
        f'<td class="mono">{esc(", ".join(f.a))}</td><td class="mono">{esc(", ".join(f.b))}</td></tr>'
        for f in shared[:TOP_ROWS]
    )
    changed = (
        f'<p>Same path, different content ({len(comparison.changed)}): <span class="mono">'
        f"{esc(', '.join(comparison.changed[:TOP_ROWS]))}</span></p>"
        if comparison.changed
        else ""
    )
    table = (
        f"<table><tr><th>sha256</th><th>bytes</th><th>in A</th><th>in B</th></tr>{rows}</table>"
        if rows
        else ""
    )
    return (
        f"<h4>Files (by content)</h4><p>{both} shared, {only_a} only in A, {only_b} only in B; "
        f"similarity {similarity:.0%} (shared distinct contents over all).</p>{changed}{table}"
    )


def _matches(title: str, matches: Sequence[Match]) -> str:
    counts = Counter(m.presence for m in matches)
    summary = f"{counts['both']} shared, {counts['a']} only in A, {counts['b']} only in B"
    order = {"both": 0, "a": 1, "b": 2}
    rows = "".join(
        f'<tr><td>{_presence(m.presence)}</td><td class="mono">{esc(m.key)}</td><td>{esc(m.label)}</td></tr>'
        for m in sorted(matches, key=lambda m: (order[m.presence], m.key))[:TOP_ROWS]
    )
    more = (
        f'<p class="muted">… {len(matches) - TOP_ROWS} more in <code>frame()</code>.</p>'
        if len(matches) > TOP_ROWS
        else ""
    )
    table = f"<table>{rows}</table>{more}" if rows else ""
    return f"<h4>{esc(title)}</h4><p>{esc(summary)}</p>{table}"


def _presence(presence: str) -> str:
    label = {"both": "A and B", "a": "only A", "b": "only B"}[presence]
    css = {"both": Severity.LOW, "a": Severity.INFO, "b": Severity.MEDIUM}[presence]
    return f'<span class="sev sev-{css.value}">{label}</span>'
