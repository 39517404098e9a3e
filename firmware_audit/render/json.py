"""The JSON report: the report model serialized as it is (`schemas/report.schema.json`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmware_audit.model import Report


def render(report: Report) -> str:
    """Return the report as indented, deterministic JSON."""
    return report.to_json() + "\n"
