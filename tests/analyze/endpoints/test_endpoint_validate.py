import pytest

from firmware_audit.analyze.endpoints import validate


@pytest.mark.parametrize(
    "name",
    [
        "pub-cfg.secu100.net",
        "a1x9K2mZ3qP.iot-as-mqtt.cn-shanghai.aliyuncs.com",  # a mixed-case product key, lower-case domain
        "s2.eye4.cn",
        "cloud365.top",
        "WWW.EXAMPLE-VENDOR.COM",
    ],
)
def test_real_host_names(name) -> None:
    assert validate.check_host(name, bare=True).endpoint


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("libc.so", "file name"),
        ("demo.sh", "file name"),
        ("libbfd-2.40-arm64.so", "file name"),
        ("config.bin", "public suffix"),
        ("NetWork.Nat", "public suffix"),
        ("Sofia.Cn", "mixed case"),
        ("u.id", "short dotted word"),
        ("hh.mm.ss", "short dotted word"),
        ("people.box", "newer generic TLD"),
        ("gnu.sparse.map", "newer generic TLD"),
        ("9.in-addr.arpa", "reverse-DNS"),
        ("in-addr.arpa", "public suffix"),
    ],
)
def test_look_alikes_are_not_hosts(name, reason) -> None:
    verdict = validate.check_host(name, bare=True)
    assert not verdict.endpoint
    assert reason in (verdict.reason or "")


def test_in_a_url_only_the_suffix_list_counts() -> None:
    assert validate.check_host("main.cc", bare=False).endpoint
    assert not validate.check_host("config.bin", bare=False).endpoint


def test_two_label_names_must_stand_alone_or_in_quotes() -> None:
    assert not validate.check_host("value.cr", bare=True, before="x = ", after=" + 1").endpoint
    assert validate.check_host("umeye.cn", bare=True, before='host = "', after='";').endpoint
    assert validate.check_host("umeye.cn", bare=True, before="Server=", after="").endpoint


def test_source_code_needs_quotes() -> None:
    assert not validate.check_host("api.vendor.com", bare=True, before="x = ", after=";", code=True).endpoint
    assert validate.check_host("api.vendor.com", bare=True, before="url = '", after="';", code=True).endpoint


def test_reserved_names() -> None:
    assert validate.check_host("ntp.example.org", bare=True).reserved == "documentation"
    assert validate.check_host("www.example.com", bare=False).reserved == "documentation"
    assert not validate.check_host("camera.local", bare=False).endpoint  # not under the suffix list


@pytest.mark.parametrize(
    ("address", "before", "after", "endpoint"),
    [
        ("255.255.255.0", "netmask ", "", False),
        ("3.1.10.7", "IOTCAPIs ", "", False),  # a banner: word, then the version, then nothing
        ("4.2.3.5", "iLnkP2P ", "", False),
        ("2.4.1.0", "MUSTERCAM firmware ", "", False),
        ("2.5.4.3", "", "", False),  # an X.509 attribute OID
        ("1.1.1.1", "nameserver ", "", True),
        ("3.132.215.40", "", "", True),
        ("8.8.8.8", "Address ", "", True),
        # a standard's section cited in a C header's comment (Debian's armhf libx264 holds this one)
        ("7.18.1.1", "/* ", "  Exact-width integer types */", False),
        ("6.10.3.4", "", "  Scope of macro definitions", False),
        ("64.12.1.10", "", " Camera-Server", True),  # one word: a host's name beside its address
        ("64.12.1.10", "# ", " primary media server", True),  # no title: a comment about the server
        ("64.12.100.10", "/* ", "  Primary Media Server */", True),  # a number of 100 is no section
    ],
)
def test_addresses(address, before, after, endpoint) -> None:
    assert validate.check_address(address, line_before=before, line_after=after).endpoint is endpoint


def test_a_cvs_revision_is_no_address_even_one_the_vendor_data_names() -> None:
    # busybox's ftp client carries "$Id: cmds.c,v 1.1.1.1 2005/09/15 07:32:51 ivan Exp $"
    for before in ("$Id: cmds.c,v ", "$Revision: "):
        verdict = validate.check_address("1.1.1.1", line_before=before, known=True)
        assert (verdict.endpoint, verdict.reason) == (False, "a CVS or RCS revision number ($Id: file,v ...)")
    assert validate.check_address("1.1.1.1", line_before="nameserver ", known=True).endpoint


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("192.168.1.108", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.1.1", "link-local"),
        ("198.51.100.7", "documentation"),
        ("239.255.255.250", "multicast"),
        ("192.0.0.128", "protocol-assignment"),  # Python 3.11 calls it global; IANA does not
        ("0.0.0.0", "unspecified"),
        ("2001:db8::10", "documentation"),
        ("fe80::1", "link-local"),
    ],
)
def test_reserved_addresses_are_kept_with_the_reason(address, why) -> None:
    verdict = validate.check_address(address)
    assert verdict.endpoint
    assert verdict.reserved == why


@pytest.mark.parametrize(
    ("text", "plausible"),
    [
        *[(text, True) for text in ("2001:db8::10", "fe80::1", "ff02::1", "1:2:3:4:5:6:7:8")],
        *[(text, False) for text in ("0066::", "a::b", "De:Ad::1", "::", "10:20:01")],
    ],
)
def test_plausible_ipv6(text, plausible) -> None:
    assert validate.plausible_ipv6(text) is plausible
