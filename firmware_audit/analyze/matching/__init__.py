"""One compiled pass over a file's content for every pattern the analyzers look for.

Analyzers declare the regular expressions they search a file's strings with (their `patterns`
attribute, `registry.Patterns`), most of them read from the signature data. The first file analysed
in a process compiles the declarations of the audit's analyzers into one Hyperscan database
(`engine`); each file's content is then scanned once, in C, and every analyzer
asks its context which of the file's strings each of its patterns may match in
(`FileContext.candidates`). The database is compiled in prefilter mode: it may name a string the
pattern does not match, never miss one, so the analyzer's own regular expression, run on those few
strings only, decides, and the findings are those a search of every string would give.
"""

from __future__ import annotations

from firmware_audit.analyze.matching.database import Compiled, Engine, engine
from firmware_audit.analyze.matching.registry import Patterns, declared, patterns_of
from firmware_audit.analyze.matching.scan import Candidates, Lines

__all__ = ["Candidates", "Compiled", "Engine", "Lines", "Patterns", "declared", "engine", "patterns_of"]
