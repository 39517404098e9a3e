"""Renderers: each turns one `Report` into one output format.

`render(report, fmt)` picks the renderer by name; renderers are imported when first used, so the
command line does not load the SBOM library to print a text report.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmware_audit.model import Report

FORMATS = ("text", "json", "sarif", "html", "cyclonedx")
"""Every output format, by the name the command line uses."""

EXTENSIONS = {"text": ".txt", "json": ".json", "sarif": ".sarif", "html": ".html", "cyclonedx": ".cdx.json"}
"""The file name ending of each format, for the batch's per-image outputs."""


def render(report: Report, fmt: str) -> str:
    """Return the report in the named format (one of `FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"firmware_audit.render.{fmt}")
    text: str = module.render(report)
    return text
