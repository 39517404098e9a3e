import pytest

from firmware_audit.analyze.endpoints import overrides
from firmware_audit.model import (
    Category,
    EndpointKind,
    EndpointPayload,
    EndpointRole,
    Evidence,
    Finding,
    Location,
    Severity,
)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/etc/hosts", "hosts"),
        ("/rootfs.img!/etc/hosts", "hosts"),
        ("/etc/dnsmasq.conf", "dnsmasq"),
        ("/etc/dnsmasq.d/block.conf", "dnsmasq"),
        ("/usr/share/hosts", None),
        ("/etc/hosts.allow", None),
    ],
)
def test_kind_of(path, kind) -> None:
    assert overrides.kind_of(path) == kind


def test_hosts_file() -> None:
    data = (
        b"127.0.0.1 localhost\n# 0.0.0.0 commented.example.cn\n"
        b"0.0.0.0\tp2p1.cloudlinks.cn p2p2.cloudlinks.cn\n"
    )
    found = overrides.parse(data, "hosts")
    assert [(o.host, o.target, o.blackholed) for o in found] == [
        ("localhost", "127.0.0.1", True),
        ("p2p1.cloudlinks.cn", "0.0.0.0", True),
        ("p2p2.cloudlinks.cn", "0.0.0.0", True),
    ]
    assert found[1].offset == data.index(b"0.0.0.0\t")
    assert "blackholed" in found[1].describe("/etc/hosts")


def test_dnsmasq_rules() -> None:
    data = b"address=/cloudlinks.cn/cloud-links.net/127.0.0.1\nserver=/tuyacn.com/223.5.5.5\naddress=/x.cn/\n"
    found = overrides.parse(data, "dnsmasq")
    assert [(o.host, o.target, o.how, o.subdomains, o.blackholed) for o in found] == [
        ("cloudlinks.cn", "127.0.0.1", "dnsmasq address", True, True),
        ("cloud-links.net", "127.0.0.1", "dnsmasq address", True, True),
        ("tuyacn.com", "223.5.5.5", "dnsmasq server", True, False),
        ("x.cn", "", "dnsmasq address", True, True),
    ]
    assert "resolver 223.5.5.5" in found[2].describe("/etc/dnsmasq.conf")


def _finding(path: str, host: str, evidence: tuple[Evidence, ...] = ()) -> Finding:
    location = Location(path=path)
    return Finding(
        id=Finding.fingerprint("t", location, host),
        category=Category.ENDPOINT,
        rule="t",
        title=f"endpoint {host}",
        severity=Severity.LOW,
        confidence=1.0,
        location=location,
        evidence=evidence,
        endpoint=EndpointPayload(value=host, kind=EndpointKind.HOSTNAME, host=host, role=EndpointRole.P2P),
    )


def test_link_copies_a_pin_to_the_other_files_of_that_host() -> None:
    [pin] = overrides.parse(b"address=/cloudlinks.cn/127.0.0.1\n", "dnsmasq")
    pinned = _finding("/etc/dnsmasq.conf", "cloudlinks.cn", (overrides.evidence(pin, "/etc/dnsmasq.conf"),))
    user = _finding("/bin/ipc", "p2p1.cloudlinks.cn")
    other = _finding("/bin/ipc", "p2p1.reolink.com")
    linked = overrides.link([pinned, user, other])
    assert linked[0] == pinned
    assert [e.kind for e in linked[1].evidence] == ["override"]
    assert "blackholed" in linked[1].title
    assert linked[2] == other


def test_a_hosts_entry_pins_one_name_only() -> None:
    [pin] = overrides.parse(b"127.0.0.1 cloudlinks.cn\n", "hosts")
    pinned = _finding("/etc/hosts", "cloudlinks.cn", (overrides.evidence(pin, "/etc/hosts"),))
    sub = _finding("/bin/ipc", "p2p1.cloudlinks.cn")
    assert overrides.link([pinned, sub])[1] == sub
