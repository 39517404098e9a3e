import os
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
