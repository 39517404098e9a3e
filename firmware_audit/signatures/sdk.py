"""The SDK signature data in `sdk/`: SDK families, kernel-module and toolchain clues to the SoC.

`load` reads and validates every table, returning what it could read with the problems it found;
`signatures` is the validated set the analyzer uses, read once per process. The format of each table is
described in the comments at the top of its file and in `signatures/README.md`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from firmware_audit.model import SdkKind
from firmware_audit.signatures import DATA_DIR

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

SDK_DIR = DATA_DIR / "sdk"
MIN_PREFIX = 4
"""Shortest symbol prefix accepted: shorter ones (`tal_`, `hd_`) say too little on their own."""
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_FAMILY_KEYS = frozenset(
    {
        "id",
        "name",
        "vendor",
        "vendor_country",
        "kind",
        "libraries",
        "prefixes",
        "symbols",
        "supersedes",
        "sources",
        "low_confidence",
    }
)
_CLUE_KEYS = frozenset({"pattern", "vendor", "vendor_country", "models", "family_name", "example", "sources"})
_SO_VERSION = re.compile(r"(\.so)(?:\.[0-9]+)+$")


class SignatureError(Exception):
    """The shipped SDK signature data does not validate (run `firmware-audit signatures check`)."""


@dataclass(frozen=True, slots=True)
class Family:
    """One SDK family: who wrote it, what kind of code it is, and how to recognise it.

    Attributes:
        id: Stable identifier, e.g. `hisilicon-mpp` (the payload's `family`).
        name: Human name, e.g. "HiSilicon MPP".
        vendor: Who makes the SDK.
        vendor_country: ISO 3166-1 alpha-2 country of the vendor's headquarters.
        kind: soc, camera-sdk, p2p or cloud-iot.
        libraries: File-name globs of its libraries (`.so` version suffixes are ignored).
        prefixes: Symbol prefixes only this SDK uses.
        symbols: Exact symbol names.
        supersedes: Families whose API this one reimplements; its own libraries decide the SoC.
        sources: Public sources of the row.
        low_confidence: Why the row rests on weaker sources than the others (None: it does not);
            its findings say so and are less certain.
        file: The table it came from.
    """

    id: str
    name: str
    vendor: str
    vendor_country: str
    kind: SdkKind
    libraries: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    symbols: frozenset[str] = frozenset()
    supersedes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    low_confidence: str | None = None
    file: str = ""


@dataclass(frozen=True, slots=True)
class Clue:
    """A kernel-module or toolchain clue to the SoC.

    Attributes:
        pattern: Glob on a module file name, or regular expression over a toolchain banner.
        vendor: The chip maker it points to.
        vendor_country: The chip maker's country.
        models: The chip models consistent with it (empty: only the maker is known).
        family_name: For a module: the chip its SDK line is named after.
        example: A name or banner the pattern must match.
        sources: Public sources of the row.
    """

    pattern: str
    vendor: str
    vendor_country: str
    models: tuple[str, ...] = ()
    family_name: str | None = None
    example: str = ""
    sources: tuple[str, ...] = ()
    _regex: re.Pattern[str] = field(default=re.compile(""), repr=False, compare=False)

    def matches_module(self, name: str) -> bool:
        """Whether a kernel module file name matches this clue."""
        return fnmatch.fnmatchcase(name, self.pattern)

    def search(self, text: str) -> re.Match[str] | None:
        """Where this toolchain clue's pattern occurs in `text`."""
        return self._regex.search(text)


@dataclass(frozen=True, slots=True)
class SdkSignatures:
    """The whole validated SDK data set, with lookup indexes built once."""

    families: tuple[Family, ...]
    kernel_modules: tuple[Clue, ...]
    toolchains: tuple[Clue, ...]
    _by_id: dict[str, Family] = field(default_factory=dict, repr=False, compare=False)
    _by_symbol: dict[str, tuple[Family, ...]] = field(default_factory=dict, repr=False, compare=False)
    _prefixes: re.Pattern[str] | None = field(default=None, repr=False, compare=False)
    _by_prefix: dict[str, tuple[Family, ...]] = field(default_factory=dict, repr=False, compare=False)
    _libraries: tuple[tuple[re.Pattern[str], Family], ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def build(
        cls, families: Iterable[Family], kernel_modules: Iterable[Clue], toolchains: Iterable[Clue]
    ) -> SdkSignatures:
        """Index the tables for the matcher."""
        families = tuple(families)
        by_symbol: dict[str, list[Family]] = {}
        by_prefix: dict[str, list[Family]] = {}
        for family in families:
            for symbol in family.symbols:
                by_symbol.setdefault(symbol, []).append(family)
            for prefix in family.prefixes:
                by_prefix.setdefault(prefix, []).append(family)
        # Longest first, so a longer prefix wins where two share a start.
        ordered = sorted(by_prefix, key=len, reverse=True)
        prefixes = re.compile("|".join(re.escape(p) for p in ordered)) if ordered else None
        libraries = tuple(
            (re.compile(fnmatch.translate(pattern)), family)
            for family in families
            for pattern in family.libraries
        )
        return cls(
            families=families,
            kernel_modules=tuple(kernel_modules),
            toolchains=tuple(toolchains),
            _by_id={f.id: f for f in families},
            _by_symbol={k: tuple(v) for k, v in by_symbol.items()},
            _prefixes=prefixes,
            _by_prefix={k: tuple(v) for k, v in by_prefix.items()},
            _libraries=libraries,
        )

    def family(self, family_id: str) -> Family | None:
        """The family with this id, if any."""
        return self._by_id.get(family_id)

    def families_of_symbol(self, name: str) -> tuple[Family, ...]:
        """Families a symbol name belongs to: by exact name, else by its longest known prefix."""
        exact = self._by_symbol.get(name)
        if exact:
            return exact
        if self._prefixes is not None:
            found = self._prefixes.match(name)
            if found and len(name) > found.end():
                return self._by_prefix[found.group()]
        return ()

    def families_of_library(self, name: str) -> tuple[Family, ...]:
        """Families one of whose library globs matches a file or DT_NEEDED name."""
        plain = _SO_VERSION.sub(r"\1", name)
        return tuple(dict.fromkeys(family for regex, family in self._libraries if regex.match(plain)))


def load(directory: Path = SDK_DIR) -> tuple[SdkSignatures, list[tuple[str, str]]]:
    """Read every table of `directory`; return the data and the problems as (file, message) pairs."""
    problems: list[tuple[str, str]] = []
    families: list[Family] = []
    modules: list[Clue] = []
    toolchains: list[Clue] = []
    for path in sorted(directory.glob("*.toml")):
        name = f"sdk/{path.name}"
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append((name, str(exc)))
            continue
        unknown = set(table) - {"family", "kernel_module", "toolchain"}
        if unknown:
            problems.append((name, f"unknown tables {sorted(unknown)}"))
        for index, row in enumerate(table.get("family", ())):
            family = _family(row, f"{name} family {index + 1}", problems)
            if family is not None:
                families.append(family)
        for index, row in enumerate(table.get("kernel_module", ())):
            clue = _clue(row, f"{name} kernel_module {index + 1}", problems, regex=False)
            if clue is not None:
                modules.append(clue)
        for index, row in enumerate(table.get("toolchain", ())):
            clue = _clue(row, f"{name} toolchain {index + 1}", problems, regex=True)
            if clue is not None:
                toolchains.append(clue)
    problems += _cross_checks(families)
    return SdkSignatures.build(families, modules, toolchains), problems


@cache
def signatures() -> SdkSignatures:
    """The shipped SDK data, validated once per process.

    Raises:
        SignatureError: the data has problems (`firmware-audit signatures check` lists them).
    """
    data, problems = load()
    if problems:
        raise SignatureError("; ".join(f"{file}: {message}" for file, message in problems))
    return data


def _strings(row: dict[str, Any], key: str, where: str, problems: list[tuple[str, str]]) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append((where, f"{key} must be a list of non-empty strings"))
        return ()
    if len(set(value)) != len(value):
        problems.append((where, f"{key} lists an entry twice"))
    return tuple(value)


def _text(row: dict[str, Any], key: str, where: str, problems: list[tuple[str, str]]) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append((where, f"{key} must be a non-empty string"))
        return ""
    return value


def _family(row: dict[str, Any], where: str, problems: list[tuple[str, str]]) -> Family | None:
    before = len(problems)
    unknown = set(row) - _FAMILY_KEYS
    if unknown:
        problems.append((where, f"unknown keys {sorted(unknown)}"))
    family_id = _text(row, "id", where, problems)
    where = f"{where} ({family_id})" if family_id else where
    if family_id and not _ID.fullmatch(family_id):
        problems.append((where, "id must be lower-case words joined by '-'"))
    name, vendor = _text(row, "name", where, problems), _text(row, "vendor", where, problems)
    country = _text(row, "vendor_country", where, problems)
    if country and not _COUNTRY.fullmatch(country):
        problems.append((where, f"vendor_country {country!r} is not an ISO 3166-1 alpha-2 code"))
    kind_text = _text(row, "kind", where, problems)
    kind = None
    try:
        kind = SdkKind(kind_text)
    except ValueError:
        problems.append((where, f"kind {kind_text!r} is not one of {[k.value for k in SdkKind]}"))
    libraries = _strings(row, "libraries", where, problems)
    prefixes = _strings(row, "prefixes", where, problems)
    symbols = _strings(row, "symbols", where, problems)
    sources = _strings(row, "sources", where, problems)
    if not sources:
        problems.append((where, "names no public source"))
    low_confidence = row.get("low_confidence")
    if low_confidence is not None and not (isinstance(low_confidence, str) and low_confidence.strip()):
        problems.append((where, "low_confidence must be a non-empty string: the reason"))
    problems.extend(
        (where, f"prefix {prefix!r} is shorter than {MIN_PREFIX} characters")
        for prefix in prefixes
        if len(prefix) < MIN_PREFIX
    )
    if len(problems) > before or kind is None:
        return None
    return Family(
        id=family_id,
        name=name,
        vendor=vendor,
        vendor_country=country,
        kind=kind,
        libraries=libraries,
        prefixes=prefixes,
        symbols=frozenset(symbols),
        supersedes=_strings(row, "supersedes", where, problems),
        sources=sources,
        low_confidence=low_confidence,
        file=where.split(" ")[0],
    )


def _clue(row: dict[str, Any], where: str, problems: list[tuple[str, str]], *, regex: bool) -> Clue | None:
    before = len(problems)
    unknown = set(row) - _CLUE_KEYS
    if unknown:
        problems.append((where, f"unknown keys {sorted(unknown)}"))
    pattern, vendor = _text(row, "pattern", where, problems), _text(row, "vendor", where, problems)
    country = _text(row, "vendor_country", where, problems)
    if country and not _COUNTRY.fullmatch(country):
        problems.append((where, f"vendor_country {country!r} is not an ISO 3166-1 alpha-2 code"))
    example = _text(row, "example", where, problems)
    models = _strings(row, "models", where, problems)
    sources = _strings(row, "sources", where, problems)
    if not sources:
        problems.append((where, "names no public source"))
    family_name = row.get("family_name")
    if family_name is not None and family_name not in models:
        problems.append((where, f"family_name {family_name!r} is not one of its models"))
    compiled = re.compile("")
    if regex and pattern:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            problems.append((where, f"pattern does not compile: {exc}"))
    if len(problems) > before:
        return None
    clue = Clue(
        pattern=pattern,
        vendor=vendor,
        vendor_country=country,
        models=models,
        family_name=family_name,
        example=example,
        sources=sources,
        _regex=compiled,
    )
    matched = clue.search(example) if regex else clue.matches_module(example)
    if not matched:
        problems.append((where, f"pattern {pattern!r} does not match its example {example!r}"))
        return None
    return clue


def _cross_checks(families: list[Family]) -> list[tuple[str, str]]:
    """Ids unique; no symbol, prefix or library glob shared by two families; supersedes resolve."""
    problems: list[tuple[str, str]] = []
    owners: dict[tuple[str, str], str] = {}
    ids = {f.id for f in families}
    seen: set[str] = set()
    for family in families:
        where = f"{family.file} ({family.id})"
        if family.id in seen:
            problems.append((where, "id is used twice"))
        seen.add(family.id)
        problems.extend(
            (where, f"supersedes unknown family {other!r}") for other in family.supersedes if other not in ids
        )
        entries = [
            *(("symbol", s) for s in family.symbols),
            *(("prefix", p) for p in family.prefixes),
            *(("library", lib) for lib in family.libraries),
        ]
        for entry in entries:
            owner = owners.setdefault(entry, family.id)
            if owner != family.id:
                problems.append((where, f"{entry[0]} {entry[1]!r} also belongs to {owner}"))
    return problems
