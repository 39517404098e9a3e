"""Analyzers: per-file analyzers that turn files into findings, registered in one explicit tuple."""

from __future__ import annotations

from firmware_audit.analyze.base import Analyzer
from firmware_audit.analyze.context import FileContext, Text

ANALYZERS: tuple[Analyzer, ...] = ()
"""Every per-file analyzer, in the order they run. Each later analyzer adds itself here."""

__all__ = ["ANALYZERS", "Analyzer", "FileContext", "Text"]
