import random
import re

import pytest

from firmware_audit.analyze.endpoints import extract
from firmware_audit.model import EndpointKind


def _found(text: str) -> list[tuple[EndpointKind, str, str, int | None]]:
    return [(c.kind, c.value, c.host, c.port) for c in extract.scan(text)]


def test_url_with_port_path_and_userinfo() -> None:
    text = "get http://admin:pw@Logsvr.XMCSRV.net:8080/upload?x=1 now"
    [c] = extract.scan(text)
    assert (c.kind, c.host, c.port, c.scheme, c.path) == (
        EndpointKind.URL,
        "logsvr.xmcsrv.net",
        8080,
        "http",
        "/upload?x=1",
    )
    assert text[c.start : c.end] == "http://admin:pw@Logsvr.XMCSRV.net:8080/upload?x=1"


def test_host_inside_a_url_is_not_reported_again() -> None:
    assert _found("http://120.92.92.241/list") == [
        (EndpointKind.URL, "http://120.92.92.241/list", "120.92.92.241", None)
    ]


def test_bracketed_ipv6_url() -> None:
    [c] = extract.scan("rtsp://[2001:db8::10]:554/stream1")
    assert (c.host, c.port) == ("2001:db8::10", 554)


def test_format_string_urls_are_skipped() -> None:
    assert _found("https://%s/d.json token %s") == []


def test_email_host_is_its_domain() -> None:
    assert _found("write to opensource@Example.com.") == [
        (EndpointKind.EMAIL, "opensource@Example.com", "example.com", None)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pub-status.secu100.net:7605", [("pub-status.secu100.net", 7605)]),
        ("ntpd -p ntp.aliyun.com -p ntp1.aliyun.com", [("ntp.aliyun.com", None), ("ntp1.aliyun.com", None)]),
        (
            '"MqttHost": "a1x9K2mZ3qP.iot-as-mqtt.cn-shanghai.aliyuncs.com",',
            [("a1x9K2mZ3qP.iot-as-mqtt.cn-shanghai.aliyuncs.com", None)],
        ),
        ("/lib/ld-linux.so.3 libc.so.6", []),  # a path component, and a name followed by .6
        ("%u.%u.in-addr.arpa", [("in-addr.arpa", None)]),  # the format's conversion is cut off
        ("%s.iot-as-mqtt.cn-shanghai.aliyuncs.com", [("iot-as-mqtt.cn-shanghai.aliyuncs.com", None)]),
        ("window.open(url)", []),  # a call, not a host
    ],
)
def test_bare_host_names(text, expected) -> None:
    assert [(c.host, c.port) for c in extract.scan(text) if c.kind is EndpointKind.HOSTNAME] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nameserver 223.5.5.5", [("223.5.5.5", None)]),
        ("239.255.255.250:3702", [("239.255.255.250", 3702)]),
        ("OID 1.3.6.1.4.1.99999.1.2", []),  # part of a longer dotted number
        ("Hi3516EV200_MPP_V1.0.1.2", []),  # glued to a word
        ("5.5.7.8.H3C", []),
        ("256.1.1.1 01.2.3.4", []),
    ],
)
def test_ipv4(text, expected) -> None:
    assert [(c.host, c.port) for c in extract.scan(text) if c.kind is EndpointKind.IP] == expected


def test_ipv6_candidates_are_found_and_left_to_validation() -> None:
    found = [c.host for c in extract.scan("dns 2400:3200::1 at 10:20:01") if c.kind is EndpointKind.IP]
    assert "2400:3200::1" in found


def test_regions_cover_every_candidate_of_a_binary() -> None:
    data = (
        b"\x7fELF\x01\x00\x00\x00"
        + b"\x00\x17\x9a" * 300
        + b"pub-cfg.secu100.net\x00\x01\x02http://120.92.92.241/list\x00"
        + b"\xff" * 5000
        + b"ADCBBFAOPPJAHGJGBBGLFLAGDBJJHNJGGMBFBKHIBBNKOKLDHOBHCBOEHOKJJJKJBPMFLGCPPJMJAPDOIPNL\x00"
        + b"did=VSTC-418276-KHMXW\x00"
    )
    text = data.decode("latin-1")
    regions = extract.regions(data)
    assert sum(end - start for start, end in regions) < 200  # the padding and code are skipped
    in_regions = [c.value for start, end in regions for c in extract.scan(text, start, end)]
    assert in_regions == [c.value for c in extract.scan(text)]
    covered = [
        (start, end) for start, end in regions if b"VSTC" in data[start:end] or b"ADCBB" in data[start:end]
    ]
    assert len(covered) == 2  # the init string and the device ID are gated too


def _random_texts(count: int) -> list[tuple[str, int, int]]:
    """Short texts of quotes, NULs, dots, letters and line breaks, each with a range in it."""
    pieces = ['"', "'", "`", "\x00", ".", "a", "b", "c", "m", "\n", "-", "1", " ", ".com", '".a.b.cn"']
    rng = random.Random(7)
    found = []
    for _ in range(count):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        lo = rng.randint(0, len(text))
        found.append((text, lo, rng.randint(lo, len(text))))
    return found


def test_suffixes_tried_where_they_can_start_are_those_finditer_finds() -> None:
    texts = _random_texts(40_000)
    spans = [
        ([m.span() for m in extract._matches(extract.SUFFIX, t, [(lo, hi)])], lo, hi, t)
        for t, lo, hi in texts
    ]
    assert sum(1 for found, *_ in spans if found) > 1000  # the texts hold suffixes, at every place
    for found, lo, hi, text in spans:
        assert [m.span() for m in extract._suffix_matches(text, [(lo, hi)])] == found, (text, lo, hi)


WRITTEN_HOST = re.compile(
    r"(?<![\w.@/\\-])(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])"
    r"(?::(?P<port>\d{1,5}))?(?![\w(\[-]|\.[\w-]|:\d)",
    re.IGNORECASE | re.ASCII,
)
"""A host name as the expression says it plainly: the look-behind first, labels in any case."""


def test_host_names_are_those_the_plain_expression_finds() -> None:
    rng = random.Random(11)
    pieces = [
        *"aZ9-._@/\\:([",
        " ",
        "\n",
        "%",
        "é",
        "com",
        "x" * 70,
        "1.2",
        "Ab.cD",
        "a-",
        "-a",
        ":8080",
        ".com.",
    ]
    matched = 0
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        lo = rng.randint(0, len(text))
        hi = rng.randint(lo, len(text))
        expected = [(m.span(), m.group("host"), m.group("port")) for m in WRITTEN_HOST.finditer(text, lo, hi)]
        found = [(m.span(), m.group("host"), m.group("port")) for m in extract.HOST.finditer(text, lo, hi)]
        assert found == expected, (text, lo, hi)
        matched += bool(found)
    assert matched > 300


def test_a_dotted_word_ending_in_no_public_suffix_is_no_candidate() -> None:
    found = extract.scan("cfg.value.bin event.protocol WWW.EXAMPLE.COM:80 shop.xn--fiqs8s cam.example.cn")
    assert [c.host.lower() for c in found] == ["www.example.com", "shop.xn--fiqs8s", "cam.example.cn"]
    assert extract.scan('ip = "8.8.8.8"; url = "http://cfg.value.bin/x"')[1].host == "cfg.value.bin"
    assert [c.host for c in extract.scan("'.cfg.value.bin' '.cdn.example.com'")] == ["cdn.example.com"]
