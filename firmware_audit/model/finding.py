"""Findings: one claim about the firmware, with its proof and exactly one payload."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator

from firmware_audit.model._base import Frozen
from firmware_audit.model.common import Evidence, Location, Severity


class Category(StrEnum):
    """What a finding is about."""

    ENDPOINT = "endpoint"
    SDK = "sdk"
    REBRANDING = "rebranding"
    CREDENTIAL = "credential"
    CERTIFICATE = "certificate"
    LINEAGE = "lineage"


class EndpointKind(StrEnum):
    """The syntactic form an endpoint was written in."""

    HOSTNAME = "hostname"
    IP = "ip"
    URL = "url"
    EMAIL = "email"


class EndpointRole(StrEnum):
    """What the firmware uses an endpoint for."""

    P2P = "p2p"
    CLOUD = "cloud"
    UPDATE = "update"
    NTP = "ntp"
    DNS = "dns"
    DDNS = "ddns"
    PUSH = "push"
    MQTT = "mqtt"
    REFERENCE = "reference"
    UNKNOWN = "unknown"


class SdkKind(StrEnum):
    """Which kind of third-party code an SDK family is."""

    SOC = "soc"
    CAMERA_SDK = "camera-sdk"
    P2P = "p2p"
    CLOUD_IOT = "cloud-iot"
    OTHER = "other"


class SdkUse(StrEnum):
    """How a file relates to an SDK family it carries."""

    IMPORTED = "imported"
    """The file calls the SDK: it imports the SDK's functions or links one of its libraries."""
    EXPORTED = "exported"
    """The file defines the SDK's functions: it is (part of) the SDK, used or not."""
    EMBEDDED = "embedded"
    """Only strings inside the file match: stripped or statically linked SDK code."""
    NAMED = "named"
    """Only the file's name is one of the SDK's library names."""


class ChipClue(StrEnum):
    """What kind of trace a chip clue is, strongest first (SDK families are stronger than all of them)."""

    KERNEL_MODULE = "kernel-module"
    CHIP_STRING = "chip-string"
    TOOLCHAIN = "toolchain"


class EndpointPayload(Frozen):
    """A server the firmware is built to reach."""

    value: str
    kind: EndpointKind
    host: str
    port: int | None = Field(default=None, ge=0, le=65535)
    role: EndpointRole
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country of the server.")
    country_basis: str | None = Field(
        default=None, description="cloud-region, vendor-data, cloud-operator, cctld or geoip."
    )
    operator: str | None = Field(
        default=None, description="Network operator of an address (its ASN's owner)."
    )
    operator_country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 country of the operator's headquarters, when known."
    )
    vendor: str | None = None
    reserved: str | None = Field(
        default=None,
        description="Why the address or name is not public (private, loopback, link-local, documentation, "
        "multicast ...); such endpoints are kept but never judged foreign.",
    )


class SdkPayload(Frozen):
    """A vendor, chip, P2P or cloud SDK family found in a file."""

    family: str
    vendor: str
    vendor_country: str | None = None
    kind: SdkKind
    symbols: tuple[str, ...] = Field(default=(), description="The SDK symbols matched (capped list).")
    symbol_count: int = Field(default=0, ge=0, description="How many SDK symbols matched in all.")
    library: str | None = Field(
        default=None, description="The SDK library: this file's path when it is one, else the one it links."
    )
    use: tuple[SdkUse, ...] = Field(default=(), description="How the file relates to the SDK.")
    call_sites: int | None = Field(
        default=None, ge=0, description="Calls to imported SDK functions found in the code, when counted."
    )


class ChipPayload(Frozen):
    """A clue in one file to the SoC the firmware was built for: weaker than an SDK family."""

    clue: ChipClue
    vendor: str = Field(description="The chip maker the clue points to.")
    vendor_country: str | None = None
    models: tuple[str, ...] = Field(default=(), description="The chip models the clue is consistent with.")
    detail: str = Field(description="What was seen: the module name, chip string or toolchain banner.")


class LineageKind(StrEnum):
    """What a lineage finding says about a file."""

    MAKER_BUILD = "maker-build"
    """The file shares compiled code with a maker's reference build."""
    COMPONENT = "component"
    """The file is an open-source component: never a maker's code."""


class LineageStrength(StrEnum):
    """How far a maker-build match goes: a strong one is maker-specific evidence, a weak one is shown only."""

    STRONG = "strong"
    WEAK = "weak"


class LineagePayload(Frozen):
    """Whose build a file is: a maker's reference build it shares code with, or an open-source component."""

    kind: LineageKind
    component: str | None = Field(
        default=None, description="The open-source component's name (busybox, ...)."
    )
    component_version: str | None = None
    maker: str | None = Field(default=None, description="The maker of the matched reference build.")
    maker_country: str | None = None
    product: str | None = None
    version: str | None = Field(default=None, description="The matched reference firmware's version.")
    soc: str | None = None
    reference: str | None = Field(default=None, description="Id of the matched reference in its index.")
    reference_file: str | None = Field(default=None, description="The matched file inside the reference.")
    reference_source: str | None = Field(
        default=None, description="Public source of the reference firmware: repository@commit:path."
    )
    index: str | None = Field(default=None, description="Which index matched: 'shipped' or 'local:<path>'.")
    strength: LineageStrength | None = None
    score: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Share of this file's functions found in the reference."
    )
    shared_functions: int | None = Field(default=None, ge=0)
    functions: int | None = Field(default=None, ge=0, description="Distinct functions of this file compared.")
    tlsh_distance: int | None = Field(
        default=None, ge=0, description="TLSH distance of the whole files (0: same; above 100: unrelated)."
    )


class TracePayload(Frozen):
    """A trace that tells who made or rebranded the firmware."""

    kind: str
    vendor: str | None = None
    vendor_country: str | None = None
    detail: str


class Finding(Frozen):
    """One claim about the firmware, with where, what and why."""

    id: str = Field(description="Stable fingerprint of rule, location and payload.")
    category: Category
    rule: str
    title: str
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    location: Location = Field(description="Where it was seen first: the first of `locations`.")
    locations: tuple[Location, ...] = Field(
        default=(),
        description="Every place it was seen, in path order, the first being `location`: one finding "
        "stands for the same claim in every file (and every copy of a file) that makes it; how many "
        "places is the length. Reports before schema 1.1 had only `location`.",
    )
    evidence: tuple[Evidence, ...] = Field(
        default=(),
        description="The proof: as seen at `location`, and what the other locations add (each item "
        "says where it was seen).",
    )
    endpoint: EndpointPayload | None = None
    sdk: SdkPayload | None = None
    trace: TracePayload | None = None
    chip: ChipPayload | None = None
    lineage: LineagePayload | None = None

    @model_validator(mode="before")
    @classmethod
    def _at_least_its_location(cls, data: Any) -> Any:  # noqa: ANN401  (pydantic's raw input)
        if isinstance(data, dict) and not data.get("locations") and "location" in data:
            return {**data, "locations": (data["location"],)}
        return data

    @model_validator(mode="after")
    def _location_is_the_first(self) -> Self:
        if self.locations[0] != self.location:
            raise ValueError("a finding's location is the first of its locations")
        return self

    @property
    def count(self) -> int:
        """How many places the finding was seen in."""
        return len(self.locations)

    @model_validator(mode="after")
    def _exactly_one_payload(self) -> Self:
        payloads = (self.endpoint, self.sdk, self.trace, self.chip, self.lineage)
        present = [p for p in payloads if p is not None]
        if len(present) != 1:
            raise ValueError("a finding carries exactly one payload: endpoint, sdk, trace, chip or lineage")
        return self

    @staticmethod
    def fingerprint(rule: str, location: Location, key: str) -> str:
        """Return a stable id from what identifies a finding, independent of run and order."""
        raw = f"{rule}\x00{location.path}\x00{key}".encode("utf-8", "surrogateescape")
        return hashlib.sha256(raw).hexdigest()[:16]
