"""A self-contained HTML report: one file, no script, no external asset, everything from the firmware escaped.

Sections: the decision and its reasons (finding ids link to the findings), the verdict, a chart of the
endpoints by country and role (inline SVG), the container tree with the explained share of each
container, every finding with its payload and evidence, the unexplained regions and the issues.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from firmware_audit.model import EndpointRole, Severity
from firmware_audit.render._html import esc, outcome_badge, page, share_bar, size
from firmware_audit.signatures.catalogue import catalogue

if TYPE_CHECKING:
    from firmware_audit.model import Container, Finding, Report

_FINDING_ID = re.compile(r"\b[0-9a-f]{16}\b")
ROLE_COLOURS = {
    EndpointRole.P2P: "#cf222e",
    EndpointRole.CLOUD: "#0969da",
    EndpointRole.UPDATE: "#8250df",
    EndpointRole.NTP: "#1a7f37",
    EndpointRole.DNS: "#bf8700",
    EndpointRole.DDNS: "#bc4c00",
    EndpointRole.PUSH: "#d6336c",
    EndpointRole.MQTT: "#0e8a86",
    EndpointRole.UNKNOWN: "#6e7781",
}
"""One colour per endpoint role, shared with the notebook charts so a reader meets one legend."""
_BAR_WIDTH = 640
_ROW = 24


def render(report: Report) -> str:
    """Return the report as one HTML document."""
    finding_ids = {f.id for f in report.findings}
    body = "\n".join(
        [
            _header(report),
            _decision(report, finding_ids),
            _verdict(report),
            _endpoint_chart(report.findings),
            _container_tree(report),
            _findings(report.findings),
            _unexplained(report),
            _set_aside(report),
            _passed_over(report),
            _issues(report),
        ]
    )
    return page(f"firmware audit: {report.image.name}", body)


def _link_ids(text: str, finding_ids: set[str]) -> str:
    """Escape text, then link the finding ids in it (ids are hex, so linking cannot inject markup)."""
    return _FINDING_ID.sub(
        lambda m: f'<a href="#f-{m.group()}">{m.group()}</a>' if m.group() in finding_ids else m.group(),
        esc(text),
    )


def _header(report: Report) -> str:
    image = report.image
    refdata = ", ".join(f"{r.name} ({r.date})" for r in report.refdata) or "none"
    return (
        f"<h1>{esc(image.name)}</h1>\n"
        '<dl class="kv">'
        f"<dt>size</dt><dd>{esc(size(image.size))} ({image.size:,} bytes)</dd>"
        f'<dt>sha256</dt><dd class="mono">{esc(image.sha256)}</dd>'
        f"<dt>entries</dt><dd>{report.files:,}</dd>"
        f"<dt>explained</dt><dd>{share_bar(report.coverage.explained_ratio)} "
        f"{report.coverage.explained_ratio:.1%} ({report.coverage.bytes_explained:,} of "
        f"{report.coverage.bytes_total:,} bytes)</dd>"
        f"<dt>tool</dt><dd>{esc(report.tool.name)} {esc(report.tool.version)}</dd>"
        f'<dt>signatures</dt><dd class="mono">{esc(report.signatures.version)} '
        f"{esc(report.signatures.digest)}</dd>"
        f"<dt>reference data</dt><dd>{esc(refdata)}</dd>"
        "</dl>"
    )


def _decision(report: Report, finding_ids: set[str]) -> str:
    decision = report.decision
    if decision is None:
        return '<p class="muted">No policy was applied: no decision.</p>'
    reasons = "".join(f"<li>{_link_ids(r, finding_ids)}</li>" for r in decision.reasons)
    return (
        f'<div class="decision {esc(decision.outcome.value)}"><strong>Decision:</strong> '
        f"{outcome_badge(decision.outcome)}<ul>{reasons}</ul></div>"
    )


def _verdict(report: Report) -> str:
    verdict, declared = report.verdict, report.declared
    rows = []
    if declared is not None:
        rows.append(
            f"<dt>declared</dt><dd>{esc(declared.vendor or '?')} ({esc(declared.country or '?')}), "
            f"model {esc(declared.model or '?')}</dd>"
        )
    if verdict.unverifiable:
        rows.append(
            f"<dt>unverifiable</dt><dd><strong>{esc(verdict.unverifiable_reason or 'yes')}</strong></dd>"
        )
    rows.append(f"<dt>SoC</dt><dd>{esc(verdict.soc or 'not identified')}</dd>")
    oem = "; ".join(f"{o.vendor} ({o.country or '?'}, {o.confidence:.0%})" for o in verdict.oem)
    rows.append(f"<dt>OEM candidates</dt><dd>{esc(oem or 'none')}</dd>")
    countries = ", ".join(f"{cc}: {n}" for cc, n in verdict.countries.items())
    rows.append(f"<dt>endpoint countries</dt><dd>{esc(countries or 'none')}</dd>")
    rows.extend(
        f"<dt>contradiction</dt><dd>declared {esc(c.field)} {esc(c.declared)}, "
        f"observed {esc(c.observed)}</dd>"
        for c in verdict.contradictions
    )
    return f'<h2>Verdict</h2><dl class="kv">{"".join(rows)}</dl>'


def _endpoint_chart(findings: tuple[Finding, ...]) -> str:
    """Endpoints by country (rows) and role (stacked segments), as inline SVG."""
    counts: dict[str, dict[EndpointRole, int]] = {}
    for f in findings:
        e = f.endpoint
        if e is None or e.role is EndpointRole.REFERENCE:
            continue
        roles = counts.setdefault(e.country or "unknown", {})
        roles[e.role] = roles.get(e.role, 0) + 1
    if not counts:
        return "<h2>Endpoints by country and role</h2><p>No server endpoint was found.</p>"
    rows = sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    peak = max(sum(r.values()) for _, r in rows)
    scale = (_BAR_WIDTH - 100) / peak
    parts = []
    for i, (country, roles) in enumerate(rows):
        y = 8 + i * _ROW
        parts.append(f'<text x="0" y="{y + 13}">{esc(country)}</text>')
        x = 60.0
        for role in EndpointRole:
            n = roles.get(role, 0)
            if not n:
                continue
            width = n * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="18" fill="{ROLE_COLOURS[role]}">'
                f"<title>{esc(country)} {esc(role.value)}: {n}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 13}">{sum(roles.values())}</text>')
    used = [role for role in EndpointRole if any(role in r for _, r in rows)]
    legend_y = 8 + len(rows) * _ROW + 10
    for j, role in enumerate(used):
        lx = j * 90
        parts.append(f'<rect x="{lx}" y="{legend_y}" width="12" height="12" fill="{ROLE_COLOURS[role]}"/>')
        parts.append(f'<text x="{lx + 16}" y="{legend_y + 11}">{esc(role.value)}</text>')
    height = legend_y + 24
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_BAR_WIDTH}" height="{height}" role="img" '
        f'aria-label="endpoints by country and role">{"".join(parts)}</svg>'
    )
    return f"<h2>Endpoints by country and role</h2>{svg}"


def _container_tree(report: Report) -> str:
    """The containers as a nested list, each with the share of it that was explained."""
    if not report.containers:
        return ""
    children: dict[str, list[Container]] = {}
    root = report.containers[0]
    for c in report.containers[1:]:
        parent = _parent(c.path, {x.path for x in report.containers})
        children.setdefault(parent, []).append(c)

    def item(c: Container) -> str:
        explained = 1 - c.unexplained / c.size if c.size else 1.0
        label = f" — {esc(c.label)}" if c.label else ""
        name = esc(c.path or report.image.name)
        kids = children.get(c.path, [])
        inner = f'<ul class="tree">{"".join(item(k) for k in kids)}</ul>' if kids else ""
        return (
            f'<li>{share_bar(explained)} <span class="mono">{name}</span> <strong>{esc(c.format)}</strong>'
            f'{label} <span class="muted">{esc(size(c.size))}, {c.members} entries, '
            f"{explained:.0%} explained</span>{inner}</li>"
        )

    return f'<h2>Containers and coverage</h2><ul class="tree">{item(root)}</ul>'


def _parent(path: str, containers: set[str]) -> str:
    """The nearest enclosing container: the longest `X` such that `path` starts with `X!/`."""
    cut = path.rfind("!/")
    while cut >= 0:
        if path[:cut] in containers:
            return path[:cut]
        cut = path.rfind("!/", 0, cut)
    return ""


def _findings(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return "<h2>Findings</h2><p>None.</p>"
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.category, f.title, f.id))
    return f"<h2>Findings ({len(findings)})</h2>" + "".join(_finding(f) for f in ordered)


def _finding(f: Finding) -> str:
    payload = f.endpoint or f.sdk or f.trace or f.chip or f.lineage
    fields = payload.model_dump(mode="json") if payload is not None else {}
    kv = "".join(
        f"<dt>{esc(k)}</dt><dd>{esc(_value(v))}</dd>" for k, v in fields.items() if v not in (None, [], "")
    )
    where = "<br>".join(
        esc(loc.path or "(image)") + (f" @ {loc.offset:#x}" if loc.offset is not None else "")
        for loc in f.locations
    )
    evidence = "".join(
        f"<tr><td>{esc(e.kind)}</td><td><pre>{esc(e.value)}</pre></td>"
        f'<td class="mono">{esc(e.location.path or "(image)")}'
        f"{f' @ {e.location.offset:#x}' if e.location.offset is not None else ''}</td>"
        f"<td>{f'<pre>{esc(e.context)}</pre>' if e.context else ''}</td></tr>"
        for e in f.evidence
    )
    table = (
        f"<table><tr><th>evidence</th><th>value</th><th>where</th><th>context</th></tr>{evidence}</table>"
        if evidence
        else '<p class="muted">no evidence recorded</p>'
    )
    open_attr = " open" if f.severity.rank >= Severity.MEDIUM.rank else ""
    return (
        f'<details id="f-{esc(f.id)}"{open_attr}><summary><span class="sev sev-{esc(f.severity.value)}">'
        f"{esc(f.severity.value)}</span> {esc(f.category.value)}: {esc(f.title)}</summary>"
        f'<dl class="kv"><dt>id</dt><dd class="mono">{esc(f.id)}</dd>'
        f'<dt>rule</dt><dd><span class="mono">{esc(f.rule)}</span>{_rule_title(f.rule)}</dd>'
        f"<dt>confidence</dt><dd>{f.confidence:.2f}</dd>"
        f'<dt>{"location" if f.count == 1 else f"locations ({f.count})"}</dt><dd class="mono">{where}</dd>'
        f"{kv}</dl>"
        f"{table}</details>"
    )


def _rule_title(rule_id: str) -> str:
    """The rule's title from the rule catalogue, after its id."""
    title = catalogue().title(rule_id)
    return f" — {esc(title)}" if title else ""


def _value(v: object) -> str:
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    return str(v)


def _unexplained(report: Report) -> str:
    regions = sorted(report.coverage.unexplained, key=lambda r: -r.image_bytes)
    if not regions and not report.coverage.runs:
        return "<h2>Unexplained regions</h2><p>None: every byte was explained.</p>"
    rows = "".join(
        f'<tr><td class="mono">{esc(r.location.path or "(image)")}</td><td>{(r.location.offset or 0):#x}</td>'
        f"<td>{r.length:,}</td><td>{r.entropy:.2f}</td></tr>"
        for r in regions
    )
    return (
        f"<h2>Unexplained regions ({len(regions)})</h2><table><tr><th>in</th><th>offset</th>"
        f"<th>bytes</th><th>entropy (bits/byte)</th></tr>{rows}</table>{_runs(report)}"
    )


def _runs(report: Report) -> str:
    runs = sorted(report.coverage.runs, key=lambda r: -r.image_bytes)
    if not runs:
        return ""
    rows = "".join(
        f'<tr><td class="mono">{esc(r.pattern)}</td><td>{r.count:,}</td><td>{r.length:,}</td>'
        f'<td>{r.entropy:.2f}</td><td class="mono">{esc(r.first.path or "(image)")} .. '
        f"{esc(r.last.path or '(image)')}</td></tr>"
        for r in runs
    )
    return (
        f"<h3>Runs of unexplained regions of one kind ({len(runs)})</h3><table><tr><th>in</th>"
        f"<th>regions</th><th>bytes</th><th>entropy (bits/byte)</th><th>first .. last</th></tr>{rows}</table>"
    )


def _set_aside(report: Report) -> str:
    rejected = report.coverage.rejected
    return _by_reason(
        f"Set aside ({sum(rejected.values()):,})",
        "Candidates the analyzers judged not to be what they looked like (strings shaped like servers "
        "that are versions, file names ...), by reason.",
        "candidates",
        rejected,
    )


def _passed_over(report: Report) -> str:
    return _by_reason(
        "Passed over",
        "Files an analyzer applies to but did not look into, by reason.",
        "files",
        report.coverage.passed_over,
    )


def _by_reason(heading: str, intro: str, unit: str, counts: dict[str, int]) -> str:
    """A section of counts by reason, most first; nothing when there are none."""
    if not counts:
        return ""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows = "".join(f"<tr><td>{count:,}</td><td>{esc(reason)}</td></tr>" for reason, count in ordered)
    return (
        f"<h2>{esc(heading)}</h2><p>{esc(intro)}</p>"
        f"<table><tr><th>{unit}</th><th>reason</th></tr>{rows}</table>"
    )


def _issues(report: Report) -> str:
    if not report.issues:
        return "<h2>Issues</h2><p>None.</p>"
    rows = "".join(
        f'<tr><td>{esc(i.kind.value)}</td><td class="mono">{esc(i.location.path or "(image)")}'
        f"{f' @ {i.location.offset:#x}' if i.location.offset is not None else ''}</td>"
        f"<td>{esc(i.message)}</td></tr>"
        for i in report.issues
    )
    return (
        f"<h2>Issues ({len(report.issues)})</h2><table><tr><th>kind</th><th>where</th><th>message</th></tr>"
        f"{rows}</table>"
    )
