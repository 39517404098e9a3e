"""pandas views of reports, trees and batch results: one row per finding, evidence, entry or image."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import ValidationError

from firmware_audit.batch.journal import Row
from firmware_audit.batch.runner import JOURNAL
from firmware_audit.model import Finding, Report, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from firmware_audit.extract import FileTree, Node

SEVERITY = pd.CategoricalDtype([s.value for s in Severity], ordered=True)
"""Severities as an ordered category, so `df.sort_values("severity")` and `df.severity >= "medium"` work."""
FINDING_COLUMNS = (
    "id",
    "category",
    "severity",
    "confidence",
    "title",
    "rule",
    "path",
    "offset",
    "count",
    "payload",
    "vendor",
    "country",
    "host",
    "role",
    "operator",
    "reserved",
    "family",
    "library",
    "kind",
    "detail",
    "evidence",
)
BATCH_COLUMNS = (
    "submission",
    "image",
    "status",
    "outcome",
    "reasons",
    "error",
    "findings",
    "issues",
    "seconds",
    "vendor",
    "model",
    "country",
    "sha256",
    "report",
)


def findings_frame(report: Report) -> pd.DataFrame:
    """One row per finding, its payload's main fields flattened into columns (`FINDING_COLUMNS`).

    `payload` says which payload a finding carries (endpoint, sdk, trace, chip); `vendor` and `country`
    are the payload's (an SDK's or chip's vendor country, an endpoint's server country); `kind` and
    `detail` are the endpoint's form and value, the SDK's kind and use, the trace's kind and value, or
    the chip clue and what was seen.
    """
    frame = pd.DataFrame([_finding_row(f) for f in report.findings], columns=list(FINDING_COLUMNS))
    frame["severity"] = frame["severity"].astype(SEVERITY)
    frame["offset"] = frame["offset"].astype("Int64")
    return frame


def _finding_row(f: Finding) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f.id,
        "category": f.category.value,
        "severity": f.severity.value,
        "confidence": f.confidence,
        "title": f.title,
        "rule": f.rule,
        "path": f.location.path,
        "offset": f.location.offset,
        "count": f.count,
        "evidence": len(f.evidence),
    }
    if (e := f.endpoint) is not None:
        row.update(
            payload="endpoint",
            vendor=e.vendor,
            country=e.country,
            host=e.host,
            role=e.role.value,
            operator=e.operator,
            reserved=e.reserved,
            kind=e.kind.value,
            detail=e.value,
        )
    elif (s := f.sdk) is not None:
        row.update(
            payload="sdk",
            vendor=s.vendor,
            country=s.vendor_country,
            family=s.family,
            library=s.library,
            kind=s.kind.value,
            detail=", ".join(u.value for u in s.use),
        )
    elif (t := f.trace) is not None:
        row.update(payload="trace", vendor=t.vendor, country=t.vendor_country, kind=t.kind, detail=t.detail)
    elif (c := f.chip) is not None:
        row.update(
            payload="chip", vendor=c.vendor, country=c.vendor_country, kind=c.clue.value, detail=c.detail
        )
    return row


def evidence_frame(finding: Finding) -> pd.DataFrame:
    """The proof behind one finding: what was seen, where (path and offset) and around it."""
    rows = [
        {
            "kind": e.kind,
            "value": e.value,
            "path": e.location.path,
            "offset": e.location.offset,
            "context": e.context,
        }
        for e in finding.evidence
    ]
    frame = pd.DataFrame(rows, columns=["kind", "value", "path", "offset", "context"])
    frame["offset"] = frame["offset"].astype("Int64")
    return frame


def entries_frame(
    tree: FileTree, entries: Iterable[Node] | None = None, *, hashes: bool = False
) -> pd.DataFrame:
    """Entries of a tree (all of them, or e.g. `tree.ls(path)` or `tree.find(glob)`), one row each.

    With `hashes`, a `sha256` column too (computed now, for files with content).
    """
    rows = []
    for node in tree if entries is None else entries:
        row: dict[str, object] = {
            "path": node.path,
            "name": node.name.decode("utf-8", "backslashreplace"),
            "kind": node.kind.value,
            "size": node.size,
            "format": node.format,
            "label": node.label,
            "link": node.link.decode("utf-8", "backslashreplace") if node.link is not None else None,
            "withheld": node.withheld,
        }
        if hashes:
            row["sha256"] = tree.sha256(node)
        rows.append(row)
    columns = ["path", "name", "kind", "size", "format", "label", "link", "withheld"]
    return pd.DataFrame(rows, columns=[*columns, "sha256"] if hashes else columns)


def batch_frame(out: str | Path) -> pd.DataFrame:
    """The results of a batch (`OUT/results.jsonl`, or that file itself), one row per image.

    Read only: the journal is never repaired or locked here, and an unreadable line (a batch killed
    while writing) is skipped. `report` is the path of the image's JSON report, when there is one.
    """
    journal = Path(out)
    folder = journal.parent if journal.is_file() else journal
    if not journal.is_file():
        journal = journal / JOURNAL
    rows = []
    for line in journal.read_bytes().splitlines():
        try:
            row = Row.model_validate_json(line)
        except ValidationError:
            continue
        declared = row.declared
        json_report = row.outputs.get("json")
        rows.append(
            {
                "submission": row.submission,
                "image": row.image,
                "status": row.status,
                "outcome": row.outcome.value if row.outcome is not None else None,
                "reasons": list(row.reasons),
                "error": row.error,
                "findings": row.findings,
                "issues": row.issues,
                "seconds": row.seconds,
                "vendor": declared.vendor if declared else None,
                "model": declared.model if declared else None,
                "country": declared.country if declared else None,
                "sha256": row.sha256,
                "report": str(folder / json_report) if json_report else None,
            }
        )
    return pd.DataFrame(rows, columns=list(BATCH_COLUMNS))


def batch_report(row: pd.Series | Mapping[str, object] | str | Path) -> Report:
    """The full report of one image of a batch: from a row of `batch_frame`, or its `report` path."""
    if isinstance(row, str | Path):
        return Report.from_json(Path(row).read_bytes())
    path = row["report"]
    if not isinstance(path, str | Path) or not str(path):  # pandas gives NaN for a missing path
        raise FileNotFoundError(f"{row['submission']}: no report (status {row['status']}: {row['error']})")
    return Report.from_json(Path(path).read_bytes())
