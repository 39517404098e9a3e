"""IP address to country and network operator, from the GeoLite2 data geoip2fast ships in its wheel.

`geoip2fast-asn-ipv6.dat.gz` holds GeoLite2 Country and ASN for IPv4 and IPv6. It is loaded on the
first lookup only (about 0.2 s and 100 MB), so audits that meet no public address never pay for it;
its name and date are read from the first bytes of the file instead. geoip2fast unpickles its own data
file from the installed package (never anything from an image) and keeps it in module globals, so
one database is loaded per process.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import geoip2fast

from firmware_audit.model import RefData

DATA_FILE = "geoip2fast-asn-ipv6.dat.gz"
_SOURCE = re.compile(rb"MAXMIND:([A-Za-z0-9-]+?)-(\d{4})(\d{2})(\d{2})")
_NO_COUNTRY = frozenset({"", "--"})
_NO_OPERATOR = frozenset({"", "IANA.ORG"})


@dataclass(frozen=True, slots=True)
class IpInfo:
    """What the offline database says about one address.

    Attributes:
        country: ISO 3166-1 alpha-2 code of where the address is located, if known.
        operator: Name of the organisation of the autonomous system announcing it, if known.
        network: The ASN record's network (CIDR), if known.
    """

    country: str | None
    operator: str | None
    network: str | None


def _path() -> Path:
    return Path(geoip2fast.__file__).parent / DATA_FILE


@cache
def _database() -> Any:  # noqa: ANN401  (geoip2fast has no type information)
    return geoip2fast.GeoIP2Fast(verbose=False, geoip2fast_data_file=str(_path()))


def load() -> None:
    """Read the database now rather than at the first lookup (worker processes forked after share it)."""
    _database()


@lru_cache(maxsize=65536)
def lookup(address: str) -> IpInfo:
    """Country and operator of an IPv4 or IPv6 address (fields None when the database has nothing)."""
    result = _database().lookup(address)
    country = str(result.country_code or "")
    operator = str(getattr(result, "asn_name", "") or "")
    network = str(getattr(result, "asn_cidr", "") or "")
    return IpInfo(
        country=None if country in _NO_COUNTRY or bool(result.is_private) else country.upper(),
        operator=None if operator in _NO_OPERATOR else operator,
        network=network or None,
    )


@cache
def refdata() -> RefData:
    """Name and date of the GeoIP data set, read from the head of the file without loading it."""
    version = metadata.version("geoip2fast")
    try:
        with gzip.open(_path(), "rb") as fh:
            head = fh.read(256)
    except OSError:
        return RefData(name=f"GeoLite2 via geoip2fast {version} ({DATA_FILE} missing)", date="unknown")
    found = _SOURCE.search(head)
    if found is None:
        return RefData(name=f"GeoLite2 via geoip2fast {version} ({DATA_FILE})", date="unknown")
    name, year, month, day = (part.decode() for part in found.groups())
    return RefData(name=f"MaxMind {name} via geoip2fast {version}", date=f"{year}-{month}-{day}")
