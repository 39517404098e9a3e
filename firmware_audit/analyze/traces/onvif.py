"""ONVIF identity strings that name a camera maker.

The manufacturer, model, firmware and hardware a device answers `GetDeviceInformation` with, and its
discovery scopes (`onvif://www.onvif.org/name/...`).

The field names are the ONVIF Device Management service's (devicemgmt.wsdl) and the scope URIs the
ONVIF Core Specification's. Reported when the manufacturer or a name scope names a camera maker of
the maker base (`makers/makers.toml`): the domain's table of OEM manufacturer strings (`H264` for Xiongmai) is
unverified and not used, and a brand of its own (`MUSTERCAM`) is no trace of anyone else. A location
scope (`onvif://www.onvif.org/location/country/china`) is the market it was configured for: reported
with the identity beside it (a Xiongmai configuration's `"BrandInfo"`), naming no maker.
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
from firmware_audit.model import Evidence, Location, Severity
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding

RULE = "trace/onvif-identity"
SOURCES = (
    "ONVIF Device Management Service WSDL (www.onvif.org/ver10/device/wsdl): GetDeviceInformationResponse",
    "ONVIF Core Specification, 7.3.2.2 Scopes (onvif://www.onvif.org/name/, /hardware/)",
)
_FIELD = re.compile(
    r"<(?:\w+:)?(?P<field>Manufacturer|Model|FirmwareVersion|HardwareId)>(?P<value>[^<>]{1,80})</(?:\w+:)?(?P=field)>"
)
_SCOPE = re.compile(
    r"onvif://www\.onvif\.org/(?P<field>name|hardware|location/country)/(?P<value>[^\s\"'<>]{1,80})"
)
_BRAND = re.compile(r"\"(?P<field>BrandInfo)\"\s*:\s*\"(?P<value>[^\"\n]{1,80})\"")
"""The manufacturer an ONVIF service answers with, as a camera's ONVIF configuration stores it."""
_PATTERNS = (_FIELD, _SCOPE, _BRAND)
_IDENTITY_WORDS = re.compile(r"(?i:onvif)|Manufacturer|Model|BrandInfo")
"""What a string must hold to be read for identity fields (a lone `<FirmwareVersion>` is not)."""
_NAMING = frozenset({"Manufacturer", "name"})
"""The fields that name who made the device (the others say which one it is)."""


class OnvifIdentityAnalyzer(ContentTrace):
    """ONVIF device information and scopes that name a camera maker."""

    name: ClassVar[str] = "trace-onvif"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (matching.Patterns("trace-onvif", lambda: _PATTERNS),)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per file whose ONVIF identity names a maker."""
        if has_members(ctx):
            return
        fields: list[tuple[str, str, int]] = []
        texts = ctx.strings()
        for index in sorted({i for pattern in _PATTERNS for i in ctx.candidate_indices(pattern)}):
            text = texts[index]
            if not _IDENTITY_WORDS.search(text.value):
                continue
            for pattern in _PATTERNS:
                for match in pattern.finditer(text.value):
                    offset = text.offset + match.start() * (2 if text.wide else 1)
                    value = match.group("value").strip().replace("%20", " ")
                    fields.append((match.group("field"), value, offset))
        makers = [m for f, value, _ in fields if f in _NAMING for m in signatures().makers_named_in(value)]
        if not makers:
            yield from _location(ctx, fields)
            return
        maker = makers[0]
        shown = list(dict.fromkeys(f"{f}: {v}" for f, v, _ in fields))
        evidence = [source_evidence(ctx, "ONVIF identity fields", SOURCES)]
        evidence += [
            Evidence(kind="onvif", value=f"{f}: {v}", location=Location(path=ctx.node.path, offset=o))
            for f, v, o in fields
        ]
        yield trace_finding(
            ctx,
            rule=RULE,
            key=maker.name,
            kind="onvif",
            title=clip(f"ONVIF identity of {maker.name}: {', '.join(shown)}", 120),
            detail=f"ONVIF identity names {maker.name}: {'; '.join(shown)}",
            evidence=evidence,
            vendor=maker.name,
            offset=fields[0][2],
        )


def _location(ctx: FileContext, fields: list[tuple[str, str, int]]) -> Iterator[Finding]:
    """The country an ONVIF location scope declares, with the identity beside it (no maker named)."""
    countries = [(v, o) for f, v, o in fields if f == "location/country"]
    if not countries:
        return
    shown = list(dict.fromkeys(f"{f}: {v}" for f, v, _ in fields))
    title = f"ONVIF location scope onvif://www.onvif.org/location/country/{countries[0][0]}"
    yield trace_finding(
        ctx,
        rule=RULE,
        key=f"location\x00{countries[0][0]}",
        kind="onvif-location",
        title=title,
        detail=f"{title} ({'; '.join(shown)})",
        evidence=[
            source_evidence(ctx, "ONVIF discovery scopes", SOURCES),
            *(
                Evidence(kind="onvif", value=f"{f}: {v}", location=Location(path=ctx.node.path, offset=o))
                for f, v, o in fields
            ),
        ],
        severity=Severity.INFO,
        offset=countries[0][1],
    )
