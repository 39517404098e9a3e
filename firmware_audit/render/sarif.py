"""SARIF 2.1.0: one run per report, one result per finding, for code-scanning dashboards.

Locations are the finding's virtual path under the image file's name, written as the project writes
containers (`fw.bin!/romfs.img!/payload!/etc/passwd`) and percent-encoded into a URI reference; the raw
virtual path is the logical location. Unpacking and analysis issues become tool execution notifications.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from firmware_audit.model import Severity
from firmware_audit.signatures.catalogue import catalogue

if TYPE_CHECKING:
    from firmware_audit.model import Evidence, Finding, Issue, Location, Report

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

_LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
# Characters left as they are in a location URI: path separators, the container marker and the
# unreserved set; everything else (':', spaces, '<', '%', non-ASCII) is percent-encoded.
_URI_SAFE = "/!-._~"


def render(report: Report) -> str:
    """Return the report as a SARIF 2.1.0 log (JSON text, deterministic)."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    rules = _rules(report.findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    image = report.image
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "rules": rules,
            }
        },
        "artifacts": [
            {
                "location": {"uri": _uri(report, "")},
                "length": image.size,
                "hashes": {"sha-256": image.sha256},
                "roles": ["analysisTarget"],
            }
        ],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(report, i) for i in report.issues],
            }
        ],
        "results": [_result(report, f, index[f.rule]) for f in report.findings],
        "properties": _run_properties(report),
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rules(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    rules = []
    for rule_id, found in sorted(by_rule.items()):
        # The rule's metadata is the catalogue's (`signatures/catalogue/rules.toml`); `signatures check`
        # makes sure every rule the code emits is there.
        row = catalogue().rule(rule_id)
        category = row.category if row is not None else found[0].category
        top = max(f.severity.rank for f in found)
        title = catalogue().title(rule_id) or rule_id
        properties: dict[str, Any] = {"category": category.value, "tags": [category.value]}
        if row is not None:
            properties |= {"payload": row.payload, "evidence": row.evidence, "sources": list(row.sources)}
        rules.append(
            {
                "id": rule_id,
                "name": rule_id.replace("/", "_"),
                "shortDescription": {"text": title},
                "fullDescription": {"text": row.description if row else f"A {category.value} finding."},
                "defaultConfiguration": {"level": _LEVEL[list(Severity)[top]]},
                "properties": properties,
            }
        )
    return rules


def _result(report: Report, finding: Finding, rule_index: int) -> dict[str, Any]:
    payload = finding.endpoint or finding.sdk or finding.trace or finding.chip or finding.lineage
    related = _related(report, finding.evidence)
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.title},
        # Every place the finding was seen, the first being its `location` (SARIF 3.27.12).
        "locations": [_location(report, loc) for loc in finding.locations],
        "partialFingerprints": {"firmwareAuditFindingId/v1": finding.id},
        "properties": {
            "id": finding.id,
            "category": finding.category.value,
            "severity": finding.severity.value,
            "confidence": finding.confidence,
            "payload": payload.model_dump(mode="json") if payload is not None else None,
            "evidence": [e.model_dump(mode="json") for e in finding.evidence],
        },
    }
    if related:
        result["relatedLocations"] = related
    return result


def _related(report: Report, evidence: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    """Evidence locations, once each (SARIF wants them unique)."""
    seen: set[str] = set()
    related: list[dict[str, Any]] = []
    for e in evidence:
        loc = _location(report, e.location)
        loc["message"] = {"text": f"{e.kind}: {e.value}"}
        key = json.dumps(loc, sort_keys=True)
        if key not in seen:
            seen.add(key)
            loc["id"] = len(related)
            related.append(loc)
    return related


def _notification(report: Report, issue: Issue) -> dict[str, Any]:
    return {
        "level": "warning",
        "message": {"text": f"{issue.kind.value}: {issue.message}"},
        "locations": [_location(report, issue.location)],
        "descriptor": {"id": issue.kind.value},
    }


def _location(report: Report, location: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(report, location.path)}}
    if location.offset is not None:
        physical["region"] = {"byteOffset": location.offset}
    logical = {"fullyQualifiedName": location.path or "/", "kind": "resource"}
    return {"physicalLocation": physical, "logicalLocations": [logical]}


def _uri(report: Report, path: str) -> str:
    """A URI reference for a virtual path: the image's file name, then `!` and the path inside it."""
    name = quote(report.image.name, safe="-._~", errors="surrogateescape")
    return name if not path else f"{name}!{quote(path, safe=_URI_SAFE, errors='surrogateescape')}"


def _run_properties(report: Report) -> dict[str, Any]:
    return {
        "schemaVersion": report.schema_version,
        "image": report.image.model_dump(mode="json"),
        "declared": report.declared.model_dump(mode="json") if report.declared else None,
        "signatures": report.signatures.model_dump(mode="json"),
        "refdata": [r.model_dump(mode="json") for r in report.refdata],
        "coverage": {
            "bytesTotal": report.coverage.bytes_total,
            "bytesExplained": report.coverage.bytes_explained,
            "explainedRatio": report.coverage.explained_ratio,
        },
        "verdict": report.verdict.model_dump(mode="json"),
        "decision": report.decision.model_dump(mode="json") if report.decision else None,
    }
