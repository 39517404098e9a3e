"""Offline reference data: the public suffix list, IP geolocation and ASNs, reserved ranges, OUIs.

Every data set ships with a package and is read from disk, never fetched: an audit does not touch
the network. `used()` names each data set and its date for `Report.refdata`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.refdata import domains, geo, oui

if TYPE_CHECKING:
    from firmware_audit.model import RefData


def used() -> tuple[RefData, ...]:
    """The offline data sets every audit relies on, with their dates."""
    return (domains.refdata(), geo.refdata(), oui.refdata())


__all__ = ["used"]
