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
import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.makers import Maker
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_T = TypeVar("_T")

TRACES_DIR = DATA_DIR / "traces"
_COUNTRY = re.compile(r"[A-Z]{2}")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HASH_FORMS = {
    "des-crypt": re.compile(r"[./0-9A-Za-z]{13}"),
    "md5-crypt": re.compile(r"\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22}"),
    "md5-hex": re.compile(r"[0-9A-Fa-f]{32}"),
}
_TABLES = frozenset(
    {"hash", "password", "account", "shell", "string", "file", "product_definition", "timezone"}
    | {"build_host", "build_path"}
)


class SignatureError(Exception):
    """The shipped trace data does not validate (run `firmware-audit signatures check`)."""


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A password hash published for a firmware family (compared as a string, never cracked)."""

    hash: str
    scheme: str
    plaintext: str
    vendor: str
    country: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Password:
    """A published default password, tested offline against the password hashes a firmware holds."""

    password: str
    users: tuple[str, ...]
    vendor: str
    sources: tuple[str, ...]
    low_confidence: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Account:
    """A default user and password pair."""

    user: str
    password: str
    service: str
    vendor: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Shell:
    """A login shell only one maker's firmware uses."""

    path: str
    vendor: str
    what: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StringRule:
    """A vendor string: a regular expression over a file's printable strings."""

    id: str
    kind: str
    vendor: str
    pattern: re.Pattern[str]
    sources: tuple[str, ...]
    ref: str


@dataclass(frozen=True, slots=True)
class FileRule:
    """A vendor file name: a glob on the name of a file."""

    id: str
    kind: str
    vendor: str
    pattern: str
    sources: tuple[str, ...]
    ref: str

    def matches(self, name: str) -> bool:
        """Whether a file name matches the glob (case-sensitive)."""
        return fnmatch.fnmatchcase(name, self.pattern)


@dataclass(frozen=True, slots=True)
class ProductDefinition:
    """A file in which a firmware layout keeps the product's identity, as JSON."""

    id: str
    name: str
    vendor: str
    fields: tuple[str, ...]
    sources: tuple[str, ...]
    ref: str


@dataclass(frozen=True, slots=True)
class TimeZone:
    """A time-zone default of a region camera OEMs work from."""

    id: str
    pattern: re.Pattern[str]
    utc_offset: str
    countries: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BuildRule:
    """A build host (user@host) or build path known to belong to one maker's build system."""

    id: str
    pattern: re.Pattern[str]
    vendor: str
    sources: tuple[str, ...]
    ref: str


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


@dataclass
class _Reader:
    """Reads rows of one table, recording problems by file and row."""

    problems: list[tuple[str, str]]
    where: str = ""
    row: dict[str, Any] = field(default_factory=dict)

    def start(self, row: object, where: str, keys: frozenset[str]) -> bool:
        self.where = where
        if not isinstance(row, dict):
            self.problems.append((where, "is not a table"))
            return False
        self.row = row
        unknown = set(row) - keys
        if unknown:
            self.problems.append((where, f"unknown keys {sorted(unknown)}"))
        return True

    def text(self, key: str, *, empty: bool = False) -> str:
        value = self.row.get(key)
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.problems.append((self.where, f"{key} must be a {'' if empty else 'non-empty '}string"))
            return ""
        return value

    def texts(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.row.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problems.append((self.where, f"{key} must be a list of non-empty strings"))
            return ()
        if required and not value:
            self.problems.append((self.where, f"{key} must not be empty"))
        return tuple(value)

    def country(self, key: str, *, empty: bool = False) -> str:
        value = self.text(key, empty=empty)
        if value and not _COUNTRY.fullmatch(value):
            self.problems.append((self.where, f"{key} {value!r} is not an ISO 3166-1 alpha-2 code"))
        return value

    def sources(self) -> tuple[str, ...]:
        found = self.texts("sources", required=False)
        if not found:
            self.problems.append((self.where, "names no public source"))
        return found

    def regex(self, key: str) -> re.Pattern[str] | None:
        text = self.text(key)
        try:
            return re.compile(text)
        except re.error as exc:
            self.problems.append((self.where, f"{key} does not compile: {exc}"))
            return None

    def proves(
        self, matches: Callable[[str], object], examples: tuple[str, ...], benign: tuple[str, ...]
    ) -> None:
        self.problems.extend(
            (self.where, f"does not match its example {e!r}") for e in examples if not matches(e)
        )
        self.problems.extend((self.where, f"matches the look-alike {b!r}") for b in benign if matches(b))


def load(directory: Path = TRACES_DIR) -> tuple[TraceSignatures, list[tuple[str, str]]]:
    """Read every table of `directory`; return the data and the problems as (file, message) pairs."""
    problems: list[tuple[str, str]] = []
    tables: dict[str, list[tuple[str, Any]]] = {name: [] for name in _TABLES}
    for path in sorted(directory.glob("*.toml")):
        name = f"traces/{path.name}"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append((name, str(exc)))
            continue
        unknown = set(data) - _TABLES
        if unknown:
            problems.append((name, f"unknown tables {sorted(unknown)}"))
        for table, rows in data.items():
            if table in tables and isinstance(rows, list):
                tables[table].extend((f"{name} {table} {i + 1}", row) for i, row in enumerate(rows))
    reader = _Reader(problems)

    def read(table: str, parse: Callable[[_Reader, str, object], _T | None]) -> tuple[_T, ...]:
        return tuple(row for where, raw in tables[table] if (row := parse(reader, where, raw)) is not None)

    found = TraceSignatures(
        makers=maker_base().makers,
        hashes=read("hash", _hash),
        passwords=read("password", _password),
        accounts=read("account", _account),
        shells=read("shell", _shell),
        strings=read("string", _string),
        files=read("file", _file),
        products=read("product_definition", _product),
        timezones=read("timezone", _timezone),
        build_hosts=read("build_host", _build),
        build_paths=read("build_path", _build),
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


def _checked(reader: _Reader, before: int, value: _T) -> _T | None:
    return value if len(reader.problems) == before else None


def _hash(r: _Reader, where: str, row: object) -> PasswordHash | None:
    before = len(r.problems)
    keys = frozenset({"hash", "scheme", "plaintext", "vendor", "country", "sources"})
    if not r.start(row, where, keys):
        return None
    value, scheme = r.text("hash"), r.text("scheme")
    form = _HASH_FORMS.get(scheme)
    if form is None:
        r.problems.append((where, f"scheme {scheme!r} is not one of {sorted(_HASH_FORMS)}"))
    elif value and not form.fullmatch(value):
        r.problems.append((where, f"hash {value!r} is not a {scheme} hash"))
    found = PasswordHash(
        value, scheme, r.text("plaintext"), r.text("vendor", empty=True), r.country("country"), r.sources()
    )
    return _checked(r, before, found)


def _password(r: _Reader, where: str, row: object) -> Password | None:
    before = len(r.problems)
    keys = frozenset({"password", "users", "vendor", "sources", "confidence", "note"})
    if not r.start(row, where, keys):
        return None
    confidence, note = r.row.get("confidence", ""), r.row.get("note", "")
    if confidence not in {"", "low"} or not isinstance(note, str) or (confidence == "low" and not note):
        r.problems.append((where, "confidence is 'low' (with a `note` saying why) or absent"))
    found = Password(
        r.text("password", empty=True),
        r.texts("users"),
        r.text("vendor", empty=True),
        r.sources(),
        low_confidence=confidence == "low",
        note=str(note),
    )
    return _checked(r, before, found)


def _account(r: _Reader, where: str, row: object) -> Account | None:
    before = len(r.problems)
    if not r.start(row, where, frozenset({"user", "password", "service", "vendor", "sources"})):
        return None
    found = Account(
        r.text("user"), r.text("password"), r.text("service"), r.text("vendor", empty=True), r.sources()
    )
    return _checked(r, before, found)


def _shell(r: _Reader, where: str, row: object) -> Shell | None:
    before = len(r.problems)
    if not r.start(row, where, frozenset({"path", "vendor", "what", "sources"})):
        return None
    found = Shell(r.text("path"), r.text("vendor"), r.text("what"), r.sources())
    if found.path and not found.path.startswith("/"):
        r.problems.append((where, "path must be absolute"))
    return _checked(r, before, found)


_RULE_KEYS = frozenset({"id", "kind", "vendor", "pattern", "examples", "benign", "sources", "ref"})


def _string(r: _Reader, where: str, row: object) -> StringRule | None:
    before = len(r.problems)
    if not r.start(row, where, _RULE_KEYS):
        return None
    pattern = r.regex("pattern")
    rule = StringRule(
        r.text("id"), r.text("kind"), r.text("vendor"), pattern or re.compile(""), r.sources(), r.text("ref")
    )
    if pattern is not None:
        r.proves(pattern.search, r.texts("examples"), r.texts("benign"))
    return _checked(r, before, rule)


def _file(r: _Reader, where: str, row: object) -> FileRule | None:
    before = len(r.problems)
    if not r.start(row, where, _RULE_KEYS):
        return None
    rule = FileRule(
        r.text("id"), r.text("kind"), r.text("vendor"), r.text("pattern"), r.sources(), r.text("ref")
    )
    if "/" in rule.pattern:
        r.problems.append((where, "pattern is a glob on a file name, without '/'"))
    r.proves(rule.matches, r.texts("examples"), r.texts("benign"))
    return _checked(r, before, rule)


def _product(r: _Reader, where: str, row: object) -> ProductDefinition | None:
    before = len(r.problems)
    if not r.start(row, where, frozenset({"id", "name", "vendor", "fields", "sources", "ref"})):
        return None
    found = ProductDefinition(
        r.text("id"), r.text("name"), r.text("vendor"), r.texts("fields"), r.sources(), r.text("ref")
    )
    return _checked(r, before, found)


def _timezone(r: _Reader, where: str, row: object) -> TimeZone | None:
    before = len(r.problems)
    keys = frozenset({"id", "pattern", "utc_offset", "countries", "examples", "benign", "sources"})
    if not r.start(row, where, keys):
        return None
    pattern = r.regex("pattern")
    countries = r.texts("countries")
    r.problems.extend(
        (where, f"countries: {c!r} is not an ISO 3166-1 alpha-2 code")
        for c in countries
        if not _COUNTRY.fullmatch(c)
    )
    offset = r.text("utc_offset")
    if offset and not re.fullmatch(r"[+-](?:0\d|1[0-4]):[0-5]\d", offset):
        r.problems.append((where, f"utc_offset {offset!r} is not like +08:00"))
    found = TimeZone(r.text("id"), pattern or re.compile(""), offset, countries, r.sources())
    if pattern is not None:
        r.proves(pattern.fullmatch, r.texts("examples"), r.texts("benign"))
    return _checked(r, before, found)


def _build(r: _Reader, where: str, row: object) -> BuildRule | None:
    before = len(r.problems)
    keys = frozenset({"id", "pattern", "vendor", "examples", "benign", "sources", "ref"})
    if not r.start(row, where, keys):
        return None
    pattern = r.regex("pattern")
    found = BuildRule(r.text("id"), pattern or re.compile(""), r.text("vendor"), r.sources(), r.text("ref"))
    if pattern is not None:
        r.proves(pattern.fullmatch, r.texts("examples"), r.texts("benign"))
    return _checked(r, before, found)


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
        if not _ID.fullmatch(row_id):
            problems.append(("traces", f"id {row_id!r} must be lower-case words joined by '-'"))
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
