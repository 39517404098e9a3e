"""Endpoints: every hardcoded server, its role, its country and its operator.

* `extract` finds URLs, host names, IPv4/IPv6 and e-mail addresses in text;
* `gate` says, from the matching engine's scan, where each of those expressions can match;
* `validate` keeps real endpoints (public suffix list, reserved ranges, noise rejection);
* `p2p` decodes CS2 and iLnk init strings and recognises P2P device IDs;
* `role` says what an endpoint is used for, or that it is only a reference;
* `geo` gives its country (vendor data, ccTLD, GeoIP) and network operator;
* `overrides` reads `/etc/hosts` and dnsmasq pins and links them to the endpoints they affect;
* `severity` grades an endpoint against the audit's home country;
* `analyzer` puts them together per file.

`finalize` is the image-level step the audit runs over all findings; `countries` counts the
countries of the servers for the verdict.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from firmware_audit.analyze.endpoints import overrides, severity
from firmware_audit.analyze.endpoints.analyzer import ANALYZER, EndpointAnalyzer
from firmware_audit.model import EndpointRole

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.model import Finding


def finalize(findings: Sequence[Finding], home_country: str | None) -> list[Finding]:
    """Link overrides to the endpoints they pin, and grade every endpoint against the home country."""
    home = home_country.upper() if home_country else None
    graded = []
    for finding in overrides.link(findings):
        level = severity.grade(finding.endpoint, home) if finding.endpoint is not None else finding.severity
        graded.append(
            finding if level is finding.severity else finding.model_copy(update={"severity": level})
        )
    return graded


def countries(findings: Sequence[Finding]) -> dict[str, int]:
    """{country: number of distinct servers} over the endpoint findings, references and reserved left out."""
    hosts: dict[str, str] = {}
    for finding in findings:
        payload = finding.endpoint
        if (
            payload is None
            or payload.role is EndpointRole.REFERENCE
            or payload.reserved
            or not payload.country
        ):
            continue
        hosts.setdefault(payload.host, payload.country)
    return dict(sorted(Counter(hosts.values()).items()))


__all__ = ["ANALYZER", "EndpointAnalyzer", "countries", "finalize"]
