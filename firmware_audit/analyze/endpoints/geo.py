"""Where an endpoint is and who runs it: vendor data first, then the ccTLD, then GeoIP for addresses.

Country bases, strongest first: `vendor-data` (the vendor's country, from a sourced row),
`cctld` (the host's country-code TLD, unless that TLD is used generically), `geoip` (the offline
GeoLite2 location of an address). Host names are never resolved, so a name outside the vendor data
and under a generic TLD has no country. The operator of an address is the organisation of its
autonomous system, and its country comes from the operator table (the ASN data names no country).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.model import Evidence, Location
from firmware_audit.refdata import geo

if TYPE_CHECKING:
    from firmware_audit.signatures.endpoints import EndpointData

VENDOR_DATA = "vendor-data"
CCTLD = "cctld"
GEOIP = "geoip"


@dataclass(frozen=True, slots=True)
class Place:
    """Country and operator of an endpoint, with the basis of the country.

    Attributes:
        country: ISO 3166-1 alpha-2 code, if known.
        basis: `vendor-data`, `cctld` or `geoip`.
        operator: The network operator of an address (ASN organisation), if known.
        operator_country: The country of the operator's headquarters, if the operator table has it.
        location: For an address the vendor data attributes: where GeoIP puts it (as evidence).
    """

    country: str | None = None
    basis: str | None = None
    operator: str | None = None
    operator_country: str | None = None
    location: str | None = None

    def evidence(self, path: str, offset: int | None) -> Evidence | None:
        """The GeoIP view of an address whose country came from somewhere else, as evidence."""
        if self.location is None:
            return None
        return Evidence(kind="geoip", value=self.location, location=Location(path=path, offset=offset))


def locate(host: str, *, is_ip: bool, vendor_country: str | None, data: EndpointData) -> Place:
    """The country and operator of a public endpoint (reserved ones are not located at all)."""
    if not is_ip:
        if vendor_country is not None:
            return Place(country=vendor_country, basis=VENDOR_DATA)
        tld = host.rsplit(".", 1)[-1]
        if len(tld) == 2 and tld not in data.generic_tlds:
            return Place(country=data.tld_aliases.get(tld, tld.upper()), basis=CCTLD)
        return Place()
    info = geo.lookup(host)
    operator = data.operator(info.operator) if info.operator else None
    operator_name = f"{operator.name} ({info.operator})" if operator else info.operator
    operator_country = operator.country if operator else None
    if vendor_country is not None:
        shown = ", ".join(x for x in (info.country, info.operator, info.network) if x)
        return Place(
            country=vendor_country,
            basis=VENDOR_DATA,
            operator=operator_name,
            operator_country=operator_country,
            location=f"GeoLite2 places {host} in {shown}" if shown else None,
        )
    if info.country is None:
        return Place(operator=operator_name, operator_country=operator_country)
    return Place(country=info.country, basis=GEOIP, operator=operator_name, operator_country=operator_country)
