"""Attribution: who made the firmware, whether that contradicts the declaration, where it connects.

Runs once per image, after the per-file analyzers, over all findings.

**OEM candidates.** Every finding that names a maker of the maker base (`signatures/makers/`) (in a
trace's, SDK family's, chip clue's or endpoint's vendor) is a piece of evidence for that maker, with a
weight that says how strongly that kind of finding identifies the builder (`WEIGHTS`): a published
root password hash of the maker's firmware is near proof, a board path or web title of its software
strong, its cloud servers good (a rebranded camera keeps its maker's cloud, but software from
anyone may call a big vendor's), a chip of its own weak. Chip makers, P2P platforms and cloud
providers are no makers: they never become candidates. A strong `lineage` match (a file sharing
much of its compiled code with a maker's reference build) is strong evidence for that maker; a weak
one is shown in the report and never counted.

Evidence of one kind is not independent (ten cloud hosts come from one configuration), so within a
kind the k-th piece counts `w·½^k`, and the kind's strength is `1 - Π(1 - w·½^k)`. Kinds are treated
as independent witnesses: confidence = `1 - Π(1 - strength)`. Candidates below `MIN_CONFIDENCE` are
dropped; the rest are ranked by confidence, and each lists the ids of its findings, strongest first.

Calibration on the corpus (`benchmarks/accuracy.py`): the five images with a known maker put it
first with confidence 0.72 (Reolink: relay hosts and a build host) to 1.0 (Xiongmai, Hikvision); the
images whose only vendors are chip, P2P or cloud companies give no candidate at all.

**Contradictions.** A declared vendor contradicts the evidence when no candidate of at least
`CONTRADICTION_CONFIDENCE` is named in it ("Muster Sicherheit GmbH" against Xiongmai); a declared
country when none of those candidates is from it. Both cite the strongest findings of the strongest candidate.
Endpoints abroad are not a contradiction of origin: a domestic camera may use a foreign DNS.

**Endpoints by country and role.** Distinct servers (references and reserved addresses left out).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.model import (
    Contradiction,
    EndpointRole,
    LineageKind,
    LineageStrength,
    OemCandidate,
    SdkKind,
)
from firmware_audit.signatures.makers import base as maker_base
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.model import Declared, Finding
    from firmware_audit.signatures.makers import Maker

WEIGHTS: dict[str, float] = {
    # traces
    "trace:credential-hash": 0.9,
    "trace:default-account": 0.6,
    "trace:restricted-shell": 0.6,
    "trace:product-definition": 0.7,
    "trace:board-path": 0.7,
    "trace:service-banner": 0.6,
    "trace:web-ui": 0.6,
    "trace:cloud-oem-id": 0.6,
    "trace:kernel-module": 0.5,
    "trace:firmware-layout": 0.6,
    "trace:tftp-file": 0.5,
    "trace:recovery": 0.5,
    "trace:flash-controller": 0.3,
    "trace:uid-prefix": 0.6,
    "trace:build-host": 0.5,
    "trace:build-path": 0.5,
    "trace:certificate": 0.5,
    "trace:onvif": 0.6,
    "trace:mac-oui": 0.4,
    # SDK families and chip clues whose vendor is a camera maker
    f"sdk:{SdkKind.CAMERA_SDK.value}": 0.6,
    f"sdk:{SdkKind.P2P.value}": 0.5,
    f"sdk:{SdkKind.CLOUD_IOT.value}": 0.4,
    f"sdk:{SdkKind.SOC.value}": 0.3,
    f"sdk:{SdkKind.OTHER.value}": 0.3,
    "chip": 0.2,
    # the maker's own servers
    "endpoint": 0.35,
    # compiled code shared with a maker's reference build (strong matches only)
    "lineage": 0.75,
}
"""How strongly one finding of each kind identifies the maker it names (kinds not listed: 0.3)."""
DEFAULT_WEIGHT = 0.3
REPEAT_DECAY = 0.5
"""Each further finding of the same kind counts half the one before."""
MIN_CONFIDENCE = 0.3
"""Candidates weaker than this are not reported."""
CONTRADICTION_CONFIDENCE = 0.5
"""Only candidates at least this strong can contradict a declaration."""
MAX_CITED = 10
"""A contradiction cites the strongest findings of the candidate (its `basis` has them all)."""
_SERVER_ROLES = frozenset(EndpointRole) - {EndpointRole.REFERENCE}


@dataclass(frozen=True, slots=True)
class Attribution:
    """What the findings of one image add up to.

    Attributes:
        oem: Ranked OEM candidates, strongest first.
        contradictions: Where the evidence disagrees with the declared identity.
        endpoints: Distinct servers by country, then role: {"CN": {"cloud": 8, "dns": 1}}.
    """

    oem: tuple[OemCandidate, ...]
    contradictions: tuple[Contradiction, ...]
    endpoints: dict[str, dict[str, int]]


def attribute(findings: Sequence[Finding], declared: Declared | None = None) -> Attribution:
    """Rank the OEM candidates, compare them with the declaration, count the endpoints."""
    oem = candidates(findings)
    return Attribution(
        oem=oem, contradictions=contradictions(oem, declared), endpoints=endpoints_by_country(findings)
    )


def evidence_of(finding: Finding) -> tuple[str, str | None]:
    """(kind of evidence, vendor name) of a finding, for the weights."""
    if finding.trace is not None:
        return f"trace:{finding.trace.kind}", finding.trace.vendor
    if finding.sdk is not None:
        return f"sdk:{finding.sdk.kind.value}", finding.sdk.vendor
    if finding.chip is not None:
        return "chip", finding.chip.vendor
    lineage = finding.lineage
    if lineage is not None:
        # A weak match (few functions, or two makers' code) is shown in the report but never counted.
        strong = lineage.kind is LineageKind.MAKER_BUILD and lineage.strength is LineageStrength.STRONG
        return ("lineage", lineage.maker) if strong else ("none", None)
    payload = finding.endpoint
    if payload is not None and payload.role in _SERVER_ROLES and not payload.reserved:
        return "endpoint", payload.vendor
    return "none", None


def candidates(findings: Sequence[Finding]) -> tuple[OemCandidate, ...]:
    """The makers the findings point to, ranked by confidence."""
    data = signatures()
    pieces: dict[str, dict[str, list[tuple[float, str]]]] = defaultdict(lambda: defaultdict(list))
    makers: dict[str, Maker] = {}
    for finding in findings:
        kind, vendor = evidence_of(finding)
        named = data.makers_named_in(vendor)
        for maker in named:
            makers[maker.name] = maker
            # A finding that names two makers ("VStarcam or HiChip") supports each by half.
            weight = WEIGHTS.get(kind, DEFAULT_WEIGHT) * finding.confidence / len(named)
            pieces[maker.name][kind].append((weight, finding.id))
    ranked = []
    for name, kinds in pieces.items():
        doubt = 1.0
        basis: list[tuple[float, str]] = []
        for found in kinds.values():
            found.sort(key=lambda p: (-p[0], p[1]))
            kind_doubt = 1.0
            for index, (weight, finding_id) in enumerate(found):
                kind_doubt *= 1 - weight * REPEAT_DECAY**index
                basis.append((weight, finding_id))
            doubt *= kind_doubt
        confidence = round(1 - doubt, 3)
        if confidence >= MIN_CONFIDENCE:
            ids = tuple(dict.fromkeys(i for _, i in sorted(basis, key=lambda p: (-p[0], p[1]))))
            ranked.append(
                OemCandidate(vendor=name, country=makers[name].country, confidence=confidence, basis=ids)
            )
    ranked.sort(key=lambda c: (-c.confidence, -len(c.basis), c.vendor))
    return tuple(ranked)


def contradictions(oem: Sequence[OemCandidate], declared: Declared | None) -> tuple[Contradiction, ...]:
    """Where a declared vendor or country disagrees with the strong OEM candidates."""
    strong = [c for c in oem if c.confidence >= CONTRADICTION_CONFIDENCE]
    if declared is None or not strong:
        return ()
    top = strong[0]
    observed = f"{top.vendor} ({top.country})" if top.country else top.vendor
    found = []
    if declared.vendor and not any(_names(c.vendor, declared.vendor) for c in strong):
        found.append(
            Contradiction(
                field="vendor", declared=declared.vendor, observed=observed, basis=top.basis[:MAX_CITED]
            )
        )
    countries = {c.country.upper() for c in strong if c.country}
    if declared.country and countries and declared.country.upper() not in countries:
        found.append(
            Contradiction(
                field="country",
                declared=declared.country.upper(),
                observed=f"{top.country} (OEM {top.vendor})",
                basis=top.basis[:MAX_CITED],
            )
        )
    return tuple(found)


def _names(maker_name: str, declared: str) -> bool:
    """Whether a declared vendor name is the maker or one of the brands it makes."""
    base = maker_base()
    return any(
        m.name == maker_name or base.maker_of(m).name == maker_name for m in base.makers_named_in(declared)
    )


def endpoints_by_country(findings: Sequence[Finding]) -> dict[str, dict[str, int]]:
    """{country: {role: distinct servers}} over the endpoint findings (references, reserved left out)."""
    roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for finding in findings:
        payload = finding.endpoint
        if (
            payload is None
            or payload.role is EndpointRole.REFERENCE
            or payload.reserved
            or not payload.country
        ):
            continue
        roles[payload.country][payload.role.value].add(payload.host)
    return {
        country: {role: len(hosts) for role, hosts in sorted(by_role.items())}
        for country, by_role in sorted(roles.items())
    }
