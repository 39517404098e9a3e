"""How much an endpoint matters to the buyer: from its role and country against the home country.

Without a home country the analyzer reports countries without judging: a public server is `low`,
references and reserved addresses `info`. With one, a server at home is `info` (`low` when its
network operator is foreign), a foreign P2P, cloud, push, MQTT, update or DDNS server is `high`, a
foreign DNS or NTP server or one of unknown role `medium`, and a public server of unknown country
`medium` for the cloud roles and `low` otherwise. Reserved addresses are never judged foreign.
"""

from __future__ import annotations

from firmware_audit.model import EndpointPayload, EndpointRole, Severity

_CLOUD_ROLES = frozenset(
    {
        EndpointRole.P2P,
        EndpointRole.CLOUD,
        EndpointRole.PUSH,
        EndpointRole.MQTT,
        EndpointRole.UPDATE,
        EndpointRole.DDNS,
    }
)


def grade(payload: EndpointPayload, home: str | None) -> Severity:
    """The severity of an endpoint finding for an audit whose home country is `home` (or None)."""
    if payload.role is EndpointRole.REFERENCE or payload.reserved:
        return Severity.INFO
    if home is None:
        return Severity.LOW
    cloud = payload.role in _CLOUD_ROLES
    if payload.country is None:
        return Severity.MEDIUM if cloud else Severity.LOW
    if payload.country == home:
        foreign_operator = payload.operator_country is not None and payload.operator_country != home
        return Severity.LOW if foreign_operator else Severity.INFO
    return Severity.HIGH if cloud else Severity.MEDIUM
