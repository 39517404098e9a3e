import pytest

from firmware_audit.refdata.addresses import reserved_address, reserved_name


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.1.2.3", "private"),
        ("100.64.0.1", "shared"),
        ("192.0.0.64", "protocol-assignment"),
        ("198.18.0.1", "benchmarking"),
        ("203.0.113.5", "documentation"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("3fff::1", "documentation"),
        ("::ffff:192.168.1.1", "private"),
        ("8.8.8.8", None),
        ("172.9.18.80", None),  # outside 172.16.0.0/12
        ("2400:3200::1", None),
    ],
)
def test_reserved_address(address, why) -> None:
    assert reserved_address(address) == why


@pytest.mark.parametrize(
    ("name", "why"),
    [("www.example.com", "documentation"), ("a.b.test", "documentation"), ("examples.com", None)],
)
def test_reserved_name(name, why) -> None:
    assert reserved_name(name) == why
