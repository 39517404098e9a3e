"""Analyzers: the per-file analyzers and the image-level steps, each registered in one explicit tuple.

Per-file analyzers turn files into findings; image-level steps finish the report over all of them.
"""

from __future__ import annotations

from firmware_audit.analyze.base import Analyzer, ImageStep, Searcher
from firmware_audit.analyze.context import FileContext, Text
from firmware_audit.analyze.endpoints import EndpointAnalyzer
from firmware_audit.analyze.lineage import LineageAnalyzer
from firmware_audit.analyze.sdk import SdkAnalyzer
from firmware_audit.analyze.steps import IMAGE_STEPS
from firmware_audit.analyze.traces import TRACE_ANALYZERS

ANALYZERS: tuple[Analyzer, ...] = (SdkAnalyzer(), EndpointAnalyzer(), *TRACE_ANALYZERS, LineageAnalyzer())
"""Every per-file analyzer, in the order they run. Each later analyzer adds itself here."""

__all__ = ["ANALYZERS", "IMAGE_STEPS", "Analyzer", "FileContext", "ImageStep", "Searcher", "Text"]
