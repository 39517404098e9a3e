"""MAC address blocks: who registered an OUI, from the IEEE MA-L registry that netaddr ships.

Offline, like every reference data set: netaddr reads its bundled copy of the registry, never the
network.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

import netaddr

from firmware_audit.model import RefData

_RELEASED = {"1.3.0": "2024-05"}
"""When each netaddr release (and so its copy of the registry) was published."""


@dataclass(frozen=True, slots=True)
class Registrant:
    """The organisation an OUI is registered to.

    Attributes:
        oui: The block, as `00-12-41`.
        organisation: The registrant's name as the registry writes it.
        country: ISO 3166-1 alpha-2 code of its registered address, when the registry gives one.
    """

    oui: str
    organisation: str
    country: str | None


def registrant(mac: str) -> Registrant | None:
    """Who registered the OUI of a MAC address; None when it is not a registered, globally unique one."""
    try:
        eui = netaddr.EUI(mac)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        return None
    first = eui.words[0]
    if first & 0b11:  # multicast or locally administered: no registrant
        return None
    try:
        registration = eui.oui.registration()
    except netaddr.NotRegisteredError:
        return None
    lines = [line.strip() for line in registration.address]
    country = lines[-1] if lines and len(lines[-1]) == 2 and lines[-1].isalpha() else None
    return Registrant(oui=str(eui.oui), organisation=registration.org.strip(), country=country)


def refdata() -> RefData:
    """Name and date of the OUI registry copy."""
    version = metadata.version("netaddr")
    return RefData(
        name=f"IEEE MA-L (OUI) registry via netaddr {version}", date=_RELEASED.get(version, "unknown")
    )
