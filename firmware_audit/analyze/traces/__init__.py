"""Rebranding, credential and certificate traces: what tells who really made a firmware.

One small analyzer per kind of trace, each reading its table of `signatures/traces/`:

* `passwd` — published root password hashes, accounts without a password, vendor login shells;
* `accounts` — published default user and password pairs in configuration and binaries;
* `strings` — vendor strings: service banners, web-UI titles and plug-ins, board paths, boot prompts,
  flash controllers, boot-loader defaults, recovery names, chip identification strings;
* `files` — vendor file names: language packs, plug-ins, layout members, kernel modules;
* `product` — product definition files and the identity written in them;
* `toolchain` — vendor compiler banners (the SDK analyzer's toolchain table);
* `build` — build hosts and build paths that name a maker;
* `timezone` — default time zones of OEM regions;
* `certificates` — X.509 certificates and private keys, PEM or DER;
* `onvif` — ONVIF manufacturer and model strings;
* `mac` — default MAC addresses in a maker's block.

P2P device-ID prefixes are traces too; the endpoint analyzer finds them with the init strings.
`finalize` is the image-level step: it names the certificate each private key belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.analyze.traces.accounts import DefaultAccountAnalyzer
from firmware_audit.analyze.traces.build import BuildTraceAnalyzer
from firmware_audit.analyze.traces.certificates import CertificateAnalyzer, link_keys
from firmware_audit.analyze.traces.files import VendorFileAnalyzer
from firmware_audit.analyze.traces.mac import DefaultMacAnalyzer
from firmware_audit.analyze.traces.onvif import OnvifIdentityAnalyzer
from firmware_audit.analyze.traces.passwd import AccountDatabaseAnalyzer
from firmware_audit.analyze.traces.product import ProductDefinitionAnalyzer
from firmware_audit.analyze.traces.strings import VendorStringAnalyzer
from firmware_audit.analyze.traces.timezone import TimeZoneAnalyzer
from firmware_audit.analyze.traces.toolchain import ToolchainAnalyzer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.analyze.base import Analyzer
    from firmware_audit.model import Finding

TRACE_ANALYZERS: tuple[Analyzer, ...] = (
    AccountDatabaseAnalyzer(),
    DefaultAccountAnalyzer(),
    VendorStringAnalyzer(),
    VendorFileAnalyzer(),
    ProductDefinitionAnalyzer(),
    ToolchainAnalyzer(),
    BuildTraceAnalyzer(),
    TimeZoneAnalyzer(),
    CertificateAnalyzer(),
    OnvifIdentityAnalyzer(),
    DefaultMacAnalyzer(),
)
"""The trace analyzers, in the order they run."""


def finalize(findings: Sequence[Finding]) -> list[Finding]:
    """The image-level step over all findings: link private keys to their certificates."""
    return link_keys(findings)


__all__ = [
    "TRACE_ANALYZERS",
    "AccountDatabaseAnalyzer",
    "BuildTraceAnalyzer",
    "CertificateAnalyzer",
    "DefaultAccountAnalyzer",
    "DefaultMacAnalyzer",
    "OnvifIdentityAnalyzer",
    "ProductDefinitionAnalyzer",
    "TimeZoneAnalyzer",
    "ToolchainAnalyzer",
    "VendorFileAnalyzer",
    "VendorStringAnalyzer",
    "finalize",
]
