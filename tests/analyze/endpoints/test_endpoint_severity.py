import pytest

from firmware_audit.analyze.endpoints.severity import grade
from firmware_audit.model import EndpointKind, EndpointPayload, EndpointRole, Severity


def _payload(role=EndpointRole.CLOUD, country="CN", reserved=None, operator_country=None) -> EndpointPayload:
    return EndpointPayload(
        value="x",
        kind=EndpointKind.HOSTNAME,
        host="x",
        role=role,
        country=country,
        reserved=reserved,
        operator_country=operator_country,
    )


@pytest.mark.parametrize(
    ("payload", "home", "expected"),
    [
        (_payload(), None, Severity.LOW),  # countries are reported, not judged
        (_payload(role=EndpointRole.REFERENCE), None, Severity.INFO),
        (_payload(reserved="private", country=None), "DE", Severity.INFO),
        (_payload(role=EndpointRole.P2P), "DE", Severity.HIGH),
        (_payload(role=EndpointRole.UPDATE), "DE", Severity.HIGH),
        (_payload(role=EndpointRole.DNS), "DE", Severity.MEDIUM),
        (_payload(role=EndpointRole.UNKNOWN), "DE", Severity.MEDIUM),
        (_payload(country="DE"), "DE", Severity.INFO),
        (_payload(country="DE", operator_country="CN"), "DE", Severity.LOW),  # at home, foreign operator
        (_payload(country=None), "DE", Severity.MEDIUM),
        (_payload(role=EndpointRole.NTP, country=None), "DE", Severity.LOW),
        (_payload(role=EndpointRole.REFERENCE), "DE", Severity.INFO),
    ],
)
def test_grade(payload, home, expected) -> None:
    assert grade(payload, home) is expected
