"""The maker base in `makers/`, validated: who can be named as the maker of a firmware, and who cannot.

`makers/makers.toml` lists camera, NVR, DVR and IoT makers, ODMs, brands and firmware distributions with
their legal names (English and pinyin), short names, domains, country, parent and relation (a brand and
the company that makes its products), product model patterns and public sources. `makers/organisations.toml`
lists organisations firmware names that never make it (chip makers, software projects, clouds, P2P
platforms, certification authorities).

Names are found in free text as whole words ignoring case, where a camel-case or digit boundary also
counts ("XiongMaiTech" names Xiongmai, "Dahua3.0" names Dahua, "hualaikeji" does not name "Hualai" but
the alias "Hualaikeji" does); separators between the words of a name may be spaces, `-` or `_` or
nothing ("TP-LINK", "TPLink").

`load` reads and validates both tables, returning what it could read with the problems it found;
`base` is the validated base, read once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, islice
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

import ahocorasick
from pydantic import AfterValidator, model_validator

from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.rows import (
    CountryCode,
    Listed,
    Problems,
    Row,
    RowId,
    Text,
    Texts,
    read_rows,
    read_toml,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

MAKERS_DIR = DATA_DIR / "makers"
RELATIONS = frozenset({"subsidiary", "rebrand", "odm"})
MAX_REMEMBERED = 4096
"""Vendor texts whose makers are remembered (the same few vendor names are asked again and again)."""
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_WORD = re.compile(r"[^\W_]+")
_SUFFIXES = frozenset(
    {"co", "ltd", "inc", "corp", "corporation", "llc", "gmbh", "ag", "ab", "limited", "pty", "sia", "plc"}
    | {"bv", "sa", "company", "incorporated"}
)
"""Corporate suffixes left out of legal names when matching ("Co., Ltd." is written every way)."""


def name_words(name: str) -> tuple[str, ...]:
    """The case-folded words of a name, corporate suffixes at its end left out."""
    found = [w.casefold() for w in _WORD.findall(name)]
    # A legal name keeps two words at least: "Ring LLC" is not the word "ring".
    while len(found) > 2 and found[-1] in _SUFFIXES:
        found.pop()
    return tuple(found)


def _domain(value: str) -> str:
    if not _DOMAIN.fullmatch(value):
        raise ValueError(f"{value!r} is not a lower-case host name")
    return value


Domain = Annotated[str, AfterValidator(_domain)]
"""A registrable domain, lower case."""


class Maker(Row):
    """A row of the maker base: a company (or firmware project) a verdict can name.

    Attributes:
        id: Unique id, linked from other tables.
        name: The name verdicts use.
        kind: maker, odm, brand or distribution.
        country: ISO 3166-1 alpha-2 country of its headquarters (None for a project without one).
        legal_names: Registered names, English and pinyin.
        aliases: Short and product names (the legal names are in `legal_names`).
        domains: Registrable domains it owns.
        parent: Id of the company that makes its products or owns it.
        relation: What the parent is to it: subsidiary, rebrand or odm.
        models: Regular expressions over its product model numbers.
        note: What the row means, where its name alone does not say.
    """

    id: RowId
    name: Text
    kind: Literal["maker", "odm", "brand", "distribution"]
    country: CountryCode | None = None
    legal_names: Texts = ()
    aliases: Listed
    domains: tuple[Domain, ...] = ()
    parent: str = ""
    relation: Literal["", "subsidiary", "rebrand", "odm"] = ""
    models: tuple[re.Pattern[str], ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.country is None and self.kind != "distribution":
            raise ValueError("only a distribution may have no country")
        if bool(self.parent) != bool(self.relation):
            raise ValueError(f"parent and relation go together; relation is one of {sorted(RELATIONS)}")
        return self

    @property
    def low_confidence(self) -> bool:
        """Whether the row rests on indirect sources only."""
        return self.confidence == "low"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it is found by: its aliases and legal names.

        A name that is a common word, such as "Ring", is found only by them.
        """
        return (*self.aliases, *self.legal_names)

    def named_in(self, text: str | None) -> bool:
        """Whether one of its names stands in `text` (see the module's matching rules)."""
        return bool(text) and any(True for _ in _matcher((self,)).find(text or ""))

    def owns(self, host: str) -> bool:
        """Whether a host name (or e-mail domain) is one of its domains or under one."""
        host = host.casefold().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


class Organisation(Row):
    """An organisation firmware names that is never its maker (chip, software, cloud, P2P, standards)."""

    id: RowId
    name: Text
    kind: Literal["chip", "software", "cloud", "p2p", "standards"]
    country: CountryCode | None = None
    aliases: Listed

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it is found by: its aliases ("Arm" is found as "ARM Limited", not as a word)."""
        return self.aliases


Named = Maker | Organisation


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Where a known name stands in a text."""

    who: Named
    start: int
    end: int
    text: str


_ATOM = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\W\d_A-Za-z]+")
"""The atoms of a text: runs of letters split at camel-case boundaries, runs of digits."""
_GAP = re.compile(r"[\s_-]{0,2}")
MAX_ATOMS = 12
"""Atoms one name may span."""
MAX_NAME = 160
"""Characters one name may span."""
MIN_START = 4
"""Letters of a name's first word searched for first."""
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
"""Lower case that keeps every offset, for the rare text whose str.lower() is longer."""
MIN_KEY = 16
"""Capitals and digits in a row, mixing both, that make a token key material rather than words."""
_KEY_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


class _Matcher:
    """Every name of a set of makers and organisations, found by looking up runs of atoms.

    A name matches a run of consecutive atoms whose letters, joined, are the name's letters and whose
    boundaries fall on the boundaries of the name's words; atoms of one run are separated by at most two
    spaces, `-` or `_`, or by nothing (a camel-case or letter/digit boundary).
    """

    def __init__(self, rows: Iterable[Named]) -> None:
        self._owner: dict[str, list[tuple[tuple[str, ...], Named]]] = {}
        for row in rows:
            for name in dict.fromkeys(name_words(n) for n in row.names):
                if name:
                    self._owner.setdefault("".join(name), []).append((name, row))
        self._prefixes = {key[:size] for key in self._owner for size in range(1, len(key) + 1)}
        # Where a name can begin: the first letters of its first word, found by one Aho-Corasick pass
        # over the whole text, so that only those few places are examined atom by atom.
        self._starts = ahocorasick.Automaton()
        for entries in self._owner.values():
            for words, _ in entries:
                for start in _starts(words):
                    self._starts.add_word(start, len(start))
        if len(self._starts):
            self._starts.make_automaton()

    def find(self, text: str) -> Iterator[tuple[Named, NameMatch]]:
        """Every known name in `text` that stands on word boundaries, with who it names."""
        if not len(self._starts):
            return
        resume = 0
        lower = text.lower()
        if len(lower) != len(text):  # a letter whose lower case is longer ("İ") would shift offsets
            lower = text.translate(_ASCII_LOWER)
        for last, size in self._starts.iter(lower):
            start = last - size + 1
            before = text[start - 1] if start else " "
            if start < resume or (before.isalpha() and not _camel(before, text[start])):
                continue
            window = text[start : start + MAX_NAME]
            # Atoms are read one at a time: most starts stop being any name's prefix after one or two.
            atoms = _ATOM.finditer(window)
            first = next(atoms, None)
            found = self._longest(window, chain((first,), atoms)) if first and first.start() == 0 else None
            if found is not None:
                owner, spelt = found
                end = start + spelt
                if _in_key(text, start, end):
                    continue
                yield owner, NameMatch(owner, start, end, text[start:end])
                resume = end

    def _longest(self, text: str, atoms: Iterator[re.Match[str]]) -> tuple[Named, int] | None:
        """The longest name the first atoms of `text` spell, and where it ends there."""
        joined, cuts, best, previous = "", set[int](), None, None
        for atom in islice(atoms, MAX_ATOMS):
            if previous is not None and not _GAP.fullmatch(text, previous.end(), atom.start()):
                break
            joined += atom.group().casefold()
            if joined not in self._prefixes:
                break
            cuts.add(len(joined))
            for words, owner in self._owner.get(joined, ()):
                if _aligned(words, cuts):
                    best = (owner, atom.end())
                    break
            previous = atom
        return best


def _starts(words: tuple[str, ...]) -> set[str]:
    """How the first letters (up to four) of a name can be written.

    Its words joined by nothing, a space, `-` or `_`.
    """
    found = set()
    for separator in ("", " ", "-", "_"):
        text, letters = "", 0
        for word in words:
            if letters >= MIN_START:
                break
            piece = word[: MIN_START - letters]
            text += (separator if text else "") + piece
            letters += len(piece)
        found.add(text)
    return found


def _in_key(text: str, start: int, end: int) -> bool:
    """Whether a name found at `start:end` lies in key material, not words.

    A license key, serial or encoded blob (`...K4YS7LKC46LZV41U83...`) is a run of capitals and digits;
    its letter/digit boundaries split it into atoms in which short names (`YS7`, `TVT`, `ZTE`) turn up
    by chance. Such a run, `MIN_KEY` or more around the name with two digits and two letters at least,
    names nobody. Only `MIN_KEY` characters on each side are read: a long run costs no more.
    """
    lo = start
    while lo > max(0, start - MIN_KEY) and text[lo - 1] in _KEY_CHARACTERS:
        lo -= 1
    hi = end
    while hi < min(len(text), end + MIN_KEY) and text[hi] in _KEY_CHARACTERS:
        hi += 1
    run = text[lo:hi]
    if len(run) < MIN_KEY or any(c not in _KEY_CHARACTERS for c in text[start:end]):
        return False
    digits = sum(c.isdigit() for c in run)
    return digits >= 2 and len(run) - digits >= 2


def _camel(before: str, after: str) -> bool:
    """A boundary inside a token: lower case to upper case, or between a letter and a digit."""
    return (before.islower() and after.isupper()) or before.isdigit() != after.isdigit()


def _aligned(words: tuple[str, ...], cuts: set[int]) -> bool:
    """Whether every boundary between the words of a name falls between two atoms."""
    size = 0
    for word in words[:-1]:
        size += len(word)
        if size not in cuts:
            return False
    return True


_MATCHERS: dict[tuple[str, ...], _Matcher] = {}


def _matcher(rows: tuple[Named, ...]) -> _Matcher:
    """The matcher of a set of rows, compiled once (rows are known by their ids)."""
    key = tuple(f"{type(row).__name__}:{row.id}:{row.name}" for row in rows)
    found = _MATCHERS.get(key)
    if found is None:
        found = _MATCHERS[key] = _Matcher(rows)
    return found


@dataclass(frozen=True, slots=True)
class MakerBase:
    """The validated maker base with its lookups."""

    makers: tuple[Maker, ...] = ()
    organisations: tuple[Organisation, ...] = ()
    _by_id: dict[str, Maker] = field(default_factory=dict, repr=False, compare=False)
    _all: list[_Matcher] = field(default_factory=list, repr=False, compare=False)
    _named: dict[str, tuple[Maker, ...]] = field(default_factory=dict, repr=False, compare=False)
    _domains: list[Any] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the makers by id and compile the names once."""
        self._by_id.update((m.id, m) for m in self.makers)
        self._all.append(_Matcher((*self.makers, *self.organisations)))

    def get(self, maker_id: str) -> Maker | None:
        """The maker with this id."""
        return self._by_id.get(maker_id)

    def find(self, text: str) -> list[NameMatch]:
        """Every maker and organisation named in a free text, in order."""
        return [m for _, m in self._all[0].find(text)]

    def find_domains(self, text: str) -> list[tuple[Maker, str, int]]:
        """Every maker domain standing in a text as a host name or under one: (maker, domain, offset)."""
        if not self._domains:
            automaton = ahocorasick.Automaton()
            for maker in self.makers:
                for domain in maker.domains:
                    automaton.add_word(domain, (maker, domain))
            if len(automaton):
                automaton.make_automaton()
            self._domains.append(automaton)
        automaton = self._domains[0]
        if not len(automaton):
            return []
        lower = text.lower()
        if len(lower) != len(text):
            lower = text.translate(_ASCII_LOWER)
        found = []
        for last, (maker, domain) in automaton.iter(lower):
            start, end = last - len(domain) + 1, last + 1
            before, after = lower[start - 1 : start], lower[end : end + 2]
            if (before and (before.isalnum() or before == "-")) or (after[:1].isalnum() or after[:1] == "-"):
                continue
            if after[:1] == "." and after[1:2].isalnum():  # "dahuatech.com.evil.net" is another domain
                continue
            found.append((maker, domain, start))
        return found

    def makers_named_in(self, text: str | None) -> tuple[Maker, ...]:
        """The makers named in a text, each once, in the order of the base."""
        if not text:
            return ()
        known = self._named.get(text)
        if known is None:
            found = {id(m.who) for m in self.find(text) if isinstance(m.who, Maker)}
            known = tuple(m for m in self.makers if id(m) in found)
            if len(self._named) < MAX_REMEMBERED:
                self._named[text] = known
        return known

    def by_domain(self, host: str) -> Maker | None:
        """The maker owning a host name or e-mail domain (the longest domain wins)."""
        owners = [
            (d, m) for m in self.makers for d in m.domains if m.owns(host) and host.casefold().endswith(d)
        ]
        return max(owners, key=lambda p: len(p[0]))[1] if owners else None

    def maker_of(self, row: Maker) -> Maker:
        """The company that makes a brand's products (its parent, whatever the relation).

        A maker, an ODM, a distribution or a brand without a parent is its own maker.
        """
        seen = {row.id}
        while row.kind == "brand" and row.parent and row.parent not in seen:
            parent = self._by_id.get(row.parent)
            if parent is None:
                break
            seen.add(parent.id)
            row = parent
        return row


def load(directory: Path = MAKERS_DIR) -> tuple[MakerBase, list[tuple[str, str]]]:
    """Read and validate the maker base of `directory`; return it and the problems as (file, message)."""
    problems: Problems = []
    found: dict[str, list[Any]] = {}
    for name, table, model in (
        ("makers.toml", "maker", Maker),
        ("organisations.toml", "organisation", Organisation),
    ):
        path = directory / name
        where = f"makers/{name}"
        data = read_toml(path, where, problems) if path.is_file() else None
        if data is not None and set(data) - {table}:
            problems.append((where, f"unknown tables {sorted(set(data) - {table})}"))
        rows = read_rows(model, data.get(table, []), f"{where} [[{table}]]", problems) if data else []
        found[table] = [row for _, row in rows]
    base = MakerBase(tuple(found["maker"]), tuple(found["organisation"]))
    problems += _cross_checks(base)
    return base, problems


def _cross_checks(data: MakerBase) -> list[tuple[str, str]]:
    """Ids well-formed and unique, names and domains unique, parents known and not circular."""
    return _unique_names(data) + _unique_domains(data) + _parents(data)


def _unique_names(data: MakerBase) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    ids: set[str] = set()
    owners: dict[tuple[str, ...], str] = {}
    rows: list[Named] = [*data.makers, *data.organisations]
    for row in rows:
        if row.id in ids:
            problems.append(("makers", f"id {row.id!r} is used twice"))
        ids.add(row.id)
        for name in dict.fromkeys(name_words(n) for n in row.names):
            other = owners.setdefault(name, row.id)
            if other != row.id:
                message = f"the name {' '.join(name)!r} of {row.id!r} is already {other!r}'s"
                problems.append(("makers", message))
    return problems


def _unique_domains(data: MakerBase) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    domains: dict[str, str] = {}
    for maker in data.makers:
        for domain in maker.domains:
            other = domains.setdefault(domain, maker.id)
            if other != maker.id:
                problems.append(("makers", f"domain {domain!r} of {maker.id!r} is already {other!r}'s"))
    return problems


def _parents(data: MakerBase) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for maker in data.makers:
        if maker.parent and data.get(maker.parent) is None:
            problems.append(("makers", f"{maker.id!r}: parent {maker.parent!r} is not in the base"))
        seen, row = {maker.id}, data.get(maker.parent)
        while row is not None and row.parent:
            if row.id in seen:
                problems.append(("makers", f"{maker.id!r}: its parents form a cycle"))
                break
            seen.add(row.id)
            row = data.get(row.parent)
    return problems


@cache
def base() -> MakerBase:
    """The shipped maker base, validated once per process.

    Raises:
        ValueError: the data has problems (`firmware-audit signatures check` lists them).
    """
    data, problems = load()
    if problems:
        raise ValueError("; ".join(f"{file}: {message}" for file, message in problems))
    return data
