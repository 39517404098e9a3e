r"""The patterns the analyzers declare, compiled into one Hyperscan database, once per process.

Hyperscan reads Perl-compatible regular expressions; the patterns are Python's. Compiled in prefilter
mode, a construct Hyperscan lacks (a look-around, a back-reference) is widened, never narrowed, so a
pattern's database entry matches wherever the pattern does. A pattern it cannot compile at all, one that
can match the empty string, and one anchored to the whole input (`\A`, `\Z`) are kept out of the
database and searched in every string: slower, never wrong. A long bounded repeat (`{0,200}`) is
compiled unbounded (`{0,}`), which matches more, never less: nested bounded repeats cost Hyperscan
seconds to compile where an unbounded one costs nothing. Without Hyperscan (no wheel for the
platform) every pattern is searched that way. A compiled database is kept in the user's cache folder
(`stored`), so that the next process with the same patterns loads it instead of compiling.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from firmware_audit.analyze.matching import registry, stored

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import ModuleType

hyperscan: ModuleType | None
try:
    import hyperscan
except ImportError:  # pragma: no cover  (no wheel for this platform: every pattern searched in Python)
    hyperscan = None

WIDEST_BOUND = 16
"""Repeats bounded above this are compiled unbounded."""
_BOUNDED = re.compile(r"\{(\d*),(\d+)\}")
_FLAGS = {re.IGNORECASE: "HS_FLAG_CASELESS", re.DOTALL: "HS_FLAG_DOTALL"}
UNFILTERED = -1
"""The place (`Compiled.place`) of a pattern kept out of the database: searched in every string."""
MAX_PLACES = 4096
"""Pattern objects whose place is remembered (analyzers ask the same few hundred for every file)."""
_WHOLE_INPUT = re.compile(r"(?<!\\)(?:\\\\)*\\[AZ]")
"""`\\A` or `\\Z` in a pattern's text (not an escaped backslash before an A or Z)."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """The patterns of one view of the strings, compiled.

    Attributes:
        ids: The id of each pattern (by `registry.key`).
        unfiltered: Patterns outside the database, to be searched in every string, with the reason.
        owners: The pattern id of each expression of the database (a pattern's top-level branches are
            expressions of their own: a set of hundreds of words compiles several times faster so).
    """

    database: Any  # hyperscan.Database (the binding has no type information)
    ids: dict[tuple[str, int], int]
    unfiltered: dict[tuple[str, int], str]
    owners: tuple[int, ...] = ()
    _places: dict[int, tuple[re.Pattern[str], int]] = field(default_factory=dict, repr=False, compare=False)

    def place(self, pattern: re.Pattern[str]) -> int:
        """The id of a declared pattern in the database, or `UNFILTERED`.

        Remembered by the pattern object (its key is a tuple to build and hash, and analyzers ask a
        hundred times a file); the object is kept with it, so that its id cannot be another's.

        Raises:
            KeyError: no analyzer of the engine declares the pattern (`patterns`) for this view.
        """
        known = self._places.get(id(pattern))
        if known is not None and known[0] is pattern:
            return known[1]
        key = registry.key(pattern)
        place = self.ids.get(key)
        if place is None:
            if key not in self.unfiltered:
                raise KeyError(
                    f"pattern {pattern.pattern!r} is not declared by an analyzer of the matching engine"
                )
            place = UNFILTERED
        if len(self._places) >= MAX_PLACES:
            self._places.clear()
        self._places[id(pattern)] = (pattern, place)
        return place

    def scan(self, buffer: bytes, on_match: Callable[[int, int], object]) -> None:
        """Call `on_match(id, end)` for every end offset at which a pattern may match in `buffer`."""
        if self.database is not None and buffer:
            owners = self.owners

            def event(expression: int, _start: int, end: int, _flags: int, _context: object) -> None:
                on_match(owners[expression], end)

            self.database.scan(buffer, match_event_handler=event)


@dataclass(frozen=True, slots=True)
class Engine:
    """Every declared pattern, compiled: those searched in the strings, and those searched squeezed.

    Attributes:
        compile_seconds: How long compiling both took (or loading them from the cache, and reading the
            analyzers' declarations).
    """

    strings: Compiled
    squeezed: Compiled
    compile_seconds: float


_COMPILED: dict[tuple[str, ...], Engine] = {}
MAX_ENGINES = 4
"""Engines kept compiled per process, by the sources they hold (an audit uses one set of analyzers)."""


@cache
def shipped() -> tuple[registry.Patterns, ...]:
    """The patterns the shipped analyzers declare (`firmware_audit.analyze.ANALYZERS`, a fixed tuple).

    Read once: a `FileContext` made without `patterns` (scripts, the reference builder) asks for every
    file, and the declarations are read by a protocol check of each analyzer.
    """
    from firmware_audit.analyze import ANALYZERS  # noqa: PLC0415  (the analyzers import this module)

    return registry.declared(ANALYZERS)


def engine(sources: tuple[registry.Patterns, ...] | None = None) -> Engine:
    """The engine of these pattern sources (default: the shipped analyzers'), compiled on first use.

    Compiled once per process for each set of sources, by their names.
    """
    sources = shipped() if sources is None else sources
    names = tuple(sorted(source.name for source in sources))
    if names not in _COMPILED:
        if len(_COMPILED) >= MAX_ENGINES:
            _COMPILED.clear()
        started = time.perf_counter()
        strings, squeezed = _compile(sources, squeezed=False), _compile(sources, squeezed=True)
        _COMPILED[names] = Engine(strings, squeezed, time.perf_counter() - started)
    return _COMPILED[names]


def _compile(sources: tuple[registry.Patterns, ...], *, squeezed: bool) -> Compiled:
    found = registry.patterns_of(sources, squeezed=squeezed).values()
    patterns = {registry.key(p): p for patterns in found for p in patterns}
    unfiltered = {key: why for key, p in patterns.items() if (why := _unfit(p)) is not None}
    keys = [key for key in patterns if key not in unfiltered]
    database = None
    if hyperscan is None:
        unfiltered |= dict.fromkeys(keys, "Hyperscan is not installed")
        keys = []
    elif keys:
        database = _database(hyperscan, keys)
        if database is None:
            # One pattern Hyperscan rejects fails the whole compile, and the error does not say which.
            unfiltered |= {key: why for key in keys if (why := _rejected(hyperscan, key)) is not None}
            keys = [key for key in keys if key not in unfiltered]
            database = _database(hyperscan, keys) if keys else None
    ids = {key: index for index, key in enumerate(keys)} if database is not None else {}
    owners = tuple(index for index, key in enumerate(keys) for _ in branches(key[0]))
    return Compiled(database, ids, unfiltered, owners if database is not None else ())


def _database(hs: ModuleType, keys: list[tuple[str, int]]) -> object | None:
    """The compiled database of these patterns (id: index), or None when Hyperscan rejects one.

    Loaded from the user's cache when a process compiled the same expressions before (`stored`).
    """
    branched = [(branch, flags) for text, flags in keys for branch in branches(text)]
    expressions = [widened(text).encode("utf-8") for text, _ in branched]
    flags = [_hs_flags(hs, flags) for _, flags in branched]
    ids = list(range(len(expressions)))
    name = stored.key(hs, expressions, flags, ids, hs.HS_MODE_BLOCK)
    database = stored.load(hs, name, hs.HS_MODE_BLOCK)
    if database is None:
        database = _compiled(hs, expressions, flags, ids)
        if database is not None:
            stored.store(hs, name, database)
    return database


def _compiled(hs: ModuleType, expressions: list[bytes], flags: list[int], ids: list[int]) -> object | None:
    """`expressions` compiled in block mode, or None when Hyperscan rejects one."""
    database: object = hs.Database(mode=hs.HS_MODE_BLOCK)
    try:
        database.compile(  # type: ignore[attr-defined]
            expressions=expressions, ids=ids, elements=len(expressions), flags=flags
        )
    except hs.error:
        return None
    return database


def _rejected(hs: ModuleType, key: tuple[str, int]) -> str | None:
    """Why Hyperscan cannot compile one pattern, or None when it can."""
    try:
        parts = branches(key[0])
        hs.Database().compile(
            expressions=[widened(part).encode("utf-8") for part in parts],
            ids=list(range(len(parts))),
            elements=len(parts),
            flags=[_hs_flags(hs, key[1])] * len(parts),
        )
    except hs.error as exc:
        return f"Hyperscan cannot compile it: {exc}"
    return None


def branches(text: str) -> list[str]:
    """A pattern's top-level alternatives (`a|b(c|d)` gives `a` and `b(c|d)`), or the pattern whole.

    A pattern starting with inline flags (`(?i)`) is kept whole: they apply to every branch.
    """
    if text.startswith("(?") and not text.startswith(("(?:", "(?<", "(?=", "(?!", "(?P")):
        return [text]
    found, depth, start = [], 0, 0
    for at, char in _syntax(text):
        if char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            found.append(text[start:at])
            start = at + 1
    return [*found, text[start:]]


def widened(text: str) -> str:
    """A pattern's text with every repeat bounded above `WIDEST_BOUND` unbounded (`{m,n}` to `{m,}`).

    `{,n}` is written `{0,n}` (Hyperscan would read it as text). Escapes and character classes are
    left as they are: a brace there is no repeat.
    """
    out: list[str] = []
    copied = 0  # how much of the text is in `out`
    for at, char in _syntax(text):
        if char == "{" and (bound := _BOUNDED.match(text, at)) is not None:
            lower, upper = bound.group(1) or "0", int(bound.group(2))
            out += [text[copied:at], f"{{{lower},}}" if upper > WIDEST_BOUND else f"{{{lower},{upper}}}"]
            copied = bound.end()
    out.append(text[copied:])
    return "".join(out)


def _syntax(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of each character of a pattern that is syntax: not escaped, not in a class."""
    at, class_from = 0, -1  # where the open character class's members start (-1: none open)
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if class_from >= 0:
            if char == "]" and at > class_from:  # a `]` first in a class is a member
                class_from = -1
        elif char == "[":
            class_from = at = at + (2 if text.startswith("[^", at) else 1)
            continue
        else:
            yield at, char
        at += 1


def _unfit(pattern: re.Pattern[str]) -> str | None:
    """Why a pattern cannot be prefiltered, or None."""
    if pattern.fullmatch("") is not None:
        return "it matches the empty string"
    if _WHOLE_INPUT.search(pattern.pattern):
        return "it is anchored to the whole input"
    return None


def _hs_flags(hs: ModuleType, flags: int) -> int:
    # Each string is one line of the scanned buffer, so `^` and `$` mean its start and end, as in Python.
    value = int(hs.HS_FLAG_PREFILTER | hs.HS_FLAG_MULTILINE)
    for bit, name in _FLAGS.items():
        if flags & bit:
            value |= int(getattr(hs, name))
    return value
