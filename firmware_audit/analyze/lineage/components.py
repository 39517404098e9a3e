"""Open-source components: busybox, the C libraries, OpenSSL, mbed TLS, lighttpd, dropbear, FFmpeg ...

Recognised from `signatures/lineage/components.toml` by the file's name or by a banner in its strings,
with a version where one is visible. A component is never a maker's code: lineage does not compare
it, and a reference's components feed the index's list of common function digests. The table's rows
are signature rows (`signatures.rows.Row`: unknown keys refused, sources required). The banner
patterns are declared to the matching engine (`DECLARED`): a file's strings are searched for one only
when the engine's scan says it may match there.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, model_validator

from firmware_audit.analyze import matching
from firmware_audit.analyze.matching import Lines
from firmware_audit.signatures import rows as table

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from firmware_audit.analyze.texts import Text

COMPONENTS_FILE = Path(__file__).resolve().parents[2] / "signatures" / "lineage" / "components.toml"


def _patterns(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a regular expression: {exc}") from exc
    return values


Patterns = Annotated[table.Texts, AfterValidator(_patterns)]
"""Regular expressions that compile, none listed twice."""


class ComponentRow(table.Row):
    """A `[[component]]` row: the component's name and how to recognise it, with its sources."""

    name: table.Text
    files: Patterns = ()
    content: Patterns = ()

    @model_validator(mode="after")
    def _recognisable(self) -> ComponentRow:
        if not self.files and not self.content:
            raise ValueError("neither files nor content patterns")
        return self


@dataclass(frozen=True, slots=True)
class Component:
    """One open-source component's recognisers."""

    name: str
    files: tuple[re.Pattern[str], ...]
    content: tuple[re.Pattern[str], ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Recognised:
    """A file recognised as a component: how (`file-name` or `banner`), and the text that showed it.

    A file named as a component *is* that component; a banner alone says the file *embeds* it (a
    maker's program linking OpenSSL statically is still the maker's program).
    """

    component: Component
    version: str | None
    basis: str
    seen: str
    offset: int | None = None

    @property
    def whole(self) -> bool:
        """True when the file is the component itself (its name says so), not a program embedding it."""
        return self.basis == "file-name"


def load(path: Path = COMPONENTS_FILE) -> tuple[Component, ...]:
    """Read the component table.

    Raises:
        ValueError: the table is unreadable or a row does not validate (every problem is named).
    """
    problems: table.Problems = []
    data = table.read_toml(path, path.name, problems)
    rows = table.read_rows(
        ComponentRow, (data or {}).get("component", []), f"{path.name} [[component]]", problems
    )
    if data is not None and set(data) - {"component"}:
        problems.append((path.name, f"unknown tables {sorted(set(data) - {'component'})}"))
    if problems:
        raise ValueError("; ".join(f"{where}: {message}" for where, message in problems))
    return tuple(
        Component(
            name=row.name,
            files=tuple(re.compile(p) for p in row.files),
            content=tuple(re.compile(p) for p in row.content),
            sources=row.sources,
        )
        for _, row in rows
    )


@lru_cache(maxsize=1)
def components() -> tuple[Component, ...]:
    """The shipped component table (read once)."""
    return load()


def recognise(
    name: str,
    texts: Sequence[Text],
    table: Sequence[Component] | None = None,
    *,
    lines: Lines | None = None,
    candidates: Callable[[re.Pattern[str]], Sequence[int]] | None = None,
) -> Recognised | None:
    """The component a file is, from its name first, then from its strings (`texts`, in file order).

    A banner found in the strings gives the version when the name gives none; for a file whose name
    is no component's, a banner says which component it embeds. `lines` are the strings joined one a
    line when the caller has them (`FileContext.lines`); else they are joined here. `candidates`
    (`FileContext.candidate_indices`) names the strings a banner may match in: a banner it names none
    for is not searched (the shipped table's patterns only: they are the ones declared).
    """
    table = components() if table is None else table
    by_name = _by_name(name, table)
    if by_name is not None and by_name.version is not None:
        return by_name
    wanted = [by_name.component] if by_name is not None else list(table)
    # One scan of all the strings, joined by newlines, per pattern (in C), not one per string.
    joined = Lines.of(texts) if lines is None else lines
    for component in wanted:
        for pattern in component.content:
            if candidates is not None and not candidates(pattern):
                continue
            match = pattern.search(joined.text)
            if match is None:
                continue
            version = match.groupdict().get("version")
            if by_name is not None:
                return Recognised(component, version, "file-name", by_name.seen)
            text = texts[bisect.bisect_right(joined.starts, match.start()) - 1]
            return Recognised(component, version, "banner", text.value[:200], text.offset)
    return by_name


def _by_name(name: str, table: Sequence[Component]) -> Recognised | None:
    for component in table:
        for pattern in component.files:
            match = pattern.match(name)
            if match is not None:
                return Recognised(component, match.groupdict().get("version"), "file-name", name)
    return None


DECLARED = matching.Patterns(
    "lineage-components", lambda: (pattern for c in components() for pattern in c.content)
)
"""The component banners' patterns, searched by the matching engine (declared by the lineage analyzer)."""
