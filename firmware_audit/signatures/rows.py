"""One row schema for every signature table: the endpoint, SDK, trace and maker tables read through it.

A row is a `Row`: a frozen pydantic model that rejects keys it does not know, names its public
`sources` (a list, never empty unless the row says `confidence = "low"` with its `reason`), and
spells every country as a `CountryCode` (ISO 3166-1 alpha-2, checked against the standard's list).
`read_tables` reads every TOML file of a folder into the row models of its tables; `read_rows` reads
one table. Neither stops at the first mistake: every validation error becomes a problem
`(where, message)`, so `firmware-audit signatures check` lists a file's mistakes together.
"""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pydantic_core import ErrorDetails

Problems = list[tuple[str, str]]
"""Problems found in signature data, as (where, message) pairs."""
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Row ids: lower-case words joined by `-`."""
_ALPHA_2 = frozenset(country.alpha_2 for country in pycountry.countries)


def _country(value: str) -> str:
    if value not in _ALPHA_2:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 code")
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _distinct(values: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise ValueError("lists an entry twice")
    return values


def distinct_texts(value: object) -> object:
    """Refuse a list that names an entry twice (before it becomes a set and the repeat is lost)."""
    if isinstance(value, list) and len(set(map(str, value))) != len(value):
        raise ValueError("lists an entry twice")
    return value


def _row_id(value: str) -> str:
    if not ID.fullmatch(value):
        raise ValueError(f"{value!r} must be lower-case words joined by '-'")
    return value


CountryCode = Annotated[str, AfterValidator(_country)]
"""A country as ISO 3166-1 alpha-2 (`CN`, `KR`): the one spelling every table uses."""
Text = Annotated[str, AfterValidator(_text)]
"""A string that is not empty or blank."""
Texts = Annotated[tuple[Text, ...], AfterValidator(_distinct)]
"""A list of non-empty strings, none listed twice."""
Listed = Annotated[tuple[Text, ...], Field(min_length=1), AfterValidator(_distinct)]
"""A list of non-empty strings that may not be empty itself."""
RowId = Annotated[str, AfterValidator(_row_id)]
"""A row id: lower-case words joined by `-`."""


class Row(BaseModel):
    """A row of a signature table: frozen, strict about its keys, sourced.

    Attributes:
        sources: The public sources of the row.
        confidence: `low` when the row rests on indirect sources only (then `reason` says why).
        reason: Why the row is low-confidence (or, where a table says so, why a field is empty).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: Texts = ()
    confidence: Literal["high", "low"] = "high"
    reason: str = ""

    @model_validator(mode="after")
    def _sourced(self) -> Row:
        if self.confidence == "low" and not self.reason.strip():
            raise ValueError("a low-confidence row gives its reason")
        if not self.sources and self.confidence != "low":
            raise ValueError("names no public source")
        return self

    @property
    def doubt(self) -> str | None:
        """Why the row rests on indirect sources only (None for a sourced row)."""
        return self.reason if self.confidence == "low" else None

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


_R = TypeVar("_R", bound=Row)


def read_rows(model: type[_R], rows: object, where: str, problems: Problems) -> list[tuple[str, _R]]:
    """The rows of one table that validate, each with where it stands; the others become problems."""
    if not isinstance(rows, list):
        problems.append((where, "is not a list of tables"))
        return []
    found: list[tuple[str, _R]] = []
    for number, raw in enumerate(rows, 1):
        here = f"{where} {number}"
        if not isinstance(raw, dict):
            problems.append((here, "is not a table"))
            continue
        name = raw.get("id") or raw.get("name")
        here = f"{here} ({name})" if isinstance(name, str) and name else here
        try:
            found.append((here, model.model_validate(raw)))
        except ValidationError as exc:
            problems.extend((here, message(error)) for error in exc.errors())
    return found


def read_tables(
    directory: Path,
    prefix: str,
    tables: Mapping[str, type[Row]],
    problems: Problems,
    *,
    syntax: bool = True,
    single: Mapping[str, type[Row]] | None = None,
) -> dict[str, list[tuple[str, Any]]]:
    """Every row of every `*.toml` file of `directory`, by table, as (where, row) pairs.

    `tables` are arrays of tables (`[[endpoint]]`), `single` tables written once (`[cctld]`). A file
    that is not TOML is left out, and named among the problems unless `syntax` is False (`signatures
    check` reports syntax errors of every file once, in its own validator). Other tables are problems.
    """
    single = single or {}
    found: dict[str, list[tuple[str, Any]]] = {table: [] for table in (*tables, *single)}
    for path in sorted(directory.glob("*.toml")):
        file = f"{prefix}/{path.name}"
        data = read_toml(path, file, problems, syntax=syntax)
        if data is None:
            continue
        unknown = set(data) - set(tables) - set(single)
        if unknown:
            problems.append((file, f"unknown tables {sorted(unknown)}"))
        for table, rows in data.items():
            if table in tables:
                found[table] += read_rows(tables[table], rows, f"{file} [[{table}]]", problems)
            elif table in single:
                found[table] += read_rows(single[table], [rows], f"{file} [{table}]", problems)
    return found


def read_toml(path: Path, file: str, problems: Problems, *, syntax: bool = True) -> dict[str, Any] | None:
    """A TOML file's tables, or None (with a problem, unless `syntax` is False) when it does not parse."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        if syntax:
            problems.append((file, str(exc)))
        return None


def message(error: ErrorDetails) -> str:
    """One validation error as a sentence naming the key it is about."""
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"unknown key {key!r}"
    if error["type"] == "missing":
        return f"missing {key}"
    if error["type"] == "too_short":
        return f"{key}: must not be empty"
    text = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{key}: {text}" if key else text
