"""The endpoint signature data in `endpoints/`: vendor servers, references, operators, P2P UID prefixes.

Each `.toml` file there holds one or more of these tables (described in `signatures/README.md`):

* `[[endpoint]]` — a vendor's servers: exact `hosts` (names or IP addresses) or `domains` (the name
  and every subdomain), with `role`, `vendor`, `country`, optional `port` and `note`, the public
  `source` and the `ref` of the domain/ row; a `domains` row lists `examples` it must match;
* `[[reference]]` and `[[path]]` — hosts and URL paths that are references (namespaces, licences,
  library home pages), never servers;
* `[[operator]]` — a regular expression over GeoLite2 ASN organisation names, the operator it means
  and the country of its headquarters;
* `[cctld]` — the country-code TLDs that are used generically, and TLD-to-ISO aliases;
* `[[uid_prefix]]` — P2P device-ID prefixes and the network, apps and OEM behind them;
* `[[cloud]]` — a cloud or CDN: its domains, the country of its headquarters, and how a host name
  under it names its region (`ec2-….ap-southeast-1.compute.amazonaws.com`), with each region's
  data-centre country.

An `[[endpoint]]` row whose only sources are indirect says `confidence = "low"` and its `reason`;
the analyzer shows both in the evidence. `country = ""` is a service with no one country (the NTP
Pool's global zones), and also needs a `reason`.

`load` reads and validates every table, returning what it could read with the problems it found;
`endpoint_data` is the set the analyzer uses, read once per process.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from firmware_audit.model import EndpointRole
from firmware_audit.refdata import domains as psl
from firmware_audit.signatures import DATA_DIR

if TYPE_CHECKING:
    from pathlib import Path

ENDPOINTS_DIR = DATA_DIR / "endpoints"
_T = TypeVar("_T")
_COUNTRY = re.compile(r"[A-Z]{2}")
_PREFIX = re.compile(r"[A-Z][A-Z0-9]{2,6}")
_NO_REGION = r"(?P<region>(?!))"
"""The region pattern of a cloud whose host names name no region: it never matches."""
_KEYS = {
    "endpoint": (
        frozenset({"role", "vendor", "country", "source"}),
        frozenset({"hosts", "domains", "port", "note", "ref", "examples", "confidence", "reason"}),
    ),
    "cloud": (
        frozenset({"name", "country", "domains", "source"}),
        frozenset({"region", "regions", "examples", "confidence", "reason"}),
    ),
    "reference": (frozenset({"domains", "what", "source"}), frozenset()),
    "path": (frozenset({"pattern", "what", "examples", "source"}), frozenset()),
    "operator": (frozenset({"name", "country", "match", "examples", "source"}), frozenset()),
    "uid_prefix": (frozenset({"prefixes", "vendor", "network", "apps", "source"}), frozenset({"country"})),
}


@dataclass(frozen=True, slots=True)
class VendorEndpoint:
    """What the vendor data says about a host: whose it is, what for, and the source saying so.

    Attributes:
        role: What the firmware uses it for.
        vendor: Whose server it is (the operator, for public DNS and NTP services).
        country: The vendor's country (its headquarters), as the source gives it.
        port: The port the source names, if any.
        note: What the source says about it.
        source: The public source.
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
    source: str
    ref: str | None
    exact: bool
    file: str
    service: bool = False
    low_confidence: str | None = None


@dataclass(frozen=True, slots=True)
class Cloud:
    """A cloud or CDN operator, and how its host names carry their region.

    Attributes:
        name: The operator.
        country: The country of its headquarters.
        pattern: Finds the region in a host name (group `region`).
        regions: Region code -> country of its data centres.
        source: The public source.
        low_confidence: Why the row rests on indirect sources only, if it does.
    """

    name: str
    country: str
    pattern: re.Pattern[str]
    regions: dict[str, str]
    source: str
    low_confidence: str | None = None

    def region(self, host: str) -> tuple[str, str] | None:
        """(region, data-centre country) named in `host`, if it names a known one."""
        for m in self.pattern.finditer(host):
            country = self.regions.get(m.group("region"))
            if country is not None:
                return m.group("region"), country
        return None


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference host or URL path: what it is and the source saying so."""

    what: str
    source: str


@dataclass(frozen=True, slots=True)
class ReferencePath:
    """A URL path pattern that marks a reference (a namespace, schema or licence location)."""

    pattern: re.Pattern[str]
    what: str
    source: str


@dataclass(frozen=True, slots=True)
class Operator:
    """A network operator recognised from a GeoLite2 ASN organisation name."""

    name: str
    country: str
    pattern: re.Pattern[str]
    source: str


@dataclass(frozen=True, slots=True)
class UidPrefix:
    """A P2P device-ID prefix and the network, apps and OEM behind it."""

    prefix: str
    vendor: str
    country: str | None
    network: str
    apps: str
    source: str


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


class _Reader:
    """Reads the tables of one directory, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.data = EndpointData()
        self.problems: list[tuple[str, str]] = []
        self.paths: list[ReferencePath] = []
        self.operators: list[Operator] = []
        self.generic: set[str] = set()
        self.clouds: dict[str, Cloud] = {}

    def problem(self, file: str, message: str) -> None:
        self.problems.append((file, message))

    def read(self, file: str, table: dict[str, Any]) -> None:
        for kind, rows in table.items():
            if kind == "cctld":
                self._cctld(file, rows)
                continue
            if kind not in _KEYS:
                self.problem(file, f"unknown table [{kind}]")
                continue
            for n, row in enumerate(rows, 1):
                where = f"{file}: [[{kind}]] #{n}"
                if self._keys_ok(where, kind, row):
                    getattr(self, f"_{kind}")(where, file, row)

    def _keys_ok(self, where: str, kind: str, row: dict[str, Any]) -> bool:
        required, optional = _KEYS[kind]
        ok = True
        if missing := required - row.keys():
            self.problem(where, f"missing {', '.join(sorted(missing))}")
            ok = False
        if unknown := row.keys() - required - optional:
            self.problem(where, f"unknown keys {', '.join(sorted(unknown))}")
            ok = False
        if not str(row.get("source", "")).strip():
            self.problem(where, "a row must name its public source")
            ok = False
        confidence = row.get("confidence", "high")
        if confidence not in {"high", "low"}:
            self.problem(where, f"confidence {confidence!r} is not high or low")
            ok = False
        needs_reason = confidence == "low" or row.get("country") == ""
        if needs_reason and not str(row.get("reason", "")).strip():
            self.problem(where, "a low-confidence row or one without a country must give its reason")
            ok = False
        return ok

    def _endpoint(self, where: str, file: str, row: dict[str, Any]) -> None:
        problem = _endpoint_problem(row)
        if problem is not None:
            self.problem(where, problem)
            return
        exact = "hosts" in row
        entry = VendorEndpoint(
            role=EndpointRole(row["role"]),
            vendor=str(row["vendor"]),
            country=str(row["country"]) or None,
            port=row.get("port"),
            note=row.get("note"),
            source=str(row["source"]),
            ref=row.get("ref"),
            exact=exact,
            file=file,
            low_confidence=str(row["reason"]) if row.get("confidence") == "low" else None,
        )
        names = row["hosts"] if exact else row["domains"]
        index = self.data.hosts if exact else self.data.domains
        for name in names:
            if not _valid_host(name, allow_ip=exact):
                self.problem(
                    where, f"{name!r} is not a lower-case host name with a public suffix or an address"
                )
            elif name in index:
                self.problem(where, f"{name} is already listed in {index[name].file}")
            elif _disagree(entry, (other := self.data.domains if exact else self.data.hosts).get(name)):
                self.problem(where, f"{name} is listed with another vendor or country in {other[name].file}")
            else:
                split = psl.split(name)
                service = exact or (split is not None and split.registered != name)
                index[name] = replace(entry, service=service)
        if not exact:
            self._examples(where, names, row.get("examples", []))

    def _examples(self, where: str, domains: list[str], examples: list[str]) -> None:
        if not examples:
            self.problem(where, "a domains row needs examples")
        for example in examples:
            if not any(example == d or example.endswith(f".{d}") for d in domains):
                self.problem(where, f"example {example!r} is not under {', '.join(domains)}")
            elif not _valid_host(example, allow_ip=False):
                self.problem(where, f"example {example!r} is not a valid host name")

    def _reference(self, where: str, file: str, row: dict[str, Any]) -> None:
        del file
        for name in row["domains"]:
            if not _valid_host(name, allow_ip=False):
                self.problem(where, f"{name!r} is not a lower-case host name with a public suffix")
            elif name in self.data.references:
                self.problem(where, f"{name} is listed twice")
            else:
                self.data.references[name] = Reference(str(row["what"]), str(row["source"]))

    def _path(self, where: str, file: str, row: dict[str, Any]) -> None:
        del file
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            self.problem(where, f"pattern does not compile: {exc}")
            return
        if not row["examples"]:
            self.problem(where, "a path row needs examples")
        for example in row["examples"]:
            if not pattern.search(example):
                self.problem(where, f"example {example!r} does not match")
        self.paths.append(ReferencePath(pattern, str(row["what"]), str(row["source"])))

    def _operator(self, where: str, file: str, row: dict[str, Any]) -> None:
        del file
        try:
            pattern = re.compile(row["match"])
        except re.error as exc:
            self.problem(where, f"match does not compile: {exc}")
            return
        if not _COUNTRY.fullmatch(str(row["country"])):
            self.problem(where, f"country {row['country']!r} is not an ISO 3166-1 alpha-2 code")
            return
        if not row["examples"]:
            self.problem(where, "an operator row needs examples")
        for example in row["examples"]:
            if not pattern.search(example):
                self.problem(where, f"example {example!r} does not match")
        self.operators.append(Operator(str(row["name"]), str(row["country"]), pattern, str(row["source"])))

    def _uid_prefix(self, where: str, file: str, row: dict[str, Any]) -> None:
        del file
        country = row.get("country")
        if country is not None and not _COUNTRY.fullmatch(str(country)):
            self.problem(where, f"country {country!r} is not an ISO 3166-1 alpha-2 code")
            return
        for prefix in row["prefixes"]:
            if not _PREFIX.fullmatch(prefix):
                self.problem(
                    where,
                    f"prefix {prefix!r} is not 3 to 7 capitals or digits, a capital first",
                )
            elif prefix in self.data.uid_prefixes:
                self.problem(where, f"prefix {prefix} is listed twice")
            else:
                self.data.uid_prefixes[prefix] = UidPrefix(
                    prefix,
                    str(row["vendor"]),
                    country,
                    str(row["network"]),
                    str(row["apps"]),
                    str(row["source"]),
                )

    def _cloud(self, where: str, file: str, row: dict[str, Any]) -> None:
        del file
        regions = row.get("regions", {})
        if regions and "region" not in row:
            self.problem(where, "regions need a region pattern")
            return
        try:
            pattern = re.compile(row.get("region", _NO_REGION))
        except re.error as exc:
            self.problem(where, f"region does not compile: {exc}")
            return
        if "region" not in pattern.groupindex:
            self.problem(where, "region needs a group named region")
            return
        bad = [f"{k} = {v!r}" for k, v in regions.items() if not _COUNTRY.fullmatch(str(v))]
        if bad or not _COUNTRY.fullmatch(str(row["country"])):
            self.problem(where, f"not ISO 3166-1 alpha-2 codes: {', '.join(bad) or row['country']}")
            return
        cloud = Cloud(
            str(row["name"]),
            str(row["country"]),
            pattern,
            {str(k): str(v) for k, v in regions.items()},
            str(row["source"]),
            str(row["reason"]) if row.get("confidence") == "low" else None,
        )
        for name in row["domains"]:
            if not _valid_host(name, allow_ip=False):
                self.problem(where, f"{name!r} is not a lower-case host name with a public suffix")
            elif name in self.clouds:
                self.problem(where, f"{name} is listed twice")
            else:
                self.clouds[name] = cloud
        if regions and not row.get("examples"):
            self.problem(where, "a cloud row with regions needs examples")
        self._cloud_examples(where, cloud, row.get("examples", {}))

    def _cloud_examples(self, where: str, cloud: Cloud, examples: dict[str, str]) -> None:
        for host, country in examples.items():
            found = cloud.region(host)
            if found is None or found[1] != country or _by_suffix(self.clouds, host) is not cloud:
                self.problem(where, f"example {host!r} does not give {country}")

    def _cctld(self, file: str, table: dict[str, Any]) -> None:
        where = f"{file}: [cctld]"
        if not str(table.get("source", "")).strip():
            self.problem(where, "a table must name its public source")
        for tld in table.get("generic", []):
            if not re.fullmatch(r"[a-z]{2}", tld):
                self.problem(where, f"{tld!r} is not a two-letter TLD")
            self.generic.add(tld)
        for tld, country in table.get("aliases", {}).items():
            if not re.fullmatch(r"[a-z]{2}", tld) or not _COUNTRY.fullmatch(str(country)):
                self.problem(where, f"alias {tld!r} = {country!r} is not TLD = ISO code")
            else:
                self.data.tld_aliases[tld] = str(country)

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


def _endpoint_problem(row: dict[str, Any]) -> str | None:
    """What is wrong with an `[[endpoint]]` row's fields, if anything (names are checked apart)."""
    if ("hosts" in row) == ("domains" in row):
        return "give either hosts or domains"
    if row["role"] not in {r.value for r in EndpointRole}:
        return f"unknown role {row['role']!r}"
    if row["role"] == EndpointRole.REFERENCE.value:
        return "references belong in [[reference]]"
    if row["country"] != "" and not _COUNTRY.fullmatch(str(row["country"])):
        return f"country {row['country']!r} is not an ISO 3166-1 alpha-2 code"
    port = row.get("port")
    if port is not None and not (isinstance(port, int) and 0 < port < 65536):
        return f"port {port!r} is not a port number"
    return None


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
    reader = _Reader()
    for path in sorted(directory.glob("*.toml")):
        file = path.relative_to(directory.parent).as_posix()
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            if syntax:
                reader.problem(file, str(exc))
            continue
        reader.read(file, table)
    return reader.finish(), reader.problems


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
