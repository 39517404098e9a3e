"""CycloneDX 1.6 SBOM through cyclonedx-python-lib: what the firmware is made of and whom it talks to.

The image is the BOM's subject (a `firmware` component whose supplier is the declared vendor and whose
manufacturer is the leading OEM candidate). Each SDK family found is a component with its vendor and
country as supplier and every file it was found in as an evidence occurrence; the SoC is a `device`
component; each open-source component recognised by lineage (busybox, a C library, OpenSSL ...) is a
component with its version where visible; every server endpoint is a service whose provider is its
operator or vendor, with country.
Finding ids ride along as properties, so a reader can go back to the proof in the JSON report.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.contact import OrganizationalEntity, PostalAddress
from cyclonedx.model.service import Service
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion

from firmware_audit.model import EndpointKind, EndpointRole, SdkKind

if TYPE_CHECKING:
    from firmware_audit.model import Finding, Report

SCHEMA_VERSION = SchemaVersion.V1_6
_NS = "firmware-audit"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
"""A `%` that starts no percent-escape."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The BOM's timestamp: a report has no clock (it is deterministic), so neither has its SBOM."""
_SDK_TYPE = {SdkKind.SOC: ComponentType.FRAMEWORK, SdkKind.CAMERA_SDK: ComponentType.FRAMEWORK}


def render(report: Report) -> str:
    """Return the report's SBOM as CycloneDX 1.6 JSON."""
    return make_outputter(bom(report), OutputFormat.JSON, SCHEMA_VERSION).output_as_string(indent=2) + "\n"


def bom(report: Report) -> Bom:
    """The SBOM as a cyclonedx-python-lib object."""
    firmware = _firmware(report)
    components = [*_sdks(report.findings), *_open_source(report.findings), *_soc(report)]
    sbom = Bom(
        serial_number=uuid.uuid5(
            uuid.NAMESPACE_URL,
            f"{_NS}:{report.image.sha256}:{report.signatures.digest}:{report.tool.version}",
        ),
        metadata=BomMetaData(
            timestamp=_EPOCH,
            tools=ToolRepository(
                components=[
                    Component(
                        type=ComponentType.APPLICATION, name=report.tool.name, version=report.tool.version
                    )
                ]
            ),
            component=firmware,
            properties=_decision(report),
        ),
        components=components,
        services=_services(report.findings),
    )
    # The firmware contains every component found in it: that is the whole dependency graph we know.
    sbom.register_dependency(firmware, components)
    return sbom


def _organization(name: str | None, country: str | None) -> OrganizationalEntity | None:
    if not name:
        return None
    return OrganizationalEntity(name=name, address=PostalAddress(country=country) if country else None)


def _firmware(report: Report) -> Component:
    declared = report.declared
    oem = report.verdict.oem[0] if report.verdict.oem else None
    properties = [Property(name=f"{_NS}:files", value=str(report.files))]
    if declared is not None and declared.model:
        properties.append(Property(name=f"{_NS}:declared-model", value=declared.model))
    if report.verdict.unverifiable:
        properties.append(
            Property(name=f"{_NS}:unverifiable", value=report.verdict.unverifiable_reason or "true")
        )
    return Component(
        type=ComponentType.FIRMWARE,
        name=report.image.name,
        bom_ref="firmware",
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=report.image.sha256)],
        supplier=_organization(declared.vendor, declared.country) if declared else None,
        manufacturer=_organization(oem.vendor, oem.country) if oem else None,
        properties=properties,
    )


def _decision(report: Report) -> list[Property]:
    if report.decision is None:
        return []
    return [
        Property(name=f"{_NS}:decision", value=report.decision.outcome.value),
        *(Property(name=f"{_NS}:decision-reason", value=r) for r in report.decision.reasons),
    ]


def _sdks(findings: tuple[Finding, ...]) -> list[Component]:
    by_family: dict[str, list[Finding]] = {}
    for f in findings:
        if f.sdk is not None:
            by_family.setdefault(f.sdk.family, []).append(f)
    components = []
    for family, found in sorted(by_family.items()):
        sdk = found[0].sdk
        assert sdk is not None
        components.append(
            Component(
                type=_SDK_TYPE.get(sdk.kind, ComponentType.LIBRARY),
                name=family,
                group=sdk.vendor,
                bom_ref=f"sdk:{family}",
                supplier=_organization(sdk.vendor, sdk.vendor_country),
                properties=[
                    Property(name=f"{_NS}:sdk-kind", value=sdk.kind.value),
                    *(Property(name=f"{_NS}:finding", value=f.id) for f in found),
                ],
                evidence=ComponentEvidence(
                    occurrences=[
                        # A fixed bom-ref: the library orders occurrences by it (random by default).
                        Occurrence(
                            bom_ref=f"finding:{f.id}" + (f":{n}" if n else ""),
                            location=loc.path or "/",
                            offset=loc.offset,
                        )
                        for f in found
                        for n, loc in enumerate(f.locations)
                    ]
                ),
            )
        )
    return components


def _open_source(findings: tuple[Finding, ...]) -> list[Component]:
    """One component per open-source component and version the lineage analyzer recognised."""
    by_name: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.lineage is not None and f.lineage.component is not None:
            by_name.setdefault((f.lineage.component, f.lineage.component_version or ""), []).append(f)
    return [
        Component(
            type=ComponentType.LIBRARY,
            name=name,
            version=version or None,
            bom_ref=f"component:{name}:{version}",
            properties=[Property(name=f"{_NS}:finding", value=f.id) for f in found],
            evidence=ComponentEvidence(
                occurrences=[
                    Occurrence(bom_ref=f"finding:{f.id}", location=f.location.path or "/") for f in found
                ]
            ),
        )
        for (name, version), found in sorted(by_name.items())
    ]


def _soc(report: Report) -> list[Component]:
    soc = report.verdict.soc_detail
    if soc is None:
        return []
    return [
        Component(
            type=ComponentType.DEVICE,
            name=soc.model or soc.vendor,
            group=soc.vendor,
            bom_ref="soc",
            supplier=_organization(soc.vendor, soc.vendor_country),
            description=report.verdict.soc,
            properties=[
                Property(name=f"{_NS}:confidence", value=f"{soc.confidence:.2f}"),
                *(Property(name=f"{_NS}:finding", value=i) for i in soc.basis),
            ],
        )
    ]


def _uri(url: str) -> XsUri:
    """An endpoint URL as CycloneDX takes it (`xs:anyURI`), whatever the firmware wrote.

    Firmware holds URL templates (`http://%s.blob.core.windows.net/%s/%s?api-version=%s`): a `%` that
    starts no escape is escaped itself (`%25`), as is every `#` after the first (`%23`); the
    library refuses both, and one such URL would cost the whole SBOM.
    """
    escaped = _LONE_PERCENT.sub("%25", url)
    head, mark, tail = escaped.partition("#")
    return XsUri(head + mark + tail.replace("#", "%23"))


def _services(findings: tuple[Finding, ...]) -> list[Service]:
    by_host: dict[str, list[Finding]] = {}
    for f in findings:
        if f.endpoint is not None and f.endpoint.role is not EndpointRole.REFERENCE:
            by_host.setdefault(f.endpoint.host.lower(), []).append(f)
    services = []
    for host, found in sorted(by_host.items()):
        first = found[0].endpoint
        assert first is not None
        urls = sorted({f.endpoint.value for f in found if f.endpoint and f.endpoint.kind is EndpointKind.URL})
        services.append(
            Service(
                name=host,
                group=first.role.value,
                bom_ref=f"endpoint:{host}",
                provider=_organization(first.operator or first.vendor, first.country),
                endpoints=[_uri(u) for u in urls],
                properties=[
                    Property(name=f"{_NS}:role", value=first.role.value),
                    Property(name=f"{_NS}:country", value=first.country or "unknown"),
                    *(Property(name=f"{_NS}:finding", value=f.id) for f in found),
                ],
            )
        )
    return services
