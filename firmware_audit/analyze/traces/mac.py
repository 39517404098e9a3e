"""Default MAC addresses in a camera maker's block.

The address a boot loader or configuration gives every unit out of the box (`ethaddr=` in a U-Boot
environment, `mac=`, `"MAC": "..."`), and who registered its block.

Reported when the IEEE registrant is a maker of the maker base (`makers/makers.toml`). OEMs also use
blocks registered to unrelated companies (Xiongmai used Protechna's, Koenig & Bauer's, Metrohm's and Cisco's,
rebranding-traces.md 8), so a registrant that is no maker says nothing about who built the device.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    has_members,
    source_evidence,
    trace_finding,
)
from firmware_audit.model import Evidence, Location
from firmware_audit.refdata import oui
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding

RULE = "trace/mac-oui"
_SETTING = re.compile(
    r"""["']?\b(?:ethaddr|eth1addr|wifiaddr|hwaddr|mac_?addr(?:ess)?|mac)["']?\s*[=:]\s*["']?"""
    r"""(?P<mac>[0-9A-Fa-f]{2}(?P<sep>[:-])[0-9A-Fa-f]{2}(?:(?P=sep)[0-9A-Fa-f]{2}){4})(?![0-9A-Fa-f:-])""",
    re.IGNORECASE,
)
SOURCES = (
    "IEEE MA-L registry (as netaddr ships it)",
    (
        "rebranding-traces.md 8: SEC Consult via https://www.golem.de/news/"
        "xiongmai-millionen-iot-kameras-immer-noch-angreifbar-im-netz-1810-137037-2.html"
    ),
)


class DefaultMacAnalyzer(ContentTrace):
    """Default MAC addresses whose block a camera maker registered."""

    name: ClassVar[str] = "trace-mac"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (matching.Patterns("trace-mac", lambda: (_SETTING,)),)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per default MAC address of a maker's block in this file."""
        if has_members(ctx):
            return
        seen: set[str] = set()
        for text in ctx.candidates(_SETTING):
            for match in _SETTING.finditer(text.value):
                mac = match.group("mac").upper().replace("-", ":")
                if mac in seen:
                    continue
                seen.add(mac)
                owner = oui.registrant(mac)
                maker = signatures().maker(owner.organisation) if owner is not None else None
                if owner is None or maker is None:
                    continue
                offset = text.offset + match.start("mac") * (2 if text.wide else 1)
                yield trace_finding(
                    ctx,
                    rule=RULE,
                    key=mac,
                    kind="mac-oui",
                    title=f"default MAC address {mac} in {maker.name}'s block {owner.oui}",
                    detail=(
                        f"default MAC address {mac}: block {owner.oui} is registered to "
                        f"{owner.organisation} ({owner.country or 'no country given'})"
                    ),
                    evidence=(
                        source_evidence(ctx, f"OUI {owner.oui}: {owner.organisation}", SOURCES),
                        Evidence(
                            kind="setting",
                            value=clip(match.group()),
                            location=Location(path=ctx.node.path, offset=offset),
                            context=clip(text.value),
                        ),
                    ),
                    vendor=maker.name,
                    vendor_country=owner.country,
                    offset=offset,
                )
