"""Findings: one claim about the firmware, with its proof and exactly one payload."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Self

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


class EndpointPayload(Frozen):
    """A server the firmware is built to reach."""

    value: str
    kind: EndpointKind
    host: str
    port: int | None = Field(default=None, ge=0, le=65535)
    role: EndpointRole
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country of the server.")
    country_basis: str | None = Field(default=None, description="vendor-data, cctld or geoip.")
    operator: str | None = None
    vendor: str | None = None


class SdkPayload(Frozen):
    """A vendor, chip, P2P or cloud SDK family found in a file."""

    family: str
    vendor: str
    vendor_country: str | None = None
    kind: SdkKind
    symbols: tuple[str, ...] = ()
    library: str | None = None


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
    location: Location
    evidence: tuple[Evidence, ...] = ()
    endpoint: EndpointPayload | None = None
    sdk: SdkPayload | None = None
    trace: TracePayload | None = None

    @model_validator(mode="after")
    def _exactly_one_payload(self) -> Self:
        present = [p for p in (self.endpoint, self.sdk, self.trace) if p is not None]
        if len(present) != 1:
            raise ValueError("a finding carries exactly one payload: endpoint, sdk or trace")
        return self

    @staticmethod
    def fingerprint(rule: str, location: Location, key: str) -> str:
        """Return a stable id from what identifies a finding, independent of run and order."""
        raw = f"{rule}\x00{location.path}\x00{key}".encode("utf-8", "surrogateescape")
        return hashlib.sha256(raw).hexdigest()[:16]
