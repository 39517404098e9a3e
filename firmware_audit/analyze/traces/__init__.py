"""Rebranding, credential and certificate traces: what tells who really made a firmware.

One small analyzer per kind of trace, each reading its table of `signatures/traces/`:

* `passwd` — published root password hashes, accounts without a password, vendor login shells;
* `accounts` — published default user and password pairs in configuration and binaries;
* `strings` — vendor strings: service banners, web-UI titles and plug-ins, board paths, boot prompts,
  flash controllers, boot-loader defaults, recovery names, chip identification strings;
* `files` — vendor file names: language packs, plug-ins, layout members, kernel modules;
* `product` — product definition files and the identity written in them;
* `build` — build hosts and build paths that name a maker;
* `timezone` — default time zones of OEM regions;
* `certificates` — X.509 certificates and private keys, PEM or DER;
* `onvif` — ONVIF manufacturer and model strings;
* `mac` — default MAC addresses in a maker's block;
* `organisations` — makers, brands and chip organisations named in copyright lines, banners, titles,
  kernel module authors, domains and text, and organisations the maker base does not know;
* `buildenv` — the build environment: compilers, build banners and dates, build users, CI jobs,
  version-control leftovers, kernel releases;
* `nodes` — vendor-named kernel nodes and devices (`/proc/dahua`, `/dev/xm_watchdog`);
* `release` — distribution identity files (`/etc/openwrt_release`, `/etc/os-release`);
* `models` — product model numbers of the maker base's makers;
* `hashes` — crypt hashes and sofia digests in programs and configuration, tested against the
  published default passwords;
* `startup` — login services and vendor programs that init scripts start;
* `language` — UI language packs and the market they point to.

P2P device-ID prefixes are traces too; the endpoint analyzer finds them with the init strings. A chip
maker's toolchain banner is no trace of its own: the SDK analyzer reports it once, as the `chip/toolchain`
clue to the SoC.
`finalize` is the image-level step: it names the certificate each private key belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.analyze.traces.accounts import DefaultAccountAnalyzer
from firmware_audit.analyze.traces.build import BuildTraceAnalyzer
from firmware_audit.analyze.traces.buildenv import BuildEnvironmentAnalyzer
from firmware_audit.analyze.traces.certificates import CertificateAnalyzer, link_keys
from firmware_audit.analyze.traces.files import VendorFileAnalyzer
from firmware_audit.analyze.traces.hashes import EmbeddedHashAnalyzer
from firmware_audit.analyze.traces.language import LanguagePackAnalyzer
from firmware_audit.analyze.traces.mac import DefaultMacAnalyzer
from firmware_audit.analyze.traces.models import ProductModelAnalyzer
from firmware_audit.analyze.traces.nodes import VendorNodeAnalyzer
from firmware_audit.analyze.traces.onvif import OnvifIdentityAnalyzer
from firmware_audit.analyze.traces.organisations import OrganisationAnalyzer
from firmware_audit.analyze.traces.passwd import AccountDatabaseAnalyzer
from firmware_audit.analyze.traces.product import ProductDefinitionAnalyzer
from firmware_audit.analyze.traces.release import DistributionAnalyzer
from firmware_audit.analyze.traces.startup import StartupAnalyzer
from firmware_audit.analyze.traces.strings import VendorStringAnalyzer
from firmware_audit.analyze.traces.timezone import TimeZoneAnalyzer

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
    BuildTraceAnalyzer(),
    TimeZoneAnalyzer(),
    CertificateAnalyzer(),
    OnvifIdentityAnalyzer(),
    DefaultMacAnalyzer(),
    OrganisationAnalyzer(),
    BuildEnvironmentAnalyzer(),
    VendorNodeAnalyzer(),
    DistributionAnalyzer(),
    ProductModelAnalyzer(),
    EmbeddedHashAnalyzer(),
    StartupAnalyzer(),
    LanguagePackAnalyzer(),
)
"""The trace analyzers, in the order they run."""


def finalize(findings: Sequence[Finding]) -> list[Finding]:
    """The image-level step over all findings: link private keys to their certificates."""
    return link_keys(findings)


__all__ = [
    "TRACE_ANALYZERS",
    "AccountDatabaseAnalyzer",
    "BuildEnvironmentAnalyzer",
    "BuildTraceAnalyzer",
    "CertificateAnalyzer",
    "DefaultAccountAnalyzer",
    "DefaultMacAnalyzer",
    "DistributionAnalyzer",
    "EmbeddedHashAnalyzer",
    "LanguagePackAnalyzer",
    "OnvifIdentityAnalyzer",
    "OrganisationAnalyzer",
    "ProductDefinitionAnalyzer",
    "ProductModelAnalyzer",
    "StartupAnalyzer",
    "TimeZoneAnalyzer",
    "VendorFileAnalyzer",
    "VendorNodeAnalyzer",
    "VendorStringAnalyzer",
    "finalize",
]
