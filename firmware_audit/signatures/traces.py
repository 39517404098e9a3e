"""The trace signature data in `traces/`, validated.

Default credentials, vendor strings and file names, product definition files, time zones,
build hosts and paths.
`load` reads and validates every table, returning what it could read with the problems it found;
`signatures` is the validated set the trace analyzers and the attribution use, read once per process.
Each table's format is described in the comments at the top of its file and in `signatures/README.md`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import Field, StringConstraints, model_validator

from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.makers import Maker
from firmware_audit.signatures.makers import base as maker_base
from firmware_audit.signatures.rows import CountryCode, Listed, Problems, Row, RowId, Text, read_tables

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

TRACES_DIR = DATA_DIR / "traces"
_HASH_FORMS = {
    "des-crypt": re.compile(r"[./0-9A-Za-z]{13}"),
    "md5-crypt": re.compile(r"\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}"),
    "md5-hex": re.compile(r"[0-9A-Fa-f]{32}"),
}


class SignatureError(Exception):
    """The shipped trace data does not validate (run `firmware-audit signatures check`)."""


def _proves(matches: Callable[[str], object], examples: tuple[str, ...], benign: tuple[str, ...]) -> None:
    """Raise unless a pattern matches every example and none of the look-alikes."""
    wrong = [f"does not match its example {e!r}" for e in examples if not matches(e)]
    wrong += [f"matches the look-alike {b!r}" for b in benign if matches(b)]
    if wrong:
        raise ValueError("; ".join(wrong))


class PasswordHash(Row):
    """A password hash published for a firmware family (compared as a string, never cracked)."""

    hash: Text
    scheme: Text
    plaintext: Text
    vendor: str = ""
    country: CountryCode

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        form = _HASH_FORMS.get(self.scheme)
        if form is None:
            raise ValueError(f"scheme {self.scheme!r} is not one of {sorted(_HASH_FORMS)}")
        if not form.fullmatch(self.hash):
            raise ValueError(f"hash {self.hash!r} is not a {self.scheme} hash")
        return self


class Password(Row):
    """A published default password, tested offline against the password hashes a firmware holds."""

    password: str
    users: Listed
    vendor: str = ""

    @property
    def low_confidence(self) -> bool:
        """Whether the vendor rests on an indirect source."""
        return self.confidence == "low"

    @property
    def note(self) -> str:
        """Why the vendor is uncertain ("" when it is not)."""
        return self.reason


class Account(Row):
    """A default user and password pair."""

    user: Text
    password: Text
    service: Text
    vendor: str = ""


class Shell(Row):
    """A login shell only one maker's firmware uses."""

    path: Text
    vendor: Text
    what: Text

    @model_validator(mode="after")
    def _absolute(self) -> Self:
        if not self.path.startswith("/"):
            raise ValueError("path must be absolute")
        return self


class StringRule(Row):
    """A vendor string: a regular expression over a file's printable strings."""

    id: RowId
    kind: Text
    vendor: Text
    pattern: re.Pattern[str]
    examples: Listed
    benign: Listed
    ref: Text

    @model_validator(mode="after")
    def _proven(self) -> Self:
        _proves(self.pattern.search, self.examples, self.benign)
        return self


class FileRule(Row):
    """A vendor file name: a glob on the name of a file."""

    id: RowId
    kind: Text
    vendor: Text
    pattern: Text
    examples: Listed
    benign: Listed
    ref: Text

    def matches(self, name: str) -> bool:
        """Whether a file name matches the glob (case-sensitive)."""
        return fnmatch.fnmatchcase(name, self.pattern)

    @model_validator(mode="after")
    def _proven(self) -> Self:
        if "/" in self.pattern:
            raise ValueError("pattern is a glob on a file name, without '/'")
        _proves(self.matches, self.examples, self.benign)
        return self


class ProductDefinition(Row):
    """A file in which a firmware layout keeps the product's identity, as JSON."""

    id: RowId
    name: Text
    vendor: Text
    fields: Listed
    ref: Text


class TimeZone(Row):
    """A time-zone default of a region camera OEMs work from."""

    id: RowId
    pattern: re.Pattern[str]
    utc_offset: Annotated[str, StringConstraints(pattern=r"^[+-](?:0\d|1[0-4]):[0-5]\d$")]
    countries: Annotated[tuple[CountryCode, ...], Field(min_length=1)]
    examples: Listed
    benign: Listed

    @model_validator(mode="after")
    def _proven(self) -> Self:
        _proves(self.pattern.fullmatch, self.examples, self.benign)
        return self


class BuildRule(Row):
    """A build host (user@host) or build path known to belong to one maker's build system."""

    id: RowId
    pattern: re.Pattern[str]
    vendor: Text
    examples: Listed
    benign: Listed
    ref: Text

    @model_validator(mode="after")
    def _proven(self) -> Self:
        _proves(self.pattern.fullmatch, self.examples, self.benign)
        return self


@dataclass(frozen=True, slots=True)
class TraceSignatures:
    """The whole validated trace data set, with the lookups built once."""

    makers: tuple[Maker, ...] = ()
    hashes: tuple[PasswordHash, ...] = ()
    passwords: tuple[Password, ...] = ()
    accounts: tuple[Account, ...] = ()
    shells: tuple[Shell, ...] = ()
    strings: tuple[StringRule, ...] = ()
    files: tuple[FileRule, ...] = ()
    products: tuple[ProductDefinition, ...] = ()
    timezones: tuple[TimeZone, ...] = ()
    build_hosts: tuple[BuildRule, ...] = ()
    build_paths: tuple[BuildRule, ...] = ()
    _by_hash: dict[str, PasswordHash] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the hashes (an MD5 hex digest compares ignoring case)."""
        for row in self.hashes:
            self._by_hash[_hash_key(row.hash, row.scheme)] = row

    def known_hash(self, value: str) -> PasswordHash | None:
        """The published hash a password field holds, if any."""
        return self._by_hash.get(value) or self._by_hash.get(value.upper())

    def maker(self, name: str | None) -> Maker | None:
        """The one maker a vendor name names (None when it names none, or several)."""
        found = self.makers_named_in(name)
        return found[0] if len(found) == 1 else None

    def makers_named_in(self, text: str | None) -> tuple[Maker, ...]:
        """Every maker of the maker base named in a text ("VStarcam or HiChip" names two)."""
        return maker_base().makers_named_in(text) if self.makers else ()


def _hash_key(value: str, scheme: str) -> str:
    return value.upper() if scheme == "md5-hex" else value


_TABLES: dict[str, type[Row]] = {
    "hash": PasswordHash,
    "password": Password,
    "account": Account,
    "shell": Shell,
    "string": StringRule,
    "file": FileRule,
    "product_definition": ProductDefinition,
    "timezone": TimeZone,
    "build_host": BuildRule,
    "build_path": BuildRule,
}
"""Each table of `traces/*.toml` and the row it holds."""


def load(directory: Path = TRACES_DIR) -> tuple[TraceSignatures, list[tuple[str, str]]]:
    """Read every table of `directory`; return the data and the problems as (file, message) pairs."""
    problems: Problems = []
    tables = read_tables(directory, "traces", _TABLES, problems)

    def rows(table: str) -> tuple[Any, ...]:
        return tuple(row for _, row in tables[table])

    found = TraceSignatures(
        makers=maker_base().makers,
        hashes=rows("hash"),
        passwords=rows("password"),
        accounts=rows("account"),
        shells=rows("shell"),
        strings=rows("string"),
        files=rows("file"),
        products=rows("product_definition"),
        timezones=rows("timezone"),
        build_hosts=rows("build_host"),
        build_paths=rows("build_path"),
    )
    problems += _cross_checks(found)
    return found, problems


@cache
def signatures() -> TraceSignatures:
    """The shipped trace data, validated once per process.

    Raises:
        SignatureError: the data has problems (`firmware-audit signatures check` lists them).
    """
    data, problems = load()
    if problems:
        raise SignatureError("; ".join(f"{file}: {message}" for file, message in problems))
    return data


def _cross_checks(data: TraceSignatures) -> list[tuple[str, str]]:
    """Ids unique and well-formed; a vendor that names a maker spells it as the maker's name."""
    problems: list[tuple[str, str]] = []
    rows: list[tuple[str, str]] = [
        *((r.id, r.vendor) for r in data.strings),
        *((r.id, r.vendor) for r in data.files),
        *((r.id, r.vendor) for r in data.products),
        *((r.id, r.vendor) for r in (*data.build_hosts, *data.build_paths)),
    ]
    seen: set[str] = set()
    for row_id, _ in rows:
        if row_id in seen:
            problems.append(("traces", f"id {row_id!r} is used twice"))
        seen.add(row_id)
    names = {m.name for m in data.makers}
    passwords = [row.password for row in data.passwords]
    problems.extend(
        ("traces/credentials.toml", f"password {p!r} is listed twice")
        for p in dict.fromkeys(p for p in passwords if passwords.count(p) > 1)
    )
    vendors = [v for _, v in rows] + [r.vendor for r in data.hashes] + [r.vendor for r in data.passwords]
    vendors += [r.vendor for r in data.accounts] + [r.vendor for r in data.shells]
    for vendor in dict.fromkeys(vendors):
        named = data.makers_named_in(vendor)
        if named and vendor not in names:
            problems.append(("traces", f"vendor {vendor!r} names {named[0].name!r}: spell it so"))
    return problems
