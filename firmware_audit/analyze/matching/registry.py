"""The patterns analyzers search files' strings for, as each analyzer declares them.

An analyzer that asks the engine (`FileContext.candidates`) declares its patterns in its `patterns`
attribute (`analyze.base.Searcher`); the engine is compiled from the declarations of the analyzers an audit
runs, by default the explicit tuple `firmware_audit.analyze.ANALYZERS`. Nothing is registered by
importing a module. A declaration's source is a function returning regular expressions, called when
the engine is compiled, so that the signature data behind it is read then, not at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.analyze.base import Searcher

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_FLAGS = int(re.IGNORECASE | re.DOTALL | re.MULTILINE)
"""The flags that change what a pattern matches (as a plain int: flag enums are slow to combine)."""


@dataclass(frozen=True, slots=True)
class Patterns:
    """One analyzer's source of patterns for the engine.

    Attributes:
        name: What the patterns are for (the analyzer's name, or its name and a part).
        source: Returns the regular expressions (called when the engine is compiled).
        squeezed: The patterns are searched in the strings with their separators (white space, `_`
            and `-`) taken out: a name written `Xiong Mai`, `xiong-mai` or `XiongMai` is `XiongMai` there.
    """

    name: str
    source: Callable[[], Iterable[re.Pattern[str]]]
    squeezed: bool = False


def declared(analyzers: Iterable[object]) -> tuple[Patterns, ...]:
    """The pattern sources the analyzers declare (`Searcher.patterns`), each once, in order of name."""
    found: dict[str, Patterns] = {}
    for analyzer in analyzers:
        if isinstance(analyzer, Searcher):
            for patterns in analyzer.patterns:
                found.setdefault(patterns.name, patterns)
    return tuple(found[name] for name in sorted(found))


def patterns_of(
    sources: Iterable[Patterns], *, squeezed: bool = False
) -> dict[str, tuple[re.Pattern[str], ...]]:
    """The patterns of the sources searched squeezed (or not), by source name."""
    return {
        s.name: tuple(s.source()) for s in sorted(sources, key=lambda s: s.name) if s.squeezed == squeezed
    }


def key(pattern: re.Pattern[str]) -> tuple[str, int]:
    """What identifies a pattern in the engine: its text and flags."""
    return pattern.pattern, pattern.flags & _FLAGS
