"""The endpoint signature data in `endpoints/`: vendor servers, references, operators, P2P UID prefixes.

Each `.toml` file there holds one or more of these tables (described in `signatures/README.md`):

* `[[endpoint]]` — a vendor's servers: exact `hosts` (names or IP addresses) or `domains` (the name
  and every subdomain), with `role`, `vendor`, `country`, optional `port` and `note`, the public
  `sources` and the `ref` of the domain/ row; a `domains` row lists `examples` it must match;
* `[[reference]]` and `[[path]]` — hosts and URL paths that are references (namespaces, licences,
  library home pages), never servers;
* `[[operator]]` — a regular expression over GeoLite2 ASN organisation names, the operator it means
  and the country of its headquarters;
* `[cctld]` — the country-code TLDs that are used generically, and TLD-to-ISO aliases;
* `[[uid_prefix]]` — P2P device-ID prefixes and the network, apps and OEM behind them;
* `[[cloud]]` — a cloud or CDN: its domains, the country of its headquarters, and how a host name
  under it names its region (`ec2-….ap-southeast-1.compute.amazonaws.com`), with each region's
  data-centre country.

Every row is a `rows.Row` (unknown keys refused, `sources` a list, countries ISO 3166-1 alpha-2).
An `[[endpoint]]` row whose only sources are indirect says `confidence = "low"` and its `reason`;
the analyzer shows both in the evidence. A row without `country` is a service with no one country (the
NTP Pool's global zones), and also needs a `reason`.

`load` reads and validates every table, returning what it could read with the problems it found;
`endpoint_data` is the set the analyzer uses, read once per process.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Annotated, Self, TypeVar

from pydantic import AfterValidator, Field, StrictInt, model_validator

from firmware_audit.model import EndpointRole
from firmware_audit.refdata import domains as psl
from firmware_audit.signatures import DATA_DIR
from firmware_audit.signatures.rows import (
    CountryCode,
    Listed,
    Problems,
    Row,
    Text,
    Texts,
    read_tables,
)

if TYPE_CHECKING:
    from pathlib import Path

ENDPOINTS_DIR = DATA_DIR / "endpoints"
_T = TypeVar("_T")
_PREFIX = re.compile(r"[A-Z][A-Z0-9]{2,6}")
_TLD = re.compile(r"[a-z]{2}")
_NO_REGION = re.compile(r"(?P<region>(?!))")
"""The region pattern of a cloud whose host names name no region: it never matches."""


class EndpointRow(Row):
    """An `[[endpoint]]` row: a vendor's servers, by exact `hosts` or by `domains`."""

    hosts: Texts = ()
    domains: Texts = ()
    role: EndpointRole
    vendor: Text
    country: CountryCode | None = None
    port: Annotated[StrictInt, Field(gt=0, lt=65536)] | None = None
    note: str | None = None
    ref: str | None = None
    examples: Texts = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if bool(self.hosts) == bool(self.domains):
            raise ValueError("give either hosts or domains")
        if self.role is EndpointRole.REFERENCE:
            raise ValueError("references belong in [[reference]]")
        if self.country is None and not self.reason.strip():
            raise ValueError("a row without a country must give its reason")
        if self.domains and not self.examples:
            raise ValueError("a domains row needs examples")
        for example in self.examples:
            if not any(example == d or example.endswith(f".{d}") for d in self.domains):
                raise ValueError(f"example {example!r} is not under {', '.join(self.domains)}")
            if not _valid_host(example, allow_ip=False):
                raise ValueError(f"example {example!r} is not a valid host name")
        return self


def _region_group(pattern: re.Pattern[str]) -> re.Pattern[str]:
    if "region" not in pattern.groupindex:
        raise ValueError("needs a group named region")
    return pattern


class CloudRow(Row):
    """A `[[cloud]]` row: a cloud or CDN, its headquarters, and how its host names carry their region."""

    name: Text
    country: CountryCode
    domains: Listed
    region: Annotated[re.Pattern[str], AfterValidator(_region_group)] = _NO_REGION
    regions: dict[str, CountryCode] = Field(default_factory=dict)
    examples: dict[str, CountryCode] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.regions and self.region is _NO_REGION:
            raise ValueError("regions need a region pattern")
        if self.regions and not self.examples:
            raise ValueError("a cloud row with regions needs examples")
        return self


class ReferenceRow(Row):
    """A `[[reference]]` row: domains whose hosts are references, never servers."""

    domains: Listed
    what: Text


class PathRow(Row):
    """A `[[path]]` row: a URL path pattern (searched ignoring case) that marks a reference."""

    pattern: Text
    what: Text
    examples: Listed

    @model_validator(mode="after")
    def _proven(self) -> Self:
        try:
            compiled = re.compile(self.pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"pattern does not compile: {exc}") from exc
        for example in self.examples:
            if not compiled.search(example):
                raise ValueError(f"example {example!r} does not match")
        return self


class OperatorRow(Row):
    """An `[[operator]]` row: a regular expression over GeoLite2 ASN organisation names."""

    name: Text
    country: CountryCode
    match: re.Pattern[str]
    examples: Listed

    @model_validator(mode="after")
    def _proven(self) -> Self:
        for example in self.examples:
            if not self.match.search(example):
                raise ValueError(f"example {example!r} does not match")
        return self


def _prefixes(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    for prefix in prefixes:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"prefix {prefix!r} is not 3 to 7 capitals or digits, a capital first")
    return prefixes


class UidPrefixRow(Row):
    """A `[[uid_prefix]]` row: P2P device-ID prefixes and the network, apps and OEM behind them."""

    prefixes: Annotated[Listed, AfterValidator(_prefixes)]
    vendor: Text
    country: CountryCode | None = None
    network: Text
    apps: Text


def _tlds(tlds: tuple[str, ...]) -> tuple[str, ...]:
    for tld in tlds:
        if not _TLD.fullmatch(tld):
            raise ValueError(f"{tld!r} is not a two-letter TLD")
    return tlds


class CctldRow(Row):
    """The `[cctld]` table: two-letter TLDs used generically, and TLD-to-ISO aliases (`uk = "GB"`)."""

    generic: Annotated[Texts, AfterValidator(_tlds)] = ()
    aliases: dict[Annotated[str, Field(pattern=r"^[a-z]{2}$")], CountryCode] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VendorEndpoint:
    """What the vendor data says about a host: whose it is, what for, and the source saying so.

    Attributes:
        role: What the firmware uses it for.
        vendor: Whose server it is (the operator, for public DNS and NTP services).
        country: The vendor's country (its headquarters), as the source gives it.
        port: The port the source names, if any.
        note: What the source says about it.
        sources: The public sources.
        ref: The row of domain/ it comes from.
        exact: True when the row names this host; False when it covers the host's domain.
        service: True when the row names this host or a service domain below a registered one
            (`iot-as-mqtt.cn-shanghai.aliyuncs.com`): its role is documented, not a domain default.
        file: The table it came from.
        low_confidence: Why the row rests on indirect sources only (None for a sourced row).
    """

    role: EndpointRole
    vendor: str
    country: str | None
    port: int | None
    note: str | None
    sources: tuple[str, ...]
    ref: str | None
    exact: bool
    file: str
    service: bool = False
    low_confidence: str | None = None

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


@dataclass(frozen=True, slots=True)
class Cloud:
    """A cloud or CDN operator, and how its host names carry their region.

    Attributes:
        name: The operator.
        country: The country of its headquarters.
        pattern: Finds the region in a host name (group `region`).
        regions: Region code -> country of its data centres.
        sources: The public sources.
        low_confidence: Why the row rests on indirect sources only, if it does.
    """

    name: str
    country: str
    pattern: re.Pattern[str]
    regions: dict[str, str]
    sources: tuple[str, ...]
    low_confidence: str | None = None

    def region(self, host: str) -> tuple[str, str] | None:
        """(region, data-centre country) named in `host`, if it names a known one."""
        for m in self.pattern.finditer(host):
            country = self.regions.get(m.group("region"))
            if country is not None:
                return m.group("region"), country
        return None

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference host or URL path: what it is and the source saying so."""

    what: str
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


@dataclass(frozen=True, slots=True)
class ReferencePath:
    """A URL path pattern that marks a reference (a namespace, schema or licence location)."""

    pattern: re.Pattern[str]
    what: str
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


@dataclass(frozen=True, slots=True)
class Operator:
    """A network operator recognised from a GeoLite2 ASN organisation name."""

    name: str
    country: str
    pattern: re.Pattern[str]
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


@dataclass(frozen=True, slots=True)
class UidPrefix:
    """A P2P device-ID prefix and the network, apps and OEM behind it."""

    prefix: str
    vendor: str
    country: str | None
    network: str
    apps: str
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """The sources as one line, for evidence."""
        return "; ".join(self.sources)


@dataclass(frozen=True)
class EndpointData:
    """Every endpoint table, indexed for lookups."""

    hosts: dict[str, VendorEndpoint] = field(default_factory=dict)
    domains: dict[str, VendorEndpoint] = field(default_factory=dict)
    references: dict[str, Reference] = field(default_factory=dict)
    reference_paths: tuple[ReferencePath, ...] = ()
    operators: tuple[Operator, ...] = ()
    uid_prefixes: dict[str, UidPrefix] = field(default_factory=dict)
    generic_tlds: frozenset[str] = frozenset()
    tld_aliases: dict[str, str] = field(default_factory=dict)
    clouds: dict[str, Cloud] = field(default_factory=dict)

    def cloud(self, host: str) -> Cloud | None:
        """The cloud whose domain `host` is under."""
        return _by_suffix(self.clouds, host)

    def vendor(self, host: str) -> VendorEndpoint | None:
        """The row naming `host`, else the row of its longest listed parent domain."""
        exact = self.hosts.get(host)
        if exact is not None:
            return exact
        return _by_suffix(self.domains, host)

    def reference(self, host: str) -> Reference | None:
        """The reference row covering `host` (its domain is a standards body, licence or library site)."""
        return _by_suffix(self.references, host)

    def reference_path(self, path: str) -> ReferencePath | None:
        """The first path pattern found in a URL path."""
        return next((p for p in self.reference_paths if p.pattern.search(path)), None)

    def operator(self, asn_name: str) -> Operator | None:
        """The operator an ASN organisation name belongs to."""
        return next((o for o in self.operators if o.pattern.search(asn_name)), None)


def _by_suffix(table: dict[str, _T], host: str) -> _T | None:
    labels = host.split(".")
    for i in range(len(labels) - 1):
        found = table.get(".".join(labels[i:]))
        if found is not None:
            return found
    return None


_TABLES: dict[str, type[Row]] = {
    "endpoint": EndpointRow,
    "cloud": CloudRow,
    "reference": ReferenceRow,
    "path": PathRow,
    "operator": OperatorRow,
    "uid_prefix": UidPrefixRow,
}
"""Each array of tables of `endpoints/*.toml` and the row it holds (`[cctld]` is one table, read apart)."""


class _Index:
    """Indexes the validated rows of every file, collecting the problems of names listed twice."""

    def __init__(self, problems: Problems) -> None:
        self.data = EndpointData()
        self.problems = problems
        self.paths: list[ReferencePath] = []
        self.operators: list[Operator] = []
        self.generic: set[str] = set()
        self.clouds: dict[str, Cloud] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def endpoint(self, where: str, row: EndpointRow) -> None:
        exact = bool(row.hosts)
        entry = VendorEndpoint(
            role=row.role,
            vendor=row.vendor,
            country=row.country,
            port=row.port,
            note=row.note,
            sources=row.sources,
            ref=row.ref,
            exact=exact,
            file=where.split(" ", maxsplit=1)[0],
            low_confidence=row.doubt,
        )
        index = self.data.hosts if exact else self.data.domains
        other = self.data.domains if exact else self.data.hosts
        for name in row.hosts or row.domains:
            if not _valid_host(name, allow_ip=exact):
                self.problem(
                    where, f"{name!r} is not a lower-case host name with a public suffix or an address"
                )
            elif name in index:
                self.problem(where, f"{name} is already listed in {index[name].file}")
            elif _disagree(entry, other.get(name)):
                self.problem(where, f"{name} is listed with another vendor or country in {other[name].file}")
            else:
                split = psl.split(name)
                service = exact or (split is not None and split.registered != name)
                index[name] = replace(entry, service=service)

    def reference(self, where: str, row: ReferenceRow) -> None:
        for name in row.domains:
            if not _valid_host(name, allow_ip=False):
                self.problem(where, f"{name!r} is not a lower-case host name with a public suffix")
            elif name in self.data.references:
                self.problem(where, f"{name} is listed twice")
            else:
                self.data.references[name] = Reference(row.what, row.sources)

    def path(self, row: PathRow) -> None:
        self.paths.append(ReferencePath(re.compile(row.pattern, re.IGNORECASE), row.what, row.sources))

    def operator(self, row: OperatorRow) -> None:
        self.operators.append(Operator(row.name, row.country, row.match, row.sources))

    def uid_prefix(self, where: str, row: UidPrefixRow) -> None:
        for prefix in row.prefixes:
            if prefix in self.data.uid_prefixes:
                self.problem(where, f"prefix {prefix} is listed twice")
            else:
                self.data.uid_prefixes[prefix] = UidPrefix(
                    prefix, row.vendor, row.country, row.network, row.apps, row.sources
                )

    def cloud(self, where: str, row: CloudRow) -> None:
        cloud = Cloud(row.name, row.country, row.region, dict(row.regions), row.sources, row.doubt)
        for name in row.domains:
            if not _valid_host(name, allow_ip=False):
                self.problem(where, f"{name!r} is not a lower-case host name with a public suffix")
            elif name in self.clouds:
                self.problem(where, f"{name} is listed twice")
            else:
                self.clouds[name] = cloud
        for host, country in row.examples.items():
            found = cloud.region(host)
            if found is None or found[1] != country or _by_suffix(self.clouds, host) is not cloud:
                self.problem(where, f"example {host!r} does not give {country}")

    def cctld(self, row: CctldRow) -> None:
        self.generic.update(row.generic)
        self.data.tld_aliases.update(row.aliases)

    def finish(self) -> EndpointData:
        return EndpointData(
            hosts=self.data.hosts,
            domains=self.data.domains,
            references=self.data.references,
            reference_paths=tuple(self.paths),
            operators=tuple(self.operators),
            uid_prefixes=self.data.uid_prefixes,
            generic_tlds=frozenset(self.generic),
            tld_aliases=self.data.tld_aliases,
            clouds=self.clouds,
        )


def _disagree(entry: VendorEndpoint, other: VendorEndpoint | None) -> bool:
    """A host row and a domain row may name the same name only when they agree on whose it is."""
    return other is not None and (other.vendor, other.country) != (entry.vendor, entry.country)


def _valid_host(name: str, *, allow_ip: bool) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return name == name.lower() and psl.split(name) is not None
    return allow_ip


def load(
    directory: Path = ENDPOINTS_DIR, *, syntax: bool = True
) -> tuple[EndpointData, list[tuple[str, str]]]:
    """Read every table under `directory`: the data, and the problems as (file, message).

    A file that is not TOML is left out, and named among the problems unless `syntax` is False
    (`signatures check` reports syntax errors of every file once, in its own validator).
    """
    problems: Problems = []
    index = _Index(problems)
    tables = read_tables(directory, "endpoints", _TABLES, problems, syntax=syntax, single={"cctld": CctldRow})
    for _, cctld in tables["cctld"]:
        index.cctld(cctld)
    for where, endpoint in tables["endpoint"]:
        index.endpoint(where, endpoint)
    for where, cloud in tables["cloud"]:
        index.cloud(where, cloud)
    for where, reference in tables["reference"]:
        index.reference(where, reference)
    for _, path_row in tables["path"]:
        index.path(path_row)
    for _, operator in tables["operator"]:
        index.operator(operator)
    for where, prefix in tables["uid_prefix"]:
        index.uid_prefix(where, prefix)
    return index.finish(), problems


def conflicts(data: EndpointData) -> list[str]:
    """Rows that contradict each other: a vendor server under a reference domain would be hidden."""
    found = []
    for name, row in (*data.hosts.items(), *data.domains.items()):
        reference = data.reference(name)
        if reference is not None:
            found.append(f"{name} ({row.file}) is under a reference domain ({reference.what})")
    return found


@cache
def endpoint_data() -> EndpointData:
    """The shipped endpoint data (rows with problems are left out; `signatures check` reports them)."""
    return load()[0]
