"""Analyzers: per-file analyzers that turn files into findings, registered in one explicit tuple."""

from __future__ import annotations

from firmware_audit.analyze.base import Analyzer
from firmware_audit.analyze.context import FileContext, Text
from firmware_audit.analyze.endpoints import EndpointAnalyzer
from firmware_audit.analyze.sdk import SdkAnalyzer
from firmware_audit.analyze.traces import TRACE_ANALYZERS

ANALYZERS: tuple[Analyzer, ...] = (SdkAnalyzer(), EndpointAnalyzer(), *TRACE_ANALYZERS)
"""Every per-file analyzer, in the order they run. Each later analyzer adds itself here."""

__all__ = ["ANALYZERS", "Analyzer", "FileContext", "Text"]
