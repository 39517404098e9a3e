"""Default time zones of OEM regions.

The zone a firmware sets out of the box: `/etc/TZ`, `/etc/timezone`, the POSIX footer of
`/etc/localtime`, `TZ=` assignments, `TimeZone` configuration keys.

Only zones of `traces/locale.toml` are reported: a default zone is a trace of where the firmware was
made when it is an OEM region's (UTC+8, China Standard Time), and says nothing otherwise. The finding
names countries, never a vendor.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    file_name,
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
    from firmware_audit.signatures.traces import TimeZone

RULE = "trace/time-zone"
ZONE_FILES = frozenset({"TZ", "timezone"})
"""Files whose first line is the zone (`/etc/TZ` of uClibc and BusyBox systems, Debian's `/etc/timezone`)."""
LOCALTIME = "localtime"
MAX_ZONE_FILE = 4096
_SETTING = re.compile(
    r"""(?:\bTZ=|["']?\b(?:time_?zone|TZ)["']?\s*[:=]\s*["']?|<(?:\w+:)?(?:timeZone|TZ)>)"""
    r"""(?P<value>[A-Za-z0-9:+\-/_,.]{2,64})""",
    re.IGNORECASE,
)


class TimeZoneAnalyzer(ContentTrace):
    """Default time zones of OEM regions."""

    name: ClassVar[str] = "trace-timezone"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (
        matching.Patterns("trace-timezone", lambda: (_SETTING,)),
    )

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per zone setting of an OEM region in this file."""
        if has_members(ctx):
            return
        name = file_name(ctx)
        settings: list[tuple[str, int, str]] = []
        if name in ZONE_FILES and ctx.node.size <= MAX_ZONE_FILE:
            first = ctx.data().split(b"\n", 1)[0].decode("ascii", "replace").strip()
            settings.append((first, 0, f"the content of {name}"))
        elif name == LOCALTIME and ctx.data()[:4] == b"TZif":
            # A TZif file (RFC 8536) ends with the POSIX TZ string of the zone between newlines.
            footer = ctx.data().rstrip(b"\n").rsplit(b"\n", 1)[-1]
            offset = ctx.node.size - len(footer) - 1
            settings.append((footer.decode("ascii", "replace"), offset, "the POSIX footer of localtime"))
        else:
            for text in ctx.candidates(_SETTING):
                for match in _SETTING.finditer(text.value):
                    offset = text.offset + match.start("value") * (2 if text.wide else 1)
                    settings.append((match.group("value"), offset, clip(text.value)))
        seen: set[str] = set()
        for value, offset, context in settings:
            zone = next((z for z in signatures().timezones if z.pattern.fullmatch(value)), None)
            if zone is not None and value not in seen:
                seen.add(value)
                yield _finding(ctx, zone, value, offset, context)


def _finding(ctx: FileContext, zone: TimeZone, value: str, offset: int, context: str) -> Finding:
    countries = ", ".join(zone.countries)
    return trace_finding(
        ctx,
        rule=RULE,
        key=value,
        kind="time-zone",
        title=f"default time zone {value} (UTC{zone.utc_offset}, {countries})",
        detail=f"default time zone {value}: UTC{zone.utc_offset}, the legal time of {countries}",
        evidence=(
            source_evidence(ctx, zone.id, zone.sources),
            Evidence(
                kind="setting",
                value=value,
                location=Location(path=ctx.node.path, offset=offset),
                context=context,
            ),
        ),
        vendor_country=zone.countries[0] if len(zone.countries) == 1 else None,
        severity=Severity.INFO,
        confidence=0.6,
        offset=offset,
    )
