"""The patterns analyzers search files' strings for, each source registered by the analyzer using it.

A source is a function returning regular expressions; it is called when the engine is compiled, so
that the signature data behind it is read then, not when the analyzer's module is imported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_FLAGS = int(re.IGNORECASE | re.DOTALL | re.MULTILINE)
"""The flags that change what a pattern matches (as a plain int: flag enums are slow to combine)."""
_SOURCES: dict[str, tuple[Callable[[], Iterable[re.Pattern[str]]], bool]] = {}


def register(name: str, source: Callable[[], Iterable[re.Pattern[str]]], *, squeezed: bool = False) -> None:
    """Make the patterns `source` returns part of the engine; `name` is the analyzer asking.

    A `squeezed` source's patterns are searched in the strings with their separators (white space,
    `_` and `-`) taken out: a name written `Xiong Mai`, `xiong-mai` or `XiongMai` is `XiongMai` there.
    """
    _SOURCES[name] = (source, squeezed)


def registered(*, squeezed: bool = False) -> dict[str, tuple[re.Pattern[str], ...]]:
    """Every registered source's patterns (searched squeezed or not), by the name it was registered with."""
    return {name: tuple(source()) for name, (source, view) in sorted(_SOURCES.items()) if view == squeezed}


def generation() -> int:
    """How many sources are registered (an engine compiled with fewer is out of date)."""
    return len(_SOURCES)


def key(pattern: re.Pattern[str]) -> tuple[str, int]:
    """What identifies a pattern in the engine: its text and flags."""
    return pattern.pattern, pattern.flags & _FLAGS
