"""The SDK signature data in `sdk/`: SDK families, kernel-module and toolchain clues to the SoC.

`load` reads and validates every table, returning what it could read with the problems it found;
`signatures` is the validated set the analyzer uses, read once per process. The format of each table is
described in the comments at the top of its file and in `signatures/README.md`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import AfterValidator, BeforeValidator, PrivateAttr, model_validator

from firmware_audit.model import SdkKind
from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.rows import (
    CountryCode,
    Problems,
    Row,
    RowId,
    Text,
    Texts,
    distinct_texts,
    read_tables,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

SDK_DIR = DATA_DIR / "sdk"
MIN_PREFIX = 4
"""Shortest symbol prefix accepted: shorter ones (`tal_`, `hd_`) say too little on their own."""
_SO_VERSION = re.compile(r"(\.so)(?:\.[0-9]+)+$")


class SignatureError(Exception):
    """The shipped SDK signature data does not validate (run `firmware-audit signatures check`)."""


def _long_prefixes(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    short = [p for p in prefixes if len(p) < MIN_PREFIX]
    if short:
        raise ValueError(f"prefix {short[0]!r} is shorter than {MIN_PREFIX} characters")
    return prefixes


class Family(Row):
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
    """

    id: RowId
    name: Text
    vendor: Text
    vendor_country: CountryCode
    kind: SdkKind
    libraries: Texts = ()
    prefixes: Annotated[Texts, AfterValidator(_long_prefixes)] = ()
    symbols: Annotated[frozenset[Text], BeforeValidator(distinct_texts)] = frozenset()
    supersedes: Texts = ()
    _file: str = PrivateAttr(default="")

    @property
    def low_confidence(self) -> str | None:
        """Why the row rests on weaker sources than the others (None: it does not); its findings say so."""
        return self.doubt

    @property
    def file(self) -> str:
        """The table it came from."""
        return self._file


class Clue(Row):
    """A kernel-module or toolchain clue to the SoC.

    Attributes:
        pattern: Glob on a module file name, or regular expression over a toolchain banner.
        vendor: The chip maker it points to.
        vendor_country: The chip maker's country.
        models: The chip models consistent with it (empty: only the maker is known).
        family_name: For a module: the chip its SDK line is named after.
        example: A name or banner the pattern must match.
    """

    pattern: Text
    vendor: Text
    vendor_country: CountryCode
    models: Texts = ()
    family_name: str | None = None
    example: Text
    _regex: re.Pattern[str] = PrivateAttr(default=re.compile(""))

    def matches_module(self, name: str) -> bool:
        """Whether a kernel module file name matches this clue."""
        return fnmatch.fnmatchcase(name, self.pattern)

    def search(self, text: str) -> re.Match[str] | None:
        """Where this toolchain clue's pattern occurs in `text`."""
        return self._regex.search(text)

    @model_validator(mode="after")
    def _family_is_a_model(self) -> Self:
        if self.family_name is not None and self.family_name not in self.models:
            raise ValueError(f"family_name {self.family_name!r} is not one of its models")
        return self


class ModuleClue(Clue):
    """A kernel module file name (a glob) that points to a chip maker's SDK line."""

    @model_validator(mode="after")
    def _proven(self) -> Self:
        if not self.matches_module(self.example):
            raise ValueError(f"pattern {self.pattern!r} does not match its example {self.example!r}")
        return self


class ToolchainClue(Clue):
    """A toolchain banner (a regular expression) that points to a chip maker's compilers."""

    @model_validator(mode="after")
    def _proven(self) -> Self:
        try:
            self._regex = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"pattern does not compile: {exc}") from exc
        if not self.search(self.example):
            raise ValueError(f"pattern {self.pattern!r} does not match its example {self.example!r}")
        return self


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
    _any_library: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

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
            # Every glob in one expression: most names match none, and are told so by one search in C.
            _any_library=re.compile("|".join(r.pattern for r, _ in libraries)) if libraries else None,
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
        if self._any_library is None or not self._any_library.match(plain):
            return ()
        return tuple(dict.fromkeys(family for regex, family in self._libraries if regex.match(plain)))


_TABLES: dict[str, type[Row]] = {"family": Family, "kernel_module": ModuleClue, "toolchain": ToolchainClue}
"""Each table of `sdk/*.toml` and the row it holds."""


def load(directory: Path = SDK_DIR) -> tuple[SdkSignatures, list[tuple[str, str]]]:
    """Read every table of `directory`; return the data and the problems as (file, message) pairs."""
    problems: Problems = []
    tables = read_tables(directory, "sdk", _TABLES, problems)
    families: list[Family] = []
    for where, family in tables["family"]:
        family._file = where.split(" ")[0]  # noqa: SLF001  (set once, by the loader that read it)
        families.append(family)
    problems += _cross_checks(families)
    modules = [row for _, row in tables["kernel_module"]]
    toolchains = [row for _, row in tables["toolchain"]]
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
