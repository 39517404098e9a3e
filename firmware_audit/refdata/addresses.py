"""Addresses and names that are not on the public Internet: they are kept, but never judged foreign.

The ranges are the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates)
entries that are not globally reachable, plus multicast (RFC 5771, RFC 4291). Python's `ipaddress`
flags are not used because their coverage changes between Python versions (3.11 calls
192.0.0.128 global). Reserved names are RFC 2606 and RFC 6761 (`example.*`, `.test`, `.invalid`,
`.localhost`, `.local` of RFC 6762).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

_V4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "protocol-assignment"),
    ("192.0.2.0/24", "documentation"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
)
"""Most specific first: the first range that holds an address names it."""
_V6: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("100::/64", "discard"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("fc00::/7", "private"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
)
_NETWORKS = tuple((ipaddress.ip_network(net), why) for net, why in (*_V4, *_V6))

_EXAMPLE_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local"})


@lru_cache(maxsize=65536)
def reserved_address(address: str) -> str | None:
    """Why an IP address is not public (`private`, `loopback`, `documentation` ...), or None."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return reserved_address(str(ip.ipv4_mapped))
    for network, why in _NETWORKS:
        if ip.version == network.version and ip in network:
            return why
    return None


def reserved_name(host: str) -> str | None:
    """`documentation` for RFC 2606 / 6761 names (`www.example.com`, `cam.test`), else None."""
    labels = host.rstrip(".").split(".")
    if labels[-1] in _RESERVED_TLDS or ".".join(labels[-2:]) in _EXAMPLE_DOMAINS:
        return "documentation"
    return None
