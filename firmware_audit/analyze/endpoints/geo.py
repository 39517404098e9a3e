"""Where an endpoint is and who runs it: vendor data first, then the ccTLD, then GeoIP for addresses.

Country bases, strongest first: `cloud-region` (a cloud host name that names its region, such as
`ec2-….ap-southeast-1.compute.amazonaws.com`: the region's data-centre country, the cloud as the
operator), `vendor-data` (the vendor's country, from a sourced row), `cloud-operator` (a host under
a cloud or CDN domain that names no region: the operator's country), `cctld` (the host's
country-code TLD, unless that TLD is used generically), `geoip` (the offline GeoLite2 location of
an address). Host names are never resolved, so a name outside the vendor data
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

CLOUD_REGION = "cloud-region"
CLOUD_OPERATOR = "cloud-operator"
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
        location: For an address the vendor data attributes: where GeoIP puts it; for a cloud host,
            the region its name gives (as evidence).
        location_kind: The evidence kind of `location` (`geoip` or `cloud-region`).
    """

    country: str | None = None
    basis: str | None = None
    operator: str | None = None
    operator_country: str | None = None
    location: str | None = None
    location_kind: str = "geoip"

    def evidence(self, path: str, offset: int | None) -> Evidence | None:
        """The GeoIP view of an address whose country came from somewhere else, as evidence."""
        if self.location is None:
            return None
        where = Location(path=path, offset=offset)
        return Evidence(kind=self.location_kind, value=self.location, location=where)


def locate(host: str, *, is_ip: bool, vendor_country: str | None, data: EndpointData) -> Place:
    """The country and operator of a public endpoint (reserved ones are not located at all)."""
    if not is_ip:
        return _locate_name(host, vendor_country, data)
    return _locate_address(host, vendor_country, data)


def _locate_name(host: str, vendor_country: str | None, data: EndpointData) -> Place:
    cloud = data.cloud(host)
    region = cloud.region(host) if cloud else None
    if cloud is not None and region is not None:
        return Place(
            country=region[1],
            basis=CLOUD_REGION,
            operator=cloud.name,
            operator_country=cloud.country,
            location=f"{host} names region {region[0]} of {cloud.name} (data centres in {region[1]})",
            location_kind=CLOUD_REGION,
        )
    if vendor_country is not None:
        return Place(country=vendor_country, basis=VENDOR_DATA)
    if cloud is not None:
        operator = {"operator": cloud.name, "operator_country": cloud.country}
        return Place(country=cloud.country, basis=CLOUD_OPERATOR, **operator)
    tld = host.rsplit(".", 1)[-1]
    if len(tld) == 2 and tld not in data.generic_tlds:
        return Place(country=data.tld_aliases.get(tld, tld.upper()), basis=CCTLD)
    return Place()


def _locate_address(host: str, vendor_country: str | None, data: EndpointData) -> Place:
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
