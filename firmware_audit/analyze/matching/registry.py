"""The patterns analyzers search files' strings for, each source registered by the analyzer using it.

A source is a function returning regular expressions; it is called when the engine is compiled, so
that the signature data behind it is read then, not when the analyzer's module is imported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_SOURCES: dict[str, Callable[[], Iterable[re.Pattern[str]]]] = {}


def register(name: str, source: Callable[[], Iterable[re.Pattern[str]]]) -> None:
    """Make the patterns `source` returns part of the engine; `name` is the analyzer asking."""
    _SOURCES[name] = source


def registered() -> dict[str, tuple[re.Pattern[str], ...]]:
    """Every registered source's patterns, by the name it was registered with."""
    return {name: tuple(source()) for name, source in sorted(_SOURCES.items())}


def generation() -> int:
    """How many sources are registered (an engine compiled with fewer is out of date)."""
    return len(_SOURCES)


def key(pattern: re.Pattern[str]) -> tuple[str, int]:
    """What identifies a pattern in the engine: its text and flags."""
    return pattern.pattern, pattern.flags & (re.IGNORECASE | re.DOTALL | re.MULTILINE)
