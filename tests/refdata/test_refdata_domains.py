import os
import random
import re
import string
import subprocess
import sys
import textwrap

import pytest

from firmware_audit.refdata import domains


@pytest.mark.parametrize(
    ("host", "registered", "suffix"),
    [
        ("p2p1.reolink.com", "reolink.com", "com"),
        ("a.b.co.uk", "b.co.uk", "co.uk"),
        ("x.blogspot.com", "blogspot.com", "com"),  # private suffixes are not used
        ("libc.so", "libc.so", "so"),
    ],
)
def test_split(host, registered, suffix) -> None:
    found = domains.split(host)
    assert found is not None
    assert (found.registered, found.suffix) == (registered, suffix)


@pytest.mark.parametrize("host", ["config.bin", "localhost", "1.2.3.4", "co.uk", "camera.local"])
def test_no_registrable_domain(host) -> None:
    assert domains.split(host) is None


def test_refdata_is_the_bundled_snapshot_and_its_date() -> None:
    ref = domains.refdata()
    assert ref.name.startswith("Public Suffix List (tldextract ")
    assert "snapshot" in ref.name
    year, month, day = ref.date.split("-")
    assert len(year) == 4
    assert 1 <= int(month) <= 12
    assert 1 <= int(day) <= 31


def test_the_suffix_list_is_read_without_network_or_cache_files(tmp_path) -> None:
    """tldextract is built so that it has no URL to fetch and no cache to read or write."""
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise AssertionError("network access")

        socket.socket.connect = refuse
        socket.getaddrinfo = refuse
        socket.create_connection = refuse
        from firmware_audit.refdata import domains
        assert domains.split("pub-cfg.secu100.net").registered == "secu100.net"
        print("ok")
        """
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("TLDEXTRACT_CACHE", None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert list(tmp_path.rglob("*")) == []  # nothing was cached anywhere under HOME


def _hosts() -> list[str]:
    """Names under listed suffixes, wildcard and exception rules, IDNA labels, and made-up last labels."""
    rng = random.Random(1)
    last = sorted(domains._last_labels())
    alphabet = string.ascii_lowercase + string.digits + "-"
    hosts = [
        "1.2.3.4",
        "localhost",
        "com",
        "a..com",
        ".com",
        "a.com.",
        "A.COM",
        "a.xn--p1ai",
        "é.com",
        "a.рф",
    ]
    for _ in range(20_000):
        labels = [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 4))
        ]
        pick = rng.random()
        if pick < 0.5:
            labels.append(rng.choice(last))
        elif pick < 0.6:
            labels.append("xn--" + labels[-1])
        elif pick < 0.7:
            labels.append(rng.choice(["co.uk", "ck", "www.ck", "kawasaki.jp", "city.kawasaki.jp"]))
        hosts.append(".".join(labels))
    return hosts


def test_split_is_tldextracts_answer_for_any_name() -> None:
    hosts = _hosts()
    found = [domains.split(host) for host in hosts]
    parts = [domains._extractor().extract_str(host) for host in hosts]
    expected = [
        domains.Split(p.subdomain, p.domain, p.suffix) if p.suffix and p.domain else None for p in parts
    ]
    assert found == expected
    assert 1000 < found.count(None) < len(found) - 1000


def test_a_name_ending_in_a_label_no_suffix_ends_has_no_registrable_domain() -> None:
    hosts = _hosts()
    # (A name written with a final dot ends in the label before it, as tldextract reads it.)
    ends = [domains.may_end_a_name(host.rstrip(".").rpartition(".")[2]) for host in hosts]
    assert all(domains.split(host) is None for host, end in zip(hosts, ends, strict=True) if not end)
    assert 500 < ends.count(False) < len(ends) - 500
    assert domains.may_end_a_name("COM")
    assert domains.may_end_a_name("xn--fiqs8s")  # 中国, which tldextract reads decoded
    assert not domains.may_end_a_name("bin")


def test_the_last_label_pattern_matches_exactly_the_suffixes_last_labels() -> None:
    pattern = re.compile(domains.last_label_pattern(), re.IGNORECASE)
    labels = {label for label in domains._last_labels() if label.isascii()}
    rng = random.Random(11)
    words = [label for label in labels for label in (label, label[:-1], label + "a", label.upper())]
    alphabet = string.ascii_lowercase + string.digits + "-"
    words += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(50_000)]
    assert [bool(pattern.fullmatch(w)) for w in words] == [w.lower() in labels for w in words]
    assert sum(w in labels for w in words) > 1000
